// The foundation, proven in the real window: first start, the branch profile
// surviving a restart, field errors that save nothing, databases that cannot be
// opened, and a screenshot of every main screen for a person to look at.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { Key } from "webdriverio";
import { cli, cliPlain, goTo, heading, screenshot, startDriver, stopDriver, tempDb, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

test("the app opens on an empty database and offers to create the branch or load the sample", async () => {
  await withApp(tempDb(), async (app) => {
    await heading(app, "Welcome to Handbill");
    assert.ok(await (await app.$("button=Create your branch")).isDisplayed(), "creating a branch is offered");
    assert.ok(await (await app.$("button=Load the sample branch")).isDisplayed(), "the sample is offered");
    await screenshot(app, "01-welcome");
  });
});

test("handbill without a command opens the window, whose class is the desktop entry's (handbill)", async () => {
  // BIN is `handbill`, the command line, which execs `handbill-window` in the
  // same process; the window keeps the name it was started by.
  await withApp(tempDb(), async (app) => {
    await heading(app, "Welcome to Handbill");
    const ids = execFileSync("xdotool", ["search", "--onlyvisible", "--classname", "^handbill$"], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
    assert.ok(ids.length >= 1, "a visible window of class handbill");
    const wmClass = execFileSync("xprop", ["-id", ids[0], "WM_CLASS"], { encoding: "utf8" });
    assert.match(wmClass, /= "handbill", "Handbill"/, wmClass);
  });
});

test("a branch profile typed into the form survives a restart of the app", async () => {
  const db = tempDb();
  const typed = {
    name: "Jamaica Plain Branch",
    short_name: "JP",
    city: "Boston, MA",
    contact_email: "jp@example.org",
    website: "https://example.org/jp",
    time_zone: "Europe/Madrid",
    languages: "en, es",
  };
  await withApp(db, async (app) => {
    await (await heading(app, "Welcome to Handbill")).isDisplayed();
    await (await app.$("button=Create your branch")).click();
    for (const [field, value] of Object.entries(typed)) {
      const input = await app.$(`#branch-${field}`);
      await input.clearValue();
      await input.setValue(value);
    }
    await screenshot(app, "02-create-branch");
    await (await app.$("button=Create branch")).click();
    await heading(app, "Events");
  });

  const stored = JSON.parse(cli(db, "branch", "show", "--json"));
  assert.equal(stored.name, typed.name, "the name reached the database");
  assert.equal(stored.contact_email, typed.contact_email, "the email reached the database");
  assert.deepEqual(stored.languages, ["en", "es"], "the languages reached the database");

  await withApp(db, async (app) => {
    await heading(app, "Events");
    await goTo(app, "settings", "Settings");
    for (const [field, value] of Object.entries(typed)) {
      const shown = await (await app.$(`#branch-${field}`)).getValue();
      assert.equal(shown, value, `${field} shows what was typed before the restart`);
    }
    const brand = await (await app.$(".brand-name")).getProperty("textContent");
    assert.equal(brand, "JP", "the sidebar carries the branch's short name");
  });
});

test("an invalid email shows the field's error and saves nothing", async () => {
  const db = tempDb();
  cli(db, "branch", "set", "name", "Somerville Branch");
  cli(db, "branch", "set", "contact_email", "somerville@example.org");
  await withApp(db, async (app) => {
    await heading(app, "Events");
    await goTo(app, "settings", "Settings");
    const email = await app.$("#branch-contact_email");
    await email.clearValue();
    await email.setValue("somerville at example");
    await (await app.$("#branch-city")).setValue("Somerville, MA");
    await (await app.$("button=Save profile")).click();
    const error = await app.$('[data-error-for="contact_email"]');
    await error.waitForDisplayed({ timeout: 10000, timeoutMsg: "the email error did not show" });
    assert.match(await error.getText(), /is not an email address/, "the error says what is wrong");
    assert.equal(await email.getAttribute("aria-invalid"), "true", "the field is marked invalid");
    assert.equal(await email.getValue(), "somerville at example", "the typed text is kept");
    assert.match(await (await app.$(".form-message")).getText(), /Nothing was saved/, "the form says nothing was saved");
    await screenshot(app, "08-settings-invalid-email");
  });
  const stored = JSON.parse(cli(db, "branch", "show", "--json"));
  assert.equal(stored.contact_email, "somerville@example.org", "the saved email is unchanged");
  assert.equal(stored.city, "", "the other field typed with it was not saved either");
});

test("the sample branch loads from the welcome screen; every main screen is captured", async () => {
  await withApp(tempDb(), async (app) => {
    await (await heading(app, "Welcome to Handbill")).isDisplayed();
    await (await app.$("button=Load the sample branch")).click();
    await heading(app, "Events");
    assert.equal(await (await app.$(".brand-name")).getProperty("textContent"), "ISO-Boston", "the sample branch is open");
    await screenshot(app, "03-events");
    await goTo(app, "coalition", "Coalition");
    await screenshot(app, "04-coalition");
    await goTo(app, "flyers", "Flyers");
    await screenshot(app, "05-flyers");
    await goTo(app, "mail", "Mail");
    await screenshot(app, "06-mail");
    await goTo(app, "settings", "Settings");
    const logo = await app.$('img[alt="Current branch logo"]');
    assert.ok(await logo.isDisplayed(), "the sample's logo shows in Settings");
    await screenshot(app, "07-settings");
    await (await app.$('input[name="theme"][value="dark"]')).click();
    await screenshot(app, "09-settings-dark");
    await goTo(app, "events", "Events");
    await screenshot(app, "10-events-dark");
    // The theme is remembered on this computer: put it back for the next tests.
    await goTo(app, "settings", "Settings");
    await (await app.$('input[name="theme"][value="system"]')).click();
  });
});

test("a database from a newer Handbill shows a clear error in the window and is not changed", async () => {
  const db = tempDb();
  cliPlain(db, "branch", "set", "name", "Future Branch"); // its header is rewritten below
  const bytes = readFileSync(db);
  bytes.writeUInt32BE(99, 60); // the header's user_version: schema 99
  writeFileSync(db, bytes);
  await withApp(db, async (app) => {
    await heading(app, "This database needs a newer Handbill");
    const message = await (await app.$(".message")).getText();
    assert.match(message, /newer version of Handbill/, "the message says why");
    await screenshot(app, "11-newer-database");
  });
  assert.deepEqual(readFileSync(db), bytes, "the newer database was not changed");
});

test("a file that is not a database shows a clear error in the window", async () => {
  const db = tempDb("minutes.sqlite");
  writeFileSync(db, "Minutes of the January meeting\n");
  await withApp(db, async (app) => {
    await heading(app, "This file is not a Handbill database");
    await screenshot(app, "12-not-a-database");
  });
  assert.equal(readFileSync(db, "utf8"), "Minutes of the January meeting\n", "the file was not changed");
});

test("a damaged database and an unusable path each show a clear error in the window", async () => {
  const damaged = tempDb("damaged.sqlite");
  cliPlain(damaged, "demo"); // its pages are scribbled over below
  const bytes = readFileSync(damaged);
  bytes.fill(0xa5, 100, 3000); // scribble over the schema page
  writeFileSync(damaged, bytes);
  await withApp(damaged, async (app) => {
    await heading(app, "This database is damaged");
    assert.match(await (await app.$(".message")).getText(), /damaged/, "the message names the damage");
    await screenshot(app, "13-damaged-database");
  });
  assert.deepEqual(readFileSync(damaged), bytes, "the damaged file was not changed");

  await withApp("/dev/null/handbill/branch.sqlite", async (app) => {
    await heading(app, "The database cannot be opened");
    assert.match(await (await app.$(".message")).getText(), /Cannot create the folder/, "the message says why");
  });
});

test("the keyboard reaches every section and the focus is visible", async () => {
  const db = tempDb();
  cli(db, "demo");
  await withApp(db, async (app) => {
    await heading(app, "Events");
    await app.keys([Key.Alt, "5"]);
    await heading(app, "Settings");
    await app.keys([Key.Alt, "2"]);
    await heading(app, "Coalition");
    // From the page top, Tab reaches the skip link and then the navigation.
    await app.execute(() => document.activeElement?.blur());
    await app.keys([Key.Tab]);
    await app.keys([Key.Tab]);
    await app.keys([Key.Tab]);
    const focused = await app.execute(() => {
      const el = document.activeElement;
      return { text: el?.textContent?.trim(), outline: el ? getComputedStyle(el).outlineStyle : "" };
    });
    assert.ok(["Events", "Coalition"].includes(focused.text), `Tab moves into the navigation, got ${focused.text}`);
    assert.equal(focused.outline, "solid", "the focused link shows a focus ring");
    await screenshot(app, "14-keyboard-focus");
  });
});
