// The Mailbox tab against a hand-made MailboxBackend: the core's rules for
// reading a message are tested in the core (src-tauri/core/tests/mailbox.rs,
// against a real Dovecot); here, only what the screen shows of its answers.
// No recorded `mailbox` scene exists in src/fixtures/answers.json yet, so the
// answers below are written in the shape of the generated bindings; once the
// core records one, these tests should replay it through fakeBackend({ mailbox }).
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import Mailbox from "./Mailbox.svelte";
import type {
  CheckReport,
  MailboxBackend,
  MailboxEntry,
  MailboxProgress,
  MailboxView,
} from "../../lib/mailbox-backend";

const account = {
  host: "imap.example.org",
  port: 993,
  security: "tls" as const,
  username: "boston@example.org",
  folder: "INBOX",
  handled_folder: "Handbill/Handled",
};

function entry(id: number, more: Partial<MailboxEntry>): MailboxEntry {
  return {
    id,
    received_at: "2027-03-01T18:00:00Z",
    kind: "hard_bounce",
    action: "bounced",
    summary: "5.1.1 user unknown",
    person: "",
    sender: "MAILER-DAEMON@example.net",
    subject: "Undelivered Mail Returned to Sender",
    message_id: `<m${id}@example.net>`,
    place: `INBOX, UID ${id}`,
    undone: false,
    resolution: "",
    ...more,
  };
}

const withEntries: MailboxView = {
  account,
  password: "keychain",
  plus_addressing: true,
  checked_at: new Date(Date.now() - 3 * 60_000).toISOString(),
  done: [
    entry(2, { person: "ben.brooks@example.org" }),
    entry(1, {
      kind: "unsubscribe",
      action: "unsubscribed",
      summary: "asks to be removed",
      person: "ana.alvarez@example.org",
      sender: "ana.alvarez@example.org",
    }),
  ],
  needs_you: [
    entry(3, {
      kind: "unclear",
      action: "needs_you",
      summary: "a bounce report with no token of ours",
      subject: "Delivery Status Notification",
    }),
  ],
};

const report: CheckReport = {
  dry_run: false,
  read: 5000,
  bounced: 2,
  soft_bounces: 0,
  unsubscribed: 1,
  complained: 0,
  auto_replies: 0,
  needs_you: 1,
  already: 0,
  other: 4996,
  remaining: 0,
  lines: ["ben.brooks@example.org: bounced (5.1.1 user unknown)", "ana.alvarez@example.org: unsubscribed"],
};

/** A MailboxBackend answering `view`; the check waits until the test ends it, its progress sent by the test. */
function fake(view: MailboxView) {
  const calls: string[] = [];
  let progress: (p: MailboxProgress) => void = () => {};
  let endCheck: (r: CheckReport) => void = () => {};
  const refused = async () => {
    throw { code: "internal", message: "not part of this test", fields: [] };
  };
  const backend: MailboxBackend = {
    mailbox: async () => (calls.push("mailbox"), view),
    saveMailbox: refused,
    setMailboxPassword: refused,
    removeMailbox: refused,
    testMailbox: refused,
    probeMailbox: refused,
    checkMailbox: (dryRun) => {
      calls.push(`checkMailbox ${dryRun}`);
      return new Promise((resolve) => (endCheck = resolve));
    },
    importMailbox: refused,
    mailboxMessage: refused,
    undoMailbox: refused,
    resolveMailbox: refused,
    onMailboxProgress: async (cb) => ((progress = cb), () => {}),
    onMailboxChecked: async () => () => {},
  };
  return { backend, calls, progress: (p: MailboxProgress) => progress(p), end: (r: CheckReport) => endCheck(r) };
}

describe("the Mailbox tab", () => {
  it("without a mailbox, says where to add one and that saved messages can still be imported", async () => {
    render(Mailbox, {
      backend: fake({ ...withEntries, account: null, password: "missing", checked_at: null, done: [], needs_you: [] })
        .backend,
    });
    expect(await screen.findByText("No mailbox set up yet"), "the empty state names what is missing").toBeTruthy();
    expect(screen.getByText(/under Settings → Mail account/), "it says where the mailbox is added").toBeTruthy();
    expect(screen.getByRole("button", { name: "Set up the mailbox" }), "a button goes there").toBeTruthy();
    expect(screen.getByLabelText("Import saved messages"), "saved messages can still be imported").toBeTruthy();
    expect(screen.queryByRole("button", { name: "Check mailbox" }), "there is nothing to check").toBeNull();
  });

  it("lists what needs the coordinator and what was done, each by person", async () => {
    render(Mailbox, { backend: fake(withEntries).backend });
    const needs = await screen.findByTestId("mailbox-needs-you");
    expect(
      within(needs).getByText(/a bounce report with no token of ours/),
      "the message waiting is shown",
    ).toBeTruthy();
    for (const name of ["Read message", "Unsubscribe", "Mark bounced", "Leave alone"])
      expect(within(needs).getByRole("button", { name }), `it offers ${name}`).toBeTruthy();
    const done = screen.getByTestId("mailbox-done");
    const ben = done.querySelector('tr[data-person="ben.brooks@example.org"]');
    expect(ben?.getAttribute("data-action"), "Ben's row says he bounced").toBe("bounced");
    expect(ben?.textContent, "in words").toContain("Bounced");
    const ana = done.querySelector('tr[data-person="ana.alvarez@example.org"]');
    expect(ana?.textContent, "Ana's row says she unsubscribed").toContain("Unsubscribed");
    expect(screen.getByTestId("mailbox-checked").textContent, "when it was last checked").toMatch(
      /Checked 3 minutes ago/,
    );
  });

  it("shows the check's progress as it reads, then its report", async () => {
    const f = fake(withEntries);
    render(Mailbox, { backend: f.backend });
    await userEvent.click(await screen.findByRole("button", { name: "Check mailbox" }));
    expect(f.calls, "the check was asked for, not as a dry run").toContain("checkMailbox false");
    f.progress({ done: 120, total: 5000 });
    const bar = () => screen.getByRole("progressbar", { name: "Mailbox check progress" }) as HTMLProgressElement;
    await waitFor(() => expect(bar().value, "the bar is as far as the check").toBe(120));
    expect(bar().max, "out of every message to read").toBe(5000);
    expect(screen.getByText("Reading 120 of 5,000 messages"), "and says so in words").toBeTruthy();
    f.end(report);
    const shown = await screen.findByTestId("mailbox-report");
    expect(within(shown).getByText(/2 bounced, 1 unsubscribed, 1 needs you/), "the counts in a sentence").toBeTruthy();
    expect(
      within(shown).getByText("ben.brooks@example.org: bounced (5.1.1 user unknown)"),
      "each line of the report is listed",
    ).toBeTruthy();
    expect(screen.queryByRole("progressbar"), "the bar is gone once the check ends").toBeNull();
  });
});
