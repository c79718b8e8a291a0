// The window on a small and a big branch, side by side (issue 24): for each
// action an organizer takes, how long until its answer is drawn and the
// longest gap between two frames meanwhile (and for 300 ms after), the page's
// DOM nodes, and at the end the web process's memory.
//
// Usage (from the repository, with the end-to-end packages installed and a
// display, as `make bench-window-big` runs it):
//   HANDBILL_BIN=target/release/handbill BIG_BRANCH=target/release/examples/big_branch \
//     xvfb-run -a node tests/bench/big-window.mjs [--events N --past N --people N --orgs N]
// The small branch is `handbill demo`; the big one is made by the core's
// big_branch example (10,000 upcoming and 2,000 past events, 100,000 people
// and 500 organizations unless told otherwise). Times are measured inside the
// page, from the click to the frame that shows the answer.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { cli, startDriver, stopDriver, tempDb } from "../e2e/harness.mjs";
import { measure } from "../e2e/window-actions.mjs";

const sizes = process.argv.slice(2);
const gen = process.env.BIG_BRANCH ?? path.resolve(import.meta.dirname, "../../target/release/examples/big_branch");

await startDriver();
const small = tempDb("small.sqlite");
const big = tempDb("big.sqlite");
try {
  cli(small, "demo");
  const made = execFileSync(gen, [big, ...sizes], { encoding: "utf8" });
  console.log(made.trim());
  const a = await measure(small);
  const b = await measure(big);
  const f = (v) => (v === null || v === undefined ? "" : v < 0 ? "timed out" : `${Math.round(v)}`);
  console.log("\n| action | small: ms | small: longest gap | small: DOM nodes | big: ms | big: longest gap | big: DOM nodes |");
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i], b[i]];
    if (x.mem !== undefined) {
      console.log(`| ${x.action} | ${x.mem.toFixed(0)} |  |  | ${y.mem.toFixed(0)} |  |  |`);
      continue;
    }
    console.log(`| ${x.action} | ${f(x.ms)} | ${f(x.gap)} | ${f(x.nodes)} | ${f(y.ms)} | ${f(y.gap)} | ${f(y.nodes)} |`);
  }
  console.log(`\ncold start, from exec to rows drawn (with the driver's own start): small ${a[0].wall} ms, big ${b[0].wall} ms`);
} finally {
  await stopDriver();
  rmSync(path.dirname(small), { recursive: true, force: true });
  rmSync(path.dirname(big), { recursive: true, force: true });
}
