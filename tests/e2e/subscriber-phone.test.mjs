// A subscriber's phone, in the real window: a sign-up sheet with a Phone column
// is imported, the phone shows in the person's panel under its label, an edit
// with letters for a number is refused beside the field and the saved number
// stays; the command line shows and exports the same number.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { cli, goTo, heading, screenshot as save, startDriver, stopDriver, tempDb, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

/** Saves a screenshot once the window has painted what the test just did. */
async function screenshot(app, name) {
  await app.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 150))));
  await save(app, name);
}

/** The text beside a label in the panel's details. */
async function fact(app, label) {
  return (await app.$(`dt=${label}`).nextElement()).getText();
}

test("a Phone column is imported, shown in the subscriber panel, and a bad edit keeps the saved number", async () => {
  const db = tempDb();
  cli(db, "branch", "set", "name", "Jamaica Plain Branch");
  cli(db, "list", "create", "Announcements");
  const sheet = path.join(path.dirname(db), "phones.csv");
  writeFileSync(sheet, "Email,Name,Phone\nana.souza@example.org,Ana Souza,+1 (617) 555-0100\nben.okafor@example.org,Ben Okafor,+44 20 7946 0958\n");
  await withApp(db, async (app) => {
    await heading(app, "Events");
    await goTo(app, "mail", "Mail");
    await (await app.$("#mail-tab-import")).click();
    const input = await app.$("#import-file");
    await input.waitForExist({ timeout: 10000, timeoutMsg: "the file field did not appear" });
    await input.setValue(sheet);
    await heading(app, "Check how phones.csv will be read", 2);
    assert.equal(await (await app.$("#map-2")).getValue(), "phone", "the Phone column is recognized as the phone");
    await (await app.$("button*=Import 2 rows into Announcements")).click();
    const report = await app.$('[data-testid="import-report"]');
    await report.waitForDisplayed({ timeout: 30000, timeoutMsg: "the import report did not appear" });
    assert.equal((await (await app.$('[data-testid="report-imported"]')).getText()).replace(/\D/g, ""), "2", "both rows are imported");

    await (await app.$("#mail-tab-subscribers")).click();
    const ana = await app.$("button=ana.souza@example.org");
    await ana.waitForDisplayed({ timeout: 10000, timeoutMsg: "Ana is not in the list" });
    await ana.click();
    await (await app.$("h3=Details")).waitForDisplayed({ timeout: 10000, timeoutMsg: "Ana's panel did not open" });
    assert.equal(await fact(app, "Phone"), "+1 (617) 555-0100", "the panel shows the imported phone under its label");
    await screenshot(app, "subscriber-phone-1-panel");

    // An edit with letters for a number is refused beside the field; nothing saved changes.
    await (await app.$("button=Edit")).click();
    const phone = await app.$("label=Phone");
    await phone.waitForDisplayed({ timeout: 10000, timeoutMsg: "the form has no Phone field" });
    const field = await app.$(`#${await phone.getAttribute("for")}`);
    assert.equal(await field.getValue(), "+1 (617) 555-0100", "the form starts from the saved phone");
    await field.setValue("ask at the desk");
    await (await app.$("button=Save changes")).click();
    const error = await app.$('[data-error-for="phone"]');
    await error.waitForDisplayed({ timeout: 10000, timeoutMsg: "no error showed beside the phone" });
    assert.match(await error.getText(), /has letters in it; a phone number is digits/, "the error says what is wrong");
    assert.equal(await field.getValue(), "ask at the desk", "what was typed stays in the field to fix");
    await screenshot(app, "subscriber-phone-2-refused");
    assert.match(cli(db, "subscribers", "show", "ana.souza@example.org"), /Phone\s+\+1 \(617\) 555-0100/, "the saved phone is unchanged");

    // A number as it is written in the US, with dots, is taken.
    await field.setValue("617.555.0199");
    await (await app.$("button=Save changes")).click();
    await (await app.$("p=Saved.")).waitForDisplayed({ timeout: 10000, timeoutMsg: "the change was not saved" });
    assert.equal(await fact(app, "Phone"), "617.555.0199", "the panel shows the new phone");
    await screenshot(app, "subscriber-phone-3-saved");
    await app.keys("Escape");
  });

  const out = path.join(path.dirname(db), "export.csv");
  cli(db, "subscribers", "export", "--list", "Announcements", "-o", out);
  const csv = readFileSync(out, "utf8");
  assert.match(csv, /^email,name,first_name,language,city,postal_code,phone,/, "the export has a phone column");
  assert.match(csv, /ana\.souza@example\.org,Ana Souza,Ana,,,,617\.555\.0199,/, "Ana's new phone is exported");
  assert.match(csv, /ben\.okafor@example\.org,Ben Okafor,Ben,,,,'\+44 20 7946 0958,/, "Ben's phone is exported, made safe for a spreadsheet");
});
