// How the generated commands.ts reaches Tauri: `invoke`, with a rejection
// turned into the AppError the screens show. Nothing else calls `invoke`.
import { invoke } from "@tauri-apps/api/core";
import type { AppError } from "./bindings/AppError";

/** Whatever was thrown, as the `{code, message, fields}` the core sends. */
export function asAppError(e: unknown): AppError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const err = e as Partial<AppError>;
    return { code: err.code ?? "internal", message: String(err.message), fields: err.fields ?? [] };
  }
  return { code: "internal", message: e instanceof Error ? e.message : String(e), fields: [] };
}

/** A command whose arguments travel as JSON. */
export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw asAppError(e);
  }
}

/** A command that reads a file's bytes as the raw request body, not as a JSON array of numbers. */
export async function callRaw<T>(command: string, body: Uint8Array, headers: Record<string, string>): Promise<T> {
  try {
    return await invoke<T>(command, body, { headers });
  } catch (e) {
    throw asAppError(e);
  }
}
