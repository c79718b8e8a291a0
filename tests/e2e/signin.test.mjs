// The sign-in sheet from the real window: on an event of the sample branch,
// *Print sign-in sheet…* draws the sheet, the native save dialog (answered
// with xdotool as a person would) names the file, and the PDF written there
// is a sign-in sheet of that event: its title, the columns, numbered rows,
// read back with pdftotext.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { answerFileDialog, cli, click, heading, screenshot, startDriver, stopDriver, tempDb, until, withApp } from "./harness.mjs";

before(startDriver);
after(stopDriver);

test("Print sign-in sheet on an event saves a PDF of that event's sheet where the dialog says", async (t) => {
  const db = tempDb("signin.sqlite");
  const dir = path.dirname(db);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, "door sheet.pdf");
  cli(db, "demo");
  await withApp(db, async (app) => {
    await heading(app, "Events");
    await click(app, "button*=Left Organizing Tactics", "the study group in the list");
    await click(app, "button=Print sign-in sheet…");
    await answerFileDialog("Save the sign-in sheet", out, { shot: "signin-save-dialog" });
    const said = () => app.execute(() => document.querySelector("main")?.textContent ?? "");
    await until(app, said, (s) => s.includes("door sheet.pdf"), "the window does not say where the sheet was saved");
    await screenshot(app, "signin-saved");
  });
  assert.ok(existsSync(out), "the sheet was written where the dialog said");
  const text = execFileSync("pdftotext", ["-layout", out, "-"], { encoding: "utf8" });
  assert.match(text, /Left Organizing Tactics/, "it is the study group's sheet");
  for (const heading of ["Name", "Email", "Phone", "ZIP", "Email me about"]) {
    assert.ok(text.includes(heading), `the column ${heading} is there`);
  }
  assert.match(text, /^\s*1\s/m, "the rows are numbered from 1");
});
