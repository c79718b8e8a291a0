// A reminder scheduled in the real window: an event dated five days from
// today is imported, "Email to list" opens the composer, the Reminder template
// fills it, and "Schedule…" offers the day before at a time in the branch's
// time zone (named in the dialog). Scheduled, the announcements list says
// "Scheduled for <the day before>, 10:00", and the command line, reading the
// same file, agrees; Unschedule takes it off and it stays a draft. The dialog
// and the list pass axe-core. The event moved on the command line holds the
// reminder, the list says why, and "Confirm new date" makes it follow the
// event to the day before its new date. And a reminder whose time has come while the
// window was closed is sent by the window itself when it opens, through the
// sending job, to a real SMTP server on loopback: everyone once.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { axe, cli, cliPlain, click, goTo, screenshot, select, startDriver, startSmtpServer, stopDriver, tempDb, until, withApp } from "./harness.mjs";

let smtp = null;

before(async () => {
  smtp = await startSmtpServer();
  await startDriver();
});

after(async () => {
  smtp?.stop();
  await stopDriver();
});

async function text(app, selector) {
  return app.execute((s) => document.querySelector(s)?.textContent ?? "", selector);
}

/** YYYYMMDD of the day `days` from today. */
function dayFromToday(days) {
  const d = new Date(Date.now() + days * 86400000);
  return d.toISOString().slice(0, 10);
}

/** An .ics file beside `db` with one event `days` from today at 18:00 in `zone`. */
function vigil(db, zone, days, uid) {
  const day = dayFromToday(days).replaceAll("-", "");
  const ics = path.join(path.dirname(db), `${uid}.ics`);
  writeFileSync(
    ics,
    [
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:-//Handbill e2e//EN",
      "BEGIN:VEVENT",
      `UID:${uid}@handbill.test`,
      `DTSTART;TZID=${zone}:${day}T180000`,
      `DTEND;TZID=${zone}:${day}T200000`,
      "SUMMARY:Vigil for the schedule",
      "END:VEVENT",
      "END:VCALENDAR",
      "",
    ].join("\r\n"),
  );
  return ics;
}

test("a reminder is scheduled for the day before in the window and listed as scheduled", async () => {
  const db = tempDb();
  cli(db, "demo");
  const zone = JSON.parse(cli(db, "branch", "show", "--json")).time_zone;
  const day = dayFromToday(5);
  const before = dayFromToday(4);
  const ics = vigil(db, zone, 5, "schedule-vigil");
  const eventId = cli(db, "event", "import", ics).match(/^\s*(\d+)\s+Vigil/m)?.[1];
  assert.ok(eventId, "the import names the vigil's number");

  await withApp(db, async (app) => {
    await goTo(app, "events", "Events");
    await click(app, "button*=Vigil for the schedule", "the imported vigil in the list");
    await click(app, "button=Email to list");
    const subject = await app.$("#ann-subject");
    await subject.waitForDisplayed({ timeout: 20000, timeoutMsg: "the composer did not open" });
    await until(app, () => subject.getValue(), (v) => v.includes("Vigil for the schedule"), "the subject was not filled from the vigil");
    await select(app, "#ann-template", "reminder");
    await click(app, "button=Fill from event");
    await click(app, "button=Schedule…");
    const dialog = await app.$('[role="dialog"]*=Schedule this announcement');
    await dialog.waitForDisplayed({ timeout: 20000, timeoutMsg: "the schedule dialog did not open" });
    const said = await dialog.getText();
    assert.ok(said.includes(zone), `the dialog names the branch's time zone (${zone}): ${said}`);
    assert.equal(await (await app.$("#schedule-time")).getValue(), "10:00", "the day before at 10:00 is offered first");
    assert.deepEqual(await axe(app), [], "the schedule dialog passes axe-core");
    await screenshot(app, "schedule-dialog");
    await click(app, "button=Schedule");

    const row = '[data-testid="announcement-row"]';
    await until(app, () => text(app, row), (t) => t.includes("Scheduled for"), "the list does not show the announcement as scheduled");
    const state = await text(app, '[data-testid="announcement-state"]');
    const weekday = new Date(`${before}T12:00:00Z`).toLocaleDateString("en-GB", { weekday: "short", timeZone: "UTC" });
    const dayNumber = String(Number(before.slice(8, 10)));
    assert.ok(state.startsWith(`Scheduled for ${weekday} ${dayNumber} `) && state.endsWith(", 10:00"), `scheduled for the day before at 10:00: ${state}`);
    assert.deepEqual(await axe(app), [], "the list with a scheduled announcement passes axe-core");
    await screenshot(app, "schedule-listed");

    const status = JSON.parse(cli(db, "send", "status", "--json"));
    const scheduled = status.map((a) => a.announcement).filter((a) => a.schedule);
    assert.equal(scheduled.length, 1, "the command line reads one scheduled announcement");
    assert.equal(scheduled[0].schedule.standing, "waiting", "it waits for its time");
    assert.deepEqual(scheduled[0].schedule.when, { kind: "day_before", time: "10:00" }, "the day before at 10:00");

    // The vigil moves two days later (on the command line, while the window is open): the reminder is held.
    const later = dayFromToday(7);
    const dayBeforeLater = dayFromToday(6);
    cli(db, "event", "reschedule", eventId, "--date", later, "--reason", "the permit came late");
    await click(app, "button=Subscribers", "the Subscribers tab");
    await click(app, "button=Announcements", "back to the Announcements tab");
    await until(app, () => text(app, '[data-testid="announcement-state"]'), (t) => t === "Held", "the moved vigil's reminder is not held");
    const why = await text(app, '[data-testid="announcement-why"]');
    assert.match(why, /was rescheduled from .* to .* after this was scheduled/, `the organizer is told why: ${why}`);
    assert.deepEqual(await axe(app), [], "the list with a held announcement passes axe-core");
    await screenshot(app, "schedule-held");
    await click(app, "button=Confirm new date");
    const laterNumber = String(Number(dayBeforeLater.slice(8, 10)));
    await until(
      app,
      () => text(app, '[data-testid="announcement-state"]'),
      (t) => t.startsWith("Scheduled for ") && t.includes(` ${laterNumber} `) && t.endsWith(", 10:00"),
      "confirmed, the reminder did not follow the vigil to the day before its new date",
    );

    await click(app, "button=Unschedule");
    await until(app, () => text(app, '[data-testid="announcement-state"]'), (t) => t === "Draft", "unscheduled, it is a draft again");
  });
});

test("a reminder that came due while the window was closed is sent by the window when it opens", async () => {
  const db = tempDb();
  cliPlain(db, "demo");
  const zone = JSON.parse(cliPlain(db, "branch", "show", "--json")).time_zone;
  const imported = cliPlain(db, "event", "import", vigil(db, zone, 3, "due-vigil"));
  const eventId = imported.match(/^\s*(\d+)\s+Vigil/m)?.[1];
  assert.ok(eventId, `the import names the vigil's number: ${imported}`);
  const subscribed = Number(cliPlain(db, "subscribers", "count", "--list", "Announcements").trim());
  const scheduled = cliPlain(db, "announce", eventId, "--list", "Announcements", "--template", "reminder", "--day-before", "10:00", "--smtp", `smtp://127.0.0.1:${smtp.port}?security=plain&rate=6000`);
  const id = Number(scheduled.match(/Announcement (\d+)/)?.[1]);
  assert.ok(id > 0, `the command line scheduled it: ${scheduled}`);
  // Its time came an hour ago, while no Handbill was running (the event is still days away).
  execFileSync("python3", [
    "-c",
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE announcement SET schedule_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 hour') WHERE id = ?\", (int(sys.argv[2]),)); c.commit()",
    db,
    String(id),
  ]);

  await withApp(db, async (app) => {
    await goTo(app, "mail", "Mail");
    await click(app, "button=Announcements", "the Announcements tab");
    await until(
      app,
      () => text(app, '[data-testid="announcement-state"]'),
      (t) => ["Queued", "Sending", "Sent"].includes(t),
      "the window did not start the due reminder",
      90000,
    );
    await until(
      app,
      async () => JSON.parse(cliPlain(db, "send", "status", String(id), "--json")).announcement.state,
      (s) => s === "done",
      "the window's send of the due reminder did not finish",
      120000,
    );
  });
  const files = readdirSync(smtp.mailDir).filter((f) => f.endsWith(".eml"));
  assert.equal(files.length, subscribed, `everyone subscribed got the reminder once (${files.length} of ${subscribed})`);
});
