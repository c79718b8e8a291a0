// Where a button in one section sends the organizer inside another: the Mail
// section on one of its tabs, or Settings at one of its panels. Kept here until
// that section's screen opens and takes it (as event-target.ts does for an
// event to print or announce).
const pending = new Map<"mail" | "settings", string>();

/** Opens the Mail section on this tab (such as "import"). */
export function openMailTab(tab: string) {
  pending.set("mail", tab);
  location.hash = "#mail";
}

/** Opens Settings scrolled to the panel whose heading has this id (such as "mail-account-title"). */
export function openSettingsAt(headingId: string) {
  pending.set("settings", headingId);
  location.hash = "#settings";
}

/** The Mail tab asked for, once. */
export function takeMailTab(): string | null {
  const t = pending.get("mail") ?? null;
  pending.delete("mail");
  return t;
}

/** The Settings panel asked for, once. */
export function takeSettingsPlace(): string | null {
  const t = pending.get("settings") ?? null;
  pending.delete("settings");
  return t;
}
