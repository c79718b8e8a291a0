// The Events part of the fake Backend, for the tests of screens that only
// read events (Flyers, the first start): the events and tours a test adds,
// answered as they are, in the core's shape. It holds no rule of the core's:
// a test that saves, checks, searches or changes events replays the core's
// recorded answers instead (`fakeBackend({ eventsStory })`), and any such call
// here is refused, naming the test's mistake.
import type { Backend, Event, EventInput, MonthGroup, Tour } from "./backend";

export type FakeEvents = {
  backend: Pick<Backend, EventsKeys>;
  events: Event[];
  tours: Tour[];
  /** Adds an event as the core would hold it (announced unless said otherwise). */
  add(input: Partial<EventInput> & { title: string; start_date: string }, status?: Event["status"]): Event;
};

/** What the screens read. */
type Reads = "upcomingEvents" | "undatedEvents" | "pastEvents" | "tours";

/** What only a recorded events story answers. */
const recordedOnly = [
  "monthEvents",
  "searchEvents",
  "event",
  "createEvent",
  "saveDraft",
  "updateEvent",
  "deleteEvent",
  "announceEvent",
  "rescheduleEvent",
  "postponeEvent",
  "cancelEvent",
  "changeVenue",
  "duplicateEvent",
  "eventHistory",
  "venues",
  "createVenue",
  "speakers",
  "createSpeaker",
  "tour",
  "createTour",
  "updateTour",
  "addStop",
  "markdownHtml",
  "exportIcs",
  "listing",
] as const satisfies (keyof Backend)[];

type EventsKeys = Reads | (typeof recordedOnly)[number];

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

export function fakeEvents(): FakeEvents {
  let nextId = 1;
  const f: FakeEvents = {
    events: [],
    tours: [],
    add(input, status = "announced") {
      const id = nextId++;
      const dated = input.start_date !== "";
      const e: Event = {
        id,
        uid: `event-${id}@handbill`,
        sequence: 0,
        title: input.title,
        kind: input.kind ?? "meeting",
        status,
        description: input.description ?? "",
        start_date: input.start_date,
        start_time: input.start_time ?? "19:00",
        end_date: input.end_date ?? input.start_date,
        end_time: input.end_time ?? "21:00",
        time_zone: input.time_zone ?? "America/New_York",
        all_day: input.all_day ?? false,
        start_at: dated ? `${input.start_date}T00:00:00Z` : null,
        end_at: dated ? `${input.end_date || input.start_date}T23:00:00Z` : null,
        venue: null,
        room: input.room ?? "",
        online_link: input.online_link ?? "",
        attendance: input.attendance ?? "in_person",
        speakers: [],
        hosts: input.hosts ?? "",
        reading_list: input.reading_list ?? [],
        accessibility: input.accessibility ?? "",
        rules: input.rules ?? "",
        links: input.links ?? { event_page: "", rsvp: "", donate: "" },
        tags: input.tags ?? [],
        cosponsor_call: input.cosponsor_call ?? { text: "", contact: "" },
        tour_id: input.tour_id ?? null,
        translations: input.translations ?? [],
        overrides: { title: false, description: false, speakers: false },
        created_at: "2026-11-22T10:00:00Z",
        updated_at: "2026-11-22T10:00:00Z",
      };
      f.events.push(e);
      return e;
    },
    backend: {
      ...(Object.fromEntries(
        recordedOnly.map((m) => [
          m,
          async () => {
            throw {
              code: "internal",
              message: `${m} is not part of this test: give fakeBackend an events story`,
              fields: [],
            };
          },
        ]),
      ) as unknown as Pick<Backend, (typeof recordedOnly)[number]>),
      // The dated events in the shape the core answers: by date, a month's under its name.
      async upcomingEvents() {
        const groups: MonthGroup[] = [];
        const dated = f.events.filter((e) => e.start_at);
        dated.sort((a, b) => `${a.start_date} ${a.start_time}`.localeCompare(`${b.start_date} ${b.start_time}`));
        for (const e of dated) {
          const [year, month] = e.start_date.split("-").map(Number);
          const group = groups.find((g) => g.year === year && g.month === month);
          if (group) group.events.push(e);
          else groups.push({ year, month, label: `${MONTHS[month - 1]} ${year}`, events: [e] });
        }
        return groups;
      },
      async undatedEvents() {
        return f.events.filter((e) => !e.start_at);
      },
      async pastEvents() {
        return [];
      },
      async tours() {
        return f.tours;
      },
    },
  };
  return f;
}
