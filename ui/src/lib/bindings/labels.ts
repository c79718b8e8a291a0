// Generated from the Rust enums' names by src-tauri/core/tests/bindings.rs: do not edit.
// Regenerate with `make bindings`.
import type { EventKind } from "./EventKind";
import type { Template } from "./Template";

/** The kinds of event, named by `EventKind::name`. */
export const eventKinds: { id: EventKind; label: string }[] = [
  { id: "meeting", label: "Meeting" },
  { id: "rally", label: "Rally" },
  { id: "panel", label: "Panel" },
  { id: "study_group", label: "Study group" },
  { id: "protest", label: "Protest" },
  { id: "fund_drive", label: "Fund drive" },
  { id: "conference", label: "Conference" },
  { id: "social", label: "Social" },
  { id: "other", label: "Other" },
];

/** The templates an announcement can start from, named by `Template::label`. */
export const templates: { id: Template; label: string }[] = [
  { id: "new_event", label: "New event" },
  { id: "reminder", label: "Reminder" },
  { id: "rescheduled", label: "Rescheduled" },
  { id: "cancelled", label: "Cancelled" },
  { id: "cosponsor_invitation", label: "Co-sponsor invitation" },
  { id: "thank_you", label: "Thanks for coming" },
  { id: "missed_you", label: "We missed you" },
];
