// The Flyers part of the one door to Handbill's core: preview a flyer (the
// core renders the PDF, so refusals come back naming their field, and draws
// its first page; the others are drawn as the organizer turns to them), save it,
// open it in the system viewer, and save it where the organizer points the
// system's save dialog (opened on the Rust side: the page names no file);
// an event's sign-in sheet, saved the same way; and an image of an event or
// a tour for social media, saved the same way with its alt text beside it.
// `Backend` extends this interface and the Tauri backend spreads `tauriFlyers`.
import * as commands from "./commands";
import type { FlyerContent } from "./bindings/FlyerContent";
import type { FlyerOptions } from "./bindings/FlyerOptions";
import type { FlyerPage } from "./bindings/FlyerPage";
import type { FlyerPreview } from "./bindings/FlyerPreview";
import type { FlyerRequest } from "./bindings/FlyerRequest";
import type { ImageFormat } from "./bindings/ImageFormat";
import type { ImageRequest } from "./bindings/ImageRequest";
import type { Layout } from "./bindings/Layout";
import type { Paper } from "./bindings/Paper";
import type { SavedImage } from "./bindings/SavedImage";
import type { SigninRequest } from "./bindings/SigninRequest";
import type { Theme } from "./bindings/Theme";

export type {
  FlyerContent,
  FlyerOptions,
  FlyerPage,
  FlyerPreview,
  FlyerRequest,
  ImageFormat,
  ImageRequest,
  Layout,
  Paper,
  SavedImage,
  SigninRequest,
  Theme,
};

export interface FlyersBackend {
  /** Renders the flyer and describes it for the preview; rejects naming the field that cannot be printed. */
  flyerPreview(request: FlyerRequest): Promise<FlyerPreview>;
  /** Draws page `page` (counted from 0) of the flyer, as the preview turns to it. */
  flyerPage(request: FlyerRequest, page: number): Promise<FlyerPage>;
  /** Renders the PDF and writes it to the file picked in the save dialog, which
   * starts from `suggested` (a file name or a typed path); the path written, or
   * null when the dialog was closed. */
  saveFlyer(request: FlyerRequest, suggested: string): Promise<string | null>;
  /** Renders the PDF and opens it in the system's viewer; resolves to the file opened. */
  openFlyer(request: FlyerRequest): Promise<string>;
  /** The layout, paper, colour and tear-offs last chosen for this event (the defaults when none). */
  flyerChoices(eventId: number): Promise<FlyerOptions>;
  /** Keeps the choices made for this event, for the next time its flyer is opened. */
  rememberFlyerChoices(eventId: number, options: FlyerOptions): Promise<FlyerOptions>;
  /** Draws the event's sign-in sheet and writes it to the file picked in the save
   * dialog (which suggests its name); the path written, or null when the dialog was
   * closed. Rejects a cancelled event, or rows out of range, naming the field. */
  saveSigninSheet(request: SigninRequest): Promise<string | null>;
  /** Draws the event's or tour's image for social media (1080×1080, 1080×1350 or 1080×1920)
   * and writes it to the file picked in the save dialog (which suggests its name), with its
   * alt text beside it (FILE.alt.txt); where both went and the alt text, or null when the
   * dialog was closed. Rejects naming the field that does not fit. */
  saveSocialImage(request: ImageRequest): Promise<SavedImage | null>;
}

export function tauriFlyers(): FlyersBackend {
  return {
    flyerPreview: (request) => commands.flyer_preview({ request }),
    flyerPage: (request, page) => commands.flyer_page({ request, page }),
    saveFlyer: (request, suggested) => commands.flyer_save({ request, suggested }),
    openFlyer: (request) => commands.flyer_open({ request }),
    flyerChoices: (eventId) => commands.flyer_choices({ eventId }),
    rememberFlyerChoices: (eventId, options) => commands.flyer_remember_choices({ eventId, options }),
    saveSigninSheet: (request) => commands.signin_sheet_save({ request }),
    saveSocialImage: (request) => commands.social_image_save({ request, suggested: "" }),
  };
}
