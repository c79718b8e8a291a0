// How the Events screens word an event: kinds, statuses, dates and places,
// the same way the core's listings do.
import type { Event, EventInput, EventKind, EventStatus } from "./backend";
import { eventKinds } from "./bindings/labels";

/** The kinds, in the order the window offers them, named by the core. */
export const kinds = eventKinds;

/** One row per event: a series, listed once per date, keeps its next date (a picker offers the event, not each date). */
export function oncePerEvent<T extends { id: number }>(rows: T[]): T[] {
  const seen = new Set<number>();
  return rows.filter((r) => !seen.has(r.id) && seen.add(r.id) !== undefined);
}

/** A row's key in a list where a series shows once per date. */
export function rowKey(e: { id: number; start_date: string }): string {
  return `${e.id}/${e.start_date}`;
}

export function kindLabel(k: EventKind): string {
  return kinds.find((x) => x.id === k)?.label ?? k;
}

export const statusLabels: Record<EventStatus, string> = {
  draft: "Draft",
  announced: "Announced",
  rescheduled: "Rescheduled",
  postponed: "Postponed",
  cancelled: "Cancelled",
};

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** The months' full names, as the core's listings write them. */
export const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** "Mon, Jan 25" from "2027-01-25"; the text itself if it is not a date yet. */
function dayText(date: string, withYear = false): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  if (Number.isNaN(d.getTime())) return date;
  return `${DAYS[d.getUTCDay()]}, ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}${withYear ? `, ${m[1]}` : ""}`;
}

/** "7:00 pm" from "19:00". */
export function timeText(time: string): string {
  const m = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!m) return time;
  const h = +m[1];
  return `${h % 12 === 0 ? 12 : h % 12}:${m[2]} ${h < 12 ? "am" : "pm"}`;
}

/** When an event happens, as a person reads it; "Date to be announced" without a date. */
export function whenText(
  e: Pick<Event, "start_date" | "start_time" | "end_date" | "end_time" | "all_day">,
  withYear = false,
): string {
  if (!e.start_date) return "Date to be announced";
  let s = dayText(e.start_date, withYear);
  const multiDay = e.end_date && e.end_date !== e.start_date;
  if (e.all_day) return multiDay ? `${s} – ${dayText(e.end_date, withYear)}` : `${s}, all day`;
  if (e.start_time) s += `, ${timeText(e.start_time)}`;
  if (multiDay) s += ` – ${dayText(e.end_date, withYear)}${e.end_time ? `, ${timeText(e.end_time)}` : ""}`;
  else if (e.end_time && e.end_time !== e.start_time) s += ` – ${timeText(e.end_time)}`;
  return s;
}

/** Where: venue and room, or what is still to be decided (of an event or a list's row of it). */
export function placeText(
  e: Pick<Event, "attendance" | "tour_id" | "start_date" | "no_room" | "room"> & {
    venue: { name: string; room: string } | null;
  },
): string {
  if (e.attendance === "online") return "Online";
  if (!e.venue) return e.tour_id && !e.start_date ? "Date and place coming soon" : "Location to be announced";
  if (e.no_room) return e.venue.name;
  const room = e.room || e.venue.room;
  return [e.venue.name, room ? room : "Room to be announced"].join(", ");
}

/** A blank event form in the branch's time zone. */
export function blankInput(timeZone: string): EventInput {
  return {
    title: "",
    kind: "meeting",
    description: "",
    start_date: "",
    start_time: "",
    end_date: "",
    end_time: "",
    time_zone: timeZone,
    all_day: false,
    venue_id: null,
    room: "",
    no_room: false,
    online_link: "",
    attendance: "in_person",
    speaker_ids: [],
    hosts: "",
    reading_list: [],
    accessibility: "",
    rules: "",
    links: { event_page: "", rsvp: "", donate: "" },
    tags: [],
    cosponsor_call: { text: "", contact: "" },
    tour_id: null,
    translations: [],
  };
}

export function inputOf(e: Event): EventInput {
  return {
    title: e.title,
    kind: e.kind,
    description: e.description,
    start_date: e.start_date,
    start_time: e.start_time,
    end_date: e.end_date,
    end_time: e.end_time,
    time_zone: e.time_zone,
    all_day: e.all_day,
    venue_id: e.venue?.id ?? null,
    room: e.room,
    no_room: e.no_room,
    online_link: e.online_link,
    attendance: e.attendance,
    speaker_ids: e.speakers.map((s) => s.id),
    hosts: e.hosts,
    reading_list: e.reading_list.map((r) => ({ ...r })),
    accessibility: e.accessibility,
    rules: e.rules,
    links: { ...e.links },
    tags: [...e.tags],
    cosponsor_call: { ...e.cosponsor_call },
    tour_id: e.tour_id,
    translations: (e.translations ?? []).map((t) => ({ ...t })),
  };
}

/** A file name from a title: "Campus tour" → "campus-tour". */
export const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "") || "events";
