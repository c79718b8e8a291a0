// Two officers' laptops sharing one branch through one real folder, one of
// them the real window. Laptop A is Ana's, on the command line: the sample
// branch, shared through the folder, and an invitation code. The window opens
// on a new, empty branch B, and a new officer joins from the Welcome screen
// (the folder picked in the native folder dialog, answered with xdotool as a
// person would): A's events arrive in the Events list, and Settings → Sharing
// lists both laptops. Then the branch's city is changed on both laptops while
// they are apart (A on the command line, B in Settings → Branch profile), both
// sync, and the window lists the conflict with each side's laptop; *Keep
// this* on B's side settles it, and after A syncs, A's own `share status
// --json` has no conflict left and A's branch has the city B kept. Also: a
// branch not shared explains sharing, and closing the folder dialog changes
// nothing; and axe-core finds nothing on the shared screen with a conflict,
// in the light theme and the dark one.
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { answerFileDialog, axe, cancelFileDialog, cli, click, goTo, heading, screenshot, startDriver, stopDriver, tempDb, until, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

async function text(app, selector) {
  return app.execute((s) => document.querySelector(s)?.textContent?.replace(/\s+/g, " ").trim() ?? "", selector);
}

/** Settings, scrolled to Sharing. */
async function sharing(app) {
  await goTo(app, "settings", "Settings");
  await heading(app, "Sharing", 2);
  await app.execute(() => document.getElementById("sharing-title").scrollIntoView({ block: "start" }));
}

/** The branch's city as the command line shows it on `db`. */
function city(db) {
  return cli(db, "branch", "show").match(/^City\s+(.*)$/m)?.[1]?.trim();
}

test("a new officer joins from the window, sees the branch arrive, and settles a field changed on both laptops", async (t) => {
  const a = tempDb("ana.sqlite");
  const dir = path.dirname(a);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const folder = path.join(dir, "Shared branch");
  mkdirSync(folder);
  const b = path.join(dir, "ben.sqlite");
  const c = path.join(dir, "cleo.sqlite");
  cli(a, "demo");
  cli(a, "share", "init", folder, "--name", "Ana's laptop");
  const code = cli(a, "share", "invite").match(/Invitation code: (\S+)/)?.[1];
  assert.ok(code, "the command line printed an invitation code");

  await withApp(b, async (app) => {
    await heading(app, "Welcome to Handbill");
    await click(app, "button=Join a shared branch");
    await heading(app, "Join a shared branch", 2);
    await (await app.$("#join-code")).setValue(code.toLowerCase().replaceAll("-", " "));
    await (await app.$("#join-name")).setValue("Ben's laptop");
    await screenshot(app, "share-welcome-join");
    await click(app, "button=Choose the folder and join…");
    await answerFileDialog("Choose the folder the branch is shared in", folder, { shot: "share-folder-dialog" });

    // The branch arrives: the Events list holds Ana's events.
    await heading(app, "Events");
    await until(app, () => text(app, "main"), (s) => s.includes("Justice4Siham"), "Ana's rally did not arrive in the Events list");
    await screenshot(app, "share-events-arrived");
    await until(app, () => text(app, '[data-testid="sidebar-synced"]'), (s) => s.startsWith("Synced"), "the sidebar does not say when it synced");

    await sharing(app);
    await until(app, () => text(app, '[data-testid="share-laptops"]'), (s) => s.includes("Ana's laptop") && s.includes("Ben's laptop this laptop"), "the laptops are not listed");
    assert.match(await text(app, '[data-testid="share-facts"]'), /Shared branch/, "the folder is named");
    await click(app, "button=Invite an officer");
    await until(app, () => text(app, '[data-testid="share-code"]'), (s) => /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(s), "no invitation code was shown");
    await app.execute(() => document.querySelector('[data-testid="share-invitation"]').scrollIntoView({ block: "center" }));
    await screenshot(app, "share-invitation");
    // The code the window shows lets a third laptop join (on the command line).
    const windowCode = await text(app, '[data-testid="share-code"]');
    const joined = cli(c, "share", "join", folder, "--code", windowCode, "--name", "Cleo's laptop");
    assert.match(joined, /Joined\./, "a third laptop joins with the code the window showed");
    assert.match(cli(c, "event", "list"), /Justice4Siham/, "and the branch arrives there too");
    await click(app, '[data-testid="share-invitation"] button');

    // Apart: B changes the city in the window and syncs; A changes it too before it syncs.
    cli(a, "branch", "set", "city", "Cambridge, MA");
    await goTo(app, "settings", "Settings");
    const cityField = await app.$("#branch-city");
    await cityField.setValue("Somerville, MA");
    await click(app, "button=Save profile");
    await until(app, () => text(app, "main"), (s) => s.includes("Saved."), "the profile was not saved");
    await sharing(app);
    await click(app, "button=Sync now");
    await until(app, () => text(app, '[data-testid="share-notice"]'), (s) => s.startsWith("Synced:"), "B's change was not written");
    cli(a, "share", "sync");
    await click(app, "button=Sync now");
    const conflict = '[data-testid="share-conflicts"] [data-conflict]';
    await until(app, () => text(app, conflict), (s) => /^City of branch/.test(s), "the window did not list the city changed on both laptops", 30000);
    const shown = await text(app, conflict);
    assert.match(shown, /“Somerville, MA” from Ben's laptop/, "B's side is listed with its laptop");
    assert.match(shown, /“Cambridge, MA” from Ana's laptop/, "A's side is listed with its laptop");
    assert.match(await text(app, '[data-testid="sidebar-synced"]'), /1 change to settle/, "the sidebar says something waits");
    await app.execute((s) => document.querySelector(s).scrollIntoView({ block: "center" }), conflict);
    await screenshot(app, "share-conflict");
    const violations = await axe(app);
    assert.deepEqual(violations, [], `axe-core finds nothing on Settings → Sharing with laptops and a conflict:\n${JSON.stringify(violations, null, 1)}`);
    // The same in the dark theme, chosen as Settings → Appearance does.
    await click(app, 'input[name="theme"][value="dark"]');
    await app.execute((s) => document.querySelector(s).scrollIntoView({ block: "center" }), conflict);
    const dark = await axe(app);
    await screenshot(app, "share-conflict-dark");
    await click(app, 'input[name="theme"][value="system"]');
    assert.deepEqual(dark, [], `axe-core finds nothing there in the dark theme either:\n${JSON.stringify(dark, null, 1)}`);

    await click(app, "button[aria-label=\"Keep this: “Somerville, MA” from Ben's laptop\"]", "Keep this on B's side");
    await until(app, () => text(app, '[data-testid="share-conflicts-none"]'), (s) => s.includes("Nothing to settle"), "the conflict was not settled");
    assert.match(await text(app, '[data-testid="share-notice"]'), /Kept “Somerville, MA”/, "the window says what it kept");
    await until(app, () => text(app, '[data-testid="sidebar-synced"]'), (s) => !s.includes("to settle"), "the sidebar still says something waits");
    await app.execute(() => document.getElementById("share-laptops-title").scrollIntoView({ block: "start" }));
    await screenshot(app, "share-settled");
  });

  cli(a, "share", "sync");
  const status = JSON.parse(cli(a, "share", "status", "--json"));
  assert.deepEqual(status.conflicts, [], "A has no conflict left after it synced");
  assert.equal(city(a), "Somerville, MA", "A has the city kept in the window");
  assert.equal(city(b), "Somerville, MA", "and so has B");
  assert.deepEqual(
    status.laptops.map((l) => l.name).sort(),
    ["Ana's laptop", "Ben's laptop", "Cleo's laptop"],
    "A lists the three laptops, Cleo's accepted through the invitation made in the window",
  );
});

test("a branch not shared explains sharing, and closing the folder dialog changes nothing", async (t) => {
  const db = tempDb();
  t.after(() => rmSync(path.dirname(db), { recursive: true, force: true }));
  cli(db, "demo");
  await withApp(db, async (app) => {
    await sharing(app);
    const about = await text(app, "#sharing-title + .sharing");
    assert.match(about, /never travels/, "it says the branch's file stays on the laptop");
    assert.match(about, /sees only sizes and times/, "and what the folder's host can see");
    assert.match(about, /new, empty branch/, "joining is said to need a new, empty branch");
    await screenshot(app, "share-not-shared");
    await (await app.$("#share-name")).setValue("Ana's laptop");
    await click(app, "button=Choose the folder and share…");
    await cancelFileDialog("Choose the shared folder");
    await until(app, () => app.execute(() => document.querySelector('[data-testid="share-start"] button').textContent.trim()), (s) => s === "Choose the folder and share…", "the button stayed busy");
    assert.equal(await app.$$('[data-testid="share-facts"]').then((l) => l.length), 0, "the branch is still not shared");
    assert.equal(await app.$$('[data-testid="sidebar-synced"]').then((l) => l.length), 0, "and the sidebar says nothing of syncing");
  });
  assert.equal(JSON.parse(cli(db, "share", "status", "--json")).sharing, false, "the branch file says it is not shared");
});
