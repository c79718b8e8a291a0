// The Attendance part of the one door to Handbill's core: an event's Sign-in
// view types the paper sheet in row by row (each row saved as Enter is
// pressed), offers known people as a name or address is typed, reads a door
// form's CSV (its bytes sent as the request body), and shows who came, who
// was new and who came last time but not this time.
// `Backend` extends this interface and the Tauri backend spreads `tauriAttendance`.
import * as commands from "./commands";
import type { Absent } from "./bindings/Absent";
import type { Attendee } from "./bindings/Attendee";
import type { EventAttendance } from "./bindings/EventAttendance";
import type { KnownPerson } from "./bindings/KnownPerson";
import type { MailChoice } from "./bindings/MailChoice";
import type { SheetImport } from "./bindings/SheetImport";
import type { SheetProblem } from "./bindings/SheetProblem";
import type { SignIn } from "./bindings/SignIn";
import type { SignInResult } from "./bindings/SignInResult";
import type { SignInRow } from "./bindings/SignInRow";

export type {
  Absent,
  Attendee,
  EventAttendance,
  KnownPerson,
  MailChoice,
  SheetImport,
  SheetProblem,
  SignIn,
  SignInResult,
  SignInRow,
};

export interface AttendanceBackend {
  /** Who came to the event (for a meeting of a series, on `occurrence`), how many were new, and who came last time but not now. */
  attendance(eventId: number, occurrence: string): Promise<EventAttendance>;
  /** Records one row of the sheet; a ticked box subscribes to the list chosen unless an opt-out stands. */
  signIn(request: SignIn): Promise<Attendee>;
  /** Known people whose name or address starts with `typed` (at least two characters). */
  knownPeople(typed: string): Promise<KnownPerson[]>;
  /** Takes a row typed by mistake off the attendance. */
  removeSignIn(eventId: number, occurrence: string, row: number): Promise<void>;
  /** Records every row of a door form's CSV; rows that cannot be read are reported with their line. */
  importSheet(bytes: Uint8Array, eventId: number, occurrence: string, listId: number | null): Promise<SheetImport>;
}

/** The Tauri commands behind `AttendanceBackend`. */
export function tauriAttendance(): AttendanceBackend {
  return {
    attendance: (eventId, occurrence) => commands.attendance_show({ eventId, occurrence }),
    signIn: (request) => commands.attendance_sign_in({ request }),
    knownPeople: (typed) => commands.attendance_known({ typed }),
    removeSignIn: (eventId, occurrence, row) => commands.attendance_remove({ eventId, occurrence, row }),
    importSheet: (bytes, eventId, occurrence, listId) =>
      commands.attendance_import(bytes, {
        "x-options": JSON.stringify({ event_id: eventId, occurrence, list_id: listId }),
      }),
  };
}
