// The next step offered (issue 23), in the real window from an empty
// database: *Create branch* goes on to Events, which offers three first steps
// (first event, import a list, mail account); *Import a list* opens Mail on its
// Import tab (once the first list is named); after *Check only*, *Import these rows* imports the same file with
// the same mapping (no file chosen again); the steps tick themselves off from
// what the branch holds; *Set up the mail account* opens Settings at that
// panel; *Hide these steps* hides them for good (kept with the branch).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { cli, click, goTo, heading, screenshot, startDriver, stopDriver, tempDb, until, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

const text = (app, selector) => app.execute((s) => document.querySelector(s)?.textContent?.trim() ?? "", selector);

test("a new branch is offered its first steps; a checked import is imported as checked", async () => {
  const db = tempDb();
  const work = mkdtempSync(path.join(tmpdir(), "handbill-e2e-first-steps-"));
  const sheet = path.join(work, "sign-up.csv");
  // The mapping is changed by hand before the check (Town, read as the city
  // by itself, is made a tag): the import after it must keep that change.
  writeFileSync(sheet, "Email,Name,Town\nana@example.org,Ana Lima,Boston\nben@example.org,Ben Okafor,Quincy\nchen@example.org,Chen Wei,Salem\n");
  try {
    await withApp(db, async (app) => {
      await heading(app, "Welcome to Handbill");
      await click(app, "button=Create your branch");
      await (await app.$("#branch-name")).setValue("Jamaica Plain Branch");
      await (await app.$("#branch-city")).setValue("Boston, MA");
      await (await app.$("#branch-contact_email")).setValue("jp@example.org");
      await click(app, "button=Create branch");

      // Events, with the three first steps, none done.
      await heading(app, "Events");
      await (await app.$("h2=First steps")).waitForDisplayed({ timeout: 20000, timeoutMsg: "Events did not offer the first steps" });
      assert.equal(await text(app, '[data-testid="first-steps-left"]'), "0 of 3 done.");
      for (const step of ["Draft your first event", "Import your mailing list", "Set up the mail account"]) {
        assert.ok(await (await app.$(`h3=${step}`)).isDisplayed(), `the step “${step}” is offered`);
      }
      assert.equal(await app.execute(() => document.querySelectorAll("#branch-name").length), 0, "not the branch form again");
      await screenshot(app, "first-steps-offered");

      // Import a list: Mail, on its Import tab.
      await click(app, "button=Import a list");
      await heading(app, "Mail");
      // A new branch has no list yet: it is named first, then the Import tab is there.
      await (await app.$("#new-list-name")).setValue("Announcements");
      await click(app, "button=Create list");
      await (await app.$("#mail-list")).waitForExist({ timeout: 10000, timeoutMsg: "the list was not created" });
      await screenshot(app, "first-steps-mail");
      assert.equal(await (await app.$("#mail-tab-import")).getAttribute("aria-selected"), "true", "the Import tab is open");
      await (await app.$("#import-file")).setValue(sheet);
      await heading(app, "Check how sign-up.csv will be read", 2);
      const town = await app.$("#map-2");
      assert.equal(await town.getValue(), "city", "Town is read as the city at first");
      await town.selectByVisibleText("Tags");
      await click(app, "label*=Check only");
      await click(app, "button=Check 3 rows into Announcements");
      await heading(app, "Check of sign-up.csv: nothing was saved", 2);
      assert.equal(cli(db, "subscribers", "count", "--list", "Announcements").trim(), "0", "the check saved nobody");
      await screenshot(app, "first-steps-checked");

      // Import these rows: the same file and mapping, without choosing it again.
      await click(app, "button=Import these rows into Announcements");
      await heading(app, "Imported sign-up.csv into Announcements", 2);
      assert.equal(await text(app, '[data-testid="report-imported"]'), "3", "the three checked rows are imported");
      assert.equal(cli(db, "subscribers", "count", "--list", "Announcements").trim(), "3");
      const exported = path.join(work, "people.csv");
      cli(db, "subscribers", "export", "--list", "Announcements", "-o", exported);
      const people = readFileSync(exported, "utf8");
      const [header, ana] = people.trim().split(/\r?\n/).map((l) => l.split(","));
      const row = Object.fromEntries(header.map((h, i) => [h.toLowerCase(), ana?.[i] ?? ""]));
      assert.equal(row.email, "ana@example.org", people);
      assert.match(row.tags, /boston/i, `the mapping chosen before the check was kept (Town as a tag): ${people}`);
      assert.equal(row.city, "", "and not as the city");

      // The step ticks itself off.
      await goTo(app, "events", "Events");
      await until(app, () => text(app, '[data-testid="first-steps-left"]'), (t) => t === "1 of 3 done.", "the import did not tick its step off");
      await screenshot(app, "first-steps-one-done");

      // Set up the mail account: Settings, at that panel.
      await click(app, "button=Set up the mail account");
      await heading(app, "Settings");
      await until(app, () => app.execute(() => document.activeElement?.id ?? ""), (id) => id === "mail-account-title", "Settings did not open at the mail account");

      // Hidden for good.
      await goTo(app, "events", "Events");
      await click(app, "button=Hide these steps");
      await until(app, () => app.execute(() => document.querySelectorAll("#first-steps-title").length), (n) => n === 0, "the steps did not hide");
      await goTo(app, "mail", "Mail");
      await goTo(app, "events", "Events");
      await (await app.$("h2=No events yet")).waitForDisplayed({ timeout: 10000, timeoutMsg: "Events did not show its empty state" });
      assert.equal(await app.execute(() => document.querySelectorAll("#first-steps-title").length), 0, "the steps stay hidden");
    });
    // Hidden with the branch, not in the window: still hidden after a restart.
    await withApp(db, async (app) => {
      await heading(app, "Events");
      await (await app.$("h2=No events yet")).waitForDisplayed({ timeout: 20000, timeoutMsg: "Events did not show its empty state after a restart" });
      assert.equal(await app.execute(() => document.querySelectorAll("#first-steps-title").length), 0, "the steps stay hidden after a restart");
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(path.dirname(db), { recursive: true, force: true });
  }
});
