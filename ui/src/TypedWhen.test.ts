// The event editor shows how a date and a time as typed were read ("Thu Dec
// 10", "7pm"), by the core's rule, before saving, and what could not be read
// (the `typedWhen` scene: the sample branch on Thursday 3 December 2026).
import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import EventEditor from "./screens/events/EventEditor.svelte";
import { fakeBackend } from "./lib/fake-backend";
import { tauriBackend } from "./lib/backend";
import { scenes } from "./lib/replay";

function editor() {
  // The reading goes to the core's recorded answers, as in the window.
  const backend = Object.assign(fakeBackend({ eventsStory: scenes("typedWhen") }), {
    readWhen: tauriBackend.readWhen,
  });
  render(EventEditor, { backend, timeZone: "America/New_York", onback: () => {}, onopen: () => {}, delay: 60_000 });
  return backend;
}

describe("Dates and times as typed", () => {
  it("shows how Thu Dec 10 and 7pm were read", async () => {
    editor();
    await userEvent.type(await screen.findByLabelText("Start date"), "Thu Dec 10");
    await waitFor(
      () => expect(screen.getByTestId("start-read").textContent).toBe("Starts: Read as Thursday 10 December 2026"),
      {
        timeout: 2000,
      },
    );
    await userEvent.type(screen.getByLabelText("Start time"), "7pm");
    await waitFor(
      () =>
        expect(screen.getByTestId("start-read").textContent).toBe("Starts: Read as Thursday 10 December 2026, 7:00 pm"),
      { timeout: 2000 },
    );
    expect(screen.getByTestId("start-read").classList.contains("problem"), "a reading is not a problem").toBe(false);
  });

  it("12/10 is December in a month-first branch", async () => {
    editor();
    await userEvent.type(await screen.findByLabelText("Start date"), "12/10");
    await userEvent.type(screen.getByLabelText("Start time"), "7:30 pm");
    await waitFor(
      () =>
        expect(screen.getByTestId("start-read").textContent).toBe("Starts: Read as Thursday 10 December 2026, 7:30 pm"),
      { timeout: 2000 },
    );
  });

  it("says what is wrong with Feb 30 and 24:61", async () => {
    editor();
    await userEvent.type(await screen.findByLabelText("Start date"), "Feb 30");
    await userEvent.type(screen.getByLabelText("Start time"), "24:61");
    await waitFor(() => expect(screen.getByTestId("start-read").textContent).toContain("February has no day 30"), {
      timeout: 2000,
    });
    const line = screen.getByTestId("start-read");
    expect(line.textContent).toContain("minutes go from 00 to 59");
    expect(line.classList.contains("problem"), "a problem is shown as one").toBe(true);
  });
});
