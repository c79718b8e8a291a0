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

describe("the event editor's lists", () => {
  it("keeps a speaker added while the known speakers were being read", async () => {
    let answerSpeakers: (list: Speaker[]) => void = () => {};
    const nadia: Speaker = { id: 7, name: "Nadia Haddad", affiliation: "", credit: "" };
    const backend = {
      timeZones: async () => ["America/New_York"],
      venues: async () => [],
      speakers: () => new Promise<Speaker[]>((resolve) => (answerSpeakers = resolve)),
      status: async () => null,
      createSpeaker: async () => nadia,
    } as unknown as Backend;
    render(EventEditor, { backend, timeZone: "America/New_York", onback: () => {}, onopen: () => {}, delay: 60_000 });

    await userEvent.type(await screen.findByLabelText("Or a new speaker: name"), "Nadia Haddad");
    await userEvent.click(screen.getByRole("button", { name: "Add new" }));
    await screen.findByRole("button", { name: "Remove Nadia Haddad" });

    // The list read before she was made arrives now, without her.
    answerSpeakers([]);
    await new Promise((r) => setTimeout(r, 50));
    expect(
      screen.queryByRole("button", { name: "Remove Nadia Haddad" }),
      "she is still the event's speaker",
    ).not.toBeNull();
  });

  it("leaves the keyboard where the organizer is typing when the lists arrive late", async () => {
    let answerLists: () => void = () => {};
    const lists = new Promise<void>((resolve) => (answerLists = resolve));
    const backend = {
      timeZones: async () => {
        await lists;
        return ["America/New_York"];
      },
      venues: async () => [],
      speakers: async () => [],
      status: async () => null,
    } as unknown as Backend;
    render(EventEditor, { backend, timeZone: "America/New_York", onback: () => {}, onopen: () => {}, delay: 60_000 });

    const name = await screen.findByLabelText("Or a new speaker: name");
    await userEvent.click(name);
    await userEvent.keyboard("Nadia");
    answerLists();
    await new Promise((r) => setTimeout(r, 50));
    await userEvent.keyboard(" Haddad");
    expect(document.activeElement, "the focus stays in the speaker's name").toBe(name);
    expect((name as HTMLInputElement).value).toBe("Nadia Haddad");
    expect((screen.getByLabelText("Title") as HTMLInputElement).value, "nothing went into the title").toBe("");
  });

  it("gives the title the keyboard when nobody is typing yet", async () => {
    const backend = {
      timeZones: async () => ["America/New_York"],
      venues: async () => [],
      speakers: async () => [],
      status: async () => null,
    } as unknown as Backend;
    render(EventEditor, { backend, timeZone: "America/New_York", onback: () => {}, onopen: () => {}, delay: 60_000 });
    const title = await screen.findByLabelText("Title");
    await new Promise((r) => setTimeout(r, 50));
    expect(document.activeElement).toBe(title);
  });
});
