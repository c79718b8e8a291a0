// Honest words (issue 23) in the real window, from the sample branch with no
// mail account, by visible labels: the reschedule and cancel forms say their
// reason is printed on flyers and in emails; *Announce* on a new draft says it
// emails nobody and then offers *Email the list*, which opens the composer;
// the send is asked as "will be saved as N email files in the outbox folder —
// not sent" and reported as "N saved to the outbox" with *Open folder*, and the
// N files are really there; a list's counts say what "cleaned" means. The
// command line says the same words: `announce` without an account saves to the
// outbox folder, and `list ls` explains "cleaned".
import assert from "node:assert/strict";
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { cli, click, goTo, heading, screenshot, startDriver, stopDriver, tempDb, until, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

async function text(app, selector) {
  return app.execute((s) => document.querySelector(s)?.textContent ?? "", selector);
}

/** The accessible description of a field: the text of every element its aria-describedby names. */
async function description(app, selector) {
  return app.execute(
    (s) =>
      (document.querySelector(s)?.getAttribute("aria-describedby") ?? "")
        .split(" ")
        .map((id) => document.getElementById(id)?.textContent ?? "")
        .join(" "),
    selector,
  );
}

test("no account: outbox words, Announce that emails nobody then Email the list, reasons printed, cleaned explained", async () => {
  const db = tempDb();
  try {
    cli(db, "demo");
    const subscribed = Number(cli(db, "subscribers", "count", "--list", "Announcements").trim());
    assert.ok(subscribed > 5, `the sample list has people (${subscribed})`);

    await withApp(db, async (app) => {
      await goTo(app, "events", "Events");
      await click(app, "button*=Justice4Siham", "the rally in the list");

      for (const [open, form, word, shot] of [
        ["Reschedule", "#act-reschedule", "rescheduled", "honest-reschedule-reason"],
        ["Cancel event", "#act-cancel", "cancelled", "honest-cancel-reason"],
      ]) {
        await click(app, `button=${open}`);
        await (await app.$(`${form} #act-reason`)).waitForDisplayed({ timeout: 10000, timeoutMsg: `the ${open} form did not open` });
        const said = await description(app, "#act-reason");
        assert.match(said, /The reason is printed on flyers and in emails about this event/, `the ${open} form says where the reason goes: ${said}`);
        assert.match(said, new RegExp(`${word} due to the storm`), "with an example");
        assert.ok(await (await app.$("#act-reason-hint")).isDisplayed(), "the words are shown, not only read out");
        await (await app.$("#act-reason")).scrollIntoView({ block: "center" });
        await screenshot(app, shot);
        await (await (await app.$(form)).$("button=Close")).click();
      }

      // A new draft of the rally a week later, then Announce on it.
      await click(app, "button=Copy, a week later");
      await until(app, () => text(app, '[data-testid="event-status"]'), (t) => t === "Draft", "the copy did not open as a draft");
      assert.equal(
        await description(app, ".ev-actions button.primary"),
        "Mark as announced: it appears in listings and calendars; nothing is emailed.",
        "Announce is described by what it does",
      );
      assert.ok(await (await app.$("p=Mark as announced: it appears in listings and calendars; nothing is emailed.")).isDisplayed(), "and the words are shown");
      await screenshot(app, "honest-announce-draft");
      await click(app, "button=Announce");
      await until(app, () => text(app, '[data-testid="event-status"]'), (t) => t === "Announced", "the copy was not announced");
      assert.match(await text(app, ".ev-actions [role=status]"), /Nothing was emailed\./, "the result says nobody was emailed");
      const none = JSON.parse(cli(db, "send", "status", "--json"));
      assert.equal(none.length, 0, "Announce queued no mail");
      await screenshot(app, "honest-announced");

      await click(app, "button=Email the list");
      const subject = await app.$("#ann-subject");
      await subject.waitForDisplayed({ timeout: 20000, timeoutMsg: "Email the list did not open the composer" });
      await until(app, () => subject.getValue(), (v) => v.includes("Justice4Siham"), "the subject was not filled from the event");

      await click(app, "button=Send now…");
      const dialog = await app.$('[role="alertdialog"]');
      await dialog.waitForDisplayed({ timeout: 10000, timeoutMsg: "the send was not confirmed first" });
      const asked = await dialog.getText();
      assert.match(asked, new RegExp(`will be saved as ${subscribed} email files in the outbox folder — not sent`), `the question says files, not sent: ${asked}`);
      assert.equal(await (await app.$("button=Send now")).isExisting(), false, "nothing offers to send now");
      await screenshot(app, "honest-outbox-confirm");
      await click(app, "button=Save to the outbox");
      await (await app.$("#send-progress")).waitForDisplayed({ timeout: 20000, timeoutMsg: "the progress bar did not appear" });
      await until(app, () => text(app, '[data-testid="send-state"]'), (t) => t.includes(`${subscribed} saved to the outbox — not sent.`), "the outbox result did not say saved, not sent", 120000);
      assert.equal(await text(app, '[data-testid="send-sent"]'), "0", "none is called sent");
      assert.ok(await (await (await app.$('[data-testid="send-outbox"]')).$("button=Open folder")).isDisplayed(), "Open folder is offered");
      assert.match(await text(app, ".progress-block"), new RegExp(`${subscribed} messages were saved to the outbox folder as email files, not sent`), "the note says saved, not sent");
      await (await app.$('[data-testid="send-outbox"]')).scrollIntoView({ block: "center" });
      await screenshot(app, "honest-outbox-result");

      await goTo(app, "mail", "Mail");
      await until(app, () => text(app, "section.counts"), (t) => t.includes("cleaned (the address no longer works)"), "the counts do not explain cleaned");
      await screenshot(app, "honest-cleaned");
    });

    const [sent] = JSON.parse(cli(db, "send", "status", "--json"));
    assert.equal(sent.progress.written, subscribed, "every message was saved to the outbox");
    assert.equal(sent.progress.sent, 0, "none was sent");
    const folder = `${db}.outbox/announcement-${sent.announcement.id}`;
    assert.equal(readdirSync(folder).filter((f) => f.endsWith(".eml")).length, subscribed, `the files are in ${folder}`);

    // The command line, with the same words.
    const rally = JSON.parse(cli(db, "event", "list", "--json")).find((e) => e.title.includes("Justice4Siham") && e.status === "announced");
    const said = cli(db, "announce", String(rally.id), "--list", "Announcements");
    assert.match(said, new RegExp(`${subscribed} saved to the outbox folder .*announcement-\\d+ — not sent`), `announce says saved, not sent: ${said}`);
    assert.match(cli(db, "list", "ls"), /cleaned: the address no longer works\./, "list ls explains cleaned");
  } finally {
    rmSync(path.dirname(db), { recursive: true, force: true });
  }
});
