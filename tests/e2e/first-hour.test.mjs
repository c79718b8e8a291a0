// A volunteer's first hour (issue 23), in the real window from an empty
// database, by visible labels only: the seven tasks a new organizer does —
// create the branch, a meeting with a speaker, a confirmed co-sponsor, a
// half-sheet black-and-white flyer, import a 10-person sign-up sheet, write the
// announcement, reschedule by a week. Every click, typed field, choice and file
// given is one step; the steps per task are printed (and saved as
// target/e2e-screenshots/first-hour-steps.json) so a change that makes a task
// longer shows. What each task made is checked on the command line, and the
// honest words are asserted on the way.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { after, before, test } from "node:test";
import { answerFileDialog, cli, heading, screenshot, SHOTS, startDriver, stopDriver, tempDb, until, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

/** Counts what a person does in the window. Every element is found the way a
 * person finds it: a button or link by its words, a field by its label. */
class Steps {
  constructor(app) {
    this.app = app;
    this.count = 0;
    this.tasks = [];
  }

  /** Starts counting a new task. */
  task(name) {
    this.tasks.push({ name, steps: 0 });
  }

  /** Counts a step done outside these helpers. */
  counted() {
    this.#step();
  }

  #step() {
    this.count += 1;
    this.tasks.at(-1).steps += 1;
  }

  /** Marks the one visible element the browser function `find` picks (given `arg`), or fails naming `what`. */
  async #mark(find, arg, what) {
    let found = false;
    await this.app.waitUntil(
      async () => {
        found = await this.app.execute(find, arg);
        return found;
      },
      { timeout: 20000, timeoutMsg: `${what} is not on the screen` },
    );
    return this.app.$("[data-e2e-target]");
  }

  /** Presses the visible button or link whose words include `words` (a list row). */
  async pressStarting(words) {
    await this.press(words, { starting: true });
  }

  /** The visible button, link or tab whose words are exactly `words` (or include them). */
  async control(words, starting = false) {
    return this.#mark(
      ([w, starting]) => {
        document.querySelectorAll("[data-e2e-target]").forEach((e) => e.removeAttribute("data-e2e-target"));
        const shown = (e) => e.offsetParent !== null || e.getClientRects().length > 0;
        const norm = (s) => (s ?? "").replace(/\s+/g, " ").trim();
        const el = [...document.querySelectorAll("button, a, [role=tab], label.button")].find(
          (e) =>
            shown(e) &&
            !e.disabled &&
            (norm(e.textContent) === w || norm(e.getAttribute("aria-label")) === w || (starting && norm(e.textContent).includes(w))),
        );
        if (!el) return false;
        el.setAttribute("data-e2e-target", "");
        return true;
      },
      [words, starting],
      `the button “${words}”`,
    );
  }

  /** The visible field whose label reads `label` (a trailing required star aside). */
  async field(label) {
    return this.#mark(
      (l) => {
        document.querySelectorAll("[data-e2e-target]").forEach((e) => e.removeAttribute("data-e2e-target"));
        const shown = (e) => e.offsetParent !== null || e.getClientRects().length > 0;
        const norm = (s) => (s ?? "").replace(/\s+/g, " ").replace(/\s*\*$/, "").trim();
        for (const lab of document.querySelectorAll("label")) {
          if (norm(lab.textContent) !== l) continue;
          const el = lab.htmlFor ? document.getElementById(lab.htmlFor) : lab.querySelector("input, select, textarea");
          if (!el || el.disabled || (!shown(el) && el.type !== "file" && !shown(lab))) continue;
          el.setAttribute("data-e2e-target", "");
          return true;
        }
        return false;
      },
      label,
      `the field “${label}”`,
    );
  }

  async press(words, { starting = false } = {}) {
    const el = await this.control(words, starting);
    await el.scrollIntoView({ block: "center" });
    await el.click();
    this.#step();
  }

  async fill(label, value) {
    const el = await this.field(label);
    await el.scrollIntoView({ block: "center" });
    await el.clearValue();
    await el.setValue(value);
    this.#step();
  }

  /** Chooses the option whose words start with `option` (a date may follow them). */
  async choose(label, option) {
    const el = await this.field(label);
    await el.scrollIntoView({ block: "center" });
    const index = await this.app.execute(
      (o) => [...document.querySelector("[data-e2e-target]").options].findIndex((x) => x.textContent.trim().startsWith(o)),
      option,
    );
    assert.ok(index >= 0, `“${label}” offers “${option}”`);
    await el.selectByIndex(index);
    this.#step();
  }

  /** Ticks a checkbox or radio button by its label. */
  async tick(label) {
    const el = await this.field(label);
    await el.scrollIntoView({ block: "center" });
    await el.click();
    this.#step();
  }

  /** Gives a file field a file (a person picks it in the file chooser: one step). */
  async file(label, file) {
    const el = await this.field(label);
    await el.setValue(file);
    this.#step();
  }

  /** Waits for words on the screen (not a step). */
  async sees(words, what = `“${words}” on the screen`) {
    await until(this.app, () => this.app.execute(() => document.body.innerText), (t) => t.includes(words), `${what} did not appear`, 30000);
  }
}

/** The reschedule form's own submit button (the Actions bar has one named the same). */
async function submitReschedule(steps) {
  const el = await steps.app.$("#act-reschedule button[type=submit]");
  await el.click();
  steps.counted();
}

/** Every co-sponsorship in an organization's JSON, wherever it is kept. */
function cosponsorships(value) {
  if (Array.isArray(value)) return value.flatMap(cosponsorships);
  if (value && typeof value === "object") {
    if ("target_title" in value && "status" in value) return [value];
    return Object.values(value).flatMap(cosponsorships);
  }
  return [];
}

/** Whether a binary PPM (P6, 8-bit) has only grey pixels (red = green = blue). */
function greyOnly(ppm) {
  // The header: P6, width, height, maxval, each followed by whitespace.
  let at = 0;
  for (let fields = 0; fields < 4; fields++) {
    while (/\s/.test(String.fromCharCode(ppm[at]))) at++;
    while (!/\s/.test(String.fromCharCode(ppm[at]))) at++;
  }
  at++;
  assert.ok(ppm.length - at > 1000, "the flyer rendered to pixels");
  for (let i = at; i + 2 < ppm.length; i += 3) if (ppm[i] !== ppm[i + 1] || ppm[i] !== ppm[i + 2]) return false;
  return true;
}

const DAY = 24 * 60 * 60 * 1000;
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const typed = (d) => `${WEEKDAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
const iso = (d) => d.toISOString().slice(0, 10);

test("a volunteer's first hour: seven tasks from an empty database, by visible labels, counted", async () => {
  const db = tempDb();
  const work = mkdtempSync(path.join(tmpdir(), "handbill-e2e-first-hour-"));
  const sheet = path.join(work, "sign-up-sheet.csv");
  const people = ["Ana Lima", "Ben Okafor", "Chen Wei", "Dana Cruz", "Eli Katz", "Fatima Noor", "Gus Moreno", "Hana Sato", "Ivan Petrov", "Jo March"];
  writeFileSync(
    sheet,
    "Name,Email\n" + people.map((p) => `${p},${p.split(" ")[0].toLowerCase()}@example.org`).join("\n") + "\n",
  );
  const flyer = path.join(work, "study-group-half-sheet.pdf");
  // A date some weeks ahead, typed as people write it.
  const day = new Date(Date.now() + 40 * DAY);
  const weekLater = new Date(day.getTime() + 7 * DAY);

  let steps;
  try {
    await withApp(db, async (app) => {
      steps = new Steps(app);
      await heading(app, "Welcome to Handbill");

      steps.task("Create the branch");
      await steps.press("Create your branch");
      await steps.fill("Branch name", "Jamaica Plain Branch");
      await steps.fill("City", "Boston, MA");
      await steps.fill("Contact email", "jp@example.org");
      await screenshot(app, "first-hour-1-form");
      await steps.press("Create branch");
      // Where the window goes next: Events with the first steps, or (before
      // issue 23) back to Settings, from where the volunteer goes to Events.
      await until(app, () => app.execute(() => document.querySelector("h1")?.textContent ?? ""), (h) => h === "Events" || h === "Settings", "no screen after Create branch", 20000);
      if ((await app.execute(() => document.querySelector("h1")?.textContent)) !== "Events") await steps.press("Events");
      await heading(app, "Events");
      await screenshot(app, "first-hour-1-branch");

      steps.task("A meeting with a speaker");
      await steps.press("New event");
      await steps.fill("Title", "Study group: Women and Socialism");
      await steps.fill("Start date", typed(day));
      await steps.fill("Start time", "7pm");
      await steps.fill("End time", "9pm");
      await steps.fill("Or a new speaker: name", "Nadia Haddad");
      await steps.press("Add new");
      await steps.sees("Nadia Haddad");
      await steps.press("Save and check");
      await until(app, () => app.execute(() => document.querySelector('[data-testid="event-status"]')?.textContent ?? ""), (t) => t === "Draft", "the meeting was not saved as a draft");
      await app.execute(() => document.getElementById("main")?.scrollTo(0, 0));
      await screenshot(app, "first-hour-2-meeting");

      steps.task("A confirmed co-sponsor");
      await steps.press("Coalition");
      await heading(app, "Coalition");
      await steps.press("Add organization");
      await steps.fill("Name", "Boston Nurses United");
      await steps.press("Add organization");
      // The organization's page: ask it for the meeting, the answer already known.
      await steps.press("Ask to co-sponsor…");
      await steps.choose("Event", "Study group: Women and Socialism");
      await steps.tick("Already confirmed (they said yes)");
      await steps.press("Record the ask");
      await steps.sees("Confirmed");
      await screenshot(app, "first-hour-3-cosponsor");

      steps.task("A half-sheet black-and-white flyer");
      await steps.press("Flyers");
      await heading(app, "Flyers");
      await steps.choose("Layout", "Half sheet (two per page)");
      await steps.tick("Black and white (photocopier)");
      await steps.press("Save…");
      // The file chooser: the volunteer types where the flyer goes (one step).
      await answerFileDialog("Save the flyer", flyer);
      steps.counted();
      await until(app, () => existsSync(flyer), (ok) => ok, "the flyer was not saved", 60000).catch(async (e) => {
        await screenshot(app, "first-hour-4-flyer-failed");
        throw e;
      });
      await screenshot(app, "first-hour-4-flyer");

      steps.task("Import a 10-person sign-up sheet");
      await steps.press("Mail");
      await heading(app, "Mail");
      if (await app.execute(() => !document.getElementById("mail-list"))) {
        await steps.fill("List name", "Announcements");
        await steps.press("Create list");
      }
      await steps.press("Import");
      await steps.file("CSV file", sheet);
      await steps.sees("Dear Ana,", "the greeting Ana will get");
      await steps.pressStarting("Import 10 rows");
      await steps.sees("Import another file", "the import report");
      await screenshot(app, "first-hour-5-import");

      steps.task("Write the announcement");
      await steps.press("Events");
      await heading(app, "Events");
      await steps.pressStarting("Study group: Women and Socialism");
      await steps.press("Email to list");
      await steps.sees("Announcement");
      await until(app, () => app.$("#ann-subject").then((e) => e.getValue()), (v) => v.includes("Study group"), "the announcement was not filled in from the event");
      await steps.press("Save draft");
      await steps.sees("Draft saved.", "the saved draft's notice");
      const body = await (await steps.field("Message")).getValue();
      assert.doesNotMatch(body, /\\[!-/:-@[-`{-~]|&amp;|&#|\\n/, `the message shows no stray escape characters: ${body}`);
      await screenshot(app, "first-hour-6-announcement");

      steps.task("Reschedule by a week");
      await steps.press("Events");
      await heading(app, "Events");
      await steps.pressStarting("Study group: Women and Socialism");
      await steps.press("Reschedule");
      await steps.fill("New start date", typed(weekLater));
      await steps.fill("Reason", "The hall is booked that night");
      await submitReschedule(steps);
      await steps.sees("Moved to the new date.", "the reschedule's result");
      await screenshot(app, "first-hour-7-rescheduled");
    });

    // What the seven tasks made, as the command line reads the database.
    const branch = JSON.parse(cli(db, "branch", "show", "--json"));
    assert.equal(branch.name, "Jamaica Plain Branch");
    assert.equal(branch.time_zone, "America/New_York", "the time zone was found from the city");
    const [meeting] = JSON.parse(cli(db, "event", "list", "--json"));
    assert.equal(meeting.title, "Study group: Women and Socialism");
    assert.equal(meeting.start_date, iso(weekLater), "the meeting is a week later");
    assert.equal(meeting.start_time, "19:00", "at 7 pm as typed");
    const shown = cli(db, "event", "show", String(meeting.id), "--json");
    assert.match(shown, /Nadia Haddad/, "the speaker is on the meeting");
    const orgs = JSON.parse(cli(db, "org", "list", "--json"));
    const nurses = orgs.find((o) => o.name === "Boston Nurses United");
    assert.ok(nurses, "the organization is saved");
    const asked = cosponsorships(JSON.parse(cli(db, "org", "show", String(nurses.id), "--json")));
    assert.deepEqual(
      asked.map((c) => [c.target_title, c.status]),
      [["Study group: Women and Socialism", "confirmed"]],
      "the organization co-sponsors the meeting, confirmed",
    );
    const pages = execFileSync("pdfinfo", [flyer], { encoding: "utf8" });
    assert.match(pages, /Page size:\s+792 x 612 pts \(letter\)/, "the flyer is US Letter turned sideways, two half sheets side by side");
    assert.match(pages, /Pages:\s+1\b/, "two half sheets on one page");
    assert.ok(greyOnly(execFileSync("pdftoppm", ["-r", "30", flyer])), "the flyer is black and white: every pixel grey");
    assert.equal(Number(cli(db, "subscribers", "count", "--list", "Announcements").trim()), 10, "the ten people are on the list");
  } finally {
    if (steps) {
      mkdirSync(SHOTS, { recursive: true });
      writeFileSync(path.join(SHOTS, "first-hour-steps.json"), JSON.stringify(steps.tasks, null, 2));
      for (const t of steps.tasks) console.log(`first hour: ${t.name}: ${t.steps} steps`);
      console.log(`first hour: all: ${steps.count} steps`);
    }
    rmSync(work, { recursive: true, force: true });
    rmSync(path.dirname(db), { recursive: true, force: true });
  }
});
