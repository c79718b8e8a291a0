// What the Events section asks the Flyers section to print when the organizer
// presses "Flyer" on an event or a tour: kept here until the Flyers screen
// opens and takes it.
export type FlyerTarget = { event: number } | { tour: number };

let pending: FlyerTarget | null = null;

/** Asks for a flyer of this event or tour and goes to the Flyers section. */
export function printFlyer(target: FlyerTarget) {
  pending = target;
  location.hash = "#flyers";
}

/** The pending target, once. */
export function takeFlyerTarget(): FlyerTarget | null {
  const t = pending;
  pending = null;
  return t;
}
