// The month calendar's layout of long events: a fund drive of several days is
// one bar per week it touches (named once, with its dates for a screen reader),
// not its title in every day's cell; one-day events stay in their day.
import { render, screen, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import Calendar from "./screens/events/Calendar.svelte";
import type { Backend, Event } from "./lib/backend";

/** An event as the core answers it: only data, the fields the calendar reads set. */
function event(id: number, fields: Partial<Event>): Event {
  return {
    id,
    uid: `event-${id}@handbill`,
    sequence: 0,
    title: "",
    kind: "meeting",
    status: "announced",
    description: "",
    start_date: "",
    start_time: "",
    end_date: "",
    end_time: "",
    time_zone: "America/New_York",
    all_day: false,
    start_at: null,
    end_at: null,
    venue: null,
    room: "",
    no_room: false,
    online_link: "",
    attendance: "in_person",
    speakers: [],
    hosts: "",
    reading_list: [],
    accessibility: "",
    rules: "",
    links: { event_page: "", rsvp: "", donate: "" },
    tags: [],
    cosponsor_call: { text: "", contact: "" },
    tour_id: null,
    translations: [],
    overrides: { title: false, description: false, speakers: false, hosts: false, time_zone: false },
    created_at: "2026-11-22T10:00:00Z",
    updated_at: "2026-11-22T10:00:00Z",
    ...fields,
  };
}

describe("month calendar", () => {
  it("shows an event of several days as one bar per week, spanning its days", async () => {
    // December 2026 starts on a Tuesday: the drive runs Thu 3 → Tue 15, three weeks.
    const events = [
      event(1, {
        title: "Winter fund drive",
        kind: "fund_drive",
        start_date: "2026-12-03",
        end_date: "2026-12-15",
        all_day: true,
        start_at: "2026-12-03T05:00:00Z",
        end_at: "2026-12-16T05:00:00Z",
      }),
      event(2, {
        title: "Branch meeting",
        start_date: "2026-12-10",
        start_time: "19:00",
        end_date: "2026-12-10",
        end_time: "21:00",
        start_at: "2026-12-11T00:00:00Z",
        end_at: "2026-12-11T02:00:00Z",
      }),
    ];
    // The calendar reads only this month's events.
    const backend = { monthEvents: async () => events } as unknown as Backend;
    render(Calendar, { backend, year: 2026, month: 12, onopen: () => {} });

    const bars = await screen.findAllByRole("button", { name: /^Winter fund drive/ });
    expect(bars, "one bar for each of the three weeks it touches, not one per day").toHaveLength(3);
    expect(bars[0].textContent, "the bar names the dates for a screen reader").toContain("December 3 to December 15");
    // Each column is a cell and its 2 × 4px padding and 1px border.
    const widths = bars.map((b) => b.style.width);
    expect(widths, "Thu–Sun, all of Mon–Sun, then Mon–Tue").toEqual([
      "calc(400% + 27px)",
      "calc(700% + 54px)",
      "calc(200% + 9px)",
    ]);
    expect(bars[0].classList.contains("goes-on") && !bars[0].classList.contains("from-before")).toBe(true);
    expect(bars[1].classList.contains("goes-on") && bars[1].classList.contains("from-before")).toBe(true);
    expect(bars[2].classList.contains("from-before") && !bars[2].classList.contains("goes-on")).toBe(true);

    const cells = screen.getAllByRole("cell");
    const day = (d: number) => cells.find((c) => c.querySelector(".cal-day")?.textContent === String(d))!;
    expect(
      within(day(3)).getByRole("button", { name: /^Winter fund drive/ }),
      "the first bar starts on the 3rd",
    ).toBeTruthy();
    expect(within(day(4)).queryByRole("button", { name: /^Winter fund drive/ }), "not repeated on the 4th").toBeNull();
    expect(
      within(day(10)).getByRole("button", { name: /Branch meeting/ }),
      "a one-day event stays in its day",
    ).toBeTruthy();
    expect(within(day(11)).queryByRole("button"), "and only there").toBeNull();
  });

  it("shows a busy day's first three events, then +N more, which opens the rest", async () => {
    const events = Array.from({ length: 7 }, (_, i) =>
      event(10 + i, {
        title: `Canvass ${i + 1}`,
        start_date: "2026-12-12",
        start_time: `${10 + i}:00`,
        end_date: "2026-12-12",
        end_time: `${11 + i}:00`,
      }),
    );
    const backend = { monthEvents: async () => events } as unknown as Backend;
    render(Calendar, { backend, year: 2026, month: 12, onopen: () => {} });
    const more = await screen.findByRole("button", { name: "4 more events on December 12" });
    const cell = more.closest("td")!;
    expect(within(cell).getAllByRole("button", { name: /Canvass/ }), "three shown").toHaveLength(3);
    expect(more.textContent?.trim()).toBe("+4 more");
    expect(more.getAttribute("aria-expanded")).toBe("false");
    more.click();
    const fewer = await screen.findByRole("button", { name: "Show fewer events on December 12" });
    expect(within(cell).getAllByRole("button", { name: /Canvass/ }), "all seven once opened").toHaveLength(7);
    expect(fewer.getAttribute("aria-expanded")).toBe("true");
  });
});
