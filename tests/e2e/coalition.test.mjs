// Coalition, proven in the real window: two organizations added through the
// form; one asked and confirmed as co-sponsor of the rally, the other
// declined; only the confirmed one is in the event's listing; an announced
// event's demand list edited makes a new version while the event keeps the
// old one; a CSV with no name column and a logo that is not an image get a
// clear message and change nothing. Screenshots go to target/e2e-screenshots/.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { cli, goTo, screenshot as save, startDriver, stopDriver, tempDb, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

async function screenshot(app, name) {
  await app.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 150))));
  await save(app, name);
}

async function click(app, selector, what) {
  const el = await app.$(selector);
  await el.waitForDisplayed({ timeout: 10000, timeoutMsg: `${what ?? selector} did not appear` });
  await el.click();
}

async function type(app, selector, text) {
  const el = await app.$(selector);
  await el.waitForDisplayed({ timeout: 10000, timeoutMsg: `${selector} did not appear` });
  await el.setValue(text);
}

async function textOf(app, selector, what) {
  const el = await app.$(selector);
  await el.waitForDisplayed({ timeout: 10000, timeoutMsg: `${what} did not appear` });
  return el.getText();
}

async function addOrganization(app, name, website, contact) {
  await click(app, "button=Add organization");
  await type(app, "#org-f-name", name);
  await type(app, "#org-f-website", website);
  await click(app, "button=Add a contact person");
  await type(app, "#org-f-contact-0-name", contact.name);
  await type(app, "#org-f-contact-0-email", contact.email);
  await click(app, 'form.co-form button[type="submit"]');
  await (await app.$("h2=" + name)).waitForDisplayed({ timeout: 10000, timeoutMsg: `the page of ${name} opens after saving` });
  await click(app, "button=← All organizations");
}

test("two organizations added; one confirmed, one declined; only the confirmed one is listed", async () => {
  const db = tempDb();
  cli(db, "demo");
  const rally = JSON.parse(cli(db, "event", "list", "--json")).find((e) => e.title.includes("Rally"));
  await withApp(db, async (app) => {
    await goTo(app, "coalition", "Coalition");
    await addOrganization(app, "Dorchester Tenants Union", "https://dtu.example.org", { name: "Rosa Diaz", email: "rosa@dtu.example.org" });
    await addOrganization(app, "Mass Nurses Local 9", "https://nurses9.example.org", { name: "Ana Ortiz", email: "ana@nurses9.example.org" });
    await (await app.$("button*=Dorchester Tenants Union")).waitForDisplayed({ timeout: 10000, timeoutMsg: "the first organization is listed" });
    assert.ok(await (await app.$("button*=Mass Nurses Local 9")).isDisplayed(), "the second organization is listed");
    await screenshot(app, "coalition-organizations");

    // A likely duplicate is warned about before saving.
    await click(app, "button=Add organization");
    await type(app, "#org-f-name", "dorchester tenants-union");
    await click(app, 'form.co-form button[type="submit"]');
    const warning = await textOf(app, ".co-warning", "the duplicate warning");
    assert.match(warning, /Dorchester Tenants Union/, "the warning names the organization already known");
    await screenshot(app, "coalition-duplicate-warning");
    await click(app, "button=Cancel");

    // The rally: ask the tenants union and confirm it; decline the nurses.
    await goTo(app, "events", "Events");
    await click(app, `button*=${rally.title}`, "the rally in the list");
    const panel = '[data-panel="cosponsors"]';
    for (const name of ["Dorchester Tenants Union", "Mass Nurses Local 9"]) {
      await (await app.$(`${panel} select`)).waitForDisplayed({ timeout: 10000, timeoutMsg: "the co-sponsors panel appears" });
      await (await app.$(`${panel} select`)).selectByVisibleText(name);
      await (await (await app.$(panel)).$("button=Add as prospect")).click();
      await (await app.$(`${panel} li[data-org="${name}"]`)).waitForDisplayed({ timeout: 10000, timeoutMsg: `${name} is added as prospect` });
    }
    const tenants = `${panel} li[data-org="Dorchester Tenants Union"]`;
    await (await (await app.$(tenants)).$("button=Asked…")).click();
    await (await app.$(`${tenants} select`)).selectByVisibleText("Rosa Diaz");
    await type(app, `${tenants} input`, "Asked at the tenants meeting");
    await type(app, `${tenants} input[id^="step-date-"]`, "2027-01-15");
    await (await (await app.$(tenants)).$("button=Mark asked")).click();
    await app.waitUntil(async () => (await (await app.$(tenants)).getText()).includes("Asked at the tenants meeting"), { timeout: 10000, timeoutMsg: "the asked step shows its note" });
    assert.match(await (await app.$(tenants)).getText(), /2027-01-15/, "the asked step keeps the date typed, not today's");
    await (await (await app.$(tenants)).$("button=Confirmed…")).click();
    await (await (await app.$(tenants)).$("button=Mark confirmed")).click();
    const nurses = `${panel} li[data-org="Mass Nurses Local 9"]`;
    await (await (await app.$(nurses)).$("button=Declined…")).click();
    await (await (await app.$(nurses)).$("button=Mark declined")).click();
    await app.waitUntil(async () => (await (await app.$(nurses)).getText()).includes("Declined"), { timeout: 10000, timeoutMsg: "the nurses show as declined" });
    const confirmed = await textOf(app, `${panel} ol`, "the confirmed co-sponsors");
    assert.match(confirmed, /Dorchester Tenants Union/, "the tenants union is among the confirmed co-sponsors");
    assert.doesNotMatch(confirmed, /Mass Nurses/, "the declined nurses are not among the confirmed");
    await (await app.$(panel)).scrollIntoView();
    await screenshot(app, "coalition-event-cosponsors");
  });
  const listing = cli(db, "event", "listing");
  assert.match(listing, /Dorchester Tenants Union/, "the listing names the confirmed co-sponsor");
  assert.doesNotMatch(listing, /Mass Nurses Local 9/, "the listing leaves out the declined organization");
});

test("editing an announced event's demand list makes a new version; the event keeps the old one", async () => {
  const db = tempDb();
  cli(db, "demo");
  const rally = JSON.parse(cli(db, "event", "list", "--json")).find((e) => e.title.includes("Rally"));
  await withApp(db, async (app) => {
    await goTo(app, "coalition", "Coalition");
    await click(app, "#coalition-tab-demands");
    await click(app, "button*=demands", "the sample demand list");
    await type(app, "#dl-demand-5", "ICE stop terrorizing our communities, now.");
    await click(app, "button=Save");
    const saved = await textOf(app, ".ev-saved", "the saved message");
    assert.match(saved, /version 2/, `saving makes version 2: ${saved}`);
    const diff = await textOf(app, ".co-diff", "the diff between versions");
    assert.match(diff, /Changed/, "the diff shows the changed demand");
    await screenshot(app, "coalition-demand-versions");

    await goTo(app, "events", "Events");
    await click(app, `button*=${rally.title}`, "the rally in the list");
    await app.waitUntil(async () => (await (await app.$('[data-panel="demands"]')).getText()).includes("version"), { timeout: 10000, timeoutMsg: "the event's demand list loads" });
    const demands = await textOf(app, '[data-panel="demands"]', "the event's demand list");
    assert.match(demands, /version 1 \(latest is 2\)/, `the event still shows version 1: ${demands}`);
    assert.ok(await (await app.$("button=Move to the latest version")).isDisplayed(), "moving to the latest version is offered");
    await (await app.$('[data-panel="demands"]')).scrollIntoView();
    await screenshot(app, "coalition-event-demands-old-version");
  });
});

test("a CSV without a name column and a logo that is not an image get clear messages and change nothing", async () => {
  const db = tempDb();
  cli(db, "demo");
  const dir = mkdtempSync(path.join(tmpdir(), "handbill-coalition-"));
  const csv = path.join(dir, "partners.csv");
  writeFileSync(csv, "Website,Email\nhttps://a.example.org,a@example.org\n");
  const notImage = path.join(dir, "logo.png");
  writeFileSync(notImage, "this is not a picture");
  const before = cli(db, "org", "list");
  await withApp(db, async (app) => {
    await goTo(app, "coalition", "Coalition");
    await click(app, "#coalition-tab-import");
    await (await app.$("#org-import-file")).setValue(csv);
    const notice = await textOf(app, "section[aria-labelledby='org-preview-title']", "the preview");
    assert.match(notice, /No column looks like the organizations' names/, "the preview says no column holds the names");
    await click(app, "#org-import-run", "the Import button");
    const error = await textOf(app, '[data-error-for="file"]', "the import error");
    assert.match(error, /name/i, `the import is refused naming the missing names column: ${error}`);
    await screenshot(app, "coalition-import-missing-column");

    await click(app, "#coalition-tab-organizations");
    await click(app, "button*=Justice4Siham Coalition");
    await (await app.$("#org-logo-file")).setValue(notImage);
    const logoError = await textOf(app, '[data-error-for="logo"]', "the logo error");
    assert.match(logoError, /PNG or JPEG/, `the logo is refused with a clear message: ${logoError}`);
    await screenshot(app, "coalition-logo-refused");
  });
  assert.equal(cli(db, "org", "list"), before, "nothing was imported and no organization changed");
});

test("the organizations in dark mode", async () => {
  const db = tempDb();
  cli(db, "demo");
  await withApp(db, async (app) => {
    await goTo(app, "settings", "Settings");
    await (await app.$('input[name="theme"][value="dark"]')).click();
    await goTo(app, "coalition", "Coalition");
    await (await app.$("button*=Justice4Siham Coalition")).waitForDisplayed({ timeout: 10000, timeoutMsg: "the sample organizations are listed in dark" });
    const theme = await app.execute(() => document.documentElement.dataset.theme ?? document.documentElement.className);
    assert.match(String(theme), /dark/, `the window is in dark mode: ${theme}`);
    await screenshot(app, "coalition-organizations-dark");
    await goTo(app, "settings", "Settings");
    await (await app.$('input[name="theme"][value="system"]')).click();
  });
});
