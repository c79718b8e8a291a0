// The Events screens against the core's recorded answers: upcoming grouped by
// month, search as you type, and a field error that keeps the text (the
// `events` scene); a new draft autosaved once as it is typed (`autosave`), and
// a translation saved with it, then removed (`translation`).
import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Events from "./screens/Events.svelte";
import { fakeBackend, sampleProfile } from "./lib/fake-backend";
import { scenes } from "./lib/replay";
import type { EventInput } from "./lib/backend";

/** The drafts the editor's autosave sent, in order, as the core received them. */
function drafts(backend: ReturnType<typeof fakeBackend>) {
  return backend.mail.calls
    .filter((c) => c.command === "event_save_draft")
    .map((c) => ({ id: c.args.id as number | null, input: c.args.input as EventInput }));
}

/** Two announced events in January 2027 and a draft in February, as the core answers them. */
const recorded = () => fakeBackend({ eventsStory: scenes("events") });

describe("Events", () => {
  it("groups upcoming events by month and marks drafts", async () => {
    render(Events, { backend: recorded(), timeZone: "America/New_York" });
    const jan = await screen.findByRole("list", { name: "Events in January 2027" });
    expect(jan.querySelectorAll("li").length, "January holds its two events").toBe(2);
    const feb = screen.getByRole("list", { name: "Events in February 2027" });
    expect(feb.textContent, "the February draft is marked as a draft").toContain("Draft");
  });

  it("search answers as you type", async () => {
    render(Events, { backend: recorded(), timeZone: "America/New_York" });
    const box = await screen.findByLabelText("Search events");
    await userEvent.type(box, "rall");
    const results = await screen.findByRole("list", { name: "Search results" }, { timeout: 2000 });
    expect(results.textContent, "the rally is found by a prefix").toContain("Rally for Siham");
    expect(results.textContent, "the panel is not").not.toContain("Panel on housing");
  });

  it("a new draft autosaves as it is typed", async () => {
    // Two announced events in January 2027 and a draft in February, as in `events`.
    const backend = fakeBackend({ eventsStory: scenes("autosave") });
    render(Events, { backend, timeZone: "America/New_York" });
    await userEvent.click(await screen.findByRole("button", { name: "New event" }));
    await userEvent.type(await screen.findByLabelText("Title"), "Fund drive");
    await waitFor(
      () => expect(screen.getByTestId("save-state").textContent, "the draft says it is saved").toBe("Saved"),
      { timeout: 3000 },
    );
    expect(
      drafts(backend).some((d) => d.input.title === "Fund drive"),
      "save_draft got the typed title",
    ).toBe(true);
    expect(drafts(backend).filter((d) => d.id === null).length, "one draft was created, not one per keystroke").toBe(1);
  });

  it("a translation's language, title and description autosave with the draft, and it can be removed", async () => {
    const backend = fakeBackend({ branch: sampleProfile(), eventsStory: scenes("translation") });
    render(Events, { backend, timeZone: "America/New_York" });
    await userEvent.click(await screen.findByRole("button", { name: "New event" }));
    await userEvent.type(await screen.findByLabelText("Title"), "Rally");
    await userEvent.click(screen.getByRole("button", { name: "Add a translation" }));
    const language = (await screen.findByLabelText("Language")) as HTMLInputElement;
    expect(language.value, "the branch's second language is offered first").toBe("es");
    await userEvent.type(screen.getByLabelText("Title (es)"), "Manifestación");
    await userEvent.type(screen.getByLabelText("Description (es)"), "Únete a la acción.");
    const saved = () =>
      drafts(backend)
        .filter((d) => d.input.title === "Rally")
        .at(-1)?.input;
    await waitFor(
      () =>
        expect(saved()?.translations, "the translation is saved with the draft").toEqual([
          { language: "es", title: "Manifestación", description: "Únete a la acción." },
        ]),
      { timeout: 3000 },
    );
    await userEvent.click(screen.getByRole("button", { name: "Remove translation 1" }));
    await waitFor(() => expect(saved()?.translations, "a removed translation is saved as gone").toEqual([]), {
      timeout: 3000,
    });
  });

  it("Save shows the field's message beside it and keeps the text", async () => {
    render(Events, { backend: recorded(), timeZone: "America/New_York" });
    await userEvent.click(await screen.findByRole("button", { name: "New event" }));
    // Each field filled at once (pasted), so the draft's autosave sends the recorded text, not a part of it.
    await userEvent.click(await screen.findByLabelText("Title"));
    await userEvent.paste("Teach-in");
    await userEvent.click(screen.getByLabelText("Start date"));
    await userEvent.paste("next tuesday");
    await userEvent.click(screen.getByRole("button", { name: "Save and check" }));
    const error = await screen.findByText(/is not a date/);
    expect(error.getAttribute("data-error-for"), "the message is beside the start date").toBe("start_date");
    const field = screen.getByLabelText("Start date") as HTMLInputElement;
    expect(field.getAttribute("aria-invalid"), "the start date is marked invalid").toBe("true");
    expect(field.value, "the typed text is kept").toBe("next tuesday");
  });
});
