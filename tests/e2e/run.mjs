// Runs the end-to-end files one after another (each starts its own
// tauri-driver), and runs a file that failed once more. A file that passes on
// its second run is reported by name as flaky — a timing race to find — and
// the suite still passes; a file that fails twice fails the suite. Arguments:
// the files to run (all *.test.mjs here when none).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";

const here = import.meta.dirname;
const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync(here)
      .filter((f) => f.endsWith(".test.mjs"))
      .sort();

function run(file) {
  const r = spawnSync(
    process.execPath,
    ["--test", "--test-concurrency=1", "--test-timeout=240000", "--test-reporter=spec", file],
    { cwd: here, stdio: "inherit" },
  );
  return r.status === 0;
}

const started = Date.now();
const flaky = [];
const failed = [];
for (const file of files) {
  console.log(`\n== ${file}`);
  if (run(file)) continue;
  console.log(`\n== ${file} failed; running it once more to tell a timing race from a broken feature`);
  if (run(file)) flaky.push(file);
  else failed.push(file);
}
const secs = Math.round((Date.now() - started) / 1000);
const passed = files.length - failed.length;
console.log(`\nend-to-end: ${passed} of ${files.length} files passed in ${secs} s`);
if (flaky.length) console.log(`end-to-end: FLAKY (failed once, then passed): ${flaky.join(", ")}`);
if (failed.length) {
  console.log(`end-to-end: FAILED twice: ${failed.join(", ")}`);
  process.exit(1);
}
