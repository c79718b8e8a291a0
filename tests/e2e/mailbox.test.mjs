// The mail loop closed in the real window, with both servers real: the
// loopback SMTP server (tests/smtp/server.py) delivers mail for the branch's
// domain into a throwaway Dovecot's maildir (tests/imap/dovecot.py) and,
// for two subscribers, accepts the message and then sends a Postfix-style
// bounce report back to its return path, as a mail system does. In the
// window: the mail account and the mailbox are set up in Settings, *Check
// return address* finds plus addresses delivered, the sample rally is sent
// to the list, *Check mailbox* in Mail → Mailbox reads the reports with a
// progress bar, and exactly the two who bounced show as bounced, there and
// on the list.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { cli, click, goTo, screenshot, select, startDriver, startImapServer, startSmtpServer, stopDriver, tempDb, until, withApp } from "./harness.mjs";

let imap = null;
let smtp = null;

before(async () => {
  await startDriver();
});

after(async () => {
  smtp?.stop();
  imap?.stop();
  await stopDriver();
});

async function text(app, selector) {
  return app.execute((s) => document.querySelector(s)?.textContent ?? "", selector);
}

test("a send to the list, two bounces delivered back to the mailbox, Check mailbox marks exactly those two bounced", async () => {
  const db = tempDb();
  cli(db, "demo");
  // The branch's own domain is the one the loopback mail system delivers locally.
  cli(db, "branch", "set", "contact_email", "boston@handbill.test");
  const csv = path.join(path.dirname(db), "list.csv");
  cli(db, "subscribers", "export", "--list", "Announcements", "-o", csv);
  const lines = readFileSync(csv, "utf8").trim().split(/\r?\n/);
  const emailAt = lines[0].split(",").findIndex((h) => h.trim().toLowerCase() === "email");
  const everyone = lines.slice(1).map((l) => l.split(",")[emailAt]);
  const bouncing = everyone.slice(0, 2);
  // A reply saved from webmail, from a third person, that is not clear about leaving.
  const unsure = everyone[2];
  const saved = path.join(path.dirname(db), "reply.eml");
  writeFileSync(
    saved,
    readFileSync(path.join(import.meta.dirname, "../../src-tauri/core/tests/fixtures/mailbox/unclear.eml"), "utf8")
      .replaceAll("%%RCPT%%", unsure)
      .replaceAll("%%BRANCH%%", "boston@handbill.test")
      .replaceAll("%%MSGID%%", "a1.s3.0a0b0c0d0e0f.1234@handbill.test"),
  );
  assert.equal(bouncing.length, 2, "the sample list has people to bounce");
  rmSync(csv);

  imap = await startImapServer();
  smtp = await startSmtpServer([
    "--deliver-maildir",
    imap.maildir,
    "--local-domain",
    "handbill.test",
    ...bouncing.flatMap((a) => ["--bounce-later", a]),
  ]);

  await withApp(db, async (app) => {
    await goTo(app, "settings", "Settings");
    await click(app, "button=Set up a mail account");
    await (await app.$("#acct-host")).setValue("127.0.0.1");
    await (await app.$("#acct-port")).setValue(String(smtp.port));
    await select(app, "#acct-security", "plain");
    await (await app.$("#acct-rate")).setValue("6000");
    await click(app, "button=Save account");
    await until(app, () => text(app, '[data-testid="mail-account"]'), (t) => t.includes(`127.0.0.1:${smtp.port}`), "the account was not saved");

    await click(app, "button=Set up the mailbox");
    await (await app.$("#imap-host")).setValue("127.0.0.1");
    await select(app, "#imap-security", "plain");
    await (await app.$("#imap-port")).setValue(String(imap.port));
    await (await app.$("#imap-user")).setValue(imap.user);
    await (await app.$("#imap-password")).setValue(imap.password);
    await click(app, "button=Save mailbox");
    await until(app, () => text(app, '[data-testid="mailbox-account"]'), (t) => t.includes(`127.0.0.1`), "the mailbox was not saved");
    await click(app, "button=Test mailbox");
    await until(app, () => text(app, '[data-testid="mailbox-test-report"]'), (t) => t.length > 0, "the mailbox test did not answer");
    assert.match(await text(app, '[data-testid="mailbox-test-report"]'), /logged in as branch/, "the mailbox answers the test");
    await click(app, "button=Check return address");
    await until(app, () => text(app, '[data-testid="mailbox-probe-report"]'), (t) => t.length > 0, "the probe did not answer", 90000);
    assert.match(await text(app, '[data-testid="mailbox-probe-report"]'), /arrived/, "plus addresses reach the mailbox");
    await screenshot(app, "mailbox-settings");

    await goTo(app, "events", "Events");
    await click(app, "button*=Justice4Siham", "the rally in the list");
    await click(app, "button=Email to list");
    await (await app.$("#ann-subject")).waitForDisplayed({ timeout: 20000, timeoutMsg: "the composer did not open" });
    await click(app, "button=Send now…");
    await (await app.$('[role="alertdialog"]')).waitForDisplayed({ timeout: 10000, timeoutMsg: "the send was not confirmed first" });
    await click(app, "button=Send now");
    await until(app, () => text(app, '[data-testid="send-state"]'), (t) => t.includes("Finished."), "the send did not finish", 120000);

    await goTo(app, "mail", "Mail");
    await click(app, "#mail-tab-mailbox", "the Mailbox tab");
    await click(app, "#mailbox-check", "Check mailbox");
    await until(app, () => text(app, '[data-testid="mailbox-report"]'), (t) => /2 bounced/.test(t), "the check did not report two bounces", 60000);
    const progress = await app.execute(() => {
      const p = document.querySelector('progress[aria-label="Mailbox check progress"]');
      return p ? { value: p.value, max: p.max } : null;
    });
    if (progress) assert.equal(progress.value, progress.max, "the progress bar ran to the end");
    const bounced = await app.execute(() =>
      [...document.querySelectorAll('[data-testid="mailbox-done"] tr[data-action="bounced"]')].map((r) => r.getAttribute("data-person")),
    );
    assert.deepEqual([...bounced].sort(), [...bouncing].sort(), "exactly the two who bounced are marked bounced");
    await screenshot(app, "mailbox-checked");

    // A reply saved from webmail that is not clear waits for the coordinator, who reads it and decides.
    await (await app.$("#mailbox-import")).setValue(saved);
    await until(app, () => text(app, '[data-testid="mailbox-needs-you"]'), (t) => t.includes(unsure), "the unclear reply did not wait under Needs you");
    const needs = await app.$('[data-testid="mailbox-needs-you"]');
    await (await needs.$("button=Read message")).click();
    const dialog = await app.$('[role="dialog"]');
    await dialog.waitForDisplayed({ timeout: 10000, timeoutMsg: "the message did not open" });
    assert.match(await dialog.getText(), /fewer emails/, "the message itself is shown");
    await screenshot(app, "mailbox-message");
    await app.keys("Escape");
    await dialog.waitForDisplayed({ reverse: true, timeout: 10000, timeoutMsg: "Escape did not close the message" });
    await screenshot(app, "mailbox-needs-you");
    await (await needs.$("button=Leave alone")).click();
    await until(app, () => text(app, '[data-testid="mailbox-needs-you"]'), (t) => !t.includes(unsure), "the decision did not settle it");

    // A second check finds nothing new.
    await click(app, "#mailbox-check", "Check mailbox again");
    await until(app, () => text(app, '[data-testid="mailbox-report"]'), (t) => /0 messages read|Nothing/.test(t), "the second check did not answer", 60000);
  });

  const standing = JSON.parse(cli(db, "mailbox", "show", "--json"));
  const marked = standing.done.filter((e) => e.action === "bounced").map((e) => e.person);
  assert.deepEqual(marked.sort(), [...bouncing].sort(), "the branch file says the same");
  const left = Number(cli(db, "subscribers", "count", "--list", "Announcements").trim());
  assert.equal(left, everyone.length - 2, "the list reaches two people fewer; the unclear reply's sender stays");
});
