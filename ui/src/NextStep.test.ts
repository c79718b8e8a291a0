// Issue 23's next steps against the core's recorded answers
// (src-tauri/core/tests/ui_answers/next_step.rs): an organization's page asks
// it to co-sponsor an upcoming event and records an answer already known as
// confirmed in one step, its note then in the history (`orgAsk`); the
// composer's preview follows the text as it is typed, rendered by the core
// from the unsaved text, with no draft saved (`livePreview`).
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import OrgPage from "./screens/coalition/OrgPage.svelte";
import { fakeBackend, sampleProfile } from "./lib/fake-backend";
import { scenes } from "./lib/replay";
import { announceEvent } from "./lib/event-target";

beforeEach(() => {
  history.replaceState(null, "", "#/events");
  localStorage.clear();
});

describe("an organization's page", () => {
  it("asks it to co-sponsor an upcoming event, confirmed in one step, the note in its history", async () => {
    const backend = fakeBackend({ coalition: scenes("orgAsk"), eventsStory: scenes("orgAsk") });
    render(OrgPage, { backend, id: 1, onback: () => {}, onedit: () => {} });
    expect(await screen.findByText(/Not asked to co-sponsor anything yet/), "no history yet").toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Ask to co-sponsor…" }));
    const picker = screen.getByLabelText("Event") as HTMLSelectElement;
    const offered = within(picker)
      .getAllByRole("option")
      .map((o) => o.textContent);
    expect(offered, "the upcoming events are offered").toEqual([
      "Choose an upcoming event…",
      "Rally for Siham · 2037-01-20",
    ]);
    await userEvent.click(screen.getByRole("button", { name: "Record the ask" }));
    expect(screen.getByRole("alert").textContent, "an event must be chosen first").toContain("Choose the event");
    await userEvent.selectOptions(picker, "Rally for Siham · 2037-01-20");
    await userEvent.click(screen.getByLabelText("Already confirmed (they said yes)"));
    await userEvent.type(screen.getByLabelText("Note"), "Said yes on the phone");
    await userEvent.type(screen.getByLabelText("Date (empty: today)"), "2037-01-10");
    await userEvent.click(screen.getByRole("button", { name: "Record the ask" }));
    const history = await screen.findByRole("list", { name: "History with the branch" });
    expect(history.textContent, "confirmed in one step, with its note").toContain(
      "2037-01-10: Confirmed — Said yes on the phone",
    );
    expect(history.textContent, "no asked step was walked through").not.toContain("Asked");
    const steps = backend.coalition.calls.filter((c) => c.command === "cosponsor_set_status");
    expect(
      steps.map((c) => (c.args.step as { status: string }).status),
      "one step, confirmed",
    ).toEqual(["confirmed"]);
    expect(
      screen.getByRole("button", { name: "Mark Rally for Siham withdrawn…" }),
      "a confirmed co-sponsor's next step is offered",
    ).toBeTruthy();
    expect(backend.coalition.unanswered, "every call was one the core answered").toEqual([]);
  });
});

describe("the composer", () => {
  it("previews the text as it is typed, with no draft saved", async () => {
    history.replaceState(null, "", "#/events");
    const backend = fakeBackend({
      branch: sampleProfile(),
      mail: scenes("sample"),
      eventsStory: scenes("rallyEvents"),
      announce: scenes("livePreview"),
    });
    render(App, { backend });
    announceEvent({ event: 1 });
    const body = (await screen.findByLabelText("Message")) as HTMLTextAreaElement;
    await waitFor(() => expect(body.value, "filled from the event").toContain("Rally for Siham"));
    await waitFor(() =>
      expect(screen.getByTestId("ann-preview-subject").textContent, "the preview shows the filled subject").toContain(
        "Rally for Siham",
      ),
    );
    await fireEvent.input(body, { target: { value: `${body.value}\n\nBring a friend to the rally.` } });
    await waitFor(() =>
      expect(screen.getByTestId("ann-preview-html").textContent, "the preview follows the typed line").toContain(
        "Bring a friend to the rally.",
      ),
    );
    const commands = backend.mail.calls.map((c) => c.command);
    expect(commands, "nothing was saved to preview").not.toContain("announcement_save");
    expect(commands.filter((c) => c === "announcement_preview_unsaved").length, "one render per pause").toBe(2);
  });
});
