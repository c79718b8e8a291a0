// Issue 17, "a tour is entered once", in the real window: the 13-stop tour
// imported in its inherited form (stops giving only date, times, venue and,
// outside New York, their zone); a stop's editor says which of the title,
// description, hosts, speakers and time zone come from the tour and which are
// the stop's own; a stop given its own title shows it as such and goes back to
// the tour's with "Use the tour's"; and the new-tour form warns about a tour
// of the same title. Screenshots go to target/e2e-screenshots/.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before, test } from "node:test";
import { cli, click, heading, screenshot, startDriver, stopDriver, tempDb, until, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

const FIXTURE = path.resolve(import.meta.dirname, "../corpus/json/tour-13-zones-inherited.json");
const TITLE = "Palestine and the Campus: A National Speaking Tour";
const SHARED = ["title", "description", "hosts", "speaker_ids", "time_zone"];
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's violations on the page as it stands (none expected), one line each. */
async function axe(app) {
  if (!(await app.execute(() => typeof window.axe === "object"))) await app.execute(`${AXE}\n;window.axe = axe;`);
  return app.executeAsync((done) => {
    window.axe
      .run(document, { resultTypes: ["violations"] })
      .then((r) => done(r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)))
      .catch((e) => done([`axe-error: ${e}`]));
  });
}

async function shown(app, selector, what) {
  await (await app.$(selector)).waitForDisplayed({ timeout: 15000, timeoutMsg: what });
}

async function openStop(app, n) {
  await click(app, "button=← All events");
  await click(app, "#events-tab-tours");
  await click(app, `button*=${TITLE.slice(0, 30)}`);
  await heading(app, TITLE, 2);
  await (await app.$$('table[aria-label="Stops"] tbody tr'))[n - 1].$("button").click();
  await shown(app, "#ev-title", "the stop's editor opens");
}

test("a stop shows what it inherits from the tour, and can have its own", async () => {
  const db = tempDb();
  cli(db, "branch", "set", "name", "National Students for Justice in Palestine");
  const said = cli(db, "event", "import", FIXTURE);
  assert.match(said, /with 13 stops/);
  const tourId = said.match(/\(id (\d+)\)/)[1];
  await withApp(db, async (app) => {
    await heading(app, "Events");
    await click(app, "#events-tab-tours");
    await click(app, `button*=${TITLE.slice(0, 30)}`);
    await heading(app, TITLE, 2);
    // Stop 9: Columbia, in the tour's own zone: everything comes from the tour.
    await (await app.$$('table[aria-label="Stops"] tbody tr'))[8].$("button").click();
    await shown(app, "#ev-title", "the stop's editor opens");
    for (const f of SHARED) await shown(app, `[data-testid="inherited-${f}"]`, `the ${f} is shown as the tour's`);
    assert.equal(await (await app.$("#ev-title")).getValue(), TITLE, "the stop carries the tour's title");
    assert.equal(await (await app.$("#ev-time_zone")).getValue(), "America/New_York");
    await screenshot(app, "tour-inherit-01-stop-from-the-tour");

    // Stop 7: Wayne State, with its own speaker and its own zone.
    await openStop(app, 7);
    await shown(app, '[data-testid="own-speaker_ids"]', "the stop's own speaker is shown as its own");
    await shown(app, '[data-testid="own-time_zone"]', "the stop's own zone is shown as its own");
    await shown(app, '[data-testid="inherited-title"]', "its title still comes from the tour");

    // Stop 6: the DePaul draft. Its own title, then the tour's again.
    await openStop(app, 6);
    await shown(app, '[data-testid="inherited-title"]', "the draft's title comes from the tour");
    await (await app.$("#ev-title")).setValue("DePaul: Palestine and the Campus");
    await shown(app, '[data-testid="own-title"]', "a title typed is the stop's own");
    await until(app, async () => (await app.$('[data-testid="save-state"]')).getText(), (t) => t === "Saved", "the draft is saved");
    await screenshot(app, "tour-inherit-02-stop-own-title");
    assert.deepEqual(await axe(app), [], "the stop's editor with its notes passes axe-core");
    const depaul = JSON.parse(cli(db, "event", "list", "--json")).find((e) => e.title.startsWith("DePaul"));
    assert.ok(depaul, "the stop's own title is saved");
    const saved = JSON.parse(cli(db, "event", "show", String(depaul.id), "--json")).event;
    assert.equal(saved.overrides.title, true, "and marked as overriding the tour's");
    await click(app, '[data-testid="own-title"] button', "Use the tour's");
    await shown(app, '[data-testid="inherited-title"]', "the title is the tour's again");
    assert.equal(await (await app.$("#ev-title")).getValue(), TITLE);
    await until(app, async () => (await app.$('[data-testid="save-state"]')).getText(), (t) => t === "Saved", "the draft is saved");
    const back = JSON.parse(cli(db, "event", "show", String(depaul.id), "--json")).event;
    assert.equal(back.title, TITLE);
    assert.equal(back.overrides.title, false, "no longer overriding");

    // A new tour of the same title is warned about, not refused.
    await click(app, "button=← All events");
    await click(app, "button=New tour");
    await (await app.$("#new-tour-title")).setValue(TITLE.toLowerCase());
    await shown(app, '[data-testid="tour-duplicate"]', "the form warns about the tour already saved");
    const warning = await (await app.$('[data-testid="tour-duplicate"]')).getText();
    assert.match(warning, new RegExp(`tour ${tourId}, 13 stops, 2027-03-01 to 2027-03-26`), warning);
    await screenshot(app, "tour-inherit-03-new-tour-warning");
    assert.deepEqual(await axe(app), [], "the new-tour form with its warning passes axe-core");
    await click(app, "button=Create tour");
    await heading(app, TITLE.toLowerCase(), 2);
  });
  const tours = cli(db, "event", "show", "--tour", String(Number(tourId) + 1));
  assert.match(tours, /0 stops/, "the second tour was made anyway");
});
