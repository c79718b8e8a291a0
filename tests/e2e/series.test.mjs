// A meeting that repeats, in the real window: a Thursday meeting made weekly
// in the editor's Repeats panel (labelled Repeats and Ends), its next dates
// listed, one skipped with a reason (struck in the panel with the reason,
// and in the history), and the Events list showing the series once per
// date, the skipped one left out. The panel, with a date skipped, passes axe. Screenshots go to target/e2e-screenshots/.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { axe, cli, click, heading, screenshot, scrollSettled, select, startDriver, stopDriver, tempDb, until, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

test("a weekly series made in the editor, one date skipped with a reason, shows its dates in the list", async () => {
  const db = tempDb();
  const ics = path.join(path.dirname(db), "meeting.ics");
  writeFileSync(
    ics,
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\nBEGIN:VEVENT\r\nUID:thursday@e2e\r\nSUMMARY:Branch meeting\r\n" +
      "DTSTART;TZID=America/New_York:20300103T190000\r\nDTEND;TZID=America/New_York:20300103T210000\r\n" +
      "LOCATION:Union Hall\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
  );
  cli(db, "branch", "set", "name", "Jamaica Plain Branch");
  cli(db, "branch", "set", "time_zone", "America/New_York");
  cli(db, "event", "import", ics);
  cli(db, "event", "announce", "1");

  await withApp(db, async (app) => {
    const main = () => app.execute(() => document.querySelector("main")?.textContent ?? "");
    await heading(app, "Events");
    await click(app, "button*=Branch meeting", "the meeting in the list");
    await (await app.$('[data-testid="repeats"]')).waitForDisplayed({ timeout: 10000, timeoutMsg: "the editor has a Repeats panel" });
    await scrollSettled(app, "#rep-repeat");
    await select(app, "#rep-repeat", "weekly");
    await click(app, "label=Never", "the Ends choice");
    await click(app, "button=Save how it repeats");
    await until(app, main, (t) => t.includes("Every Thursday, no end date"), "the panel does not say how it repeats");
    const dates = () => app.execute(() => [...document.querySelectorAll('[data-testid="series-dates"] li')].map((li) => li.dataset.date));
    await until(app, dates, (d) => d.length === 8, "the panel does not list the next 8 dates");
    assert.deepEqual((await dates()).slice(0, 3), ["2030-01-03", "2030-01-10", "2030-01-17"], "weekly from the first date");
    await screenshot(app, "series-weekly");

    await scrollSettled(app, '[data-date="2030-01-10"]');
    const skip = await (await app.$('[data-date="2030-01-10"]')).$("button=Skip…");
    await skip.waitForDisplayed({ timeout: 10000, timeoutMsg: "January 10 offers Skip…" });
    await skip.click();
    await (await app.$("#rep-reason")).setValue("Snow emergency");
    await click(app, "button=Skip this date");
    await until(app, main, (t) => t.includes("Skipped: Snow emergency"), "the skipped date does not show its reason");
    const struck = await app.execute(() => document.querySelector('[data-date="2030-01-10"] s')?.textContent ?? "");
    assert.ok(struck.includes("Jan"), `the skipped date is struck in the panel: ${struck}`);
    await until(app, main, (t) => t.includes("skipped") && t.includes("Snow emergency"), "the history does not keep the skip and its reason");
    await screenshot(app, "series-skipped");
    const violations = await axe(app);
    assert.deepEqual(violations, [], `the editor with its Repeats panel and a skipped date passes axe: ${JSON.stringify(violations, null, 1)}`);

    await click(app, "button*=All events", "back to the list");
    await heading(app, "Events");
    const rows = () =>
      app.execute(() =>
        [...document.querySelectorAll("[data-event-id]")]
          .filter((b) => b.textContent.includes("Branch meeting"))
          .map((b) => b.textContent.replace(/\s+/g, " ").trim()),
      );
    await until(app, rows, (r) => r.length >= 8, "the list does not show the series once per date");
    const listed = await rows();
    assert.ok(listed.every((r) => r.includes("Every Thursday")), `each date says it is a series: ${listed.join(" | ")}`);
    assert.ok(!listed.some((r) => /Jan(uary)? 10\b/.test(r)), `the skipped date is not listed: ${listed.join(" | ")}`);
    assert.ok(listed.some((r) => /Jan(uary)? 17\b/.test(r)), `the next date after it is: ${listed.join(" | ")}`);
    await screenshot(app, "series-list");
  });
});
