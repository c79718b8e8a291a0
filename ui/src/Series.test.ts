// A meeting that repeats, in the event editor's Repeats panel, against the
// core's recorded answers (the `series` scene: an announced Thursday meeting
// on 7 January 2027, seen on 3 December 2026): Repeats and Ends are labelled
// fields; saving "Weekly" lists the next dates; Skip… on one asks the reason,
// and the date then shows struck with it while the others stay.
import { describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import EventEditor from "./screens/events/EventEditor.svelte";
import { fakeBackend } from "./lib/fake-backend";
import { tauriBackend } from "./lib/backend";
import { scenes } from "./lib/replay";

function editor() {
  const backend = Object.assign(fakeBackend({ eventsStory: scenes("series") }), {
    seriesDates: tauriBackend.seriesDates,
    repeatEvent: tauriBackend.repeatEvent,
    skipDate: tauriBackend.skipDate,
    moveDate: tauriBackend.moveDate,
    endSeries: tauriBackend.endSeries,
  });
  render(EventEditor, {
    backend,
    id: 1,
    timeZone: "America/New_York",
    onback: () => {},
    onopen: () => {},
    delay: 60_000,
  });
  return backend;
}

function dates(): string[] {
  return [...screen.getByTestId("series-dates").querySelectorAll("li")].map((li) => li.dataset.date ?? "");
}

describe("Meetings that repeat", () => {
  it("makes a meeting weekly, lists its dates, and skips one with its reason", async () => {
    const backend = editor();
    const repeats = await screen.findByRole("combobox", { name: "Repeats" });
    expect(screen.queryByTestId("series-dates"), "a single event lists no dates").toBeNull();
    await userEvent.selectOptions(repeats, "weekly");
    expect(screen.getByRole("group", { name: "Ends" }), "Ends is a labelled group").toBeTruthy();
    await userEvent.click(screen.getByLabelText("Never"));
    await userEvent.click(screen.getByRole("button", { name: "Save how it repeats" }));
    await waitFor(() => expect(screen.getByTestId("repeats-words").textContent).toBe("Every Thursday, no end date"));
    await waitFor(() => expect(dates().slice(0, 3)).toEqual(["2027-01-07", "2027-01-14", "2027-01-21"]));
    expect(dates().length, "the next eight dates").toBe(8);

    const jan14 = screen.getByTestId("series-dates").querySelector('[data-date="2027-01-14"]') as HTMLElement;
    await userEvent.click(within(jan14).getByRole("button", { name: /^Skip .*…$/ }));
    await userEvent.type(screen.getByLabelText("Reason"), "Snow emergency");
    await userEvent.click(screen.getByRole("button", { name: "Skip this date" }));
    await waitFor(() => expect(jan14.isConnected && jan14.textContent).toContain("Skipped: Snow emergency"));
    expect(jan14.querySelector("s"), "the skipped date is struck").not.toBeNull();
    expect(within(jan14).queryByRole("button", { name: /^Skip/ }), "a skipped date offers no Skip…").toBeNull();
    expect(dates().length, "the other dates stay").toBe(8);
    await waitFor(() =>
      expect(screen.getByText("Reason: Snow emergency"), "the history keeps the reason").toBeTruthy(),
    );
    expect(
      backend.mail.unanswered.filter((c) => c.startsWith("series_")),
      "every series call was answered",
    ).toEqual([]);
  });
});
