// Consent on the sending side in the real window, with no mail account: the
// rally's announcement is saved to the outbox and the Sending screen says
// "N saved to the outbox — not sent", never "sent"; announcing the same rally
// to the same list again is refused with when the first went out, and goes
// only after the organizer chooses "Send again anyway".
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { cli, click, goTo, screenshot, startDriver, stopDriver, tempDb, until, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

async function text(app, selector) {
  return app.execute((s) => document.querySelector(s)?.textContent ?? "", selector);
}

async function emailTheRally(app) {
  await goTo(app, "events", "Events");
  await click(app, "button*=Justice4Siham", "the rally in the list");
  await click(app, "button=Email to list");
  const subject = await app.$("#ann-subject");
  await subject.waitForDisplayed({ timeout: 20000, timeoutMsg: "the composer did not open" });
  await until(app, () => subject.getValue(), (v) => v.includes("Justice4Siham"), "the subject was not filled from the rally");
  await click(app, "button=Send now…");
  const dialog = await app.$('[role="alertdialog"]');
  await dialog.waitForDisplayed({ timeout: 10000, timeoutMsg: "the send was not confirmed first" });
  await click(app, "button=Save to the outbox");
}

test("without an account the rally is written to the outbox, not sent, and announcing it again asks first", async () => {
  const db = tempDb();
  cli(db, "demo");
  const subscribed = Number(cli(db, "subscribers", "count", "--list", "Announcements").trim());
  assert.ok(subscribed > 5, `the sample list has people (${subscribed})`);

  await withApp(db, async (app) => {
    await emailTheRally(app);
    await (await app.$("#send-progress")).waitForDisplayed({ timeout: 20000, timeoutMsg: "the progress bar did not appear" });
    await until(app, () => text(app, '[data-testid="send-state"]'), (t) => t.includes(`${subscribed} saved to the outbox — not sent.`), "the outbox send did not finish", 120000);
    assert.equal(Number((await text(app, '[data-testid="send-written"]')).replace(/\D/g, "")), subscribed, "every message is counted as written to the outbox");
    assert.equal(await text(app, '[data-testid="send-sent"]'), "0", "none is called sent");
    const note = await text(app, ".progress-block");
    assert.match(note, /not sent/, "the note says the messages were not sent");
    await screenshot(app, "reannounce-outbox");

    await click(app, "button=← All announcements");
    await until(app, () => text(app, '[data-testid="announcement-row"]'), (t) => t.includes("In the outbox (not sent)"), "the list does not say the announcement is in the outbox");

    await emailTheRally(app);
    const refusal = await app.$('[role="alertdialog"]*=Already announced');
    await refusal.waitForDisplayed({ timeout: 20000, timeoutMsg: "the repeat was not refused" });
    const said = await refusal.getText();
    assert.match(said, /announcement \d+ went out on \d{4}-\d\d-\d\d \d\d:\d\d UTC/, `the refusal says when the first went out: ${said}`);
    const queued = JSON.parse(cli(db, "send", "status", "--json")).filter((a) => a.announcement.state !== "draft");
    assert.equal(queued.length, 1, "the refusal queued nothing");
    await screenshot(app, "reannounce-refused");

    await click(app, "button=Send again anyway");
    await (await app.$("#send-progress")).waitForDisplayed({ timeout: 20000, timeoutMsg: "the second send did not start" });
    await until(app, () => text(app, '[data-testid="send-state"]'), (t) => t.includes(`${subscribed} saved to the outbox — not sent.`), "the second send did not finish", 120000);
  });

  const all = JSON.parse(cli(db, "send", "status", "--json"));
  assert.equal(all.length, 2, "two announcements: the first and the one sent again by choice");
  assert.ok(all.every((a) => a.progress.written === subscribed && a.progress.sent === 0), "both were written to the outbox, none sent");
});
