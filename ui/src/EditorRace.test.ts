// The event editor while its lists are still on their way (a busy machine):
// a speaker added by name before the known speakers have been read stays on
// the event and on the screen when that older list arrives (CI's first-hour
// test once lost "Nadia Haddad" that way), and the lists' arrival does not
// take the keyboard from a field being typed in (it did, sending the rest of
// a speaker's name into the title).
import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import EventEditor from "./screens/events/EventEditor.svelte";
import type { Backend, Speaker } from "./lib/backend";

/** Opens a new event's editor over a backend with no zones but New York,
 * no venues, no speakers and no branch, but for what `parts` answers instead. */
function openEditor(parts: Partial<Record<keyof Backend, unknown>> = {}) {
  const backend = {
    timeZones: async () => ["America/New_York"],
    venues: async () => [],
    speakers: async () => [],
    status: async () => null,
    ...parts,
  } as unknown as Backend;
  render(EventEditor, { backend, timeZone: "America/New_York", onback: () => {}, onopen: () => {}, delay: 60_000 });
}

/** Lets the answers that have arrived reach the screen. */
const settle = () => new Promise((r) => setTimeout(r, 50));

describe("the event editor's lists", () => {
  it("keeps a speaker added while the known speakers were being read", async () => {
    let answerSpeakers: (list: Speaker[]) => void = () => {};
    const nadia: Speaker = { id: 7, name: "Nadia Haddad", affiliation: "", credit: "" };
    openEditor({
      speakers: () => new Promise<Speaker[]>((resolve) => (answerSpeakers = resolve)),
      createSpeaker: async () => nadia,
    });

    await userEvent.type(await screen.findByLabelText("Or a new speaker: name"), "Nadia Haddad");
    await userEvent.click(screen.getByRole("button", { name: "Add new" }));
    await screen.findByRole("button", { name: "Remove Nadia Haddad" });

    // The list read before she was made arrives now, without her.
    answerSpeakers([]);
    await settle();
    expect(
      screen.queryByRole("button", { name: "Remove Nadia Haddad" }),
      "she is still the event's speaker",
    ).not.toBeNull();
  });

  it("leaves the keyboard where the organizer is typing when the lists arrive late", async () => {
    let answerLists: () => void = () => {};
    const lists = new Promise<void>((resolve) => (answerLists = resolve));
    openEditor({
      timeZones: async () => {
        await lists;
        return ["America/New_York"];
      },
    });

    const name = await screen.findByLabelText("Or a new speaker: name");
    await userEvent.click(name);
    await userEvent.keyboard("Nadia");
    answerLists();
    await settle();
    await userEvent.keyboard(" Haddad");
    expect(document.activeElement, "the focus stays in the speaker's name").toBe(name);
    expect((name as HTMLInputElement).value).toBe("Nadia Haddad");
    expect((screen.getByLabelText("Title") as HTMLInputElement).value, "nothing went into the title").toBe("");
  });

  it("gives the title the keyboard when nobody is typing yet", async () => {
    openEditor();
    const title = await screen.findByLabelText("Title");
    await settle();
    expect(document.activeElement).toBe(title);
  });
});
