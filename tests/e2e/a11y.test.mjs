// No one left out, proven in the real window: axe-core (from tests/e2e's
// node_modules, injected into the page; nothing downloads) finds no violation
// at any impact on every main screen, each tab, and both modal dialogs, in the
// light theme and the dark one; and the two modal dialogs (a subscriber's
// panel, the restore confirmation) keep the keyboard inside, close with Escape
// from whatever has focus, and give focus back to the button that opened them.
// One window start: Welcome first (empty database, and its *Join a shared
// branch*), then the sample branch (Settings → Sharing on a branch not shared;
// the shared one, with a conflict, is audited in share.test.mjs).
// The theme is switched the way the app does it: Settings → Appearance, and
// (on Welcome, which has no Settings) the choice Settings saves, read at start.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { axe, goTo, heading, screenshot, startDriver, stopDriver, tempDb, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

/** What axe found on every screen, by theme and screen, for the report at the end. */
const found = {};

async function audit(app, theme, screen) {
  // Let the screen settle (loading lines, transitions) before judging it.
  await app.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 200))));
  const violations = await axe(app);
  found[`${theme} ${screen}`] = violations;
  await screenshot(app, `a11y-${theme}-${screen}`);
}

async function tab(app, id, title) {
  const el = await app.$(`#${id}`);
  await el.waitForDisplayed({ timeout: 10000, timeoutMsg: `the tab ${id} did not appear` });
  await el.click();
  await app.waitUntil(async () => (await el.getAttribute("aria-selected")) === "true", { timeout: 5000, timeoutMsg: `${id} was not selected` });
  if (title) await heading(app, title, 2);
}

/** Every screen of the branch, in turn, in the theme now applied. */
async function everyScreen(app, theme) {
  await goTo(app, "events", "Events");
  for (const t of ["upcoming", "calendar", "past", "tours", "share"]) {
    await tab(app, `events-tab-${t}`);
    await audit(app, theme, `events-${t}`);
  }
  // An event's page and a tour's page, opened from their lists.
  await tab(app, "events-tab-upcoming");
  await (await app.$("#events-panel button.ev-row")).click();
  await (await app.$("button=← All events")).waitForDisplayed({ timeout: 10000, timeoutMsg: "the event page did not open" });
  await audit(app, theme, "event-page");
  await (await app.$("button=← All events")).click();
  await tab(app, "events-tab-tours");
  await (await app.$("#events-panel button.ev-row")).click();
  await (await app.$("button=← All events")).waitForDisplayed({ timeout: 10000, timeoutMsg: "the tour page did not open" });
  await audit(app, theme, "tour-page");
  await (await app.$("button=← All events")).click();
  await goTo(app, "coalition", "Coalition");
  for (const t of ["organizations", "board", "demands", "import"]) {
    await tab(app, `coalition-tab-${t}`);
    await audit(app, theme, `coalition-${t}`);
  }
  await tab(app, "coalition-tab-organizations");
  await (await app.$("button.org-row")).click();
  await app.waitUntil(async () => (await app.$$("button.org-row")).length === 0, { timeout: 10000, timeoutMsg: "the organization page did not open" });
  await audit(app, theme, "organization-page");
  await (await app.$("button=← All organizations")).click();
  await goTo(app, "flyers", "Flyers");
  await audit(app, theme, "flyers");
  await goTo(app, "mail", "Mail");
  for (const t of ["subscribers", "announcements", "mailbox", "segments", "import", "export"]) {
    await tab(app, `mail-tab-${t}`);
    await audit(app, theme, `mail-${t}`);
  }
  await tab(app, "mail-tab-subscribers");
  const opener = await app.$("button[data-subscriber]");
  await opener.waitForDisplayed({ timeout: 10000, timeoutMsg: "no subscriber listed" });
  await opener.click();
  await (await app.$('[role="dialog"][aria-modal="true"]')).waitForDisplayed({ timeout: 5000 });
  await audit(app, theme, "subscriber-panel");
  await app.keys("Escape");
  await goTo(app, "settings", "Settings");
  await audit(app, theme, "settings");
  // Settings → Sharing on a branch not shared yet: the two ways in.
  await app.execute(() => document.getElementById("sharing-title").scrollIntoView({ block: "start" }));
  await audit(app, theme, "settings-sharing");
  await restoreButton(app).then((b) => b.click());
  await (await app.$('[role="alertdialog"]')).waitForDisplayed({ timeout: 5000 });
  await audit(app, theme, "restore-confirm");
  await app.keys("Escape");
}

/** The first Restore… button in Settings → Backups, taking a copy first when there is none. */
async function restoreButton(app) {
  if ((await app.$$("table.backups tbody tr")).length === 0) {
    await (await app.$("button=Back up now")).click();
    await app.waitUntil(async () => (await app.$$("table.backups tbody tr")).length > 0, { timeout: 15000, timeoutMsg: "Back up now listed no copy" });
  }
  const b = await app.$("table.backups tbody tr button");
  await b.waitForDisplayed({ timeout: 5000 });
  return b;
}

async function chooseTheme(app, theme) {
  await goTo(app, "settings", "Settings");
  await (await app.$(`input[name="theme"][value="${theme}"]`)).click();
  await app.waitUntil(async () => (await app.execute(() => document.documentElement.dataset.theme)) === theme, { timeout: 5000, timeoutMsg: `the ${theme} theme was not applied` });
}

/** Describes what has focus: its id, test id, text or role. */
const focused = (app) =>
  app.execute(() => {
    const a = document.activeElement;
    return a ? `${a.tagName.toLowerCase()}#${a.id}[${a.getAttribute("data-subscriber") ?? ""}] ${(a.getAttribute("aria-label") ?? a.textContent ?? "").trim().slice(0, 40)}` : "none";
  });
const focusInside = (app, selector) => app.execute((s) => !!document.querySelector(s)?.contains(document.activeElement), selector);

/** Tabs forward and back through `selector` a full round and more: focus never leaves it. Answers how many stops it has. */
async function tabCycles(app, selector) {
  const seen = new Set();
  for (let i = 0; i < 40; i++) {
    await app.keys("Tab");
    assert.ok(await focusInside(app, selector), `Tab ${i + 1} left the dialog for ${await focused(app)}`);
    const now = await focused(app);
    if (seen.has(now) && seen.size > 1) break;
    seen.add(now);
  }
  for (let i = 0; i < seen.size + 2; i++) {
    await app.keys(["Shift", "Tab"]);
    assert.ok(await focusInside(app, selector), `Shift+Tab ${i + 1} left the dialog for ${await focused(app)}`);
  }
  assert.ok(seen.size >= 2, `the dialog has at least two places to Tab to (found ${[...seen].join(", ")})`);
  return seen.size;
}

/** Opens a dialog with `open`, moves focus `steps` Tabs in, presses Escape: it closes and the opener has focus again. */
async function escapeFrom(app, { open, opener, selector, steps }) {
  await open();
  await (await app.$(selector)).waitForDisplayed({ timeout: 5000, timeoutMsg: `${selector} did not open` });
  await app.waitUntil(() => focusInside(app, selector), { timeout: 3000, timeoutMsg: `focus did not move into ${selector}` });
  for (let i = 0; i < steps; i++) await app.keys("Tab");
  const from = await focused(app);
  await app.keys("Escape");
  await app.waitUntil(async () => (await app.$$(selector)).length === 0, { timeout: 3000, timeoutMsg: `Escape with focus on ${from} did not close ${selector}` });
  const back = await app.execute((s) => document.activeElement === document.querySelector(s), opener);
  assert.ok(back, `after Escape from ${from}, focus went to ${await focused(app)}, not back to the opener`);
}

test("every main screen passes axe-core in light and dark; both modal dialogs keep and give back the keyboard", async (t) => {
  const db = tempDb();
  t.after(() => rmSync(path.dirname(db), { recursive: true, force: true }));
  await withApp(db, async (app) => {
    await app.setTimeout({ script: 120000 });
    await heading(app, "Welcome to Handbill");
    await audit(app, "light", "welcome");
    // Welcome has no Settings: save the dark choice as Settings → Appearance does, and start the page again.
    await app.execute(() => {
      localStorage.setItem("handbill.theme", "dark");
      setTimeout(() => location.reload(), 50);
    });
    // While the page reloads, WebDriver's commands may fail: ask again until the new page answers.
    await app.waitUntil(
      async () => {
        try {
          return await app.execute(() => document.documentElement.dataset.theme === "dark" && document.querySelector("h1")?.textContent === "Welcome to Handbill");
        } catch {
          return false;
        }
      },
      { timeout: 20000, timeoutMsg: "the page did not start again in the saved dark theme" },
    );
    await audit(app, "dark", "welcome");
    await (await app.$("button=Create your branch")).click();
    await heading(app, "Your branch", 2);
    await audit(app, "dark", "welcome-create");
    await (await app.$("button=Back")).click();
    await (await app.$("button=Join a shared branch")).click();
    await heading(app, "Join a shared branch", 2);
    await audit(app, "dark", "welcome-join");
    await (await app.$("button=Back")).click();
    await (await app.$("button=Load the sample branch")).click();
    await heading(app, "Events");

    await everyScreen(app, "dark");
    await chooseTheme(app, "light");
    await everyScreen(app, "light");
    await (await app.$('input[name="theme"][value="system"]')).click();

    await t.test("axe-core finds nothing on any screen", () => {
      const lines = [];
      for (const [screen, vs] of Object.entries(found)) {
        const n = vs.reduce((sum, v) => sum + v.nodes.length, 0);
        console.log(`axe: ${screen}: ${vs.length} rules, ${n} nodes`);
        for (const v of vs) lines.push(`${screen}: ${v.id} (${v.impact})\n    ${v.nodes.slice(0, 6).join("\n    ")}`);
      }
      assert.equal(lines.length, 0, `axe-core violations:\n${lines.join("\n")}`);
    });

    await t.test("the subscriber panel keeps focus inside, closes with Escape anywhere, gives focus back", async () => {
      await goTo(app, "mail", "Mail");
      await tab(app, "mail-tab-subscribers");
      const first = await app.$("button[data-subscriber]");
      await first.waitForDisplayed({ timeout: 10000 });
      const id = await first.getAttribute("data-subscriber");
      const opener = `button[data-subscriber="${id}"]`;
      const selector = '[role="dialog"][aria-modal="true"]';
      const open = async () => {
        await app.execute((s) => document.querySelector(s).focus(), opener);
        await app.keys("Enter");
      };
      await open();
      await (await app.$(selector)).waitForDisplayed({ timeout: 5000 });
      await app.waitUntil(() => focusInside(app, selector), { timeout: 3000, timeoutMsg: "focus did not move into the panel" });
      const stops = await tabCycles(app, selector);
      await app.keys("Escape");
      await app.waitUntil(async () => (await app.$$(selector)).length === 0, { timeout: 3000, timeoutMsg: "Escape did not close the panel" });
      for (const steps of [0, 1, Math.max(2, stops - 1)]) await escapeFrom(app, { open, opener, selector, steps });
    });

    await t.test("the restore confirmation keeps focus inside, closes with Escape anywhere, gives focus back", async () => {
      await goTo(app, "settings", "Settings");
      await restoreButton(app);
      const opener = "table.backups tbody tr button";
      const selector = '[role="alertdialog"]';
      const open = async () => {
        await app.execute((s) => document.querySelector(s).focus(), opener);
        await app.keys("Enter");
      };
      await open();
      await (await app.$(selector)).waitForDisplayed({ timeout: 5000 });
      await app.waitUntil(() => focusInside(app, selector), { timeout: 3000, timeoutMsg: "focus did not move into the confirmation" });
      assert.match(await focused(app), /Cancel/, "the safe choice, Cancel, has focus first");
      await tabCycles(app, selector);
      await app.keys("Escape");
      await app.waitUntil(async () => (await app.$$(selector)).length === 0, { timeout: 3000, timeoutMsg: "Escape did not close the confirmation" });
      for (const steps of [0, 1]) await escapeFrom(app, { open, opener, selector, steps });
      // A click on the dialog's words takes focus off its buttons: Escape still closes it, and focus goes back.
      await open();
      await (await app.$(selector)).waitForDisplayed({ timeout: 5000 });
      await (await app.$("#confirm-message")).click();
      await app.keys("Escape");
      await app.waitUntil(async () => (await app.$$(selector)).length === 0, { timeout: 3000, timeoutMsg: `Escape with focus on ${await focused(app)} did not close it` });
      assert.ok(await app.execute((s) => document.activeElement === document.querySelector(s), opener), "focus went back to Restore…");
    });

    await t.test("tab bars follow the ARIA tabs pattern: one stop, arrows, Home and End", async () => {
      for (const [section, title, bar] of [
        ["events", "Events", '[aria-label="Event views"]'],
        ["coalition", "Coalition", '[aria-label="Coalition views"]'],
        ["mail", "Mail", '[aria-label="Mail tools"]'],
      ]) {
        await goTo(app, section, title);
        const tabs = await app.$$(`${bar} [role="tab"]`);
        const stops = [];
        for (const el of tabs) stops.push(await el.getAttribute("tabindex"));
        assert.deepEqual(stops.filter((s) => s === "0").length, 1, "exactly one tab is in the Tab order");
        await tabs[0].click();
        await app.keys("End");
        assert.equal(await app.execute(() => document.activeElement.getAttribute("aria-selected")), "true");
        assert.equal(await app.execute(() => document.activeElement.id), await tabs.at(-1).getAttribute("id"), "End goes to the last tab");
        await app.keys("Home");
        assert.equal(await app.execute(() => document.activeElement.id), await tabs[0].getAttribute("id"), "Home goes to the first tab");
        await app.keys("ArrowLeft");
        assert.equal(await app.execute(() => document.activeElement.id), await tabs.at(-1).getAttribute("id"), "← from the first wraps to the last");
        await app.keys("ArrowRight");
        assert.equal(await app.execute(() => document.activeElement.id), await tabs[0].getAttribute("id"), "→ from the last wraps to the first");
        const controls = await app.execute((s) => [...document.querySelectorAll(`${s} [role="tab"]`)].map((t) => t.getAttribute("aria-controls")).filter((c) => c && !document.getElementById(c)), bar);
        assert.deepEqual(controls, [], "every aria-controls names an element that exists");
      }
    });

    await t.test("visually hidden labels do not make the window scroll", async () => {
      await goTo(app, "settings", "Settings");
      const [doc, view] = await app.execute(() => [document.documentElement.scrollHeight, window.innerHeight]);
      assert.ok(doc <= view, `the page is ${doc} px tall in a ${view} px window`);
    });
  });
});
