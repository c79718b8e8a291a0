// Consent on the sending side, in the window against the core's recorded
// answers (the `reannounce` scene: a real send with no mail account): the
// messages are shown as saved to the outbox, never as sent; announcing the
// same event to the same list again is refused with when the first went out,
// and goes only when the organizer chooses "Send again anyway".
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import { fakeBackend, sampleProfile } from "./lib/fake-backend";
import { scenes } from "./lib/replay";
import { announceEvent } from "./lib/event-target";

beforeEach(() => {
  history.replaceState(null, "", "#/events");
  localStorage.clear();
});

async function sendFromComposer() {
  const subject = (await screen.findByLabelText("Subject")) as HTMLInputElement;
  await waitFor(() => expect(subject.value, "the composer is filled").not.toBe(""));
  await userEvent.click(screen.getByRole("button", { name: "Send now…" }));
  await userEvent.click(
    within(await screen.findByRole("alertdialog")).getByRole("button", { name: "Save to the outbox" }),
  );
}

describe("sending without contradicting the record", () => {
  it("calls outbox messages saved, not sent, and asks before announcing the same event to the list again", async () => {
    // The rally is event 1 of the recorded branch.
    const rally = { id: 1 };
    const backend = fakeBackend({
      branch: sampleProfile(),
      mail: scenes("sample"),
      eventsStory: scenes("rallyEvents"),
      announce: scenes("reannounce"),
    });
    const starts = () => backend.mail.calls.filter((c) => c.command === "send_start").map((c) => c.args);
    render(App, { backend });

    announceEvent({ event: rally.id });
    await sendFromComposer();
    await screen.findByRole("progressbar", { name: "Sending progress" });
    await waitFor(() =>
      expect(screen.getByTestId("send-state").textContent, "the state says written, not sent").toContain(
        "saved to the outbox — not sent.",
      ),
    );
    const total = screen.getByTestId("send-written").textContent;
    expect(Number(total), "every message is counted as written").toBeGreaterThan(1);
    expect(screen.getByTestId("send-sent").textContent, "none is counted as sent").toBe("0");

    await userEvent.click(screen.getByRole("button", { name: "← All announcements" }));
    const rows = await screen.findAllByTestId("announcement-row");
    expect(rows[0].textContent, "the list says the announcement is in the outbox").toContain(
      "In the outbox (not sent)",
    );

    await userEvent.click(screen.getByRole("button", { name: "New announcement" }));
    await sendFromComposer();
    const refusal = await screen.findByRole("alertdialog", { name: /Already announced/ });
    expect(refusal.textContent, "the refusal says when the first went out").toMatch(/announcement \d+ went out on/);
    expect(starts(), "nothing more was queued: the second start was refused").toEqual([
      { id: 1, again: false },
      { id: 2, again: false },
    ]);
    await userEvent.click(within(refusal).getByRole("button", { name: "Send again anyway" }));
    await screen.findByRole("progressbar", { name: "Sending progress" });
    expect(starts().at(-1), "the choice to send again reached the backend").toEqual({ id: 2, again: true });
  });
});
