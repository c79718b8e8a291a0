// The Mailbox tab against the core's recorded answers (src/fixtures/answers.json,
// recorded by src-tauri/core/tests/ui_answers.rs and replayed by lib/replay.ts):
// no mailbox set up (`mailboxEmpty`); the sample branch with three messages
// read from saved files — Ben's bounce report and Ana's request to leave done,
// Carmen's unclear reply waiting — then her message read and left alone, and
// Ana's unsubscribe undone after its confirmation (`mailbox`); and *Check
// mailbox* against a real Dovecot holding four messages, its progress handed
// over one event at a time (`mailboxCheck`). The core's rules for reading a
// message are tested in the core (src-tauri/core/tests/mailbox.rs); here, what
// the screen shows of its answers.
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import Mailbox from "./Mailbox.svelte";
import { fakeBackend } from "../../lib/fake-backend";
import { scenes, type Replay, type SceneName } from "../../lib/replay";

afterEach(() => {
  vi.useRealTimers();
});

/** The Mailbox tab replaying the recorded `scene`. */
function open(scene: SceneName) {
  const backend = fakeBackend({ mailbox: scenes(scene) });
  render(Mailbox, { backend });
  return backend.mail;
}

/** The arguments of every call of this command, in order. */
const sent = (mail: Replay, command: string) => mail.calls.filter((c) => c.command === command).map((c) => c.args);

/** The Done table's row for a person. */
function row(person: string): HTMLElement {
  const found = screen.getByTestId("mailbox-done").querySelector<HTMLElement>(`tr[data-person="${person}"]`);
  if (!found) throw new Error(`no row in Done for ${person}`);
  return found;
}

describe("the Mailbox tab", () => {
  it("without a mailbox, says where to add one and that saved messages can still be imported", async () => {
    open("mailboxEmpty");
    expect(await screen.findByText("No mailbox set up yet"), "the empty state names what is missing").toBeTruthy();
    expect(screen.getByText(/under Settings → Mail account/), "it says where the mailbox is added").toBeTruthy();
    expect(screen.getByRole("button", { name: "Set up the mailbox" }), "a button goes there").toBeTruthy();
    expect(screen.getByLabelText("Import saved messages"), "saved messages can still be imported").toBeTruthy();
    expect(screen.queryByRole("button", { name: "Check mailbox" }), "there is nothing to check").toBeNull();
    expect(screen.queryByTestId("mailbox-done"), "nothing was done, so no Done list").toBeNull();
  });

  it("lists what needs the coordinator and what was done, each by person", async () => {
    open("mailbox");
    const needs = await screen.findByTestId("mailbox-needs-you");
    const carmen = within(needs).getByRole("heading", { name: "carmen.cruz@example.org" }).closest("li")!;
    expect(carmen.textContent, "her reply is shown with why it waits").toContain(
      "I’d like fewer emails, maybe just monthly?”: it asks for fewer emails, not to leave",
    );
    expect(carmen.textContent, "as a message not read for certain").toContain("Not read for certain");
    expect(carmen.textContent, "with its subject").toContain("Subject: RE: Rally at City Hall on Saturday");
    for (const name of ["Read message", "Unsubscribe", "Mark bounced", "Leave alone"])
      expect(within(carmen).getByRole("button", { name }), `it offers ${name}`).toBeTruthy();

    const ben = row("ben.brooks@example.org");
    expect(ben.getAttribute("data-action"), "Ben's row says he bounced").toBe("bounced");
    expect(ben.textContent, "in words, with what the report said").toContain("Bounced");
    expect(ben.textContent).toContain("5.1.1 user unknown (mx.example.net)");
    const ana = row("ana.alvarez@example.org");
    expect(ana.getAttribute("data-action"), "Ana's row says she unsubscribed").toBe("unsubscribed");
    expect(ana.textContent, "with what she wrote").toContain("asks to be removed: “Please remove me from this list.”");
    expect(
      within(ana).getByRole("button", { name: "Undo for ana.alvarez@example.org" }),
      "her reading can be undone",
    ).toBeTruthy();
    const order = [...screen.getByTestId("mailbox-done").querySelectorAll("tr[data-person]")].map((r) =>
      r.getAttribute("data-person"),
    );
    expect(order, "newest first").toEqual(["ana.alvarez@example.org", "ben.brooks@example.org"]);
    expect(screen.getByTestId("mailbox-checked").textContent, "the mailbox was never checked: only files read").toMatch(
      /Not checked yet\./,
    );
    expect(screen.queryByText(/password is not at hand/), "its password is in the keychain").toBeNull();
  });

  it("shows a waiting message as it was read, and closes it", async () => {
    const mail = open("mailbox");
    const needs = await screen.findByTestId("mailbox-needs-you");
    await userEvent.click(within(needs).getByRole("button", { name: "Read message" }));
    const dialog = await screen.findByRole("dialog", { name: "RE: Rally at City Hall on Saturday" });
    expect(sent(mail, "mailbox_message"), "the message asked for is Carmen's").toEqual([{ id: 3 }]);
    expect(dialog.textContent, "what it is, where it was read and that it waits").toContain(
      "Not read for certain · read from RE Rally at City Hall on Saturday.eml · Waiting for you",
    );
    expect(dialog.textContent, "its headers, decoded").toContain("Pat Kowalski <carmen.cruz@example.org>");
    expect(within(dialog).getByTestId("mailbox-message-text").textContent, "its text, read out of its HTML").toContain(
      "Thanks for organizing. I’d like fewer emails, maybe just monthly?",
    );
    await userEvent.click(within(dialog).getByRole("button", { name: "Close" }));
    expect(screen.queryByRole("dialog"), "Close closes it").toBeNull();
  });

  it("leaves a waiting message alone as the coordinator decides, and lists it as done", async () => {
    const mail = open("mailbox");
    const needs = await screen.findByTestId("mailbox-needs-you");
    await userEvent.click(within(needs).getByRole("button", { name: "Leave alone" }));
    expect(await screen.findByText("carmen.cruz@example.org: left alone."), "the decision is confirmed").toBeTruthy();
    expect(sent(mail, "mailbox_resolve"), "the decision reached the core").toEqual([
      { id: 3, resolution: "leave_alone" },
    ]);
    await waitFor(() => expect(within(needs).getByText("Nothing needs you."), "nothing waits any more").toBeTruthy());
    const carmen = row("carmen.cruz@example.org");
    expect(carmen.textContent, "her message is done, left alone").toContain("Left alone");
    expect(carmen.textContent, "by the coordinator's decision").toContain("your decision");
    expect(within(carmen).queryByRole("button", { name: /Undo/ }), "nothing was done to undo").toBeNull();
  });

  it("undoes a reading only once its confirmation is given", async () => {
    const mail = open("mailbox");
    await screen.findByTestId("mailbox-done");
    const undo = () => within(row("ana.alvarez@example.org")).getByRole("button", { name: /^Undo/ });

    await userEvent.click(undo());
    const asked = screen.getByRole("alertdialog", { name: "Undo this reading?" });
    expect(asked.textContent, "it says what an undo does and warns against misuse").toContain(
      "ana.alvarez@example.org goes back on the lists this message took them off",
    );
    await userEvent.click(within(asked).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog"), "cancelled, the question closes").toBeNull();
    expect(sent(mail, "mailbox_undo"), "and nothing is undone").toEqual([]);

    await userEvent.click(undo());
    await userEvent.click(
      within(screen.getByRole("alertdialog", { name: "Undo this reading?" })).getByRole("button", { name: "Undo" }),
    );
    expect(
      await screen.findByText("Undone: ana.alvarez@example.org is back on the lists this message took them off."),
      "the undo is confirmed",
    ).toBeTruthy();
    expect(sent(mail, "mailbox_undo"), "the undo reached the core").toEqual([{ id: 2 }]);
    await waitFor(() =>
      expect(within(row("ana.alvarez@example.org")).getByTestId("mailbox-undone"), "her row says so").toBeTruthy(),
    );
    expect(
      within(row("ana.alvarez@example.org")).queryByRole("button", { name: /^Undo/ }),
      "it cannot be undone twice",
    ).toBeNull();
    expect(
      within(row("ben.brooks@example.org")).getByRole("button", { name: /^Undo/ }),
      "Ben's reading stands",
    ).toBeTruthy();
  });

  it("shows the check's progress as it reads, then its report and what it did", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    // Three minutes after the recording's check (its clock was set to 15:00).
    vi.setSystemTime(new Date("2026-12-03T15:03:00Z"));
    const mail = open("mailboxCheck");
    mail.hold = true;
    expect((await screen.findByTestId("mailbox-checked")).textContent, "not checked before").toMatch(
      /Not checked yet\./,
    );
    expect(screen.getByTestId("mailbox-done").textContent, "nothing was done yet").toContain("Nothing was done yet.");

    await userEvent.click(screen.getByRole("button", { name: "Check mailbox" }));
    expect(sent(mail, "mailbox_check"), "the check was asked for, not as a dry run").toEqual([{ dryRun: false }]);
    const bar = () => screen.getByRole("progressbar", { name: "Mailbox check progress" }) as HTMLProgressElement;
    await waitFor(() => expect(bar().max, "out of every message to read").toBe(4));
    expect(bar().value, "none read yet").toBe(0);
    expect(screen.getByText("Reading 0 of 4 messages"), "and says so in words").toBeTruthy();
    expect(screen.getByRole("button", { name: "Checking…" }), "a second check cannot start").toHaveProperty(
      "disabled",
      true,
    );

    mail.next();
    await waitFor(() => expect(bar().value, "the bar is as far as the check").toBe(4));
    expect(screen.getByText("Reading 4 of 4 messages")).toBeTruthy();
    expect(screen.queryByTestId("mailbox-report"), "no report before the check ends").toBeNull();

    mail.next();
    const shown = await screen.findByTestId("mailbox-report");
    expect(within(shown).getByRole("heading", { name: "What the check did" })).toBeTruthy();
    expect(within(shown).getByTestId("mailbox-summary").textContent, "the counts in a sentence").toBe(
      "1 bounced, 1 unsubscribed, 1 automatic reply left alone, 1 ordinary message left where it is (4 messages read).",
    );
    expect(
      within(shown).getByText("bounced: ben.brooks@example.org — 5.1.1 user unknown (mx.example.net)"),
      "each line of the report is listed",
    ).toBeTruthy();
    expect(screen.queryByRole("progressbar"), "the bar is gone once the check ends").toBeNull();
    expect(screen.getByRole("button", { name: "Check mailbox" }), "another check can start").toHaveProperty(
      "disabled",
      false,
    );

    await waitFor(() =>
      expect(row("ben.brooks@example.org").textContent, "Done lists what it did").toContain("Bounced"),
    );
    expect(row("carmen.cruz@example.org").textContent).toContain("Unsubscribed");
    const ana = row("ana.alvarez@example.org");
    expect(ana.textContent, "an automatic reply is left alone").toContain("Left alone");
    expect(ana.textContent, "and said to be one").toContain("automatic reply");
    expect(within(ana).queryByRole("button", { name: /^Undo/ }), "with nothing to undo").toBeNull();
    expect(screen.getByTestId("mailbox-checked").textContent, "when it was checked").toMatch(/Checked 3 minutes ago\./);
    expect(mail.unanswered, "every call was answered").toEqual([]);
  });
});
