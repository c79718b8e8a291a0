// Issue 24, in the real window: a mid-size branch — 2,000 upcoming and 400
// past events, 20,000 people and 100 organizations, made by the core's
// big_branch example — stays responsive: the Events lists, a search and its
// clearing, an event and back, the calendar, Flyers, Coalition, an
// organization and Mail each answer with no gap between two frames over
// 250 ms, and the Events list draws a page of rows, not every event. (The
// full-size figures are the benchmark's: make bench-window-big.)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { startDriver, stopDriver, tempDb } from "./harness.mjs";
import { measure } from "./window-actions.mjs";

before(startDriver);
after(stopDriver);

const GEN = process.env.BIG_BRANCH ?? path.resolve(import.meta.dirname, "../../target/debug/examples/big_branch");
const LIMIT_MS = 250;

test("a branch of 2,400 events and 20,000 people answers every action without a frozen frame", async () => {
  assert.ok(existsSync(GEN), `the generator ${GEN} is built by cargo test (or: cargo build -p handbill-core --example big_branch)`);
  const db = tempDb("mid.sqlite");
  try {
    const made = execFileSync(GEN, [db, "--events", "2000", "--past", "400", "--people", "20000", "--orgs", "100"], { encoding: "utf8" });
    assert.match(made, /2000 upcoming and 400 past events, 100 organizations/);
    const rows = await measure(db);
    console.log(rows.map((r) => `${r.action}: ${r.ms === null ? "" : `${Math.round(r.ms)} ms, longest gap ${Math.round(r.gap)} ms, ${r.nodes} nodes`}${r.mem ? `${r.mem.toFixed(0)} MB` : ""}`).join("\n"));
    for (const r of rows.filter((r) => r.ms !== null)) {
      assert.ok(r.ms >= 0, `${r.action}: the answer was drawn`);
      assert.ok(r.gap <= LIMIT_MS, `${r.action}: the longest gap between frames was ${Math.round(r.gap)} ms (at most ${LIMIT_MS})`);
    }
    const events = rows.find((r) => r.action.startsWith("back to Upcoming"));
    assert.ok(events.nodes < 4000, `the Events list draws a page of rows, not all 2,000 (${events.nodes} DOM nodes)`);
  } finally {
    rmSync(path.dirname(db), { recursive: true, force: true });
  }
});
