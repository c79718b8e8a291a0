// Honest words (issue 23), against the core's recorded answers: with no mail
// account the send is asked and reported as files saved to the outbox folder,
// not sent, with *Open folder* (the `reannounce` scene); *Announce* on an event
// says it emails nobody and offers *Email the list* next (`announceEvent`); the
// reschedule and cancel forms say their reason is printed on flyers and in
// emails; "cleaned" says the address no longer works (`sample`).
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import Actions from "./screens/events/Actions.svelte";
import { fakeBackend, sampleProfile } from "./lib/fake-backend";
import { scenes } from "./lib/replay";
import { announceEvent, takeAnnounceTarget } from "./lib/event-target";
import type { Event } from "./lib/backend";

beforeEach(() => {
  history.replaceState(null, "", "#/events");
  localStorage.clear();
});

/** The study group (event 1) as the core answered `event_get` in the `announceEvent` scene: a draft. */
function studyGroup(): Event {
  const got = scenes("announceEvent").find((x) => x.command === "event_get");
  return got!.answer as Event;
}

function actions() {
  const backend = fakeBackend({ eventsStory: scenes("announceEvent") });
  const changed: Event[] = [];
  render(Actions, {
    backend,
    event: studyGroup(),
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

describe("honest words", () => {
  it("asks to save to the outbox, not to send, when there is no mail account, and reports files saved with Open folder", async () => {
    const backend = fakeBackend({
      branch: sampleProfile(),
      mail: scenes("sample"),
      eventsStory: scenes("rallyEvents"),
      announce: scenes("reannounce"),
    });
    render(App, { backend });
    announceEvent({ event: 1 });
    const subject = (await screen.findByLabelText("Subject")) as HTMLInputElement;
    await waitFor(() => expect(subject.value, "the composer is filled").not.toBe(""));
    await userEvent.click(screen.getByRole("button", { name: "Send now…" }));
    const dialog = await screen.findByRole("alertdialog", { name: "Save this announcement to the outbox?" });
    const reach = backend.mail.calls.some((c) => c.command === "mail_account");
    expect(reach, "the window asked where the messages go").toBe(true);
    const asked = dialog.textContent ?? "";
    const n = Number(/will be saved as (\d+) email files in the outbox folder — not sent/.exec(asked)?.[1]);
    expect(n, `the question says how many files, and not sent: ${asked}`).toBeGreaterThan(1);
    expect(asked, "the question says the files are not encrypted").toContain("The files are not encrypted");
    expect(within(dialog).queryByRole("button", { name: "Send now" }), "nothing offers to send now").toBeNull();
    await userEvent.click(within(dialog).getByRole("button", { name: "Save to the outbox" }));

    await waitFor(() =>
      expect(screen.getByTestId("send-state").textContent, "the result counts files saved, not sent").toContain(
        `${n} saved to the outbox — not sent.`,
      ),
    );
    const outbox = screen.getByTestId("send-outbox");
    expect(
      screen.getByText(/saved to the outbox folder as email files, not sent: no mail account is set up/),
      "the core's note says why",
    ).toBeTruthy();
    expect(outbox.textContent, "and what can be done with them").toContain(
      "Any mail program can open these .eml files",
    );
    expect(outbox.textContent, "and that they are not encrypted").toContain("They are not encrypted");
    expect(within(outbox).getByRole("button", { name: "Open folder" }), "the folder can be opened").toBeTruthy();
    expect(screen.getByTestId("send-sent").textContent, "none is counted as sent").toBe("0");
  });

  it("says Announce emails nobody, and offers Email the list right after", async () => {
    const { backend, changed } = actions();
    const button = screen.getByRole("button", { name: "Announce" });
    expect(
      button.getAttribute("aria-describedby") &&
        document.getElementById(button.getAttribute("aria-describedby")!)?.textContent,
      "the button is described by what it does",
    ).toBe("Mark as announced: it appears in listings and calendars; nothing is emailed.");
    expect(screen.queryByRole("button", { name: "Email the list" }), "not offered before announcing").toBeNull();
    await userEvent.click(button);
    expect((await screen.findByRole("status")).textContent, "the result says nothing was emailed").toContain(
      "Nothing was emailed.",
    );
    expect(changed.at(-1)?.status, "the core marked it announced").toBe("announced");
    expect(
      backend.mail.calls.filter((c) => c.command === "event_announce").map((c) => c.args),
      "one announce",
    ).toEqual([{ id: 1 }]);
    await userEvent.click(screen.getByRole("button", { name: "Email the list" }));
    expect(location.hash, "Email the list goes to Mail").toBe("#mail");
    expect(takeAnnounceTarget(), "with this event to announce").toEqual({ event: 1 });
  });

  it("says the reason of a reschedule or a cancellation is printed on flyers and in emails", async () => {
    actions();
    for (const [open, word] of [
      ["Reschedule", "rescheduled"],
      ["Cancel event", "cancelled"],
    ] as const) {
      await userEvent.click(screen.getByRole("button", { name: open }));
      const reason = await screen.findByLabelText(/^Reason/);
      const described = (reason.getAttribute("aria-describedby") ?? "")
        .split(" ")
        .map((id) => document.getElementById(id)?.textContent ?? "")
        .join(" ");
      expect(described, `the ${open} form says where the reason goes`).toContain(
        "The reason is printed on flyers and in emails about this event",
      );
      expect(described, "with an example in its own words").toContain(`${word} due to the storm`);
      await userEvent.click(screen.getByRole("button", { name: "Close" }));
    }
    await userEvent.click(screen.getByRole("button", { name: "Change venue" }));
    await screen.findByLabelText(/^Reason/);
    expect(screen.queryByText(/printed on flyers/), "a venue change's note is not said to be printed").toBeNull();
  });

  it("explains cleaned where a list's counts show it", async () => {
    history.replaceState(null, "", "#/mail");
    render(App, { backend: fakeBackend({ branch: sampleProfile(), mail: scenes("sample") }) });
    const counts = await screen.findByRole("region", { name: /^Who is on/ });
    expect(counts.textContent, "cleaned is explained").toContain("cleaned (the address no longer works)");
  });
});
