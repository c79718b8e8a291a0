// What the Events section hands to another section when the organizer presses
// "Flyer" or "Announce" on an event or a tour: kept here until that section's
// screen opens and takes it.
// Telling the people an event was emailed to names their list (and segment) too.
export type EventTarget = { event: number; list?: number; segment?: string } | { tour: number };

type Receiver = "flyers" | "mail";
const pending = new Map<Receiver, EventTarget>();

function handTo(section: Receiver, target: EventTarget) {
  pending.set(section, target);
  location.hash = `#${section}`;
}

/** Asks for a flyer of this event or tour and goes to the Flyers section. */
export function printFlyer(target: EventTarget) {
  handTo("flyers", target);
}

/** Starts an announcement of this event or tour in the Mail section. */
export function announceEvent(target: EventTarget) {
  handTo("mail", target);
}

function take(section: Receiver): EventTarget | null {
  const t = pending.get(section) ?? null;
  pending.delete(section);
  return t;
}

/** The flyer asked for, once. */
export function takeFlyerTarget(): EventTarget | null {
  return take("flyers");
}

/** The event or tour to announce, once. */
export function takeAnnounceTarget(): EventTarget | null {
  return take("mail");
}
