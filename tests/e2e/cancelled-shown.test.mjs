// Issue 17, in the real window: the organizer chooses how a cancelled event
// shows in what the branch prints and sends (Settings → What you print and
// send), by keyboard; the choice is kept in the branch and reaches the
// listing the command line prints. Screenshot: 47-settings-cancelled-shown.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { cli, goTo, heading, screenshot, scrollSettled, startDriver, stopDriver, tempDb, until, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

const FIXTURE = path.resolve(import.meta.dirname, "../corpus/json/tour-13-zones.json");

test("a cancelled stop shows as the organizer chose in Settings", async () => {
  const db = tempDb();
  cli(db, "branch", "set", "name", "Jamaica Plain Branch");
  const said = cli(db, "event", "import", FIXTURE);
  const tour = said.match(/\(id (\d+)\)/)[1];
  cli(db, "event", "cancel", "--tour", tour, "--stop", "4", "--reason", "the hall was given away");
  assert.match(cli(db, "event", "listing", "--tour", tour), /Ida Noyes Hall.*\(cancelled\)/, "marked at first");
  try {
    await withApp(db, async (app) => {
      await heading(app, "Events");
      await goTo(app, "settings", "Settings");
      await heading(app, "What you print and send", 2);
      const marked = 'input[name="cancelled-shown"][value="marked"]';
      await until(app, () => app.execute((s) => document.querySelector(s)?.checked ?? false, marked), (c) => c === true, "the branch's choice (marked) is shown");
      await scrollSettled(app, marked);
      // By keyboard: into the group, then the arrow keys move the choice.
      await app.execute((s) => document.querySelector(s).focus(), marked);
      await app.keys("ArrowDown");
      await until(app, () => app.execute(() => document.querySelector('input[name="cancelled-shown"]:checked')?.value ?? ""), (v) => v === "struck", "the arrow key chose Struck through");
      await until(app, async () => (await app.$("p*=Saved.")).isDisplayed().catch(() => false), (shown) => shown, "the window says the choice is saved");
      await screenshot(app, "47-settings-cancelled-shown");
      await until(app, () => JSON.parse(cli(db, "branch", "show", "--json")).cancelled_shown, (v) => v === "struck", "the branch keeps struck");
      await app.keys("ArrowDown");
      await until(app, () => JSON.parse(cli(db, "branch", "show", "--json")).cancelled_shown, (v) => v === "hidden", "the branch keeps left out");
    });
    const listing = cli(db, "event", "listing", "--tour", tour);
    assert.doesNotMatch(listing, /Ida Noyes/, "left out of the listing");
    assert.match(listing, /University of Illinois Chicago/, "the others stay");
  } finally {
    rmSync(path.dirname(db), { recursive: true, force: true });
  }
});
