// Closing the window closes the branch cleanly: SQLite moves the log into the
// file, and the file is recorded as whole (its length and hash beside it, in
// NAME.checked) so the next start need not read all of it to check it. A write
// by another program while the window is open takes the record away, and any
// change to the bytes after it makes the next opening check every page: a
// damaged page is still refused. The window is started as a person starts it
// (no driver) and closed the way a window manager's close button does.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { BIN, cliPlain, tempDb } from "./harness.mjs";

const record = (db) => `${db}.checked`;
const wal = (db) => `${db}-wal`;

test("closing the window records the branch as whole, and a later change is still checked in full", async () => {
  const db = tempDb();
  cliPlain(db, "demo");
  assert.ok(
    existsSync(record(db)),
    "the command line's clean close recorded the file",
  );
  const first = readFileSync(record(db), "utf8");

  const app = spawn(BIN, ["--db", db], { stdio: "ignore" });
  const exited = new Promise((resolve) =>
    app.on("exit", (code) => resolve(code)),
  );
  try {
    const win = execFileSync(
      "xdotool",
      ["search", "--sync", "--onlyvisible", "--name", "^Handbill"],
      {
        encoding: "utf8",
        timeout: 30000,
      },
    )
      .trim()
      .split("\n")[0];
    // Another program writes while the window holds the branch: its close
    // leaves the write in the log, and the record, no longer true, is taken away.
    cliPlain(db, "branch", "set", "city", "Closed Cleanly");
    assert.ok(!existsSync(record(db)), "a log holding writes leaves no record");

    execFileSync("python3", [
      path.join(import.meta.dirname, "wm-close.py"),
      win,
    ]);
    const code = await Promise.race([
      exited,
      new Promise((r) => setTimeout(() => r("still running"), 15000)),
    ]);
    assert.equal(code, 0, "the window closed and Handbill ended");
  } finally {
    app.kill();
  }
  assert.ok(!existsSync(wal(db)), "the log was moved into the file");
  const kept = readFileSync(record(db), "utf8");
  assert.match(
    kept,
    new RegExp(`^handbill-checked-v2 ${statSync(db).size} [0-9a-f]{64}\\n$`),
  );
  assert.notEqual(
    kept,
    first,
    "the record is of the file as the window left it",
  );
  assert.match(
    cliPlain(db, "branch", "show"),
    /Closed Cleanly/,
    "the write is in the file",
  );

  // A page damaged after the record: the opening checks every page and refuses it.
  const bytes = readFileSync(db);
  const pageSize =
    bytes.readUInt16BE(16) === 1 ? 65536 : bytes.readUInt16BE(16);
  const pages = bytes.length / pageSize;
  assert.ok(pages >= 3, `the sample has pages to damage: ${pages}`);
  for (let p = 2; p < pages; p++) bytes[p * pageSize] = 0xff;
  writeFileSync(db, bytes);
  let refused;
  try {
    cliPlain(db, "branch", "show");
  } catch (e) {
    refused = e;
  }
  assert.ok(refused, "a damaged file is refused");
  assert.match(
    String(refused.stderr),
    /damaged/,
    `the refusal says so: ${refused.stderr}`,
  );
  rmSync(path.dirname(db), { recursive: true, force: true });
});
