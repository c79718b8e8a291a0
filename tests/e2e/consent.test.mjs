// Consent that holds everywhere (issue 15), proven in the real window: the
// import preview of a Google Forms sign-up says how its consent question is
// read, and the import honours it; unsubscribing someone on one list keeps
// them off a second list and off a list made afterwards, even when the
// sheet they were on is imported into it again. Screenshots of each screen go
// to target/e2e-screenshots/.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { cli, goTo, heading, screenshot as save, select, startDriver, stopDriver, tempDb, until, withApp } from "./harness.mjs";

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/consent");
const FORM = path.join(FIXTURES, "google-form-signup.csv");
const MAILCHIMP = path.join(FIXTURES, "subscribed_members_export_4f2a9c1b7e.csv");

before(startDriver);
after(stopDriver);

/** Saves a screenshot once the window has painted what the test just did. */
async function screenshot(app, name) {
  await app.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 150))));
  await save(app, name);
}

async function chooseFile(app, file, name) {
  await (await app.$("#mail-tab-import")).click();
  const input = await app.$("#import-file");
  await input.waitForExist({ timeout: 10000, timeoutMsg: "the file field did not appear" });
  await input.setValue(file);
  await heading(app, `Check how ${name} will be read`, 2);
}

async function runImport(app, label) {
  await (await app.$(`button*=${label}`)).click();
  const report = await app.$('[data-testid="import-report"]');
  await report.waitForDisplayed({ timeout: 30000, timeoutMsg: "the import report did not appear" });
}

const number = async (app, testid) => Number((await (await app.$(`[data-testid="${testid}"]`)).getText()).replace(/\D/g, ""));

test("a form's consent question is shown with how each answer is read, and the import honours it", async () => {
  const db = tempDb();
  cli(db, "branch", "set", "name", "Chelsea Branch");
  cli(db, "list", "create", "Announcements");
  await withApp(db, async (app) => {
    await heading(app, "Events");
    await goTo(app, "mail", "Mail");
    await chooseFile(app, FORM, "google-form-signup.csv");
    assert.equal(await (await app.$("#map-3")).getValue(), "consent", "the form's question is read as consent");
    assert.equal(await (await app.$("#map-0")).getValue(), "evidence", "the form's timestamp is kept as evidence");
    const reading = await (await app.$('[data-testid="reading-3"]')).getText();
    for (const part of ["“Yes” → subscribed", "“No” → unsubscribed", "“Yes, please” → subscribed", "blank → not subscribed"]) {
      assert.ok(reading.includes(part), `the preview says ${part}: ${reading}`);
    }
    await app.execute(() => document.getElementById("map-3")?.scrollIntoView({ block: "center" }));
    await screenshot(app, "60-consent-column-preview");

    await runImport(app, "Import 6 rows into Announcements");
    assert.equal(await number(app, "report-imported"), 6, "all six people are imported");
    assert.equal(await number(app, "report-not-subscribed"), 1, "Lena, who left the question blank, is not put on the list");
    assert.equal(await number(app, "report-warnings"), 2, "Lena's ZIP and Mo's language are flagged");
    const table = await (await app.$('table[aria-label="Import report"]')).getText();
    assert.match(table, /leading zero/, "the report shows the ZIP warning");
    await screenshot(app, "61-consent-import-report");
    await until(
      app,
      async () => (await app.$('[data-testid="list-subscribed"]')).getText(),
      (t) => t === "4",
      "the list did not count the four who said yes",
    );
  });
  assert.equal(cli(db, "subscribers", "count", "--list", "Announcements").trim(), "4", "the database agrees: four said yes");
});

test("unsubscribing someone on one list keeps them off a second list and a list made afterwards", async () => {
  const db = tempDb();
  cli(db, "branch", "set", "name", "Chelsea Branch");
  cli(db, "list", "create", "Announcements");
  cli(db, "list", "create", "Volunteers");
  cli(db, "subscribers", "import", MAILCHIMP, "--list", "Announcements");
  cli(db, "subscribers", "import", MAILCHIMP, "--list", "Volunteers");
  const lists = JSON.parse(cli(db, "list", "ls", "--json"));
  const volunteers = lists.find((l) => l.name === "Volunteers");
  assert.equal(volunteers.subscribed, 4, "both lists start with the four people");

  await withApp(db, async (app) => {
    await heading(app, "Events");
    await goTo(app, "mail", "Mail");
    const ben = await app.$("button=ben.brooks@example.org");
    await ben.waitForDisplayed({ timeout: 10000, timeoutMsg: "Ben is not shown on Announcements" });
    await ben.click();
    assert.ok(
      await (await app.$("p*=Unsubscribing covers every list of the branch")).isDisplayed(),
      "the panel says an unsubscribe covers every list",
    );
    await (await app.$("button=Unsubscribe from Announcements")).click();
    await (await app.$("p*=They will not be mailed from any list")).waitForDisplayed({ timeout: 10000, timeoutMsg: "the unsubscribe was not confirmed" });
    const ledger = await (await app.$("ol.ledger")).getText();
    assert.match(ledger, /an opt-out covers every list/, "the ledger says why Volunteers changed too");
    assert.match(ledger, /OPTIN_TIME: 2023-04-10 12:00:00/, "the ledger keeps the proof of the first opt-in");
    await screenshot(app, "62-consent-unsubscribed-everywhere");
    await app.keys("Escape");

    await select(app, "#mail-list", String(volunteers.id));
    await until(
      app,
      async () => (await app.$('[data-testid="list-subscribed"]')).getText(),
      (t) => t === "3",
      "Ben still counted on Volunteers",
    );
    await screenshot(app, "63-consent-second-list");

    await (await app.$("button=New list")).click();
    await (await app.$("#new-list-name")).setValue("Made later");
    await (await app.$("button=Create list")).click();
    await (await app.$("h2=Nobody on Made later yet")).waitForDisplayed({ timeout: 10000, timeoutMsg: "the new list did not open" });
    await chooseFile(app, MAILCHIMP, "subscribed_members_export_4f2a9c1b7e.csv");
    await runImport(app, "Import 4 rows into Made later");
    assert.equal(await number(app, "report-kept-off"), 1, "Ben is kept off the list made after his opt-out");
    const table = await (await app.$('table[aria-label="Import report"]')).getText();
    assert.match(table, /stays off every list/, "the report says why");
    await until(
      app,
      async () => (await app.$('[data-testid="list-subscribed"]')).getText(),
      (t) => t === "3",
      "the list made later counted Ben",
    );
    await screenshot(app, "64-consent-list-made-later");
  });
  for (const list of ["Volunteers", "Made later"]) {
    assert.equal(cli(db, "subscribers", "count", "--list", list).trim(), "3", `an announcement to ${list} would not reach Ben`);
  }
});
