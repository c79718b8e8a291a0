// Typing the paper sign-in sheet in the real window, by keyboard alone: on
// the sample's study group, *Sign-in: who came* opens the view with the
// cursor in the first row's name; 25 rows are typed with Tab, Space and Enter
// only. Known people are completed as their name or address is typed (↓ and
// Enter), three new people are typed in full, two came to the meeting the
// week before too, and one had unsubscribed: she ticks "Email me" and stays
// off. The view then says 25 came, 3 new, and names the one who came last
// time but not this time; the command line reads the same back, with the
// ledger's evidence for a new person's tick.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { cli, click, heading, screenshot, select, startDriver, stopDriver, tempDb, until, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

/** The sample's subscribed people typed by completion of their address, after
 * the two who came last week (Carmen, who came then too, does not come now). */
const OTHERS = [
  "deshawn.jones",
  "farah.lopes",
  "gabriel.gomes",
  "hana.brooks",
  "ibrahim.ito",
  "julia.dubois",
  "kwame.kowalski",
  "marcus.alvarez",
  "nadia.haddad",
  "omar.cruz",
  "priya.jones",
  "rosa.evans",
  "samuel.lopes",
  "tamika.gomes",
  "wen.ito",
  "yusuf.dubois",
  "aidan.farouk",
  "beatriz.alvarez",
  "chen.haddad",
];
const NEW = [
  { name: "Nora Quist", email: "nora.quist@example.org", phone: "617 555 0101", zip: "02139", tick: true },
  { name: "Pablo Reyes", email: "pablo.reyes@example.org", phone: "", zip: "02118", tick: true },
  { name: "Quinn Tran", email: "quinn.tran@example.org", phone: "617 555 0103", zip: "", tick: false },
];

test("a 25-row sheet typed by keyboard alone: known people completed, new ones added, an opt-out stands", async (t) => {
  const db = tempDb("attendance.sqlite");
  const dir = path.dirname(db);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cli(db, "demo");
  // The study group the week before: Ana, Ben and Carmen came.
  const before = path.join(dir, "week-before.json");
  writeFileSync(
    before,
    JSON.stringify({
      format: "handbill-event",
      version: 1,
      event: {
        uid: "study-week-before@handbill",
        title: "Left Organizing Tactics, week before",
        kind: "study_group",
        status: "announced",
        start_date: "2027-01-07",
        start_time: "19:00",
        end_time: "21:00",
        time_zone: "America/New_York",
      },
    }),
  );
  cli(db, "event", "import", before);
  const weekBefore = JSON.parse(cli(db, "event", "list", "--json")).find((e) => e.title === "Left Organizing Tactics, week before").id;
  for (const email of ["ana.alvarez@example.org", "ben.haddad@example.org", "carmen.cruz@example.org"]) {
    cli(db, "attendance", "add", String(weekBefore), "--email", email);
  }

  await withApp(db, async (app) => {
    await heading(app, "Events");
    await click(app, "button*=Left Organizing Tactics in the Age", "the study group in the list");
    await click(app, "button=Sign-in: who came", "the Sign-in action");
    await until(
      app,
      () => app.execute(() => document.activeElement?.id ?? ""),
      (id) => id === "signin-name",
      "the cursor does not start in the first row's name",
    );
    const came = () => app.execute(() => Number(document.querySelector('[data-testid="signin-came"]')?.textContent ?? -1));
    // One key at a time: WebKitWebDriver merges a doubled letter ("oo") sent in one sequence.
    const type = async (text) => {
      for (const c of text) await app.keys(c);
    };
    let rows = 0;
    const saved = async () => {
      rows += 1;
      await until(app, came, (n) => n === rows, `row ${rows} was not saved`);
      await until(
        app,
        () => app.execute(() => document.activeElement?.id ?? ""),
        (id) => id === "signin-name",
        `the cursor does not go back to the name after row ${rows}`,
      );
    };
    /** Types the start of a known person's name or address, takes the first suggestion, ticks or not, saves. */
    const known = async (typed, tick, inEmail = false) => {
      if (inEmail) await app.keys("Tab");
      await type(typed);
      try {
        await until(
          app,
          () => app.execute(() => document.querySelectorAll("#signin-suggestions [role=option]").length),
          (n) => n > 0,
          `no known person is offered for “${typed}”`,
        );
      } catch (e) {
        await screenshot(app, "attendance-no-suggestion");
        const fields = await app.execute(() => [...document.querySelectorAll(".row input")].map((i) => `${i.id}=${i.value}`).join(" "));
        throw new Error(`${e.message}; the row holds: ${fields}`);
      }
      await app.keys("ArrowDown");
      await app.keys("Enter");
      await until(
        app,
        () => app.execute(() => document.activeElement?.id ?? ""),
        (id) => id === "signin-wants_mail",
        `choosing “${typed}” does not move to the Email me box`,
      );
      if (tick) await app.keys(" ");
      await app.keys("Enter");
      await saved();
    };

    await known("Ana Alv", true);
    await known("Ben Had", false);
    await known("lucia.f", true, true);
    const note = await app.execute(() => document.querySelector('[data-testid="signin-note"]')?.textContent ?? "");
    assert.match(note, /unsubscribed/, "the window says why Lucía stays off the list");
    for (const p of NEW) {
      await type(p.name);
      for (const value of [p.email, p.phone, p.zip]) {
        await app.keys("Tab");
        if (value) await type(value);
      }
      await app.keys("Tab");
      if (p.tick) await app.keys(" ");
      await app.keys("Enter");
      await saved();
    }
    for (const [i, email] of OTHERS.entries()) await known(email, i % 2 === 0, true);
    await screenshot(app, "attendance-typed");
    await app.execute(() => document.getElementById("signin-came-title")?.scrollIntoView());
    await screenshot(app, "attendance-who-came");

    const text = await app.execute(() => document.querySelector("main")?.textContent ?? "");
    assert.equal(await came(), 25, "25 people came");
    const fresh = await app.execute(() => Number(document.querySelector('[data-testid="signin-new"]')?.textContent ?? -1));
    assert.equal(fresh, 3, "three were new to the branch");
    const missed = await app.execute(() => document.querySelector('[data-testid="signin-missed"]')?.textContent ?? "");
    assert.match(missed, /Carmen Cruz/, "Carmen came last week and not this week");
    assert.doesNotMatch(missed, /Ana Alvarez|Ben Haddad/, "Ana and Ben came both weeks");
    assert.match(text, /Opt-out stands/, "Lucía's row says her tick did not put her back");

    // The segment builder counts those who came, live, as the event is chosen.
    await (await app.$('nav a[href="#/mail"]')).click();
    await click(app, "#mail-tab-segments", "the Segments tab");
    const count = () => app.execute(() => document.querySelector('[data-testid="segment-count"]')?.textContent ?? "");
    await until(app, count, (c) => /^\d+$/.test(c.replace(/,/g, "")), "the segment builder does not count");
    await app.execute(() => {
      const s = document.getElementById("segment-attended");
      const option = [...s.options].find((o) => o.text.startsWith("Left Organizing Tactics in the Age"));
      s.value = option.value;
      s.dispatchEvent(new Event("change", { bubbles: true }));
    });
    await until(app, count, (c) => c === String(4 + OTHERS.length), "choosing the study group does not count those who came and are on the list");
    await app.execute(() => document.getElementById("segment-attended")?.scrollIntoView({ block: "center" }));
    await screenshot(app, "attendance-segment");
  });

  const seen = JSON.parse(cli(db, "attendance", "show", "4", "--json"));
  assert.equal(seen.came.length, 25, "the sheet is kept: 25 rows");
  assert.equal(seen.new_people, 3);
  const lucia = seen.came.find((a) => a.email === "lucia.farouk@example.org");
  assert.equal(lucia.mail, "kept_off", "Lucía's opt-out stands");
  const reach = (segment) => Number(cli(db, "subscribers", "count", "--list", "Announcements", "--segment", segment).match(/\d+/)[0]);
  const record = (email) => {
    const file = path.join(dir, `${email}.json`);
    cli(db, "subscribers", "export-person", email, "-o", file);
    return JSON.parse(readFileSync(file, "utf8"));
  };
  const nora = record("nora.quist@example.org");
  assert.ok(
    nora.ledger.some((l) => l.status === "subscribed" && /^sign-in sheet, .*row 4$/.test(l.evidence)),
    `Nora's tick is in the ledger with her row as evidence: ${JSON.stringify(nora.ledger)}`,
  );
  assert.equal(nora.attendance.length, 1, "her record holds the meeting she came to");
  assert.equal(record("quinn.tran@example.org").memberships.length, 0, "Quinn did not tick the box: on no list");
  assert.ok(record("lucia.farouk@example.org").opt_out, "Lucía's opt-out is still on record");
  // "Thanks for coming" reaches those on the list who came: Ana, Ben, Nora, Pablo and the 19 others; never Lucía or Quinn.
  assert.equal(reach("attended=4"), 4 + OTHERS.length, "thanks reaches everyone who came and is on the list");
});

test("a weekly meeting's sheets are kept per meeting: the view chooses which meeting it types", async (t) => {
  const db = tempDb("attendance-series.sqlite");
  t.after(() => rmSync(path.dirname(db), { recursive: true, force: true }));
  cli(db, "demo");
  cli(db, "event", "repeat", "4", "--weekly");
  await withApp(db, async (app) => {
    await heading(app, "Events");
    await click(app, "button*=Left Organizing Tactics in the Age", "the study group in the list");
    await click(app, "button=Sign-in: who came", "the Sign-in action");
    const meeting = await app.$("#signin-meeting");
    await meeting.waitForDisplayed({ timeout: 10000, timeoutMsg: "a repeating meeting's view does not ask which meeting" });
    // The meetings arrive from the core after the choice is shown.
    const dates = () => app.execute(() => [...document.querySelectorAll("#signin-meeting option")].map((o) => o.value));
    await until(app, dates, (d) => d.includes("2027-01-14") && d.includes("2027-01-21"), "the meetings are not offered");
    await select(app, "#signin-meeting", "2027-01-21");
    const came = () => app.execute(() => Number(document.querySelector('[data-testid="signin-came"]')?.textContent ?? -1));
    await (await app.$("#signin-name")).click();
    for (const c of "Ana Alv") await app.keys(c);
    await until(app, () => app.execute(() => document.querySelectorAll("#signin-suggestions [role=option]").length), (n) => n > 0, "Ana is not offered");
    await app.keys("ArrowDown");
    await app.keys("Enter");
    await app.keys("Enter");
    await until(app, came, (n) => n === 1, "the row is not saved on the meeting of 21 January");
    await screenshot(app, "attendance-series");

    // A door form's CSV read into the same meeting's sheet, its problems reported by line.
    const form = path.join(path.dirname(db), "door-form.csv");
    writeFileSync(form, "Name,Email,Can we email you?\nBen Haddad,ben.haddad@example.org,yes\nNo Address,not an address,yes\n");
    await (await app.$("#signin-file")).setValue(form);
    const report = () => app.execute(() => document.querySelector('[data-testid="signin-imported"]')?.textContent ?? "");
    await until(app, report, (r) => r.includes("Recorded 1"), "the door form's report does not appear");
    assert.match(await report(), /Line 3:/, "the row without an address is reported with its line");
    await until(app, came, (n) => n === 2, "Ben from the door form joins the 21 January sheet");
    await select(app, "#signin-meeting", "2027-01-14");
    await until(app, came, (n) => n === 0, "the meeting of 14 January has a sheet of its own");
  });
  const on21 = JSON.parse(cli(db, "attendance", "show", "4", "--date", "2027-01-21", "--json"));
  assert.deepEqual(
    on21.came.map((a) => a.email),
    ["ana.alvarez@example.org", "ben.haddad@example.org"],
    "Ana (typed) and Ben (from the door form) are on the 21 January sheet",
  );
  const on14 = JSON.parse(cli(db, "attendance", "show", "4", "--date", "2027-01-14", "--json"));
  assert.equal(on14.came.length, 0, "and not on the 14 January one");
});
