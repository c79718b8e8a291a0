// Issue 23's next steps, in the real window on the sample branch: an
// organization's page asks it to co-sponsor an upcoming event and records an
// answer already known as confirmed in one step (and a prospect confirmed in
// one step), each step's note in its history and on the command line's `org
// show`; the announcement preview follows the text as it is typed with no
// draft saved, the editor shows the event's name with no escape characters,
// and the flyer is attached under the event's name and day; the flyer screen
// remembers layout, paper and colours per event after leaving and coming
// back. Screenshots go to target/e2e-screenshots/next-step-*.png.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { cli, click, goTo, screenshot, select, startDriver, stopDriver, tempDb, until, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

const made = [];
after(() => {
  for (const db of made) rmSync(path.dirname(db), { recursive: true, force: true });
});

function sampleBranch() {
  const db = tempDb();
  made.push(db);
  cli(db, "demo");
  return db;
}

async function text(app, selector) {
  return app.execute((s) => document.querySelector(s)?.textContent ?? "", selector);
}

async function type(app, selector, value) {
  const el = await app.$(selector);
  await el.waitForDisplayed({ timeout: 10000, timeoutMsg: `${selector} did not appear` });
  await el.setValue(value);
}

/** The options of a select as [value, text], without the empty first one. */
async function options(app, selector) {
  return app.execute((s) => [...document.querySelectorAll(`${s} option`)].filter((o) => o.value).map((o) => [o.value, o.textContent]), selector);
}

test("an organization's page asks it to co-sponsor; an answer already known is confirmed in one step, each note in the history", async () => {
  const db = sampleBranch();
  const org = JSON.parse(cli(db, "org", "list", "--json")).find((o) => o.name.startsWith("Nahant Neighbors"));
  assert.ok(org, "the sample has the organization");
  await withApp(db, async (app) => {
    await goTo(app, "coalition", "Coalition");
    await click(app, `button*=${org.name}`, "the organization in the list");
    await (await app.$(`h2=${org.name}`)).waitForDisplayed({ timeout: 10000, timeoutMsg: "the organization's page did not open" });

    await click(app, "button=Ask to co-sponsor…");
    const offered = await options(app, "#org-ask-event");
    assert.ok(offered.length >= 2, `upcoming events are offered: ${JSON.stringify(offered)}`);
    const [first, second] = offered;
    await select(app, "#org-ask-event", first[0]);
    await click(app, "label*=Already confirmed");
    await type(app, "#org-step-note", "Said yes at the vigil");
    await screenshot(app, "next-step-org-ask");
    await click(app, "button=Record the ask");
    const history = '[aria-label="History with the branch"]';
    await until(app, () => text(app, history), (t) => t.includes("Confirmed — Said yes at the vigil"), "the one-step confirmation and its note are not in the history");
    const title = first[1].split(" · ")[0];
    let shown = await text(app, history);
    assert.ok(shown.includes(title), `the history names the event: ${shown}`);

    // A prospect, then confirmed in one step when the answer came another way.
    await click(app, "button=Ask to co-sponsor…");
    const left = await options(app, "#org-ask-event");
    assert.ok(!left.some(([v]) => v === first[0]), "an event it already has a part in is not offered again");
    await select(app, "#org-ask-event", second[0]);
    await click(app, "label*=To ask later");
    await type(app, "#org-step-note", "Ask at the union meeting");
    await click(app, "button=Record the ask");
    const secondTitle = second[1].split(" · ")[0];
    await click(app, `button[aria-label="Mark ${secondTitle} confirmed…"]`, "the prospect's Confirmed… step");
    await type(app, "#org-step-note", "They offered before we asked");
    await click(app, `button=Mark confirmed`);
    await until(app, () => text(app, history), (t) => t.includes("Confirmed — They offered before we asked"), "the prospect's confirmation is not in the history");
    shown = await text(app, history);
    assert.ok(shown.includes("Prospect — Ask at the union meeting"), `the prospect's note stays: ${shown}`);
    await screenshot(app, "next-step-org-history");
  });
  const show = cli(db, "org", "show", String(org.id));
  assert.match(show, /Said yes at the vigil/, `the command line shows the note too:\n${show}`);
  assert.match(show, /They offered before we asked/, "and the second");
});

test("the preview follows the text as typed with no draft saved; no escapes in the editor; the flyer is named after the event", async () => {
  const db = sampleBranch();
  await withApp(db, async (app) => {
    await goTo(app, "events", "Events");
    await click(app, "button*=Justice4Siham", "the rally in the list");
    await click(app, "button=Email to list");
    const body = await app.$("#ann-body");
    await until(app, () => body.getValue(), (v) => v.includes("Justice4Siham"), "the composer was not filled from the rally");
    const filled = await body.getValue();
    assert.ok(filled.includes("#Justice4Siham & #Justice4Naseem Rally"), `the title reads as typed:\n${filled}`);
    assert.doesNotMatch(filled, /\\[#&]|&amp;|\\n/, `no stray escape characters in the editor:\n${filled}`);

    await until(app, () => text(app, '[data-testid="ann-preview-subject"]'), (t) => t.includes("Justice4Siham"), "the preview did not appear before saving");
    await body.addValue("\nBring a friend to the rally.");
    await until(app, () => text(app, '[data-testid="ann-preview-html"]'), (t) => t.includes("Bring a friend to the rally."), "the preview did not follow the typed line");
    await click(app, ".ann-flyer input");
    await until(app, () => text(app, '[data-testid="ann-preview-headers"]'), (t) => /justice4siham-justice4naseem-rally-jan-30\.pdf/.test(t), "the attached flyer is not named after the event and its day");
    const heading = await text(app, ".ann-form h2");
    assert.match(heading, /^New announcement/, "nothing was saved to preview");
    await screenshot(app, "next-step-live-preview");
  });
  assert.match(cli(db, "send", "status"), /No announcements|^\s*$/i, "no draft was saved");
});

test("the flyer screen remembers layout, paper and colours per event after leaving and coming back", async () => {
  const db = sampleBranch();
  await withApp(db, async (app) => {
    await goTo(app, "flyers", "Flyers");
    const events = await options(app, "#flyer-target");
    const rally = events.find(([v, t]) => v.startsWith("event:") && t.includes("Justice4Siham"));
    const other = events.find(([v]) => v.startsWith("event:") && v !== rally[0]);
    await select(app, "#flyer-target", rally[0]);
    await select(app, "#flyer-layout", "half_sheet");
    await click(app, 'input[name="paper"][value="a4"]');
    await click(app, 'input[name="theme"][value="black_and_white"]');
    const choices = () =>
      app.execute(() => ({
        layout: document.querySelector("#flyer-layout").value,
        paper: document.querySelector('input[name="paper"]:checked')?.value,
        theme: document.querySelector('input[name="theme"]:checked')?.value,
      }));
    await until(app, choices, (c) => c.theme === "black_and_white", "the colours did not change");

    await select(app, "#flyer-target", other[0]);
    await until(app, choices, (c) => c.layout === "full_page" && c.paper === "letter" && c.theme === "color", "another event did not open with its own (default) choices");

    await goTo(app, "events", "Events");
    await goTo(app, "flyers", "Flyers");
    await select(app, "#flyer-target", rally[0]);
    await until(app, choices, (c) => c.layout === "half_sheet" && c.paper === "a4" && c.theme === "black_and_white", "the rally's choices were not remembered");
    await until(app, () => text(app, '[data-testid="flyer-choices-note"]'), (t) => t.includes("remembered"), "the screen does not say the choices are remembered");
    await screenshot(app, "next-step-flyer-remembered");
  });
});
