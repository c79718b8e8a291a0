// A person's data on request (issue 22), in the real window on the sample
// branch: "Save their data…" on a subscriber's panel writes everything held
// about them through the native save dialog (JSON, and text beside it), and
// "Forget them…" asks whose request it was, erases them, and leaves nothing
// an import could bring back. Screenshots go to target/e2e-screenshots/.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { answerFileDialog, cli, goTo, heading, screenshot as save, startDriver, stopDriver, tempDb, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

async function screenshot(app, name) {
  await app.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 150))));
  await save(app, name);
}

const PERSON = "carmen.cruz@example.org";

test("a subscriber's data is saved on request, then they are forgotten", async () => {
  const db = tempDb();
  cli(db, "demo");
  await withApp(db, async (app) => {
    await heading(app, "Events");
    await goTo(app, "mail", "Mail");
    await (await app.$("#mail-tab-subscribers")).click();
    await (await app.$("#subscriber-search")).setValue("carmen");
    const carmen = await app.$(`button=${PERSON}`);
    await carmen.waitForDisplayed({ timeout: 10000, timeoutMsg: "searching “carmen” did not find her" });
    await carmen.click();
    await heading(app, "Their data", 3);
    await screenshot(app, "90-subscriber-their-data");

    // Save their data where the dialog says.
    const saved = path.join(path.dirname(db), "carmen.json");
    await (await app.$("button=Save their data…")).click();
    await answerFileDialog("Save everything Handbill holds about this person", saved);
    await (await app.$("p*=These files are not encrypted")).waitForDisplayed({ timeout: 10000, timeoutMsg: "saving her data was not confirmed" });
    const record = JSON.parse(readFileSync(saved, "utf8"));
    assert.equal(record.subscriber.email, PERSON, "the file holds her fields");
    assert.ok(record.ledger.length > 0, "and her consent ledger");
    assert.match(readFileSync(path.join(path.dirname(db), "carmen.txt"), "utf8"), /Consent ledger/, "the text is beside it");
    await screenshot(app, "91-subscriber-data-saved");

    // Forget her: the request must be said, without her address.
    await (await app.$("button=Forget them…")).click();
    const requested = await app.$("#requested-by");
    await requested.waitForDisplayed({ timeout: 10000, timeoutMsg: "the forget form did not appear" });
    await requested.setValue(`email from ${PERSON}`);
    await (await app.$("button=Forget them")).click();
    await (await app.$("p*=without their address")).waitForDisplayed({ timeout: 10000, timeoutMsg: "a request naming her address was not refused" });
    await requested.setValue("Her email of 2 December");
    await screenshot(app, "92-subscriber-forget-confirm");
    await (await app.$("button=Forget them")).click();
    await (await app.$("p*=Only a salted hash of the address stays")).waitForDisplayed({ timeout: 20000, timeoutMsg: "forgetting her was not confirmed" });
    await screenshot(app, "93-subscriber-forgotten");
    await app.keys("Escape");
  });
  assert.throws(() => cli(db, "subscribers", "show", PERSON), /Nobody with the address/, "she is no longer a subscriber");
  const line = cli(db, "subscribers", "export-person", PERSON, "-o", path.join(path.dirname(db), "after.json"));
  assert.match(line, /Wrote everything/, "what stays about her address can still be asked for");
  const after = JSON.parse(readFileSync(path.join(path.dirname(db), "after.json"), "utf8"));
  assert.equal(after.subscriber, null, "no subscriber");
  assert.deepEqual(
    after.ledger.map((l) => l.source),
    ["Forgotten at their request: Her email of 2 December"],
    "the one ledger line kept, under the hash, says on whose request",
  );
});
