// The event editor while its lists are still on their way (a busy machine):
// a speaker added by name before the known speakers have been read stays on
// the event and on the screen when that older list arrives (CI's first-hour
// test once lost "Nadia Haddad" that way).
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
});
