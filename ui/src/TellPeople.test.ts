// The next step offered (issue 23), against the core's recorded answers (the
// `tellPeople` scene): rescheduling the rally that was emailed to the list
// offers "Tell the 3 people you emailed" — the count, the list and the
// template are the core's — and hands the composer the event and that list;
// rescheduling a draft nobody was emailed about offers nothing and says it
// keeps no history; *Duplicate as a new draft* is its own section, not part
// of the reschedule form.
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import Actions from "./screens/events/Actions.svelte";
import { fakeBackend } from "./lib/fake-backend";
import { scenes } from "./lib/replay";
import { takeAnnounceTarget } from "./lib/event-target";
import type { Event } from "./lib/backend";

beforeEach(() => {
  history.replaceState(null, "", "#/events");
  localStorage.clear();
  takeAnnounceTarget();
});

/** Event `id` as the core answered `event_get` in the scene, before it was rescheduled. */
function recorded(id: number): Event {
  const got = scenes("tellPeople").find((x) => x.command === "event_get" && x.args.id === id);
  return got!.answer as Event;
}

function actions(id: number) {
  const backend = fakeBackend({ eventsStory: scenes("tellPeople"), announce: scenes("tellPeople") });
  const changed: Event[] = [];
  render(Actions, {
    backend,
    event: recorded(id),
    venues: [],
    onchanged: (e: Event) => changed.push(e),
    onopen: () => {},
    ondeleted: () => {},
    onerror: (e: unknown) => {
      throw e;
    },
  });
  return { backend, changed };
}

async function reschedule(date: string, end: string, reason: string) {
  await userEvent.click(screen.getByRole("button", { name: "Reschedule" }));
  const form = screen.getByRole("form", { name: "Reschedule" });
  const start = within(form).getByLabelText("New start date");
  await userEvent.clear(start);
  await userEvent.type(start, date);
  const endTime = within(form).getByLabelText("End time");
  await userEvent.clear(endTime);
  await userEvent.type(endTime, end);
  await userEvent.type(within(form).getByLabelText("Reason"), reason);
  await userEvent.click(within(form).getByRole("button", { name: "Reschedule" }));
}

describe("tell the people you emailed", () => {
  it("offers to tell the 3 people the rally was emailed to, and opens the composer on their list", async () => {
    const { changed } = actions(1);
    await reschedule("2027-01-18", "21:00", "the storm");
    const tell = await screen.findByRole("button", { name: "Tell the 3 people you emailed" });
    expect(changed.at(-1)?.status, "the core rescheduled the rally").toBe("rescheduled");
    const said = document.getElementById("act-tell-what")?.textContent ?? "";
    expect(said, "the offer says who and which template").toMatch(
      /emailed to 3 people\..*“Rescheduled” announcement opens with the old date and the reason/s,
    );
    expect(
      screen.getByText("Of these, 3 people only have it in the outbox folder: saved, not sent yet."),
      "messages only saved to the outbox are said to be so",
    ).toBeTruthy();
    await userEvent.click(tell);
    expect(takeAnnounceTarget(), "the composer is asked for the rally, on the list they were emailed on").toEqual({
      event: 1,
      list: 1,
      segment: "",
    });
    expect(location.hash, "the window goes to Mail").toBe("#mail");
  });

  it("offers nothing after rescheduling a draft nobody was emailed about, and says it keeps no history", async () => {
    actions(2);
    await reschedule("2027-01-27", "20:00", "the room was taken");
    await waitFor(() =>
      expect(screen.getByRole("status").textContent, "the draft moved without history").toBe(
        "Moved to the new date. A draft nobody was told about keeps no history.",
      ),
    );
    expect(screen.queryByRole("button", { name: /^Tell the/ }), "nobody to tell").toBeNull();
  });

  it("keeps Duplicate as a new draft apart from Reschedule", async () => {
    actions(2);
    const duplicate = screen.getByRole("region", { name: "Duplicate as a new draft" });
    expect(
      within(duplicate)
        .getAllByRole("button")
        .map((b) => b.textContent),
      "its own clearly labelled buttons",
    ).toEqual(["Copy, a week later", "Copy, four weeks later", "Copy, same date"]);
    await userEvent.click(screen.getByRole("button", { name: "Reschedule" }));
    const form = screen.getByRole("form", { name: "Reschedule" });
    expect(within(form).queryByText(/Copy|Duplicate/), "the reschedule form holds no duplicating").toBeNull();
    expect(form.closest("section")?.contains(duplicate), "and the duplicate section is outside it").toBe(false);
  });
});
