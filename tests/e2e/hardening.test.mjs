// Hardening, proven in the real window: Markdown and text from users go
// through a sanitizer. Script, event-handler and `javascript:` payloads are
// put (with the command line) into an event's description, an organization's
// notes and a subscriber's name; the window shows each place (the event
// editor's description preview, the organization's page, the Mail list and
// the subscriber's panel), the link texts are clicked, and none of the
// payloads runs, no handler attribute, script, `javascript:` link or frame
// reaches the page, the name is shown as text, and no command is invoked (the
// branch logo that `branch_clear_logo` would remove is still there).
// Screenshots go to target/e2e-screenshots/.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { cli, goTo, heading, screenshot as save, startDriver, stopDriver, tempDb, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

const INVOKE = "window.__TAURI_INTERNALS__ && window.__TAURI_INTERNALS__.invoke('branch_clear_logo')";
const DESCRIPTION = [
  "A description with payloads.",
  `<script>window.__pwned="script"</script>`,
  `<img src=x onerror="window.__pwned='img'; ${INVOKE}">`,
  `[click me](javascript:window.__pwned='link')`,
  `<a href="javascript:window.__pwned='a'">a</a>`,
  `<iframe src="javascript:window.__pwned='frame'"></iframe>`,
  `<svg onload="window.__pwned='svg'"></svg>`,
].join("\n\n");
const NOTES = [
  "Notes with payloads.",
  `<script>window.__pwned="org-script"</script>`,
  `<img src=x onerror="window.__pwned='org-img'; ${INVOKE}">`,
  `[org link](javascript:window.__pwned='org-link')`,
  `<a href="javascript:window.__pwned='org-a'">org anchor</a>`,
  `<iframe src="javascript:window.__pwned='org-frame'"></iframe>`,
  `<svg onload="window.__pwned='org-svg'"></svg>`,
].join("\n\n");
const NAME = `<img src=x onerror="window.__pwned='name'">Eve`;
const EVENT_TITLE = "Hardening payload event";
const ORG_NAME = "Payload Organization";

async function screenshot(app, name) {
  await app.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 150))));
  await save(app, name);
}

async function click(app, selector, what) {
  const el = await app.$(selector);
  await el.waitForDisplayed({ timeout: 10000, timeoutMsg: `${what ?? selector} did not appear` });
  await el.click();
}

const csvCell = (s) => `"${s.replaceAll('"', '""')}"`;

function seed() {
  const db = tempDb();
  cli(db, "demo");
  const dir = mkdtempSync(path.join(tmpdir(), "handbill-hardening-"));
  const file = JSON.parse(cli(db, "event", "show", "1", "--json"));
  file.event.title = EVENT_TITLE;
  file.event.description = DESCRIPTION;
  writeFileSync(path.join(dir, "event.json"), JSON.stringify(file, null, 2));
  cli(db, "event", "import", path.join(dir, "event.json"));
  writeFileSync(path.join(dir, "orgs.csv"), `Name,Notes\n${csvCell(ORG_NAME)},${csvCell(NOTES)}\n`);
  cli(db, "org", "import", path.join(dir, "orgs.csv"));
  writeFileSync(path.join(dir, "people.csv"), `Email,Name\neve@example.org,${csvCell(NAME)}\n`);
  cli(db, "subscribers", "import", path.join(dir, "people.csv"), "--list", "Announcements");
  return db;
}

/** Records every command the page invokes from now on. */
async function recordInvokes(app) {
  await app.execute(() => {
    window.__e2eInvoked = window.__e2eInvoked ?? [];
    const internals = window.__TAURI_INTERNALS__;
    if (!internals || internals.__e2eWrapped) return;
    const original = internals.invoke;
    internals.invoke = function (cmd, ...rest) {
      window.__e2eInvoked.push(cmd);
      return original.call(this, cmd, ...rest);
    };
    internals.__e2eWrapped = true;
  });
}

/** Asserts that nothing from the payloads reached the page or ran. */
async function assertClean(app, where, cleanScripts) {
  // Let any image error, frame or handler have its chance to fire.
  await new Promise((r) => setTimeout(r, 500));
  const state = await app.execute(() => ({
    pwned: window.__pwned ?? null,
    handlers: document.querySelectorAll("[onerror],[onload],[onclick]").length,
    scripts: document.querySelectorAll("script").length,
    jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
    frames: document.querySelectorAll("iframe").length,
    invoked: window.__e2eInvoked ?? [],
  }));
  assert.equal(state.pwned, null, `${where}: no payload ran (window.__pwned is ${JSON.stringify(state.pwned)})`);
  assert.equal(state.handlers, 0, `${where}: no element has an onerror, onload or onclick attribute`);
  assert.equal(state.scripts, cleanScripts, `${where}: no script element besides the app's own (${state.scripts} vs ${cleanScripts})`);
  assert.equal(state.jsLinks, 0, `${where}: no link has a javascript: address`);
  assert.equal(state.frames, 0, `${where}: no frame was embedded`);
  assert.ok(!state.invoked.includes("branch_clear_logo"), `${where}: branch_clear_logo was never invoked (${state.invoked.join(", ")})`);
}

/** Clicks the links with these texts inside `scope`, if the sanitized page kept them. */
async function clickLinks(app, scope, texts) {
  for (const text of texts) {
    const links = await app.$$(`${scope} a`);
    for (const link of links) {
      if ((await link.getText()).trim() === text) await link.click();
    }
  }
}

test("script, handler and javascript: payloads in a description, notes and a name do not run", async () => {
  const db = seed();
  const logoBefore = JSON.parse(cli(db, "branch", "show", "--json")).logo;
  assert.ok(logoBefore, "the sample branch has a logo to begin with");
  await withApp(db, async (app) => {
    await heading(app, "Events");
    await recordInvokes(app);
    const cleanScripts = await app.execute(() => document.querySelectorAll("script").length);
    const cleanHandlers = await app.execute(() => document.querySelectorAll("[onerror],[onload],[onclick]").length);
    assert.equal(cleanHandlers, 0, "the clean page has no handler attributes of its own");

    // The event's description, in the editor's Markdown preview.
    await click(app, `button*=${EVENT_TITLE}`, "the payload event in the list");
    await app.waitUntil(async () => (await (await app.$("#ev-title")).getValue().catch(() => "")) === EVENT_TITLE, {
      timeout: 15000,
      timeoutMsg: "the editor did not open the payload event",
    });
    const toggle = await app.$(".ev-desc-head button");
    const preview = await app.$('[data-testid="description-preview"]');
    await app.waitUntil(
      async () => {
        if (!(await preview.isExisting())) {
          if ((await toggle.getText()) === "Preview") await toggle.click();
          return false;
        }
        return (await preview.getText().catch(() => "")).includes("click me");
      },
      { timeout: 15000, interval: 500, timeoutMsg: "the description preview did not show the description" }
    );
    await clickLinks(app, '[data-testid="description-preview"]', ["click me", "a"]);
    await preview.scrollIntoView();
    await screenshot(app, "hardening-event-preview");
    await assertClean(app, "the event's description preview", cleanScripts);
    const previewHtml = await preview.getHTML();
    assert.doesNotMatch(previewHtml, /<script|onerror|onload|javascript:/i, "the preview's HTML holds none of the payloads");

    // The organization's notes, on its page.
    await click(app, "button=← All events");
    await goTo(app, "coalition", "Coalition");
    await click(app, `button[data-org="${ORG_NAME}"]`, "the payload organization in the list");
    const notes = await app.$(".co-notes");
    await notes.waitForDisplayed({ timeout: 10000, timeoutMsg: "the organization's notes did not show" });
    assert.match(await notes.getText(), /Notes with payloads/, "the notes are shown");
    await clickLinks(app, ".co-notes", ["org link", "org anchor"]);
    await notes.scrollIntoView();
    await screenshot(app, "hardening-org-notes");
    await assertClean(app, "the organization's page", cleanScripts);
    assert.doesNotMatch(await notes.getHTML(), /<script|onerror|onload|javascript:/i, "the notes' HTML holds none of the payloads");

    // The subscriber's name, in the Mail list and in their panel.
    await goTo(app, "mail", "Mail");
    await (await app.$("#subscriber-search")).setValue("eve@example");
    const eve = await app.$("button=eve@example.org");
    await eve.waitForDisplayed({ timeout: 10000, timeoutMsg: "searching for Eve did not find her" });
    await app.waitUntil(async () => (await app.$$("table[aria-label=Subscribers] tbody tr")).length === 1, {
      timeout: 10000,
      timeoutMsg: "the search did not narrow to Eve",
    });
    const row = await (await app.$$("table[aria-label=Subscribers] tbody tr"))[0].getText();
    assert.ok(row.includes("<img") && row.includes("Eve"), `the list shows the name as text: ${row}`);
    await screenshot(app, "hardening-mail-list");
    await assertClean(app, "the Mail list", cleanScripts);
    await eve.click();
    const title = await app.$("#subscriber-title");
    await title.waitForDisplayed({ timeout: 10000, timeoutMsg: "the subscriber's panel did not open" });
    const shown = await title.getText();
    assert.equal(shown, NAME, `the panel shows the name literally, as text: ${shown}`);
    await screenshot(app, "hardening-subscriber-panel");
    await assertClean(app, "the subscriber's panel", cleanScripts);
  });
  const logoAfter = JSON.parse(cli(db, "branch", "show", "--json")).logo;
  assert.deepEqual(logoAfter, logoBefore, "the branch logo is still there: branch_clear_logo was never invoked");
});
