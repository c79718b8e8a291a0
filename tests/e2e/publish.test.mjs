// Publishing the branch's web site from the real window: Events → Export,
// listing and site → *Publish site…*, the folder chosen in the native folder
// dialog (answered with xdotool, as a person would). The window says where
// the site went and what it wrote; the folder holds the index, a page per
// event, the calendar, the feed and the Spanish pages; *Open site* hands the
// front page to the system's opener (a stand-in `xdg-open` on PATH records
// what it was given, so no browser starts). Publishing again writes nothing
// new. Closing the dialog publishes nothing.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { answerFolderDialog, cancelFileDialog, cli, click, goTo, screenshot, startDriver, stopDriver, tempDb, until, withApp } from "./harness.mjs";

// The window's opener runs `xdg-open`: this one writes down its argument.
const stubs = mkdtempSync(path.join(tmpdir(), "handbill-e2e-opener-"));
const opened = path.join(stubs, "opened.txt");
writeFileSync(path.join(stubs, "xdg-open"), `#!/bin/sh\nprintf '%s\\n' "$1" >> "${opened}"\n`);
chmodSync(path.join(stubs, "xdg-open"), 0o755);
process.env.PATH = `${stubs}:${process.env.PATH}`;

before(startDriver);
after(async () => {
  await stopDriver();
  rmSync(stubs, { recursive: true, force: true });
});

async function text(app, selector) {
  return app.execute((s) => document.querySelector(s)?.textContent?.replace(/\s+/g, " ").trim() ?? "", selector);
}

async function siteTab(app) {
  await goTo(app, "events", "Events");
  await click(app, "#events-tab-share");
  await (await app.$("#publish-title")).waitForDisplayed({ timeout: 10000, timeoutMsg: "the Publish panel did not show" });
  await app.execute(() => document.getElementById("publish-title").scrollIntoView({ block: "start" }));
}

test("the site is published from the window into a folder chosen in the native dialog, and opened", async (t) => {
  const db = tempDb();
  const dir = path.dirname(db);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cli(db, "demo");
  const site = path.join(dir, "branch-site");
  mkdirSync(site);

  await withApp(db, async (app) => {
    await siteTab(app);
    // Closing the dialog publishes nothing.
    await click(app, "button=Publish site…");
    await cancelFileDialog("Choose the folder for the site");
    await until(app, () => text(app, "#publish-title ~ .mail-actions button"), (s) => s === "Publish site…", "the button did not come back after the dialog closed");
    assert.deepEqual(readdirSync(site), [], "nothing was written when the dialog was closed");

    await (await app.$("#publish-address")).setValue("https://example.org/events/");
    await click(app, "button=Publish site…");
    await answerFolderDialog("Choose the folder for the site", site, { shot: "publish-folder-dialog" });
    await until(app, () => text(app, ".publish-done"), (s) => s.startsWith("Published"), "the window did not say the site was published", 60000);
    const said = await text(app, ".publish-done");
    assert.ok(said.includes(site), `the window names the folder: ${said}`);
    const pages = Number(said.match(/Published (\d+) event page/)?.[1] ?? 0);
    assert.ok(pages >= 3, `event pages were written: ${said}`);
    await screenshot(app, "publish-done");

    for (const file of ["index.html", "events.ics", "feed.atom", "embed.html", "es/index.html", "style.css"]) {
      assert.ok(existsSync(path.join(site, file)), `the site holds ${file}`);
    }
    const index = readFileSync(path.join(site, "index.html"), "utf8");
    assert.match(index, /Justice4Siham/, "the front page lists the rally");
    assert.match(readFileSync(path.join(site, "events.ics"), "utf8"), /^BEGIN:VCALENDAR/, "the calendar is a calendar");

    await click(app, "button=Open site");
    await until(app, () => text(app, ".publish-done ~ p[role=status]"), (s) => s.startsWith("Opened"), "the window did not say the site was opened");
    await until(app, () => (existsSync(opened) ? readFileSync(opened, "utf8").trim() : ""), (s) => s.length > 0, "the opener was not called");
    assert.equal(readFileSync(opened, "utf8").trim(), path.join(site, "index.html"), "the front page was handed to the system's opener");

    // Publishing again changes nothing that did not change.
    await click(app, "button=Publish site…");
    await answerFolderDialog("Choose the folder for the site", site);
    await until(app, () => text(app, ".publish-done"), (s) => / 0 files written/.test(s), "publishing again wrote files again");
  });
});
