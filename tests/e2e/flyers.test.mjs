// Flyers, proven in the real window on the sample branch: pick the rally, see
// the preview (the PDF's own page, drawn by the core as an SVG image) change
// with the layout and paper, save the PDF through the native save dialog
// (opened by Handbill's Rust side and answered with xdotool, as a person
// would type there; the typed path only pre-fills it) and check it with qpdf
// and pdftotext; page through the tour (each page drawn as it is turned
// to) and print its poster; a layout the rally's text
// cannot fit shows the message naming the field; and the rally's image for
// social media saves through the native dialog as a 1080×1920 PNG with its
// alt text beside it. Screenshots go to target/e2e-screenshots/.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { answerFileDialog, cli, goTo, screenshot, startDriver, stopDriver, tempDb, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

async function until(app, read, ok, what) {
  await app.waitUntil(async () => ok(await read()), { timeout: 20000, timeoutMsg: what });
}

/** Waits for the preview to finish rendering and returns its summary line. */
async function rendered(app) {
  await until(app, async () => (await (await app.$("section.preview")).getAttribute("aria-busy")) === "false", (ok) => ok, "the preview kept rendering");
  return app.execute(() => document.querySelector(".preview-info")?.textContent ?? "");
}

async function select(app, selector, value) {
  await app.execute((s, v) => {
    const el = document.querySelector(s);
    el.value = v;
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }, selector, value);
}

/**
 * The preview's page: its image (loaded, with its natural size), the options
 * it was drawn for, and the lines of text of the SVG it shows.
 */
async function sheet(app) {
  return app.execute(() => {
    const s = document.querySelector(".sheet");
    const img = s?.querySelector("img");
    if (!s || !img) return null;
    const src = img.getAttribute("src") ?? "";
    const prefix = "data:image/svg+xml;charset=utf-8,";
    const svg = src.startsWith(prefix) ? decodeURIComponent(src.slice(prefix.length)) : "";
    const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
    // Each line of text is a group of glyph outlines labelled with its words.
    const lines = [...doc.querySelectorAll("g[aria-label]")].map((g) => g.getAttribute("aria-label"));
    return {
      layout: s.dataset.layout,
      paper: s.dataset.paper,
      src,
      alt: img.alt,
      loaded: img.complete && img.naturalWidth > 0,
      ratio: img.naturalHeight ? img.naturalWidth / img.naturalHeight : 0,
      shown: { w: img.clientWidth, h: img.clientHeight },
      lines,
      text: lines.join(" "),
    };
  });
}

/** How many lines of the page name `needle`: doubles when a sheet carries two copies. */
function count(s, needle) {
  return s.lines.filter((l) => l.includes(needle)).length;
}

function near(actual, expected, what) {
  assert.ok(Math.abs(actual - expected) < 0.01, `${what}: ${actual} should be about ${expected}`);
}

function pdfText(file) {
  return execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }).split(/\s+/).join(" ");
}

function sampleBranch() {
  const db = tempDb();
  cli(db, "demo");
  return db;
}

test("the rally's flyer previews live as layout and paper change and saves through the native save dialog as a checked PDF", async () => {
  const db = sampleBranch();
  const dir = mkdtempSync(path.join(tmpdir(), "handbill-flyers-"));
  await withApp(db, async (app) => {
    await goTo(app, "flyers", "Flyers");
    const rallyValue = await app.execute(() => [...document.querySelectorAll("#flyer-target option")].find((o) => o.textContent.includes("Justice4Siham"))?.value);
    assert.ok(rallyValue, "the rally is offered");
    await select(app, "#flyer-target", rallyValue);
    await rendered(app);
    await until(app, () => sheet(app), (x) => x?.loaded, "the preview page did not load as an image");
    let s = await sheet(app);
    assert.equal(s.layout, "full_page", "a full page first");
    assert.equal(s.alt, "Preview of page 1", "the image says what it shows");
    near(s.ratio, 612 / 792, "the image is a US Letter page");
    assert.ok(s.shown.w > 200 && s.shown.h > 250, `the page is shown at a readable size: ${JSON.stringify(s.shown)}`);
    assert.match(s.text, /Justice4Siham Coalition/, "the confirmed co-sponsor is in the preview");
    assert.doesNotMatch(s.text, /Nahant Neighbors/, "the co-sponsor only asked is not");
    assert.match(s.text, /we demand that:/, "the demand list is in the preview");
    const perCopy = count(s, "Justice4Siham Coalition");
    assert.ok(perCopy >= 1, "the co-sponsor is named once a copy at least");
    await screenshot(app, "flyers-rally-full-letter");

    const letterFull = s;
    await select(app, "#flyer-layout", "half_sheet");
    await until(app, () => sheet(app), (x) => x?.layout === "half_sheet" && x.loaded && x.src !== letterFull.src, "the preview did not turn into a half sheet");
    s = await sheet(app);
    near(s.ratio, 792 / 612, "a Letter half sheet is landscape");
    assert.equal(count(s, "Justice4Siham Coalition"), 2 * perCopy, "two copies on the half sheet");
    const letterHalf = s;
    await click(app, 'input[name="paper"][value="a4"]');
    await until(app, () => sheet(app), (x) => x?.paper === "a4" && x.loaded && x.src !== letterHalf.src, "the preview did not turn to A4");
    s = await sheet(app);
    near(s.ratio, 841.89 / 595.28, "an A4 half sheet is landscape, longer than Letter");
    assert.notEqual(s.src, letterHalf.src, "a new page for A4");
    await click(app, "#flyer-bilingual");
    await until(app, () => sheet(app), (x) => /exigimos que/.test(x?.text ?? ""), "the Spanish demands did not appear");
    await rendered(app);
    await screenshot(app, "flyers-rally-half-a4-bilingual");

    await select(app, "#flyer-layout", "full_page");
    await rendered(app);
    const file = path.join(dir, "rally.pdf");
    await click(app, "button=Save…");
    await answerFileDialog("Save the flyer", file);
    await until(app, async () => app.execute(() => document.querySelector(".flyer-saved")?.textContent ?? ""), (t) => t.includes(file), "the save was not confirmed");
    assert.ok(existsSync(file), "the PDF was written");
    execFileSync("qpdf", ["--check", file]);
    const text = pdfText(file);
    for (const field of ["#Justice4Siham & #Justice4Naseem Rally", "Saturday, January 30, 2027", "Justice4Siham Coalition", "exigimos que:"]) {
      assert.ok(text.includes(field), `pdftotext finds ${field} in the saved flyer`);
    }
    await screenshot(app, "flyers-rally-saved");
  });
});

test("the tour prints as a poster of every stop, and one flyer per stop", async () => {
  const db = sampleBranch();
  const dir = mkdtempSync(path.join(tmpdir(), "handbill-flyers-"));
  await withApp(db, async (app) => {
    await goTo(app, "flyers", "Flyers");
    const tourValue = await app.execute(() => [...document.querySelectorAll("#flyer-target option")].find((o) => o.value.startsWith("tour:"))?.value);
    await select(app, "#flyer-target", tourValue);
    assert.match(await rendered(app), /3 flyers · 3 pages/, "one flyer per stop by default, a page each");
    await until(app, () => sheet(app), (x) => x?.loaded, "the first stop's page did not load");
    const first = await sheet(app);
    assert.equal(first.alt, "Preview of page 1 of 3", "the first of three pages");
    await click(app, "button=Next page");
    await until(app, () => sheet(app), (x) => x?.loaded && x.src !== first.src, "the next page did not show");
    const second = await sheet(app);
    assert.equal(second.alt, "Preview of page 2 of 3", "paging shows the second stop's page");
    assert.ok(second.shown.w > 200, `the second page is shown at a readable size: ${JSON.stringify(second.shown)}`);
    await screenshot(app, "flyers-tour-page-2");
    await click(app, "button=Next page");
    await until(app, () => sheet(app), (x) => x?.loaded && x.alt === "Preview of page 3 of 3", "the third page did not show");
    assert.notEqual((await sheet(app)).src, second.src, "the third stop has a page of its own");
    await click(app, "button=Previous page");
    await until(app, () => sheet(app), (x) => x?.loaded && x.alt === "Preview of page 2 of 3", "paging back did not show the second page");
    assert.equal((await sheet(app)).src, second.src, "paging back shows the same second page");
    await click(app, 'input[name="tour-mode"][value="poster"]');
    await until(app, () => sheet(app), (x) => x?.loaded && /Meetings near you/.test(x.text), "the poster did not show its stops");
    assert.match(await rendered(app), /1 flyer/, "the poster is one flyer");
    const layout = await app.execute(() => {
      const s = document.querySelector("#flyer-layout");
      return { disabled: s.disabled, shown: s.selectedOptions[0]?.textContent };
    });
    assert.deepEqual(layout, { disabled: true, shown: "Full page (the poster)" }, "the layout says what the poster is");
    await screenshot(app, "flyers-tour-poster");
    const file = path.join(dir, "poster.pdf");
    // A typed path only pre-fills the dialog: Return there accepts it as offered.
    await (await app.$("#flyer-path")).setValue(file);
    await click(app, "button=Save to path…");
    await answerFileDialog("Save the flyer", null, { shot: "flyers-save-dialog" });
    await until(app, async () => existsSync(file), (ok) => ok, "the poster was not written");
    execFileSync("qpdf", ["--check", file]);
    assert.ok(pdfText(file).includes("Meetings near you"), "the poster lists the stops");
  });
});

/** A PNG's width and height, from its IHDR chunk (right after the 8-byte signature). */
function pngSize(file) {
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(1, 4).toString("latin1"), "PNG", `${file} is a PNG`);
  assert.equal(bytes.subarray(12, 16).toString("latin1"), "IHDR", `${file} starts with its header`);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test("the rally's image for social media saves as a story PNG with its alt text beside it, shown to copy", async () => {
  const db = sampleBranch();
  const dir = mkdtempSync(path.join(tmpdir(), "handbill-images-"));
  await withApp(db, async (app) => {
    await goTo(app, "flyers", "Flyers");
    const rallyValue = await app.execute(() => [...document.querySelectorAll("#flyer-target option")].find((o) => o.textContent.includes("Justice4Siham"))?.value);
    await select(app, "#flyer-target", rallyValue);
    await rendered(app);
    await click(app, 'input[name="image-format"][value="story"]');
    const file = path.join(dir, "rally-story.png");
    await click(app, "button=Save image…");
    await answerFileDialog("Save the image", file);
    await until(app, async () => app.execute(() => document.querySelector(".image-saved")?.textContent ?? ""), (t) => t.includes(file), "the image's save was not confirmed");
    assert.ok(existsSync(file), "the PNG was written");
    assert.deepEqual(pngSize(file), { width: 1080, height: 1920 }, "a story is 1080×1920 pixels");
    const altFile = path.join(dir, "rally-story.alt.txt");
    assert.ok(existsSync(altFile), "the alt text was written beside the image");
    const alt = readFileSync(altFile, "utf8").trim();
    assert.match(alt, /#Justice4Siham & #Justice4Naseem Rally/, "the alt text names the title");
    assert.match(alt, /When: Saturday, January 30, 2027/, "the alt text says when");
    const shown = await app.execute(() => {
      const field = document.querySelector("#image-alt");
      const label = document.querySelector('label[for="image-alt"]')?.textContent ?? "";
      return { value: field?.value ?? "", readOnly: field?.readOnly ?? false, label };
    });
    assert.deepEqual(shown, { value: alt, readOnly: true, label: "Alt text for the post" }, "the window shows the alt text written, read-only and labelled");
    assert.ok(await (await app.$("button=Copy alt text")).isEnabled(), "the alt text can be copied");
    await (await app.$("#image-alt")).scrollIntoView();
    await screenshot(app, "flyers-rally-image-story");
  });
});

test("a layout the rally's text cannot fit shows the message naming the field", async () => {
  const db = sampleBranch();
  await withApp(db, async (app) => {
    await goTo(app, "flyers", "Flyers");
    const rallyValue = await app.execute(() => [...document.querySelectorAll("#flyer-target option")].find((o) => o.textContent.includes("Justice4Siham"))?.value);
    await select(app, "#flyer-target", rallyValue);
    await rendered(app);
    await select(app, "#flyer-layout", "quarter_sheet");
    const problem = await app.$('.flyer-problems [data-error-for="demands"]');
    await problem.waitForDisplayed({ timeout: 20000, timeoutMsg: "no message named the demand list" });
    assert.match(await problem.getText(), /Demand list.*too long for a quarter-sheet/s, "the message names the field and what is wrong");
    assert.equal(await (await app.$("button=Save to path…")).isEnabled(), false, "nothing can be saved while the flyer cannot be made");
    assert.equal(await sheet(app), null, "no page is shown for a flyer that cannot be made");
    await screenshot(app, "flyers-rally-quarter-refused");
  });
});

async function click(app, selector) {
  const el = await app.$(selector);
  await el.waitForDisplayed({ timeout: 10000, timeoutMsg: `${selector} did not appear` });
  await el.click();
}
