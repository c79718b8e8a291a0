// The window's answers to what an organizer does on the Events, Flyers,
// Coalition and Mail screens, measured inside the page: for each action, the
// ms from the click to the frame that shows its answer, the longest gap
// between two frames meanwhile (and for 300 ms after), and the page's DOM
// nodes; then the web process's memory. Used by tests/bench/big-window.mjs
// (the small and the big branch side by side) and by big-branch.test.mjs.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { BIN, openApp, reapWindow } from "./harness.mjs";

/** Starts recording frame gaps in the page. */
async function record(app) {
  await app.execute(() => {
    const f = { gaps: [], last: 0, on: true };
    window.__gaps?.stop?.();
    window.__gaps = f;
    f.stop = () => (f.on = false);
    const tick = (t) => {
      if (!f.on) return;
      if (f.last) f.gaps.push(t - f.last);
      f.last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** Does `click` — a selector to click, "type:SELECTOR=TEXT" to type into a
 * field, or "text:WORDS" to click the button that says them — and waits, frame
 * by frame, until `ready` (a selector, or "text:WORDS" for a button saying
 * them) is on the page; the ms in between. */
async function act(app, click, ready) {
  return app.executeAsync(
    (click, ready, done) => {
      const t0 = performance.now();
      if (click.startsWith("type:")) {
        const [sel, text] = click.slice(5).split("=");
        const field = document.querySelector(sel);
        field.value = text;
        field.dispatchEvent(new Event("input", { bubbles: true }));
      } else if (click.startsWith("text:")) {
        [...document.querySelectorAll("button")].find((b) => b.textContent.includes(click.slice(5))).click();
      } else document.querySelector(click).click();
      const check = () => {
        const there = ready.startsWith("text:")
          ? [...document.querySelectorAll("button")].some((b) => b.textContent.includes(ready.slice(5)))
          : document.querySelector(ready);
        if (there) requestAnimationFrame(() => done(performance.now() - t0));
        else if (performance.now() - t0 > 100000) done(-1);
        else requestAnimationFrame(check);
      };
      check();
    },
    click,
    ready,
  );
}

/** The longest frame gap since `record`, after 300 ms more. */
async function longest(app) {
  return app.executeAsync((done) =>
    setTimeout(() => {
      window.__gaps.stop();
      done(Math.max(0, ...window.__gaps.gaps));
    }, 300),
  );
}

const nodes = (app) => app.execute(() => document.getElementsByTagName("*").length);

/** The web process's memory (kB): its proportional set size. */
function webMemory(db) {
  const ps = execFileSync("ps", ["-eo", "pid,ppid,args"], { encoding: "utf8" }).split("\n");
  const app = ps.find((l) => l.includes(BIN) && l.includes(db) && !l.includes("WebKitWebDriver"));
  if (!app) return null;
  const appPid = app.trim().split(/\s+/)[0];
  const web = ps.filter((l) => l.includes("WebKitWebProcess") && l.trim().split(/\s+/)[1] === appPid);
  let kb = 0;
  for (const l of web) {
    const pid = l.trim().split(/\s+/)[0];
    const m = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    kb += m ? Number(m[1]) : 0;
  }
  return kb;
}

export async function measure(db) {
  const rows = [];
  const t0 = Date.now();
  const app = await openApp(db);
  await app.setTimeout({ script: 120000 });
  try {
    await record(app);
    const startMs = await app.executeAsync((done) => {
      const check = () => (document.querySelector(".ev-row") ? requestAnimationFrame(() => done(performance.now())) : requestAnimationFrame(check));
      check();
    });
    // The page's clock starts when it loads; the rest is the process and the driver.
    rows.push({ action: "cold start → Events painted (page load → rows)", ms: startMs, wall: Date.now() - t0, gap: await longest(app), nodes: await nodes(app) });
    const step = async (action, click, ready) => {
      await record(app);
      const ms = await act(app, click, ready);
      rows.push({ action, ms, gap: await longest(app), nodes: await nodes(app) });
    };
    await step("Past", "#events-tab-past", '[aria-label="Past events, latest first"] .ev-row, #events-panel > p.mail-muted');
    await step("back to Upcoming", "#events-tab-upcoming", '[aria-label^="Events in"] .ev-row');
    await step(
      "search “rally”",
      "type:#events-search=rally",
      '#events-results [aria-label="Search results"] .ev-row',
    );
    await step(
      "clear the search",
      "type:#events-search=",
      '[aria-label^="Events in"] .ev-row',
    );
    await step("open an event", '[aria-label^="Events in"] .ev-row', "#ev-title");
    await step("back from an event", "text:All events", '[aria-label^="Events in"] .ev-row');
    await step("Calendar", "#events-tab-calendar", ".cal-grid .cal-event, .cal-grid td");
    await step("Flyers opened", 'nav a[href="#/flyers"]', "#flyer-target option");
    await step("Coalition", 'nav a[href="#/coalition"]', ".org-row, .card");
    await step("an organization", ".org-row", "#org-name");
    await step("Mail (subscribers)", 'nav a[href="#/mail"]', "[data-subscriber]");
    await step("a subscriber", "[data-subscriber]", "#lists-title");
    await step("Announcements", "#mail-tab-announcements", "text:New announcement");
    await step("the composer", "text:New announcement", "#ann-about option");
    await step("Events again", 'nav a[href="#/events"]', '[aria-label^="Events in"] .ev-row');
    rows.push({ action: "web process memory (PSS, MB)", ms: null, mem: (webMemory(db) ?? 0) / 1024 });
  } finally {
    await app.deleteSession();
    await reapWindow(db);
  }
  return rows;
}

