// Calling one of Handbill's commands: a rejection comes back as the AppError
// the screens show. Each part of the backend makes its caller with the one
// `asAppError` of backend.ts (passed in, so the parts need not import it).
import { invoke } from "@tauri-apps/api/core";
import type { AppError } from "./bindings/AppError";

export type Call = <T>(command: string, args?: Record<string, unknown>) => Promise<T>;

export function commandCaller(asAppError: (e: unknown) => AppError): Call {
  return async <T>(command: string, args?: Record<string, unknown>): Promise<T> => {
    try {
      return await invoke<T>(command, args);
    } catch (e) {
      throw asAppError(e);
    }
  };
}
