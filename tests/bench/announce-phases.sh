#!/usr/bin/env bash
# Where a whole `handbill announce` spends its time, for two builds side by
# side (a change against the build before it), from the log's own
# timestamps: a send to COUNT people (10,000) with messages of about 8 KB
# (as send.sh sends) at postfix's smtp-sink over 4 connections, on a fresh
# copy of the same branch each time, the two binaries taking turns ROUNDS
# times (11). For each binary it prints the medians of:
#
#   start  exec to "handbill started" (the dynamic loader, argument parsing)
#   prep   to "send started" (opening the branch and its key, composing,
#          the copy before the send, queueing the deliveries)
#   loop   to "send ended" (the sending loop and its records)
#   exit   to the process's end (closing: checkpoint and the file's record)
#
# Branches are encrypted with a passphrase unless HANDBILL_ENCRYPT=0.
#
# Usage: tests/bench/announce-phases.sh BINARY_A BINARY_B
set -euo pipefail
[ $# = 2 ] || { echo "usage: $0 BINARY_A BINARY_B"; exit 2; }
[ -n "${HANDBILL_ENCRYPT:-}${HANDBILL_PASSPHRASE:-}" ] || export HANDBILL_PASSPHRASE="benchmark branch passphrase"
a=$(realpath "$1"); b=$(realpath "$2")
cd "$(dirname "$0")/../.."
count=${COUNT:-10000}
rounds=${ROUNDS:-11}
. tests/bench/send-setup.sh
need_tools smtp-sink python3
for bin in "$a" "$b"; do [ -x "$bin" ] || { echo "No binary at $bin"; exit 1; }; done
work=$(mktemp -d)
sink_pid=""
cleanup() { [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
start_sink

# The branch is made by the first binary; both open it.
base="$work/base.sqlite"
export HANDBILL_LOG_DIR="$work/setup-logs"
people_csv "$work/people.csv" "$count"
event=$(bench_branch "$base" "$work/people.csv" "$a")
fit_body "$work/body.md" "${SIZE:-8192}" "$base" "$event" "$a"

# One announce by BINARY, its phases appended to TAG's file.
one() {
  local bin=$1 tag=$2 db="$work/round.sqlite" t0 t1
  round_copy "$base" "$db"
  rm -rf "$work/logs"
  t0=$(date +%s%N)
  HANDBILL_LOG_DIR="$work/logs" announce_at_sink "$db" "$event" "$work/body.md" 4 "$bin"
  t1=$(date +%s%N)
  python3 - "$t0" "$t1" "$work"/logs/*.log >> "$work/$tag.phases" <<'PY'
import datetime, json, sys
t0, t1 = int(sys.argv[1]), int(sys.argv[2])
at = {}
for line in open(sys.argv[3]):
    entry = json.loads(line)
    when = datetime.datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00"))
    at[entry["fields"].get("message")] = when.timestamp() * 1e9
s, a, b = at["handbill started"], at["send started"], at["send ended"]
print(*(round(x / 1e6, 1) for x in (t1 - t0, s - t0, a - s, b - a, t1 - b)))
PY
}

echo "== $rounds rounds, A and B taking turns: A = $a, B = $b"
for round in $(seq "$rounds"); do
  if [ $((round % 2)) = 1 ]; then one "$a" A; one "$b" B; else one "$b" B; one "$a" A; fi
done
for tag in A B; do
  python3 - "$tag" "$work/$tag.phases" <<'PY'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[2])]
names = ["total", "start", "prep", "loop", "exit"]
print(sys.argv[1] + ": " + "; ".join(f"{n} {statistics.median(r[i] for r in rows):.0f} ms" for i, n in enumerate(names)))
PY
done
