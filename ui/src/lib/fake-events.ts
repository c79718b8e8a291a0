// The Events part of the fake Backend: an in-memory store of events, venues,
// speakers and tours with the core's shape and its main rules (drafts saved as
// typed, full checks on create/update/announce with per-field messages,
// history kept on reschedule/cancel), for UI tests.
import { dialogAnswer, type DialogAnswer } from "./fake-dialog";
import type { Backend, Event, EventInput, HistoryEntry, MonthGroup, Speaker, Tour, Venue } from "./backend";

export type FakeEvents = {
  backend: Pick<Backend, EventsKeys>;
  events: Event[];
  venues: Venue[];
  speakers: Speaker[];
  tours: Tour[];
  history: Map<number, HistoryEntry[]>;
  calls: string[];
  /** What the save dialog answers (null: cancelled; undefined: the suggestion as offered). */
  dialogAnswer: DialogAnswer;
  /** Adds a saved event directly (announced unless said otherwise). */
  add(input: Partial<EventInput> & { title: string; start_date: string }, status?: Event["status"]): Event;
};

type FieldProblemLike = { field: string; message: string };

type EventsKeys =
  | "upcomingEvents"
  | "undatedEvents"
  | "pastEvents"
  | "monthEvents"
  | "searchEvents"
  | "event"
  | "createEvent"
  | "saveDraft"
  | "updateEvent"
  | "deleteEvent"
  | "announceEvent"
  | "rescheduleEvent"
  | "postponeEvent"
  | "cancelEvent"
  | "changeVenue"
  | "duplicateEvent"
  | "eventHistory"
  | "venues"
  | "createVenue"
  | "speakers"
  | "createSpeaker"
  | "tours"
  | "tour"
  | "createTour"
  | "updateTour"
  | "addStop"
  | "markdownHtml"
  | "exportIcs"
  | "listing";

const MONTHS = [
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

function invalid(fields: FieldProblemLike[]): never {
  throw { code: "invalid", message: fields.map((f) => f.message).join("\n"), fields };
}

export function fakeEvents(): FakeEvents {
  let nextId = 1;
  const f: FakeEvents = {
    events: [],
    venues: [],
    speakers: [],
    tours: [],
    history: new Map(),
    calls: [],
    dialogAnswer: undefined,
    add(input, status = "announced") {
      const e = build(
        nextId++,
        { ...blank(), time_zone: "America/New_York", start_time: "19:00", end_time: "21:00", ...input },
        status,
      );
      f.events.push(e);
      return e;
    },
    backend: {} as FakeEvents["backend"],
  };

  function blank(): EventInput {
    return {
      title: "",
      kind: "meeting",
      description: "",
      start_date: "",
      start_time: "",
      end_date: "",
      end_time: "",
      time_zone: "UTC",
      all_day: false,
      venue_id: null,
      room: "",
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

  function build(id: number, input: EventInput, status: Event["status"], old?: Event): Event {
    const dated = /^\d{4}-\d{2}-\d{2}$/.test(input.start_date);
    return {
      id,
      uid: old?.uid ?? `uid-${id}@handbill`,
      sequence: old?.sequence ?? 0,
      title: input.title,
      kind: input.kind,
      status,
      description: input.description,
      start_date: input.start_date,
      start_time: input.start_time,
      end_date: input.end_date || (dated ? input.start_date : ""),
      end_time: input.end_time,
      time_zone: input.time_zone,
      all_day: input.all_day,
      start_at: dated ? `${input.start_date}T00:00:00Z` : null,
      end_at: dated ? `${input.end_date || input.start_date}T23:00:00Z` : null,
      venue: f.venues.find((v) => v.id === input.venue_id) ?? null,
      room: input.room,
      online_link: input.online_link,
      attendance: input.attendance,
      speakers: input.speaker_ids.map((sid) => f.speakers.find((s) => s.id === sid)!).filter(Boolean),
      hosts: input.hosts,
      reading_list: input.reading_list,
      accessibility: input.accessibility,
      rules: input.rules,
      links: input.links,
      tags: input.tags,
      cosponsor_call: input.cosponsor_call,
      tour_id: input.tour_id,
      translations: (input.translations ?? [])
        .map((t) => ({ ...t, language: t.language.trim(), title: t.title.trim() }))
        .filter((t) => t.language || t.title || t.description.trim()),
      overrides: { title: false, description: false, speakers: false },
      created_at: old?.created_at ?? "2026-11-22T10:00:00Z",
      updated_at: "2026-11-22T10:00:00Z",
    };
  }

  function check(input: EventInput) {
    const fields: FieldProblemLike[] = [];
    if (!input.title.trim()) fields.push({ field: "title", message: "An event needs a title." });
    if (!input.start_date && !input.tour_id)
      fields.push({
        field: "start_date",
        message: "An event needs a date. Only a tour stop may have its date announced later.",
      });
    else if (input.start_date && !/^\d{4}-\d{2}-\d{2}$/.test(input.start_date))
      fields.push({
        field: "start_date",
        message: `“${input.start_date}” is not a date. Write it as YYYY-MM-DD, such as 2027-01-25.`,
      });
    if (input.end_date && input.start_date && input.end_date < input.start_date)
      fields.push({ field: "end_date", message: "The event ends before it starts. Check the end date and time." });
    for (const [k, v] of Object.entries(input.links))
      if (v && !/^https?:\/\//.test(v))
        fields.push({ field: `links.${k}`, message: `“${v}” is not a web link. Start it with https://.` });
    if (fields.length) invalid(fields);
  }

  function get(id: number): Event {
    const e = f.events.find((x) => x.id === id);
    if (!e) throw { code: "not_found", message: `There is no event number ${id}.`, fields: [] };
    return e;
  }

  function put(e: Event) {
    f.events = f.events.map((x) => (x.id === e.id ? e : x));
    return e;
  }

  function record(id: number, kind: HistoryEntry["kind"], old_value: string, new_value: string, reason: string) {
    f.history.set(id, [
      ...(f.history.get(id) ?? []),
      { at: "2026-11-22T10:00:00Z", kind, old_value, new_value, reason },
    ]);
  }

  const sorted = (es: Event[]) =>
    [...es].sort((a, b) => `${a.start_date} ${a.start_time}`.localeCompare(`${b.start_date} ${b.start_time}`));

  f.backend = {
    async upcomingEvents() {
      const groups: MonthGroup[] = [];
      for (const e of sorted(f.events.filter((e) => e.start_at))) {
        const [y, m] = e.start_date.split("-").map(Number);
        const last = groups[groups.length - 1];
        if (last && last.year === y && last.month === m) last.events.push(e);
        else groups.push({ year: y, month: m, label: `${MONTHS[m - 1]} ${y}`, events: [e] });
      }
      return groups;
    },
    async undatedEvents() {
      return f.events.filter((e) => !e.start_at);
    },
    async pastEvents() {
      return [];
    },
    async monthEvents(year, month) {
      const prefix = `${year}-${String(month).padStart(2, "0")}`;
      return sorted(
        f.events.filter((e) => e.start_date.startsWith(prefix) || (e.start_date < prefix && e.end_date >= prefix)),
      );
    },
    async searchEvents(text) {
      f.calls.push(`search:${text}`);
      const words = text
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter(Boolean);
      return f.events.filter((e) => {
        const hay = [e.title, e.description, e.venue?.name ?? "", ...e.speakers.map((s) => s.name)]
          .join(" ")
          .toLowerCase();
        const tokens = hay.split(/[^\p{L}\p{N}]+/u);
        return words.every((w) => tokens.some((t) => t.startsWith(w)));
      });
    },
    async event(id) {
      return get(id);
    },
    async createEvent(input) {
      f.calls.push("createEvent");
      check(input);
      const e = build(nextId++, input, "draft");
      f.events.push(e);
      return e;
    },
    async saveDraft(id, input) {
      f.calls.push(`saveDraft:${id ?? "new"}:${input.title}`);
      if (id === null) {
        const e = build(nextId++, input, "draft");
        f.events.push(e);
        return e;
      }
      const old = get(id);
      if (old.status !== "draft")
        invalid([{ field: "status", message: "This event has been announced; save it with update." }]);
      return put(build(id, input, "draft", old));
    },
    async updateEvent(id, input) {
      f.calls.push(`updateEvent:${id}`);
      const old = get(id);
      check(input);
      return put(build(id, input, old.status, old));
    },
    async deleteEvent(id) {
      get(id);
      f.events = f.events.filter((e) => e.id !== id);
    },
    async announceEvent(id) {
      const e = get(id);
      check({ ...blank(), ...e, venue_id: e.venue?.id ?? null, speaker_ids: [] } as EventInput);
      record(id, "status", e.status, "announced", "");
      return put({ ...e, status: "announced" });
    },
    async rescheduleEvent(id, when, reason) {
      const e = get(id);
      record(id, "date", `${e.start_date} ${e.start_time}`, `${when.start_date} ${when.start_time}`, reason);
      return put({ ...e, ...when, status: e.status === "draft" ? "draft" : "rescheduled", sequence: e.sequence + 1 });
    },
    async postponeEvent(id, reason) {
      const e = get(id);
      record(id, "status", e.status, "postponed", reason);
      return put({ ...e, status: "postponed" });
    },
    async cancelEvent(id, reason) {
      const e = get(id);
      record(id, "status", e.status, "cancelled", reason);
      return put({ ...e, status: "cancelled" });
    },
    async changeVenue(id, venueId, room, reason) {
      const e = get(id);
      const venue = f.venues.find((v) => v.id === venueId) ?? null;
      record(id, "venue", e.venue?.name ?? "to be decided", venue?.name ?? "to be decided", reason);
      return put({ ...e, venue, room });
    },
    async duplicateEvent(id) {
      const e = get(id);
      const copy = { ...e, id: nextId++, uid: `uid-${nextId}@handbill`, status: "draft" as const };
      f.events.push(copy);
      return copy;
    },
    async eventHistory(id) {
      return f.history.get(id) ?? [];
    },
    async venues() {
      return f.venues;
    },
    async createVenue(input) {
      if (!input.name.trim()) invalid([{ field: "name", message: "A venue needs a name." }]);
      const v = { id: nextId++, ...input };
      f.venues.push(v);
      return v;
    },
    async speakers() {
      return f.speakers;
    },
    async createSpeaker(input) {
      const s = { id: nextId++, ...input };
      f.speakers.push(s);
      return s;
    },
    async tours() {
      return f.tours;
    },
    async tour(id) {
      const tour = f.tours.find((t) => t.id === id);
      if (!tour) throw { code: "not_found", message: `There is no tour number ${id}.`, fields: [] };
      return { tour, stops: sorted(f.events.filter((e) => e.tour_id === id)) };
    },
    async createTour(input) {
      if (!input.title.trim()) invalid([{ field: "title", message: "A tour needs a title." }]);
      const t: Tour = {
        id: nextId++,
        title: input.title,
        description: input.description,
        hosts: input.hosts,
        tags: input.tags,
        speakers: [],
        created_at: "",
        updated_at: "",
      };
      f.tours.push(t);
      return t;
    },
    async updateTour(id, input) {
      f.tours = f.tours.map((t) =>
        t.id === id ? { ...t, title: input.title, description: input.description, hosts: input.hosts } : t,
      );
      f.events = f.events.map((e) => (e.tour_id === id ? { ...e, title: input.title } : e));
      return f.backend.tour(id);
    },
    async addStop(tourId, stop) {
      const tour = (await f.backend.tour(tourId)).tour;
      const e = build(
        nextId++,
        { ...blank(), ...stop, title: tour.title, tour_id: tourId, time_zone: "America/New_York" },
        "draft",
      );
      f.events.push(e);
      return e;
    },
    async markdownHtml(markdown) {
      // The core sanitizes; the fake escapes everything and bolds **text**.
      const esc = markdown.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
      return `<p>${esc.replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")}</p>`;
    },
    async exportIcs(_target, suggested) {
      f.calls.push(`exportIcs:${suggested}`);
      return dialogAnswer(f.dialogAnswer, suggested);
    },
    async listing(target, html) {
      const events = f.events.filter(
        (e) => e.status !== "draft" && (typeof target !== "object" || !("tour" in target) || e.tour_id === target.tour),
      );
      return html ? events.map((e) => `<h3>${e.title}</h3>`).join("") : events.map((e) => `${e.title}\n`).join("");
    },
  };
  return f;
}
