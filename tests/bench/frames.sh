#!/usr/bin/env bash
# Frame gaps of the Handbill window while the heavy jobs run: the end-to-end
# test tests/e2e/frames.test.mjs previews a 200 MB sign-up sheet, draws a
# 20-stop tour's poster, sends 10,000 messages to postfix's smtp-sink on
# loopback and imports 100,000 rows, recording every gap between animation
# frames in the real window; this prints, for each job and for all of them,
# the worst gap and the 50th, 95th and 99th percentiles, and fails when a gap
# exceeds the limit (100 ms, or FRAME_LIMIT_MS).
# With FRAMES_THREADS=1 it also samples the CPU time of the window's threads
# (tests/bench/threads.py; the sampling takes a few percent of a core itself)
# and says, for each job's longest gap, which threads ran and which were
# runnable but waited for a CPU: a busy machine's scheduler, or our work.
# Usage: tests/bench/frames.sh [PATH/TO/handbill]   (default target/release/handbill;
# the binary must embed the UI: cd ui && npm run build, then cargo build)
set -euo pipefail
# Branches are encrypted, as Handbill makes them: with HANDBILL_PASSPHRASE
# (a fixed one unless given), or plain with HANDBILL_ENCRYPT=0, to compare.
[ -n "${HANDBILL_ENCRYPT:-}${HANDBILL_PASSPHRASE:-}" ] || export HANDBILL_PASSPHRASE="benchmark branch passphrase"
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(realpath "${1:-$root/target/release/handbill}")
for tool in smtp-sink tauri-driver WebKitWebDriver xvfb-run node python3; do
  command -v "$tool" >/dev/null || { echo "frames.sh: $tool is missing (make deps-test; postfix for smtp-sink)" >&2; exit 1; }
done
report=$(mktemp --suffix=.json)
samples=$(mktemp --suffix=.jsonl)
stop="$samples.stop"
trap 'touch "$stop"; rm -f "$report" "$samples" "$stop"' EXIT
status=0
if [ "${FRAMES_THREADS:-0}" = 1 ]; then
  python3 "$root/tests/bench/threads.py" sample $$ "$samples" "$stop" &
  sampler=$!
fi
(cd "$root/tests/e2e" && HANDBILL_BIN="$bin" FRAMES_REPORT="$report" FRAME_LIMIT_MS="${FRAME_LIMIT_MS:-100}" \
  xvfb-run -a -s "-screen 0 1280x860x24" node --test --test-timeout=1800000 --test-reporter=dot frames.test.mjs) || status=$?
if [ -n "${sampler:-}" ]; then
  touch "$stop"
  wait "$sampler" || true
fi
[ -s "$report" ] || { echo "frames.sh: the test wrote no measurements (exit $status)" >&2; exit 1; }
python3 - "$report" "$bin" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
def pct(sorted_gaps, q):
    return sorted_gaps[min(len(sorted_gaps) - 1, int(q * len(sorted_gaps)))] if sorted_gaps else 0.0
print(f"Frame gaps in the window of {sys.argv[2]} (limit {data['limit_ms']} ms):")
print(f"{'job':<34}{'frames':>8}{'seconds':>9}{'worst':>9}{'p50':>8}{'p95':>8}{'p99':>8}")
every = []
for j in data["jobs"]:
    g = sorted(j["gaps"]); every += g
    print(f"{j['job']:<34}{len(g):>8}{j['seconds']:>9.1f}{g[-1]:>9.1f}{pct(g, .5):>8.1f}{pct(g, .95):>8.1f}{pct(g, .99):>8.1f}")
every.sort()
print(f"{'all jobs':<34}{len(every):>8}{'':>9}{every[-1]:>9.1f}{pct(every, .5):>8.1f}{pct(every, .95):>8.1f}{pct(every, .99):>8.1f}")
print(f"worst gap: {every[-1]:.1f} ms")
PY
if [ -n "${sampler:-}" ]; then
  python3 "$root/tests/bench/threads.py" explain "$samples" "$report"
fi
exit "$status"
