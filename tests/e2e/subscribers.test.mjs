// Subscribers and lists, proven in the real window: importing a sign-up sheet
// with good, bad and duplicate rows and reading the report; unsubscribing one
// person; importing the same file again and seeing that they stay
// unsubscribed; building a segment and seeing its count. Screenshots of each
// screen go to target/e2e-screenshots/.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { answerFileDialog, cli, goTo, heading, screenshot as save, startDriver, stopDriver, tempDb, withApp } from "./harness.mjs";

const SHEET = path.resolve(import.meta.dirname, "../fixtures/csv/signup-sheet.csv");

before(startDriver);
after(stopDriver);

/** Saves a screenshot once the window has painted what the test just did. */
async function screenshot(app, name) {
  await app.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 150))));
  await save(app, name);
}

/** Waits until `read()` returns something `ok` accepts, or fails with `what`. */
async function until(app, read, ok, what) {
  await app.waitUntil(async () => ok(await read()), { timeout: 20000, timeoutMsg: what });
}

async function importSheet(app) {
  await (await app.$("#mail-tab-import")).click();
  const input = await app.$("#import-file");
  await input.waitForExist({ timeout: 10000, timeoutMsg: "the file field did not appear" });
  await input.setValue(SHEET);
  await heading(app, "Check how signup-sheet.csv will be read", 2);
  assert.equal(await (await app.$("#map-0")).getValue(), "email", "the Email column is recognized as the address");
  assert.match(await (await app.$('[data-testid="import-facts"]')).getText(), /7 rows · spreadsheet · UTF-8 · comma-separated/, "the preview describes the file");
}

async function runImport(app) {
  await (await app.$("button*=Import 7 rows into Announcements")).click();
  const report = await app.$('[data-testid="import-report"]');
  await report.waitForDisplayed({ timeout: 30000, timeoutMsg: "the import report did not appear" });
  const count = async (name) => Number((await (await app.$(`[data-testid="report-${name}"]`)).getText()).replace(/\D/g, ""));
  return { imported: await count("imported"), merged: await count("merged"), rejected: await count("rejected"), keptOff: await count("kept-off") };
}

async function reportRow(app, line) {
  const cells = await app.$$(`table[aria-label="Import report"] tbody tr`);
  for (const row of cells) {
    const tds = await row.$$("td");
    if ((await tds[0].getText()) === String(line)) return { outcome: await tds[2].getText(), why: await tds[3].getText() };
  }
  return null;
}

test("a sign-up sheet imports with a report; an unsubscribed person stays off after importing it again", async () => {
  const db = tempDb();
  cli(db, "branch", "set", "name", "Jamaica Plain Branch");
  cli(db, "list", "create", "Announcements");
  await withApp(db, async (app) => {
    await heading(app, "Events");
    await goTo(app, "mail", "Mail");
    await (await app.$("h2=Nobody on Announcements yet")).waitForDisplayed({ timeout: 10000, timeoutMsg: "the empty list shows its empty state" });
    await screenshot(app, "20-mail-empty-list");

    await importSheet(app);
    await screenshot(app, "21-import-preview");
    const first = await runImport(app);
    assert.deepEqual(first, { imported: 4, merged: 0, rejected: 3, keptOff: 0 }, "four rows land, three are rejected");
    assert.deepEqual(await reportRow(app, 4), { outcome: "Rejected", why: "“not-an-address” is not an email address: it has no @." }, "line 4's bad address is reported");
    assert.deepEqual(await reportRow(app, 6), { outcome: "Rejected", why: "Duplicate: the same address is on line 2 of this file." }, "line 6's duplicate is reported");
    assert.deepEqual(await reportRow(app, 8), { outcome: "Rejected", why: "The email address is missing." }, "line 8's missing address is reported");
    await screenshot(app, "22-import-report");

    // Save the report where the test can read it, through the native save dialog.
    const saved = path.join(path.dirname(db), "report.csv");
    await (await app.$("button=Save report…")).click();
    await answerFileDialog("Save the import report", saved);
    await (await app.$(`p*=Report saved to ${saved}`)).waitForDisplayed({ timeout: 10000, timeoutMsg: "saving the report was not confirmed" });
    assert.match(readFileSync(saved, "utf8"), /not-an-address/, "the file the dialog named holds the report's rejected rows");

    // Unsubscribe Ben from his panel.
    await (await app.$("#mail-tab-subscribers")).click();
    const search = await app.$("#subscriber-search");
    const rows = async () => (await app.$$("table[aria-label=Subscribers] tbody tr")).length;
    // Text nobody has empties the table; part of an address, typed in
    // capitals, then finds its owner as well as a name does.
    await search.setValue("nobody-has-this");
    await until(app, rows, (n) => n === 0, "a search for text nobody has still showed people");
    await search.setValue("BEN.BROOKS@EX");
    await (await app.$("button=ben.brooks@example.org")).waitForDisplayed({ timeout: 10000, timeoutMsg: "searching part of Ben's address did not find him" });
    await until(app, rows, (n) => n === 1, "the address search did not narrow to one person");
    await search.setValue("nobody-has-this");
    await until(app, rows, (n) => n === 0, "a search for text nobody has still showed people");
    await search.setValue("brooks");
    const ben = await app.$("button=ben.brooks@example.org");
    await ben.waitForDisplayed({ timeout: 10000, timeoutMsg: "searching “brooks” did not find Ben" });
    await until(app, rows, (n) => n === 1, "the search did not narrow to one person");
    await screenshot(app, "23-search");
    await ben.click();
    await (await app.$("button=Unsubscribe from Announcements")).click();
    await (await app.$("p*=They will not be mailed")).waitForDisplayed({ timeout: 10000, timeoutMsg: "the unsubscribe was not confirmed" });
    const ledger = await (await app.$("ol.ledger")).getText();
    assert.match(ledger, /Import of signup-sheet\.csv, line 3/, "the ledger shows where Ben's subscription came from");
    assert.match(ledger, /Unsubscribed in the window/, "the ledger shows the unsubscribe and its source");
    await screenshot(app, "24-subscriber-ledger");
    await app.keys("Escape");

    // The same file again: Ben stays unsubscribed.
    await importSheet(app);
    const second = await runImport(app);
    assert.deepEqual(second, { imported: 0, merged: 4, rejected: 3, keptOff: 1 }, "the four merge, and one of them stays off");
    const benRow = await reportRow(app, 3);
    assert.equal(benRow.outcome, "Merged", "Ben's row is merged");
    assert.match(benRow.why, /Stays unsubscribed .* an import never resubscribes anyone/, "the report says Ben stays unsubscribed");
    await screenshot(app, "25-reimport-report");
    assert.equal(await (await app.$('[data-testid="list-subscribed"]')).getText(), "3", "three people are subscribed, not four");
  });

  const shown = JSON.parse(cli(db, "subscribers", "show", "ben.brooks@example.org", "--json"));
  assert.equal(shown.memberships[0].status, "unsubscribed", "the database agrees: Ben is unsubscribed");
  assert.equal(cli(db, "subscribers", "count", "--list", "Announcements").trim(), "3", "an announcement would reach three people");
});

test("a segment of the sample list shows its count while it is built", async () => {
  const db = tempDb();
  cli(db, "demo");
  const expected = Number(cli(db, "subscribers", "count", "--list", "Announcements", "--segment", "tag=volunteer,language=en").trim());
  const whole = Number(cli(db, "subscribers", "count", "--list", "Announcements").trim());
  await withApp(db, async (app) => {
    await heading(app, "Events");
    await goTo(app, "mail", "Mail");
    await (await app.$("button*=@example.org")).waitForDisplayed({ timeout: 10000, timeoutMsg: "the sample subscribers did not show" });
    await screenshot(app, "26-mail-sample");
    await (await app.$("#mail-tab-segments")).click();
    const count = await app.$('[data-testid="segment-count"]');
    await until(app, () => count.getText(), (t) => t === String(whole), `the count did not start at the whole list (${whole})`);
    await (await app.$("label=volunteer")).click();
    await (await app.$("#segment-language")).selectByAttribute("value", "en");
    await until(app, () => count.getText(), (t) => t === String(expected), `the count did not become ${expected}`);
    assert.ok(expected > 0 && expected < whole, `the segment narrows the list (${expected} of ${whole})`);
    await (await app.$("#segment-name")).setValue("English-speaking volunteers");
    await (await app.$("button=Save segment")).click();
    await (await app.$("p*=Saved “English-speaking volunteers”")).waitForDisplayed({ timeout: 10000, timeoutMsg: "the save was not confirmed" });
    await screenshot(app, "27-segment");
    await goTo(app, "settings", "Settings");
    await (await app.$('input[name="theme"][value="dark"]')).click();
    await goTo(app, "mail", "Mail");
    await (await app.$("#mail-tab-segments")).click();
    await until(app, () => (app.$('[data-testid="segment-count"]')).then((c) => c.getText()), (t) => t === String(whole), "the segment page did not reload");
    await screenshot(app, "28-segment-dark");
    await goTo(app, "settings", "Settings");
    await (await app.$('input[name="theme"][value="system"]')).click();
  });
  assert.equal(
    cli(db, "subscribers", "count", "--list", "Announcements", "--segment", "English-speaking volunteers").trim(),
    String(expected),
    "the saved segment counts the same from the command line"
  );
});

test("a sheet of 100,000 rows imports with a progress bar that names each pass", async () => {
  const db = tempDb();
  cli(db, "branch", "set", "name", "Jamaica Plain Branch");
  cli(db, "list", "create", "Announcements");
  const big = path.join(path.dirname(db), "big-signups.csv");
  const lines = ["Email Address,First Name,Last Name,City,Zip"];
  for (let i = 1; i <= 100000; i++) {
    // Every 1,000th row is not an address, so the report has something to say.
    const email = i % 1000 === 0 ? `not-an-address-${i}` : `person.${i}@example.org`;
    lines.push(`${email},Person,Number ${i},Boston,02${String(i % 1000).padStart(3, "0")}`);
  }
  writeFileSync(big, lines.join("\n") + "\n");
  await withApp(db, async (app) => {
    await heading(app, "Events");
    await goTo(app, "mail", "Mail");
    await (await app.$("#mail-tab-import")).click();
    const input = await app.$("#import-file");
    await input.waitForExist({ timeout: 10000, timeoutMsg: "the file field did not appear" });
    await input.setValue(big);
    await heading(app, "Check how big-signups.csv will be read", 2);
    await (await app.$(".mail-actions .button.primary")).click();
    // The bar names the pass it is in; whichever one the window shows first is seen here.
    const text = await app.$('[data-testid="import-progress-text"]');
    await until(app, async () => (await text.isExisting()) ? await text.getText() : "",
      (t) => /^(Checking rows: [\d,]+ of about [\d,]+|Writing the new subscribers: [\d,]+ of [\d,]+) \(\d+%\)$/.test(t),
      "the progress bar did not say which pass it is in");
    await screenshot(app, "29-import-progress");
    const report = await app.$('[data-testid="import-report"]');
    await report.waitForDisplayed({ timeout: 120000, timeoutMsg: "the import of 100,000 rows did not finish" });
    const count = async (name) => Number((await (await app.$(`[data-testid="report-${name}"]`)).getText()).replace(/\D/g, ""));
    assert.equal(await count("imported"), 99900, "every good row is imported");
    assert.equal(await count("rejected"), 100, "every bad row is rejected");
    await screenshot(app, "30-big-import-report");
  });
  assert.equal(cli(db, "subscribers", "count", "--list", "Announcements").trim(), "99900", "all of them are on the list");
});
