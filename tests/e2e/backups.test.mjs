// Backups in the real window: the daily copy is taken on opening, "Back up now"
// adds one, and a confirmed restore brings the old data back while keeping
// what it replaced. The log records what happened and nothing personal.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { cli, goTo, heading, LOGS, openApp, screenshot, startDriver, stopDriver, tempDb } from "./harness.mjs";

before(startDriver);
after(stopDriver);

test("backups are listed in Settings and a confirmed restore brings the old data back", async () => {
  const db = tempDb();
  cli(db, "demo");
  cli(db, "branch", "set", "city", "Old City");
  const app = await openApp(db);
  try {
    await heading(app, "Events");
    await goTo(app, "settings", "Settings");
    const rows = await app.$$("table.backups tbody tr");
    assert.equal(rows.length, 1, "the daily backup was taken when the window opened");
    assert.match(await rows[0].getText(), /Daily/, "it is listed as daily");

    const city = await app.$("#branch-city");
    await city.clearValue();
    await city.setValue("New City");
    await (await app.$("button=Save profile")).click();
    await (await app.$("p=Saved.")).waitForDisplayed({ timeout: 10000 });

    await (await app.$("button=Back up now")).click();
    await app.waitUntil(async () => (await app.$$("table.backups tbody tr")).length === 2, {
      timeout: 10000,
      timeoutMsg: "Back up now did not add a row",
    });

    // Restore the daily copy (the older one, listed last): it holds "Old City".
    const older = (await app.$$("table.backups tbody tr"))[1];
    await (await older.$("button")).click();
    const dialog = await app.$('[role="alertdialog"]');
    await dialog.waitForDisplayed({ timeout: 5000 });
    await screenshot(app, "15-restore-confirm");
    await (await dialog.$("button=Restore")).click();
    await (await app.$("p*=Restored the backup")).waitForDisplayed({ timeout: 10000 });
    assert.equal(await (await app.$("#branch-city")).getValue(), "Old City", "the form shows the restored data");
    assert.ok((await app.$$("table.backups tbody tr")).length >= 3, "what the restore replaced is kept as a backup");
    await screenshot(app, "16-backups");
  } finally {
    await app.deleteSession();
  }
  const shown = JSON.parse(cli(db, "branch", "show", "--json"));
  assert.equal(shown.city, "Old City", "the database holds the restored data");

  const logs = readdirSync(LOGS).map((f) => readFileSync(path.join(LOGS, f), "utf8")).join("\n");
  assert.match(logs, /restored a backup/, "the log records the restore");
  for (const line of logs.trim().split("\n")) JSON.parse(line);
  assert.ok(!logs.includes(shown.contact_email), "the log holds no contact address");
  assert.ok(!logs.includes("Old City") && !logs.includes("New City"), "the log holds no form contents");
});
