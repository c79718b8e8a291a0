// The Flyers part of the one door to Handbill's core: preview a flyer (the
// core renders the PDF, so refusals come back naming their field), save it,
// open it in the system viewer, and ask the system's save dialog for a path.
// `Backend` extends this interface and the Tauri backend spreads `tauriFlyers`.
import { commandCaller } from "./invoke";
import { save } from "@tauri-apps/plugin-dialog";
import type { AppError } from "./bindings/AppError";
import type { FlyerContent } from "./bindings/FlyerContent";
import type { FlyerOptions } from "./bindings/FlyerOptions";
import type { FlyerPreview } from "./bindings/FlyerPreview";
import type { FlyerRequest } from "./bindings/FlyerRequest";
import type { Layout } from "./bindings/Layout";
import type { Paper } from "./bindings/Paper";
import type { Theme } from "./bindings/Theme";

export type { FlyerContent, FlyerOptions, FlyerPreview, FlyerRequest, Layout, Paper, Theme };

export interface FlyersBackend {
  /** Renders the flyer and describes it for the preview; rejects naming the field that cannot be printed. */
  flyerPreview(request: FlyerRequest): Promise<FlyerPreview>;
  /** Renders and writes the PDF; resolves to the path written. */
  saveFlyer(request: FlyerRequest, path: string): Promise<string>;
  /** Renders the PDF and opens it in the system's viewer; resolves to the file opened. */
  openFlyer(request: FlyerRequest): Promise<string>;
  /** The system's save dialog; null when the organizer cancels. */
  chooseFlyerPath(defaultPath: string): Promise<string | null>;
}

export function tauriFlyers(asAppError: (e: unknown) => AppError): FlyersBackend {
  const call = commandCaller(asAppError);
  return {
    flyerPreview: (request) => call("flyer_preview", { request }),
    saveFlyer: (request, path) => call("flyer_save", { request, path }),
    openFlyer: (request) => call("flyer_open", { request }),
    chooseFlyerPath: async (defaultPath) => {
      try {
        return await save({ defaultPath, filters: [{ name: "PDF", extensions: ["pdf"] }] });
      } catch (e) {
        throw asAppError(e);
      }
    },
  };
}
