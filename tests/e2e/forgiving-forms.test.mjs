// Forgiving forms (issue 23), in the real window, one start of the app: a new
// event's date and time typed as people say them ("Thu Dec 10", "7pm") are
// shown as read before saving and saved as read; the branch's time zone is
// chosen by searching a list whose likely zones (from the city) come first;
// a sign-up sheet with a single Name column shows each greeting in the preview.
// Screenshots go to target/e2e-screenshots/.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { cli, click, goTo, heading, screenshot as save, select, startDriver, stopDriver, tempDb, until, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

async function screenshot(app, name) {
  await app.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 150))));
  await save(app, name);
}

async function type(app, selector, text) {
  const el = await app.$(selector);
  await el.waitForDisplayed({ timeout: 10000, timeoutMsg: `${selector} did not appear` });
  await el.clearValue();
  await el.setValue(text);
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** The next 10 December from today (today counts), as the core reads a date without a year. */
function nextDecember10() {
  const now = new Date();
  const thisYear = new Date(now.getFullYear(), 11, 10);
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  return thisYear >= today ? thisYear : new Date(now.getFullYear() + 1, 11, 10);
}

test("a date and time typed as said are shown as read and saved; the time zone is found by searching", async () => {
  const db = tempDb();
  cli(db, "branch", "set", "name", "Boston Branch");
  cli(db, "branch", "set", "city", "Boston, MA");
  cli(db, "branch", "set", "time_zone", "America/New_York");
  cli(db, "list", "create", "Announcements");
  const sheet = path.join(path.dirname(db), "sheet.csv");
  writeFileSync(sheet, "Name,Email\nAna María Alvarez,ana@example.org\nBen,ben@example.org\n,nobody.named@example.org\n");
  const dec10 = nextDecember10();
  const weekday = WEEKDAYS[dec10.getDay()];
  const year = dec10.getFullYear();
  const typedDate = `${weekday.slice(0, 3)} Dec 10`; // "Thu Dec 10" in 2026
  try {
    await withApp(db, async (app) => {
      await heading(app, "Events");
      await click(app, "button=New event");
      await type(app, "#ev-title", "Forum on rent control");
      await type(app, "#ev-start_date", typedDate);
      await type(app, "#ev-start_time", "7pm");
      const read = await app.$('[data-testid="start-read"]');
      const expected = `Starts: Read as ${weekday} 10 December ${year}, 7:00 pm`;
      await until(app, async () => (await read.getText().catch(() => "")), (t) => t === expected, `the editor did not show “${expected}”`);
      await screenshot(app, "forgiving-01-date-read");
      await click(app, "button=Save and check");
      await until(app, async () => (await app.$$('[role="alert"]')).length, (n) => n === 0, "saving the event showed an error");
      await until(app, async () => (await app.$('[data-testid="event-status"]')).getText().catch(() => ""), (t) => t.length > 0, "the saved event shows no status");

      // A nonsense time says what is wrong before saving.
      await type(app, "#ev-start_time", "24:61");
      await until(app, async () => (await read.getText().catch(() => "")), (t) => t.includes("minutes go from 00 to 59"), "24:61 was not refused by name");
      await type(app, "#ev-start_time", "7pm");
      await until(app, async () => (await read.getText().catch(() => "")), (t) => t === expected, "the reading did not come back");
      await click(app, "button=← All events");

      // The branch's time zone, found by typing and chosen from the list.
      await goTo(app, "settings", "Settings");
      const list = await app.$("#branch-time_zone-list");
      await list.waitForDisplayed({ timeout: 10000, timeoutMsg: "the time zone list did not appear" });
      await until(
        app,
        async () => app.execute(() => [...document.querySelectorAll("#branch-time_zone-list optgroup")].map((g) => `${g.label}: ${g.querySelector("option")?.value ?? ""}`)),
        (groups) => groups[0] === "Likely for Boston, MA: America/New_York",
        "the zone likely for Boston is not first",
      );
      await screenshot(app, "forgiving-02-zone-likely");
      await type(app, "#branch-time_zone", "madrid");
      await until(
        app,
        async () => app.execute(() => [...document.querySelectorAll("#branch-time_zone-list option")].map((o) => o.value)),
        (zones) => zones.length === 1 && zones[0] === "Europe/Madrid",
        "searching “madrid” did not narrow the list to Europe/Madrid",
      );
      // The list is reached from the field with the Down arrow, and labelled.
      await (await app.$("#branch-time_zone")).click();
      await app.keys(["ArrowDown"]);
      const focused = await app.execute(() => {
        const el = document.activeElement;
        return { id: el?.id, label: el?.labels?.[0]?.textContent?.trim() };
      });
      assert.equal(focused.id, "branch-time_zone-list", "Down arrow moves from the search to the list");
      assert.equal(focused.label, "Time zones matching what is typed", "the list has a label");
      await select(app, "#branch-time_zone-list", "Europe/Madrid");
      assert.equal(await (await app.$("#branch-time_zone")).getValue(), "Europe/Madrid", "the choice fills the field");
      await screenshot(app, "forgiving-03-zone-searched");
      await click(app, "button=Save profile");
      await until(app, async () => JSON.parse(cli(db, "branch", "show", "--json")).time_zone, (z) => z === "Europe/Madrid", "the chosen zone was not saved");

      // A sheet with a single Name column: the preview shows each greeting.
      await goTo(app, "mail", "Mail");
      await (await app.$("#mail-tab-import")).click();
      const input = await app.$("#import-file");
      await input.waitForExist({ timeout: 10000, timeoutMsg: "the file field did not appear" });
      await input.setValue(sheet);
      await heading(app, "Check how sheet.csv will be read", 2);
      const greetings = await app.$('[data-testid="import-greetings"]');
      await greetings.waitForDisplayed({ timeout: 10000, timeoutMsg: "the preview shows no greetings" });
      const rows = await app.execute(() =>
        [...document.querySelectorAll('[data-testid="import-greetings"] tbody tr')].map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent.trim()).join(" | ")),
      );
      assert.deepEqual(rows, [
        "ana@example.org | Ana María Alvarez | Dear Ana,",
        "ben@example.org | Ben | Dear Ben,",
        "nobody.named@example.org | — | Dear friend,",
      ]);
      await greetings.scrollIntoView();
      await screenshot(app, "forgiving-04-import-greetings");
    });
    const listed = JSON.parse(cli(db, "event", "list", "--json"));
    const saved = listed.find((e) => e.title === "Forum on rent control");
    assert.ok(saved, "the event saved in the window is listed");
    assert.equal(saved.starts_at, `${year}-12-11T00:00:00Z`, "7 pm on 10 December in New York, as read");
  } finally {
    rmSync(path.dirname(db), { recursive: true, force: true });
  }
});
