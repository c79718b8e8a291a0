// The next step offered (issue 23), in the real window: a rally emailed to
// three people through a real SMTP server on loopback (tests/smtp/server.py),
// rescheduled with a reason, offers "Tell the 3 people you emailed", which
// opens the composer on their list with the Rescheduled template, the old date
// and the reason filled in. A draft nobody was told about is edited and
// rescheduled, and its history stays empty. The command line's `event show`
// says the same, through the same core function.
import assert from "node:assert/strict";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { cli, click, goTo, heading, screenshot, startDriver, startSmtpServer, stopDriver, tempDb, until, withApp } from "./harness.mjs";

let smtp = null;
let port = 0;
let mailDir = "";

before(async () => {
  smtp = await startSmtpServer();
  ({ port, mailDir } = smtp);
  await startDriver();
});

after(async () => {
  smtp?.stop();
  await stopDriver();
});

async function text(app, selector) {
  return app.execute((s) => document.querySelector(s)?.textContent ?? "", selector);
}

async function type(app, selector, value) {
  const el = await app.$(selector);
  await el.waitForDisplayed({ timeout: 10000, timeoutMsg: `${selector} did not appear` });
  await el.setValue(value);
}

const ICS = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//Handbill e2e//tell people//EN",
  "BEGIN:VEVENT",
  "UID:rally@tell.test",
  "DTSTAMP:20261201T000000Z",
  "DTSTART;TZID=America/New_York:20300504T120000",
  "DTEND;TZID=America/New_York:20300504T140000",
  "SUMMARY:Rally for transit",
  "END:VEVENT",
  "BEGIN:VEVENT",
  "UID:meeting@tell.test",
  "DTSTAMP:20261201T000000Z",
  "DTSTART;TZID=America/New_York:20300511T190000",
  "DTEND;TZID=America/New_York:20300511T200000",
  "SUMMARY:Planning meeting",
  "END:VEVENT",
  "END:VCALENDAR",
  "",
].join("\r\n");

/** A branch with three people on Members, the rally (1) emailed to them, and a draft meeting (2). */
function emailedBranch() {
  const db = tempDb();
  const dir = path.dirname(db);
  cli(db, "branch", "set", "name", "Transit Riders Branch");
  cli(db, "branch", "set", "time_zone", "America/New_York");
  cli(db, "branch", "set", "contact_email", "riders@tell.test");
  cli(db, "list", "create", "Members");
  writeFileSync(path.join(dir, "people.csv"), "Email,First Name\nana@tell.test,Ana\nben@tell.test,Ben\ncleo@tell.test,Cleo\n");
  cli(db, "subscribers", "import", path.join(dir, "people.csv"), "--list", "Members");
  writeFileSync(path.join(dir, "events.ics"), ICS);
  cli(db, "event", "import", path.join(dir, "events.ics"));
  const sent = cli(db, "announce", "1", "--list", "Members", "--smtp", `smtp://127.0.0.1:${port}?security=plain`);
  assert.match(sent, /3 sent/, `the rally went to the three people: ${sent}`);
  assert.equal(readdirSync(mailDir).filter((f) => f.endsWith(".eml")).length, 3, "three messages reached the loopback server");
  return db;
}

test("rescheduling an emailed event offers to tell the people emailed, with the Rescheduled template filled in; a draft's edits make no history", async () => {
  const db = emailedBranch();
  await withApp(db, async (app) => {
    await heading(app, "Events");
    await click(app, "button*=Rally for transit", "the rally in the list");
    await click(app, "button=Reschedule");
    await type(app, "#act-start_date", "2030-05-11");
    await type(app, "#act-reason", "the transit strike");
    await click(app, "#act-reschedule button[type=submit]");
    const tell = await app.$("button=Tell the 3 people you emailed");
    await tell.waitForDisplayed({ timeout: 20000, timeoutMsg: "the offer to tell the 3 people did not appear" });
    assert.match(await text(app, "#act-tell-what"), /emailed to 3 people.*“Rescheduled”/s, "the offer says who and which template");
    await tell.scrollIntoView({ block: "center" });
    await screenshot(app, "tell-people-offer");

    // Duplicate stands apart from Reschedule: its own section, its own words.
    assert.ok(await (await app.$("h3=Duplicate as a new draft")).isDisplayed(), "Duplicate as a new draft has its own heading");
    assert.equal(await app.execute(() => document.querySelector("#act-reschedule")), null, "the reschedule form is closed; duplicating is not part of it");

    await tell.click();
    const subject = await app.$("#ann-subject");
    await subject.waitForDisplayed({ timeout: 20000, timeoutMsg: "the composer did not open" });
    await until(app, () => subject.getValue(), (v) => v.startsWith("Rescheduled: Rally for transit"), "the subject is not the Rescheduled template's");
    assert.equal(await (await app.$("#ann-template")).getValue(), "rescheduled", "the Rescheduled template is chosen");
    const listName = await app.execute(() => {
      const s = document.querySelector("#mail-list");
      return s?.selectedOptions[0]?.textContent?.trim() ?? "";
    });
    assert.equal(listName, "Members", "the composer is on the list the people were emailed on");
    const body = await (await app.$("#ann-body")).getValue();
    assert.match(body, /\*\*Originally:\*\* Saturday, May 4, 2030/, "the old date is filled in");
    assert.match(body, /May 11, 2030/, "and the new one");
    assert.match(body, /\*\*Why:\*\* the transit strike/, "and the reason");
    await (await app.$("#ann-template")).scrollIntoView({ block: "start" });
    await screenshot(app, "tell-people-template");

    // A draft nobody was told about: edited in the editor and rescheduled, no history.
    await goTo(app, "events", "Events");
    await click(app, "button*=Planning meeting", "the draft meeting in the list");
    await type(app, "#ev-room", "Back room");
    await until(app, async () => (await app.$('[data-testid="save-state"]')).getText().catch(() => ""), (t) => t === "Saved", "the draft's edit was not saved");
    await click(app, "button=Reschedule");
    await type(app, "#act-start_date", "2030-05-18");
    await type(app, "#act-reason", "the room was taken");
    await click(app, "#act-reschedule button[type=submit]");
    await until(app, () => text(app, ".ev-actions [role=status]"), (t) => t === "Moved to the new date. A draft nobody was told about keeps no history.", "the draft was not moved, or said it kept history");
    assert.equal(await app.execute(() => document.querySelector(".ev-tell")), null, "nobody was emailed about the draft: no offer");
    await until(app, () => text(app, '[aria-labelledby="history-title"]'), (t) => t.includes("No changes of date, place or status yet"), "the draft shows history");
    assert.equal((await app.$$(".ev-history-entry")).length, 0, "no history entries for the draft");
    await screenshot(app, "tell-people-draft-no-history");
  });

  const rally = cli(db, "event", "show", "1");
  assert.match(rally, /Status\s+rescheduled/, "the rally is rescheduled");
  assert.match(rally, /Emailed\s+3 people \(Members: 3\)/, "the command line counts the same three people");
  assert.match(rally, /Tell them\s+handbill announce 1 --list "Members"\s+\(the rescheduled template\)/, "and says how to tell them");
  assert.match(rally, /the transit strike/, "the reason is in the rally's history");
  const meeting = cli(db, "event", "show", "2");
  assert.match(meeting, /Status\s+draft/, "the meeting is still a draft");
  assert.match(meeting, /2030-05-18|May 18, 2030/, "with its new date");
  assert.doesNotMatch(meeting, /History:/, "and no history");
  assert.doesNotMatch(meeting, /Emailed/, "nobody was emailed about it");
  rmSync(path.dirname(db), { recursive: true, force: true });
});
