// Scheduled announcements, against the core's recorded answers (the clock
// set ten days before the rally): the composer's "Schedule…" offers the day
// before at 10:00 in the branch's time zone, and the list then says
// "Scheduled for Sun 10 Jan, 10:00" and unschedules it (`schedule`); a
// reminder held after its event moved says why in the list and, confirmed,
// follows the event to the day before its new date (`scheduleHeld`).
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import { fakeBackend, sampleProfile } from "./lib/fake-backend";
import { scenes, type Exchange } from "./lib/replay";
import { announceEvent } from "./lib/event-target";

beforeEach(() => {
  history.replaceState(null, "", "#/events");
  localStorage.clear();
});

function open(hash: string, announce: Exchange[]) {
  history.replaceState(null, "", hash);
  const backend = fakeBackend({
    branch: sampleProfile(),
    mail: scenes("sample"),
    eventsStory: scenes("rallyEvents"),
    announce,
  });
  render(App, { backend });
  return backend;
}

describe("scheduled announcements", () => {
  it("schedules the rally's reminder for the day before at 10:00 in the branch's zone, lists it, and unschedules it", async () => {
    const backend = open("#/events", scenes("schedule"));
    announceEvent({ event: 1 });
    const subject = (await screen.findByLabelText("Subject")) as HTMLInputElement;
    await waitFor(() => expect(subject.value, "the composer is filled from the rally").toContain("Rally for Siham"));
    await userEvent.selectOptions(screen.getByLabelText("Template"), "reminder");
    await userEvent.click(screen.getByRole("button", { name: "Fill from event" }));
    const replace = screen.queryByRole("alertdialog");
    if (replace) await userEvent.click(within(replace).getByRole("button", { name: "Replace" }));
    await waitFor(() => expect(subject.value, "the reminder's subject").toMatch(/^Reminder/));

    await userEvent.click(screen.getByRole("button", { name: "Schedule…" }));
    const dialog = await screen.findByRole("dialog", { name: "Schedule this announcement" });
    expect(dialog.textContent, "the dialog names the branch's time zone").toContain("America/New_York");
    expect(
      (within(dialog).getByLabelText("The day before the event") as HTMLInputElement).checked,
      "the day before is the first choice",
    ).toBe(true);
    expect((within(dialog).getByLabelText(/^At \(the day before/) as HTMLInputElement).value, "at 10:00").toBe("10:00");
    await userEvent.click(within(dialog).getByRole("button", { name: "Schedule" }));

    const state = await screen.findByTestId("announcement-state");
    expect(state.textContent, "the list says when it goes").toBe("Scheduled for Sun 10 Jan, 10:00");
    expect(
      backend.mail.calls.filter((c) => c.command === "announcement_schedule").map((c) => c.args.request),
      "the schedule reached the core as the day before at 10:00",
    ).toEqual([{ announcement_id: 1, when: { kind: "day_before", time: "10:00" }, again: false }]);

    await userEvent.click(screen.getByRole("button", { name: "Unschedule" }));
    await waitFor(() =>
      expect(screen.getByTestId("announcement-state").textContent, "unscheduled, it is a draft").toBe("Draft"),
    );
    expect(await screen.findByText(/is no longer scheduled; it stays a draft/), "and the list says so").toBeTruthy();
  });

  it("says why a reminder is held after its event moved, and confirms it for the new date", async () => {
    const backend = open("#/mail", scenes("scheduleHeld"));
    await userEvent.click(await screen.findByRole("tab", { name: "Announcements" }));
    const state = await screen.findByTestId("announcement-state");
    expect(state.textContent, "held, not scheduled").toBe("Held");
    expect(screen.getByTestId("announcement-why").textContent, "the organizer is told why").toContain(
      "was rescheduled from Mon 11 Jan, 19:00 to Mon 18 Jan, 19:00",
    );
    expect(screen.queryByRole("button", { name: "Send now…" }), "it can still be sent now").toBeTruthy();

    await userEvent.click(screen.getByRole("button", { name: "Confirm new date" }));
    await waitFor(() =>
      expect(
        screen.getByTestId("announcement-state").textContent,
        "confirmed, the day-before schedule follows the event",
      ).toBe("Scheduled for Sun 17 Jan, 10:00"),
    );
    expect(
      backend.mail.calls.filter((c) => c.command === "announcement_schedule_confirm").length,
      "confirmed once",
    ).toBe(1);
  });
});
