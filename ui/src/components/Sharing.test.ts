// Settings → Sharing and the sidebar's sync line against the core's recorded
// answers (src/fixtures/answers.json, recorded by
// src-tauri/core/tests/ui_answers/share.rs on two real branch files sharing
// one real folder, replayed by lib/replay.ts): Ana's branch not shared yet,
// then shared and an officer invited (`shareNone`); Ben's laptop, joined,
// with the branch's city changed on both laptops while apart, settled by
// keeping Ana's side, then synced again (`shareConflict`). The folder dialog
// is the window's, on the Rust side: the recording answers as if the folder
// was picked. The merge rules are tested in the core; here, what the screen
// shows of its answers and what it sends.
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import SharingPanel from "./SharingPanel.svelte";
import App from "../App.svelte";
import { fakeBackend, sampleProfile } from "../lib/fake-backend";
import { scenes, type Replay } from "../lib/replay";

beforeEach(() => {
  history.replaceState(null, "", "#/");
  localStorage.clear();
  // jsdom lays nothing out, so it has no scrolling: Settings scrolls to the panel asked for.
  Element.prototype.scrollIntoView ??= function () {};
});

afterEach(() => {
  vi.useRealTimers();
});

/** The arguments of every call of this command, in order. */
const sent = (r: Replay, command: string) => r.calls.filter((c) => c.command === command).map((c) => c.args);

describe("Settings → Sharing", () => {
  it("explains sharing on a branch not shared yet, shares it through the picked folder, and shows an invitation code", async () => {
    const backend = fakeBackend({ share: scenes("shareNone") });
    render(SharingPanel, { backend });

    const start = await screen.findByTestId("share-start");
    const about = screen.getByText(/The branch's file itself never travels/).closest("div")!;
    expect(about.textContent, "it names the tools that carry a folder").toContain("Syncthing");
    expect(about.textContent, "and what the folder's host can see").toContain(
      "whoever hosts the folder sees only sizes and times",
    );
    const join = screen.getByTestId("share-join");
    expect(within(join).getByRole("heading", { name: "Join a branch" }), "joining is the other way in").toBeTruthy();
    expect(join.textContent, "joining is said to need a new, empty branch").toContain(
      "This must be a new, empty branch",
    );
    expect(within(join).getByLabelText("Invitation code"), "the code has a labelled field").toBeTruthy();

    const share = within(start).getByRole("button", { name: "Choose the folder and share…" });
    expect(share, "nothing to share as until the laptop is named").toHaveProperty("disabled", true);
    await userEvent.type(within(start).getByLabelText("Name of this laptop"), "Ana's laptop");
    await userEvent.click(share);

    expect(sent(backend.mail, "share_init"), "the laptop's name reached the core; the folder is the dialog's").toEqual([
      { name: "Ana's laptop" },
    ]);
    const facts = await screen.findByTestId("share-facts");
    expect(facts.textContent, "the folder it is shared through").toContain("/home/organizer/Sync/Riverside branch");
    expect(screen.getByTestId("share-notice").textContent, "and a word that it is done").toContain(
      "This branch is now shared through /home/organizer/Sync/Riverside branch",
    );
    const laptops = screen.getByTestId("share-laptops");
    const ana = laptops.querySelector<HTMLElement>('tr[data-laptop="a0a0a0a0a0a0a0a0"]')!;
    expect(ana.textContent, "this laptop is listed, and said to be this one").toContain("Ana's laptop");
    expect(ana.textContent).toContain("this laptop");
    expect(within(ana).queryByRole("button", { name: /Remove/ }), "this laptop cannot remove itself").toBeNull();
    expect(screen.getByText(/Only this laptop so far/), "an empty list of others says what to do").toBeTruthy();
    expect(screen.getByTestId("share-conflicts-none").textContent, "nothing to settle, in words").toContain(
      "Nothing to settle",
    );
    expect(screen.getByTestId("share-problems-none"), "nothing failed to apply").toBeTruthy();

    await userEvent.click(screen.getByRole("button", { name: "Invite an officer" }));
    const invitation = await screen.findByTestId("share-invitation");
    expect(within(invitation).getByTestId("share-code").textContent, "the code is shown whole").toBe("7KQ2-M9XD-4PWA");
    expect(invitation.textContent, "with how to pass it on").toContain("in person or by phone");
    expect(document.activeElement, "the keyboard goes to the code").toBe(
      within(invitation).getByRole("heading", { name: "Invitation code" }),
    );
    expect(sent(backend.mail, "share_invite"), "one invitation was made").toEqual([{}]);
  });

  it("lists a field changed on two laptops with each side's laptop, and keeps the side picked", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    // Two minutes after Ben's laptop last synced (its clock was set to 10:09).
    vi.setSystemTime(new Date("2026-12-05T10:11:00Z"));
    const backend = fakeBackend({ share: scenes("shareConflict") });
    render(SharingPanel, { backend });

    const conflicts = await screen.findByTestId("share-conflicts");
    expect(screen.getByTestId("share-synced-at").textContent, "when it last synced").toContain("2 minutes ago");
    const city = conflicts.querySelector<HTMLElement>('[data-conflict="branch|city|1"]')!;
    expect(within(city).getByRole("heading").textContent, "what changed: the branch's city").toBe(
      "City of branch “Riverside Branch”",
    );
    const sides = [...city.querySelectorAll("li.choice")].map((li) => li.textContent?.replace(/\s+/g, " ").trim());
    expect(sides, "both sides, the one shown now first, each with its laptop").toEqual([
      "“Somerville, MA” from Ben's laptop shown now Keep this",
      "“Cambridge, MA” from Ana's laptop Keep this",
    ]);
    const rows = [...screen.getByTestId("share-laptops").querySelectorAll("tbody tr")].map((r) =>
      r.querySelector("th")?.textContent?.replace(/\s+/g, " ").trim(),
    );
    expect(rows, "both laptops, this one said to be so").toEqual(["Ana's laptop", "Ben's laptop this laptop"]);

    await userEvent.click(within(city).getByRole("button", { name: "Keep this: “Cambridge, MA” from Ana's laptop" }));
    expect(sent(backend.mail, "share_pick"), "the side picked reached the core").toEqual([
      { conflict: "branch|city|1", laptop: "a0a0a0a0a0a0a0a0", seq: 3 },
    ]);
    await waitFor(() => expect(screen.getByTestId("share-conflicts-none"), "nothing is left to settle").toBeTruthy());
    expect(screen.getByTestId("share-notice").textContent, "what was kept, in words").toBe(
      "Kept “Cambridge, MA” for branch “Riverside Branch”, city.",
    );

    await userEvent.click(screen.getByRole("button", { name: "Sync now" }));
    await waitFor(() =>
      expect(screen.getByTestId("share-notice").textContent, "the sync's outcome").toBe(
        "Synced: nothing new to write, nothing new from other laptops.",
      ),
    );
    expect(sent(backend.mail, "share_sync"), "Sync now asked the core once").toEqual([{}]);
    expect(screen.getByTestId("share-synced-at").textContent, "the last sync is now").toContain("now");
  });

  it("asks before removing a laptop, and removes nothing when cancelled", async () => {
    const backend = fakeBackend({ share: scenes("shareConflict") });
    render(SharingPanel, { backend });
    const laptops = await screen.findByTestId("share-laptops");
    await userEvent.click(within(laptops).getByRole("button", { name: "Remove Ana's laptop" }));
    const asked = screen.getByRole("alertdialog", { name: "Remove Ana's laptop?" });
    expect(asked.textContent, "it says what removing does").toContain(
      "a new key encrypts everything written from now on",
    );
    expect(document.activeElement, "the safe choice has the keyboard").toBe(
      within(asked).getByRole("button", { name: "Cancel" }),
    );
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog"), "Escape closes the question").toBeNull();
    expect(sent(backend.mail, "share_remove"), "and nothing is removed").toEqual([]);
  });
});

describe("the sidebar's sync line", () => {
  it("says when a shared branch last synced and what is left to settle, and opens Settings → Sharing", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-12-05T10:11:00Z"));
    const backend = fakeBackend({ branch: sampleProfile(), share: scenes("shareConflict") });
    render(App, { backend });
    const line = await screen.findByTestId("sidebar-synced");
    expect(line.textContent?.replace(/\s+/g, " ").trim(), "when, and what waits").toBe(
      "Synced 2 minutes ago 1 change to settle",
    );
    await userEvent.click(line);
    const heading = await screen.findByRole("heading", { name: "Sharing", level: 2 });
    await waitFor(() => expect(document.activeElement, "Settings opens at Sharing").toBe(heading));
  });

  it("is not shown for a branch that is not shared", async () => {
    render(App, { backend: fakeBackend({ branch: sampleProfile() }) });
    await screen.findByRole("heading", { name: "Events", level: 1 });
    expect(screen.queryByTestId("sidebar-synced"), "no line about syncing").toBeNull();
  });
});

describe("the Welcome screen", () => {
  it("offers a new officer to join the branch another officer shares", async () => {
    render(App, { backend: fakeBackend() });
    await userEvent.click(await screen.findByRole("button", { name: "Join a shared branch" }));
    const join = screen.getByTestId("share-join");
    expect(join.textContent?.replace(/\s+/g, " "), "it says the branch arrives from the shared folder").toContain(
      "the shared one arrives in it",
    );
    expect(within(join).getByLabelText("Invitation code"), "the code has a labelled field").toBeTruthy();
    expect(within(join).getByLabelText("Name of this laptop"), "so does the laptop's name").toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Back" }));
    expect(screen.getByRole("button", { name: "Create your branch" }), "Back returns to the choices").toBeTruthy();
  });
});
