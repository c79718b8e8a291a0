// What one section hands to another when the organizer presses a button that
// leads there — "Flyer" or "Announce" on an event or a tour, or a first step's
// *Import a list* (Mail on a tab) or *Set up the mail account* (Settings at a
// panel): kept here until that section's screen opens and takes it, once.
// Telling the people an event was emailed to names their list (and segment) too.
export type EventTarget = { event: number; list?: number; segment?: string } | { tour: number };

/** What each section can be handed, by its name there. */
type Handed = {
  flyers: { target: EventTarget };
  mail: { target: EventTarget; tab: string };
  settings: { place: string };
};
type Section = keyof Handed;
const pending = new Map<string, unknown>();

function handTo<S extends Section, K extends keyof Handed[S] & string>(section: S, key: K, value: Handed[S][K]) {
  pending.set(`${section}.${key}`, value);
  location.hash = `#${section}`;
}

function take<S extends Section, K extends keyof Handed[S] & string>(section: S, key: K): Handed[S][K] | null {
  const name = `${section}.${key}`;
  const value = (pending.get(name) as Handed[S][K] | undefined) ?? null;
  pending.delete(name);
  return value;
}

/** Asks for a flyer of this event or tour and goes to the Flyers section. */
export function printFlyer(target: EventTarget) {
  handTo("flyers", "target", target);
}

/** Starts an announcement of this event or tour in the Mail section. */
export function announceEvent(target: EventTarget) {
  handTo("mail", "target", target);
}

/** The flyer asked for, once. */
export function takeFlyerTarget(): EventTarget | null {
  return take("flyers", "target");
}

/** The event or tour to announce, once. */
export function takeAnnounceTarget(): EventTarget | null {
  return take("mail", "target");
}

/** Opens the Mail section on this tab (such as "import"). */
export function openMailTab(tab: string) {
  handTo("mail", "tab", tab);
}

/** Opens Settings scrolled to the panel whose heading has this id (such as "mail-account-title"). */
export function openSettingsAt(headingId: string) {
  handTo("settings", "place", headingId);
}

/** The Mail tab asked for, once. */
export function takeMailTab(): string | null {
  return take("mail", "tab");
}

/** The Settings panel asked for, once. */
export function takeSettingsPlace(): string | null {
  return take("settings", "place");
}
