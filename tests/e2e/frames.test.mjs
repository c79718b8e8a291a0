// The window never waits on the work, measured in the real window: while a
// 200 MB sign-up sheet is previewed, a 20-stop tour's flyers and poster are
// drawn (and seven of its pages turned to, each drawn on request), 10,000
// messages are sent to postfix's smtp-sink on loopback and a 100,000-row
// sheet is imported, the page records the gap between every two
// animation frames (requestAnimationFrame) and reports the worst. The speed
// target (no gap over 100 ms) is the benchmark's to check, not a timed test's:
// tests/bench/frames.sh (make bench-frames) runs this with FRAME_LIMIT_MS=100
// and summarizes target/frames.json (or FRAMES_REPORT: worst gap and
// percentiles). Run by make test, the test fails on a frozen window: a gap of
// 2 s or more (the page blocked on a command's work, as when a 200 MB sheet
// was read on the main thread), or a job during which the page drew almost
// no frames. The inputs are generated here, in a temporary folder.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import { cli, click, goTo, heading, startDriver, stopDriver, tempDb, until, withApp } from "./harness.mjs";

const root = path.resolve(import.meta.dirname, "../..");
/** The longest the page may go without a frame, in milliseconds: the
 * benchmark's target when it sets FRAME_LIMIT_MS, else what counts as frozen. */
const LIMIT = Number(process.env.FRAME_LIMIT_MS ?? 2000);
const REPORT = process.env.FRAMES_REPORT ?? path.join(root, "target/frames.json");

let sink = null;
let port = 0;

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

before(async () => {
  port = await freePort();
  // smtp-sink refuses to run as root without a user to become.
  const user = process.getuid?.() === 0 ? ["-u", "postfix"] : [];
  sink = spawn("smtp-sink", [...user, `127.0.0.1:${port}`, "256"], { stdio: "ignore" });
  sink.on("error", (e) => {
    throw new Error(`smtp-sink could not start (${e.message}); it is in Debian's postfix package`);
  });
  for (let waited = 0; ; waited += 100) {
    const open = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.end();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (open) break;
    if (waited > 10000) throw new Error("smtp-sink did not listen within 10 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  await startDriver();
});

after(async () => {
  sink?.kill("SIGTERM");
  await stopDriver();
});

/** Writes a sign-up sheet of about `bytes` bytes (rows padded with notes), from `first`. */
function writeSheet(file, { rows = Infinity, bytes = Infinity, first = 1, pad = 0 }) {
  const fd = openSync(file, "w");
  let size = 0;
  let chunk = "Email Address,First Name,Last Name,City,Zip,Notes\n";
  const notes = "x".repeat(pad);
  for (let i = first; i < first + rows; i++) {
    const row = `person.${i}@example.org,Person,Number ${i},Boston,02${String(i % 1000).padStart(3, "0")},${notes}\n`;
    if (size + chunk.length + row.length > bytes) break;
    chunk += row;
    if (chunk.length > 1 << 20) {
      size += writeSync(fd, chunk);
      chunk = "";
    }
  }
  size += writeSync(fd, chunk);
  closeSync(fd);
  return size;
}

/** Starts recording the gaps between animation frames in the page, and
 * what the page was doing meanwhile (for finding a long gap's cause): each
 * call to the core (command, bytes sent and received, when it answered),
 * each answer or event handled (how long it ran, with what it set off), and
 * each time the page's own thread came late to a 25 ms timer. */
async function record(app) {
  await app.execute(() => {
    const frames = { gaps: [], last: 0, on: true, log: [] };
    window.__frames?.stop?.();
    window.__frames = frames;
    const note = (kind, at, ms, what) => {
      const f = window.__frames;
      if (f?.on && f.log.length < 20000) f.log.push([kind, at, ms, what]);
    };
    if (!window.__framesTraced) {
      window.__framesTraced = true;
      const fetch0 = window.fetch.bind(window);
      window.fetch = (url, init) => {
        const t0 = performance.now();
        const cmd = decodeURIComponent(String(url).replace(/^.*\/\/localhost\//, ""));
        const sent = init?.body?.byteLength ?? init?.body?.length ?? 0;
        return fetch0(url, init).then((r) => {
          note("answer", t0, performance.now() - t0, `${cmd}: ${sent} bytes sent, ${r.headers.get("content-length") ?? "?"} back`);
          return r;
        });
      };
      const callbacks = window.__TAURI_INTERNALS__.callbacks;
      const set0 = callbacks.set.bind(callbacks);
      callbacks.set = (id, fn) =>
        set0(id, (data) => {
          const t0 = performance.now();
          try {
            return fn(data);
          } finally {
            const ran = performance.now() - t0;
            const what = `ran ${ran.toFixed(0)} ms on ${typeof data === "object" ? (Array.isArray(data) ? `${data.length} items` : Object.keys(data ?? {}).join(",")) : typeof data}`;
            // Until the next task: what the callback set off (Svelte's updates, layout).
            setTimeout(() => note("callback", t0, performance.now() - t0, what), 0);
          }
        });
      let beat = performance.now();
      setInterval(() => {
        const t = performance.now();
        if (t - beat > 60) note("late timer", beat, t - beat, "");
        beat = t;
      }, 25);
    }
    frames.stop = () => (frames.on = false);
    const tick = (t) => {
      if (!frames.on) return;
      if (frames.last) frames.gaps.push([t - frames.last, t]);
      frames.last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** Stops recording; returns the gaps seen since `record` (ms, each with the
 * time it ended) and the page's log of the time. */
async function gaps(app) {
  return app.execute(() => {
    window.__frames.stop();
    const { gaps, log } = window.__frames;
    const at = gaps[0]?.[1] ?? 0;
    return {
      gaps: gaps.map(([g, t]) => [g, t - at]),
      log: log.map(([k, t, ms, w]) => [k, t - at, ms, w]),
      epoch: performance.timeOrigin + at,
    };
  });
}

function summary(name, list) {
  const sorted = [...list].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { job: name, frames: list.length, worst: at(1), p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

const results = [];

/** How long the page goes on recording after a job's end is on screen: what
 * the answer set off (layout, decoding a picture, collecting garbage) counts
 * too, and a job the release build finishes in a few frames (a flyer
 * preview takes under 100 ms) is still seen drawing. */
const AFTERWARDS_MS = 500;

/** Runs `work` while the page records its frames, and for AFTERWARDS_MS after; keeps the gaps as `name`. */
async function measured(app, name, work) {
  await record(app);
  const started = Date.now();
  await work();
  await new Promise((r) => setTimeout(r, AFTERWARDS_MS));
  const { gaps: timed, log, epoch } = await gaps(app);
  const seen = timed.map(([g]) => g);
  const longest = [...timed].sort((a, b) => b[0] - a[0]).slice(0, 3);
  // When each of the three longest gaps ended (ms since 1970), for the
  // benchmark's account of what the window's threads did meanwhile.
  const ends = longest.map(([g, end]) => ({ gap: g, end_ms: epoch + end }));
  const s = { ...summary(name, seen), seconds: (Date.now() - started) / 1000, gaps: seen, longest: ends };
  results.push(s);
  console.log(`${name}: ${s.frames} frames in ${s.seconds.toFixed(1)} s, worst gap ${s.worst.toFixed(1)} ms, p50 ${s.p50.toFixed(1)}, p95 ${s.p95.toFixed(1)}, p99 ${s.p99.toFixed(1)}`);
  for (const [g, end] of longest) {
    const begin = end - g;
    // What ran or answered during the gap (or just before it ended).
    const during = log.filter(([, t, ms]) => t <= end && t + ms >= begin - 5);
    console.log(`  ${g.toFixed(0)} ms ending at ${(end / 1000).toFixed(2)} s (${new Date(epoch + end).toISOString()})${during.length ? ":" : ""}`);
    for (const [kind, t, ms, what] of during.slice(0, 8)) {
      console.log(`    ${kind} at ${(t / 1000).toFixed(2)} s for ${ms.toFixed(0)} ms ${what}`);
    }
  }
  // A job over in a frame or two would prove nothing about waiting.
  assert.ok(s.frames >= 10, `${name}: the page drew frames while the job ran (${s.frames})`);
}

async function text(app, selector) {
  return app.execute((s) => document.querySelector(s)?.textContent ?? "", selector);
}

async function select(app, selector, value) {
  await app.execute((s, v) => {
    const el = document.querySelector(s);
    el.value = v;
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }, selector, value);
}

test("the window keeps drawing frames (worst gap reported) while a 200 MB sheet is previewed, a 20-stop poster drawn, 10,000 messages sent and 100,000 rows imported", async (t) => {
  const db = tempDb();
  const dir = path.dirname(db);
  // The sheets (about 220 MB) and the branch go when the test ends, passed or failed.
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cli(db, "demo");

  // A tour of 20 stops, each at its own campus, through the event file format.
  const tourId = JSON.parse(cli(db, "event", "list", "--json")).find((e) => e.tour_id)?.tour_id;
  assert.ok(tourId, "the sample branch has a tour");
  const file = JSON.parse(cli(db, "event", "show", "--tour", String(tourId), "--json"));
  const stop = file.stops[0];
  file.tour = { ...file.tour, title: "Twenty campuses", description: "A speaking tour.", speakers: [], hosts: "" };
  file.stops = Array.from({ length: 20 }, (_, i) => ({
    ...stop,
    uid: `frames-stop-${i}@handbill.test`,
    title: `Stop ${i + 1}`,
    start_date: `2027-04-${String(i + 1).padStart(2, "0")}`,
    end_date: `2027-04-${String(i + 1).padStart(2, "0")}`,
    venue: { name: `Campus ${i + 1}`, room: "", address: "", city: "", accessibility: "" },
    speakers: [],
    description: "",
    translations: [],
    history: [],
  }));
  const tourFile = path.join(dir, "tour.json");
  writeFileSync(tourFile, JSON.stringify(file));
  cli(db, "event", "import", tourFile);

  // 10,000 more people on the list the rally is announced to.
  const ten = path.join(dir, "ten-thousand.csv");
  writeSheet(ten, { rows: 10000, first: 1_000_001 });
  cli(db, "subscribers", "import", ten, "--list", "Announcements");
  const people = Number(cli(db, "subscribers", "count", "--list", "Announcements").trim());
  assert.ok(people >= 10000, `the list reaches 10,000 people or more (${people})`);

  const huge = path.join(dir, "huge-signups.csv");
  const hugeBytes = writeSheet(huge, { bytes: 199 * 1024 * 1024, pad: 60 });
  assert.ok(hugeBytes > 190 * 1024 * 1024, `the big sheet is about 200 MB (${hugeBytes} bytes)`);
  const big = path.join(dir, "big-signups.csv");
  writeSheet(big, { rows: 100000, first: 2_000_001 });

  await withApp(db, async (app) => {
    await heading(app, "Events");

    await goTo(app, "mail", "Mail");
    await (await app.$("#mail-tab-import")).click();
    const input = await app.$("#import-file");
    await input.waitForExist({ timeout: 10000, timeoutMsg: "the file field did not appear" });
    await measured(app, "preview of a 200 MB sheet", async () => {
      await input.setValue(huge);
      await (await app.$("h2=Check how huge-signups.csv will be read")).waitForDisplayed({ timeout: 300000, timeoutMsg: "the 200 MB sheet was not previewed" });
    });

    await goTo(app, "flyers", "Flyers");
    const tour = await app.execute(() => [...document.querySelectorAll("#flyer-target option")].find((o) => o.textContent.includes("Twenty campuses"))?.value);
    assert.ok(tour, "the 20-stop tour is offered");
    await measured(app, "flyers of a 20-stop tour", async () => {
      await select(app, "#flyer-target", tour);
      await until(app, () => text(app, ".preview-info"), (t) => t.startsWith("20 flyers"), "the 20 flyers were not drawn", 300000);
    });
    // Each page past the first is drawn by the core when it is turned to.
    await measured(app, "pages of a 20-stop tour", async () => {
      for (let page = 2; page <= 8; page++) {
        await click(app, "button=Next page");
        await until(app, () => app.execute(() => document.querySelector(".sheet img")?.alt ?? ""), (alt) => alt === `Preview of page ${page} of 20`, `page ${page} was not shown`, 60000);
      }
    });
    // The poster is laid out at every size, largest first, on one page and
    // then continued on a second (twenty short stops end up on one).
    await measured(app, "poster of a 20-stop tour", async () => {
      await click(app, 'input[name="tour-mode"][value="poster"]');
      await until(app, () => text(app, ".preview-info"), (t) => /^1 flyer · [12] pages?/.test(t), "the 20-stop poster was not drawn", 300000);
    });

    await goTo(app, "settings", "Settings");
    await click(app, "button=Set up a mail account");
    await (await app.$("#acct-host")).setValue("127.0.0.1");
    await (await app.$("#acct-port")).setValue(String(port));
    await select(app, "#acct-security", "plain");
    await (await app.$("#acct-rate")).setValue("1000000");
    await (await app.$("#acct-cap")).setValue("1000000");
    await click(app, "button=Save account");
    await until(app, () => text(app, '[data-testid="mail-account"]'), (t) => t.includes(`127.0.0.1:${port}`), "the account was not saved");

    await goTo(app, "events", "Events");
    await click(app, "button*=Justice4Siham", "the rally in the list");
    await click(app, "button=Email to list");
    const subject = await app.$("#ann-subject");
    await subject.waitForDisplayed({ timeout: 20000, timeoutMsg: "the composer did not open" });
    await until(app, () => subject.getValue(), (v) => v.includes("Justice4Siham"), "the subject was not filled from the rally");
    await click(app, "button=Save draft");
    await until(app, () => text(app, '[data-testid="ann-preview-subject"]'), (t) => t.includes("Justice4Siham"), "the draft was not saved");
    await click(app, "button=Send now…");
    const dialog = await app.$('[role="alertdialog"]');
    await dialog.waitForDisplayed({ timeout: 10000, timeoutMsg: "the send was not confirmed first" });
    await measured(app, `sending ${people} messages`, async () => {
      await click(app, "button=Send now");
      await until(app, () => text(app, '[data-testid="send-state"]'), (t) => t.includes("Finished."), "the send did not finish", 600000);
    });
    assert.equal(Number((await text(app, '[data-testid="send-sent"]')).replace(/\D/g, "")), people, "everyone was sent");

    await goTo(app, "mail", "Mail");
    await (await app.$("#mail-tab-import")).click();
    const again = await app.$("#import-file");
    await again.waitForExist({ timeout: 10000, timeoutMsg: "the file field did not appear" });
    await again.setValue(big);
    await heading(app, "Check how big-signups.csv will be read", 2);
    await measured(app, "import of 100,000 rows", async () => {
      await (await app.$(".mail-actions .button.primary")).click();
      await (await app.$('[data-testid="import-report"]')).waitForDisplayed({ timeout: 600000, timeoutMsg: "the import of 100,000 rows did not finish" });
    });
  });

  mkdirSync(path.dirname(REPORT), { recursive: true });
  writeFileSync(REPORT, JSON.stringify({ limit_ms: LIMIT, jobs: results }, null, 1));
  const worst = results.reduce((w, r) => (r.worst > w.worst ? r : w));
  console.log(`worst gap: ${worst.worst.toFixed(1)} ms (${worst.job})`);
  for (const r of results) {
    assert.ok(r.worst <= LIMIT, `${r.job}: the longest gap between frames was ${r.worst.toFixed(1)} ms (at most ${LIMIT} ms)`);
  }
});
