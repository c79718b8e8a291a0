// The preview is the print, proven in the real window for every layout (full
// page, half sheet, quarter sheet, and a tour's poster): the preview's page,
// as the web view draws it, is read back as pixels (the very <img> the Flyers
// screen shows, drawn onto a canvas), and each line of text on it is found
// where the saved PDF has it. The PDF's lines and their boxes come from
// `pdftotext -bbox-layout`; the same PDF is rasterized by `pdftoppm` at the
// same scale, and each line's ink on the preview must start and end within
// `TOLERANCE` points of its ink on the PDF. A long title, which a web view
// setting the text itself ran past the page edge and across the half-sheet
// cut, must stay inside its copy of the flyer. Both at the size the preview
// is shown at and at 2 pixels a point. Screenshots go to
// target/e2e-screenshots/preview-print-*.png.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { cli, click, goTo, screenshot, select, startDriver, stopDriver, tempDb, until, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

const root = path.resolve(import.meta.dirname, "../..");
const corpus = (name) => JSON.parse(readFileSync(path.join(root, "tests/corpus/json", name), "utf8"));

/** How far, in points, a line's ink on the preview may be from its ink on the PDF. */
const TOLERANCE = 2;
/** A pixel darker than this is ink (0 black, 255 white). */
const INK = 230;

const TITLE = "Stop the Deportations: Students, Workers and Neighbors Speak Out Against ICE Raids in Massachusetts";
const TOUR_TITLE = "Palestine and the Campus: Students Against Repression, a National Speaking Tour Across Four Time Zones";

/** A branch with the sample data, an event with a long title and a tour with a long title. */
function branch(dir) {
  const db = tempDb();
  cli(db, "demo");
  const event = corpus("event-1.json");
  Object.assign(event.event, {
    uid: "preview-print-event@handbill",
    title: TITLE,
    description: "We gather at the JFK Federal Building, where deportation hearings for New England are held.",
    translations: [],
  });
  const tour = corpus("tour-1.json");
  tour.tour.title = TOUR_TITLE;
  tour.stops.forEach((s, i) => {
    s.uid = `preview-print-stop-${i}@handbill`;
    s.title = TOUR_TITLE;
  });
  const eventFile = path.join(dir, "event.json");
  const tourFile = path.join(dir, "tour.json");
  writeFileSync(eventFile, JSON.stringify(event));
  writeFileSync(tourFile, JSON.stringify(tour));
  cli(db, "event", "import", eventFile);
  cli(db, "event", "import", tourFile);
  return db;
}

/** The preview page's picture as the web view draws it: greys, one byte a pixel. */
async function previewPixels(app, scale) {
  const r = await app.executeAsync((scale, done) => {
    (async () => {
      const img = document.querySelector(".sheet img");
      await img.decode();
      const svg = decodeURIComponent(img.getAttribute("src").slice("data:image/svg+xml;charset=utf-8,".length));
      const m = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg);
      const W = Number(m[1]);
      const H = Number(m[2]);
      // As shown: the image's width on screen, in device pixels.
      const s = scale ?? (img.getBoundingClientRect().width * devicePixelRatio) / W;
      const w = Math.round(W * s);
      const h = Math.round(H * s);
      const c = document.createElement("canvas");
      c.width = w;
      c.height = h;
      const g = c.getContext("2d");
      g.fillStyle = "#fff";
      g.fillRect(0, 0, w, h);
      g.drawImage(img, 0, 0, w, h);
      const d = g.getImageData(0, 0, w, h).data;
      const grey = new Uint8Array(w * h);
      for (let i = 0; i < w * h; i++) grey[i] = (d[4 * i] * 299 + d[4 * i + 1] * 587 + d[4 * i + 2] * 114) / 1000;
      let bin = "";
      for (let i = 0; i < grey.length; i += 0x8000) bin += String.fromCharCode.apply(null, grey.subarray(i, i + 0x8000));
      // Where the preview starts each line it turns upward: translate(x y) rotate(-90).
      const upward = [...svg.matchAll(/<g aria-label="[^"]*"[^>]*transform="translate\(([\d.-]+) ([\d.-]+)\) rotate\(-90\)/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));
      return { w, h, W, H, upward, grey: btoa(bin) };
    })().then(done, (e) => done({ error: String(e) }));
  }, scale);
  assert.ok(!r.error, `the preview could not be read back: ${r.error}`);
  return { w: r.w, h: r.h, W: r.W, H: r.H, upward: r.upward, grey: Buffer.from(r.grey, "base64") };
}

/** The PDF's first page rasterized by pdftoppm to exactly w × h pixels, in greys. */
function pdfPixels(pdf, w, h, dir) {
  const out = path.join(dir, "page");
  execFileSync("pdftoppm", ["-f", "1", "-l", "1", "-gray", "-scale-to-x", String(w), "-scale-to-y", String(h), "-singlefile", pdf, out]);
  const buf = readFileSync(`${out}.pgm`);
  // P5 <w> <h> <max>\n then the bytes.
  const head = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.subarray(0, 64).toString("latin1"));
  assert.ok(head, "pdftoppm wrote a PGM");
  assert.equal(Number(head[1]), w, "pdftoppm's width");
  assert.equal(Number(head[2]), h, "pdftoppm's height");
  return buf.subarray(head[0].length);
}

/** The lines of the PDF's first page with their boxes in points, from pdftotext -bbox-layout. */
function pdfLines(pdf) {
  const xml = execFileSync("pdftotext", ["-f", "1", "-l", "1", "-bbox-layout", pdf, "-"], { encoding: "utf8" });
  const page = /<page width="([\d.]+)" height="([\d.]+)"/.exec(xml);
  const lines = [];
  for (const m of xml.matchAll(/<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([\s\S]*?)<\/line>/g)) {
    const words = [...m[5].matchAll(/<word[^>]*>([^<]*)<\/word>/g)].map((w) => w[1].replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'"));
    lines.push({ x0: Number(m[1]), y0: Number(m[2]), x1: Number(m[3]), y1: Number(m[4]), text: words.join(" ") });
  }
  return { W: Number(page[1]), H: Number(page[2]), lines };
}

/** Where a line's ink is, in points, between columns `from` and `to` (points) of its middle band; null when none. */
function inkAcross(px, line, from, to) {
  const s = px.w / px.W;
  const h = line.y1 - line.y0;
  const r0 = Math.max(0, Math.floor((line.y0 + 0.3 * h) * s));
  const r1 = Math.min(px.h - 1, Math.ceil((line.y0 + 0.7 * h) * s));
  const c0 = Math.max(0, Math.floor(from * s));
  const c1 = Math.min(px.w - 1, Math.ceil(to * s));
  let left = -1;
  let right = -1;
  for (let c = c0; c <= c1; c++) {
    for (let r = r0; r <= r1; r++) {
      if (px.grey[r * px.w + c] < INK) {
        if (left < 0) left = c;
        right = c;
        break;
      }
    }
  }
  return left < 0 ? null : { x0: left / s, x1: (right + 1) / s };
}

/** Where an upward line's ink is, in points, between rows `from` and `to` (points) of its middle band; null when none. */
function inkAlong(px, line, from, to) {
  const s = px.w / px.W;
  const w = line.x1 - line.x0;
  const c0 = Math.max(0, Math.floor((line.x0 + 0.3 * w) * s));
  const c1 = Math.min(px.w - 1, Math.ceil((line.x0 + 0.7 * w) * s));
  const r0 = Math.max(0, Math.floor(from * s));
  const r1 = Math.min(px.h - 1, Math.ceil(to * s));
  let top = -1;
  let bottom = -1;
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      if (px.grey[r * px.w + c] < INK) {
        if (top < 0) top = r;
        bottom = r;
        break;
      }
    }
  }
  return top < 0 ? null : { x0: top / s, x1: (bottom + 1) / s };
}

/** The rows, in points, searched for an upward line's ink: its box and `margin` around it, up to the next box above or below. */
function searchRows(line, lines, margin) {
  let from = line.y0 - margin;
  let to = line.y1 + margin;
  const mid0 = line.x0 + 0.3 * (line.x1 - line.x0);
  const mid1 = line.x0 + 0.7 * (line.x1 - line.x0);
  for (const o of lines) {
    if (o === line || o.x1 < mid0 || o.x0 > mid1) continue;
    if (o.y0 >= line.y1 - 0.5) to = Math.min(to, o.y0 - 0.5);
    else if (o.y1 <= line.y0 + 0.5) from = Math.max(from, o.y1 + 0.5);
  }
  return [from, to];
}

/** The columns, in points, searched for a line's ink: its box and `margin` around it, up to the next line's box on either side. */
function searchSpan(line, lines, margin) {
  let from = line.x0 - margin;
  let to = line.x1 + margin;
  const mid0 = line.y0 + 0.3 * (line.y1 - line.y0);
  const mid1 = line.y0 + 0.7 * (line.y1 - line.y0);
  for (const o of lines) {
    if (o === line || o.y1 < mid0 || o.y0 > mid1) continue;
    if (o.x0 >= line.x1 - 0.5) to = Math.min(to, o.x0 - 0.5);
    else if (o.x1 <= line.x0 + 0.5) from = Math.max(from, o.x1 + 0.5);
  }
  return [from, to];
}

/** The copies of a flyer on a sheet, as boxes in points: one, two side by side, or four. */
function cells(layout, W, H) {
  if (layout === "half_sheet")
    return [
      { x0: 0, x1: W / 2, y0: 0, y1: H },
      { x0: W / 2, x1: W, y0: 0, y1: H },
    ];
  if (layout === "quarter_sheet")
    return [
      { x0: 0, x1: W / 2, y0: 0, y1: H / 2 },
      { x0: W / 2, x1: W, y0: 0, y1: H / 2 },
      { x0: 0, x1: W / 2, y0: H / 2, y1: H },
      { x0: W / 2, x1: W, y0: H / 2, y1: H },
    ];
  return [{ x0: 0, x1: W, y0: 0, y1: H }];
}

/**
 * Compares the preview's pixels with the PDF's, line by line. Answers what
 * differs by more than TOLERANCE (empty when the preview is the print), the
 * largest difference seen, and the title's lines checked against their copy's edges.
 */
function compare(preview, printed, pdf, layout, title, upward) {
  const wrong = [];
  let worst = 0;
  let titleLines = 0;
  const titleWords = new Set(title.split(/\s+/));
  for (const line of pdf.lines) {
    // A line the preview turns upward (a tear-off tab's) starts at the bottom of its box, on its baseline.
    const turned = upward.some((u) => Math.abs(u.y - line.y1) < 1 && u.x >= line.x0 && u.x <= line.x1);
    const [from, to] = turned ? searchRows(line, pdf.lines, 4) : searchSpan(line, pdf.lines, 12);
    const ink = turned ? inkAlong : inkAcross;
    const want = ink(printed, line, from, to);
    const got = ink(preview, line, from, to);
    if (!want) continue; // too light to tell at this size (both rasterizers agree it is faint)
    if (!got) {
      wrong.push(`“${line.text}”: no ink on the preview where the PDF prints it (${line.x0.toFixed(1)}–${line.x1.toFixed(1)} pt)`);
      continue;
    }
    const d = Math.max(Math.abs(got.x0 - want.x0), Math.abs(got.x1 - want.x1));
    worst = Math.max(worst, d);
    if (d > TOLERANCE) {
      wrong.push(`“${line.text}”: preview ink ${got.x0.toFixed(1)}–${got.x1.toFixed(1)} pt, the PDF's ${want.x0.toFixed(1)}–${want.x1.toFixed(1)} pt (box ${line.x0.toFixed(1)}–${line.x1.toFixed(1)})`);
    }
    // The title's lines: inside the copy they belong to, up to its edges (the page's or the cut line).
    const words = line.text.split(" ");
    if (!turned && words.length && words.every((w) => titleWords.has(w))) {
      titleLines++;
      const cx = (line.x0 + line.x1) / 2;
      const cy = (line.y0 + line.y1) / 2;
      const cell = cells(layout, pdf.W, pdf.H).find((c) => cx >= c.x0 && cx < c.x1 && cy >= c.y0 && cy < c.y1);
      // From the copy's left edge to a point past its right edge: ink there is the title's.
      const whole = inkAcross(preview, line, cell.x0 + 1, cell.x1 + 6);
      if (whole && whole.x1 > cell.x1 - 1) {
        wrong.push(`the title's line “${line.text}” reaches ${whole.x1.toFixed(1)} pt, past its copy's edge at ${cell.x1.toFixed(1)} pt`);
      }
      if (got.x1 > line.x1 + TOLERANCE) {
        wrong.push(`the title's line “${line.text}” ends at ${got.x1.toFixed(1)} pt on the preview, past the PDF's ${line.x1.toFixed(1)} pt`);
      }
    }
  }
  return { wrong, worst, titleLines, lines: pdf.lines.length };
}

/**
 * Waits until the preview shows a loaded page for `layout` (with tear-off
 * tabs, turned upward, when `tabs`); answers how long since `since` (ms, the window's clock).
 */
async function shownFor(app, layout, tabs, since, before) {
  await until(
    app,
    () =>
      app.execute(() => {
        const s = document.querySelector(".sheet");
        const img = s?.querySelector("img");
        const busy = document.querySelector("section.preview")?.getAttribute("aria-busy");
        const src = img?.getAttribute("src") ?? "";
        return { layout: s?.dataset.layout, src, turned: decodeURIComponent(src).includes("rotate(-90"), loaded: !!img?.complete && img.naturalWidth > 0, busy };
      }),
    (x) => x.layout === layout && x.loaded && x.busy === "false" && x.src !== before && x.turned === tabs,
    `the preview did not show the ${layout} page`,
    60000,
  );
  return app.executeAsync((since, done) => {
    const img = document.querySelector(".sheet img");
    img.decode().then(() => requestAnimationFrame(() => done(performance.now() - since)), () => done(-1));
  }, since);
}

/** How long the web view takes to draw the page shown from its SVG, at the size shown (ms), and the SVG's size. */
async function drawTime(app) {
  return app.executeAsync((done) => {
    (async () => {
      const shown = document.querySelector(".sheet img");
      const src = shown.getAttribute("src");
      const { width, height } = shown.getBoundingClientRect();
      const c = document.createElement("canvas");
      c.width = Math.round(width * devicePixelRatio);
      c.height = Math.round(height * devicePixelRatio);
      const t0 = performance.now();
      const img = new Image();
      img.src = src;
      await img.decode();
      c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
      c.getContext("2d").getImageData(0, 0, 1, 1);
      return { ms: performance.now() - t0, kb: src.length / 1024 };
    })().then(done, (e) => done({ ms: -1, kb: 0, error: String(e) }));
  });
}

const cases = [
  { name: "full page", layout: "full_page", cliLayout: "full", target: "event" },
  { name: "half sheet", layout: "half_sheet", cliLayout: "half", target: "event" },
  { name: "quarter sheet", layout: "quarter_sheet", cliLayout: "quarter", target: "event" },
  { name: "tour poster", layout: "full_page", cliLayout: "poster", target: "poster" },
  // The tabs' link reads upward: turned text lands where the PDF's does too.
  { name: "half sheet with tear-off tabs", layout: "half_sheet", cliLayout: "half", target: "event", tearOffs: true },
];

test("every layout's preview is the print: each line of text where the PDF has it, and the long title inside its copy", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "handbill-e2e-preview-print-"));
  const db = branch(dir);
  const problems = [];
  const times = [];
  try {
    await withApp(db, async (app) => {
      await goTo(app, "flyers", "Flyers");
      const options = await app.execute(() => [...document.querySelectorAll("#flyer-target option")].map((o) => ({ value: o.value, text: o.textContent })));
      const event = options.find((o) => o.text.startsWith(TITLE))?.value;
      const tour = options.find((o) => o.value.startsWith("tour:") && o.text.startsWith(TOUR_TITLE))?.value;
      assert.ok(event && tour, `the long-titled event and tour are offered: ${JSON.stringify(options.map((o) => o.text))}`);
      for (const c of cases) {
        // The target first; then the one change whose preview is timed.
        const target = c.target === "poster" ? tour : event;
        if ((await app.execute(() => document.querySelector("#flyer-target").value)) !== target) {
          const before = await app.execute(() => document.querySelector(".sheet img")?.getAttribute("src") ?? "");
          await select(app, "#flyer-target", target);
          await until(app, () => app.execute(() => document.querySelector(".sheet img")?.getAttribute("src") ?? ""), (src) => src && src !== before, "the chosen target was not previewed");
          await until(app, () => app.execute(() => document.querySelector("section.preview")?.getAttribute("aria-busy")), (b) => b === "false", "the preview kept rendering");
        }
        // What the timed change starts from: the layout without tabs, or any other layout.
        const layoutNow = await app.execute(() => document.querySelector("#flyer-layout").value);
        const from = c.tearOffs ? c.layout : c.target === "event" && layoutNow === c.layout ? cases.find((o) => o.layout !== c.layout).layout : null;
        if (from && from !== layoutNow) {
          const before = await app.execute(() => document.querySelector(".sheet img")?.getAttribute("src") ?? "");
          await select(app, "#flyer-layout", from);
          await shownFor(app, from, false, 0, before);
        }
        const before = await app.execute(() => document.querySelector(".sheet img")?.getAttribute("src") ?? "");
        const since = await app.execute(() => performance.now());
        if (c.target === "poster") await click(app, 'input[name="tour-mode"][value="poster"]');
        else if (c.tearOffs) await click(app, "#flyer-tear-offs");
        else await select(app, "#flyer-layout", c.layout);
        const ms = await shownFor(app, c.layout, !!c.tearOffs, since, before);
        const draw = await drawTime(app);
        times.push(`${c.name} ${Math.round(ms)} ms (the web view draws the page, ${Math.round(draw.kb)} KB as a data: URI, in ${Math.round(draw.ms)} ms)`);
        const file = `${c.cliLayout}${c.tearOffs ? "-tear-offs" : ""}`;
        await screenshot(app, `preview-print-${file}`);

        const pdf = path.join(dir, `${file}.pdf`);
        const what = c.target === "poster" ? ["--tour", tour.split(":")[1]] : [event.split(":")[1]];
        cli(db, "flyer", ...what, "--layout", c.cliLayout, "--paper", "letter", "--color", ...(c.tearOffs ? ["--tear-offs"] : []), "-o", pdf);
        const boxes = pdfLines(pdf);
        for (const scale of [null, 2]) {
          const shown = await previewPixels(app, scale);
          assert.ok(Math.abs(shown.W - boxes.W) < 0.01 && Math.abs(shown.H - boxes.H) < 0.01, `${c.name}: the preview's page is the PDF's page (${shown.W}×${shown.H} and ${boxes.W}×${boxes.H})`);
          const printed = { ...shown, grey: pdfPixels(pdf, shown.w, shown.h, dir) };
          const r = compare(shown, printed, boxes, c.layout, c.target === "poster" ? TOUR_TITLE : TITLE, shown.upward);
          if (c.tearOffs) assert.ok(shown.upward.length >= 10, `${c.name}: the tabs' lines are turned upward (${shown.upward.length})`);
          const at = scale ? `${scale} px/pt` : `as shown (${(shown.w / shown.W).toFixed(2)} px/pt)`;
          console.log(`${c.name}, ${at}: ${r.lines} lines, worst difference ${r.worst.toFixed(2)} pt, ${r.titleLines} title lines`);
          assert.ok(r.titleLines >= 2, `${c.name}: the long title was found on the page (${r.titleLines} lines)`);
          for (const w of r.wrong) problems.push(`${c.name}, ${at}: ${w}`);
        }
      }
    });
    console.log(`preview shown after one change (from the click to the page drawn): ${times.join(", ")}`);
    assert.deepEqual(problems, [], `the preview differs from the print:\n${problems.join("\n")}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(path.dirname(db), { recursive: true, force: true });
  }
});
