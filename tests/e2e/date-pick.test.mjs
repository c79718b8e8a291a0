// The event's date fields take what people type and also offer a calendar
// (issue 23, forgiving forms): *Calendar* beside Start date opens a month with
// the keyboard in it; arrow keys move by day, Enter picks, the day goes into the
// field and is read under it; Escape closes the calendar and gives the keyboard
// back to its button; nothing is picked then.
import assert from "node:assert/strict";
import path from "node:path";
import { rmSync } from "node:fs";
import { after, before, test } from "node:test";
import { cli, click, heading, screenshot, startDriver, stopDriver, tempDb, until, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

const active = (app) => app.execute(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.tagName ?? "");

test("a date is picked on the calendar by keyboard, and Escape gives the keyboard back", async () => {
  const db = tempDb();
  try {
    cli(db, "branch", "set", "name", "Somerville Branch");
    cli(db, "branch", "set", "time_zone", "America/New_York");
    await withApp(db, async (app) => {
      await heading(app, "Events");
      await click(app, "button=New event");
      await (await app.$("#ev-title")).setValue("Calendar-picked study group");
      await click(app, 'button[aria-label="Choose the start date on a calendar"]');
      const calendar = await app.$('[role="dialog"][aria-label="Calendar: the start date"]');
      await calendar.waitForDisplayed({ timeout: 10000, timeoutMsg: "the calendar did not open" });
      await until(app, () => active(app), (a) => a === "CALENDAR-DATE" || a === "CALENDAR-MONTH", "the calendar did not take the keyboard");
      await calendar.scrollIntoView({ block: "center" });
      await screenshot(app, "date-pick-open");

      // Today is focused (the field is empty); two days on, then Enter.
      const expected = await app.execute(() => {
        const d = new Date();
        d.setDate(d.getDate() + 2);
        const pad = (n) => String(n).padStart(2, "0");
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
      });
      await app.keys(["ArrowRight"]);
      await app.keys(["ArrowRight"]);
      await app.keys(["Enter"]);
      await until(app, () => app.$("#ev-start_date").then((e) => e.getValue()), (v) => v === expected, `the picked day did not reach the field (expected ${expected})`);
      assert.equal((await app.$$('[role="dialog"][aria-label="Calendar: the start date"]')).length, 0, "picking closes the calendar");
      assert.equal(await active(app), "Choose the start date on a calendar", "the keyboard is back on the button");
      await until(app, () => app.$('[data-testid="start-read"]').then((e) => e.getText()).catch(() => ""), (t) => /Read as/.test(t), "the picked date is read under the field");

      // Escape closes without picking.
      await click(app, 'button[aria-label="Choose the start date on a calendar"]');
      await calendar.waitForDisplayed({ timeout: 10000, timeoutMsg: "the calendar did not open again" });
      await app.keys(["ArrowRight"]);
      await app.keys(["Escape"]);
      await until(app, async () => (await app.$$('[role="dialog"][aria-label="Calendar: the start date"]')).length, (n) => n === 0, "Escape did not close the calendar");
      assert.equal(await (await app.$("#ev-start_date")).getValue(), expected, "Escape picks nothing");
      assert.equal(await active(app), "Choose the start date on a calendar", "Escape gives the keyboard back to the button");
      await screenshot(app, "date-pick-picked");
    });
  } finally {
    rmSync(path.dirname(db), { recursive: true, force: true });
  }
});
