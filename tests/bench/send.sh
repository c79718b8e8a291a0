#!/usr/bin/env bash
# Sending speed with the consent checks, measured in one run (issues 7 and 15):
#
#  - starts postfix's smtp-sink on loopback;
#  - times postfix's `smtp-source -d` sending COUNT messages of SIZE bytes over
#    CONNECTIONS connections to it (-d keeps each connection open for the next
#    message, as Handbill does; without it every message pays for a new
#    connection and the reference runs at half speed);
#  - times a whole `handbill announce` to COUNT subscribers over the same
#    number of connections to the same sink: opening the branch, composing the
#    announcement (about SIZE bytes a message), the backup before queueing,
#    queueing one delivery per person, and sending with its per-delivery
#    records (sending before, sent after each message, in SQLite), each
#    round on a fresh copy of the same branch;
#  - takes turns between the two, ROUNDS times (5 unless told), smtp-source
#    first in odd rounds and Handbill first in even ones, since a shared
#    machine speeds up and slows down for every program at once: a ratio is
#    only fair between runs side by side;
#  - prints each round's times and ratio, the medians, and the median of the
#    rounds' ratios (target: Handbill's time at most 1.25× smtp-source's),
#    and the Handbill process's peak memory (the highest of the rounds).
#
# Usage: tests/bench/send.sh [HANDBILL_BINARY]   (default target/release/handbill; `make bench-send`)
set -euo pipefail
# Branches are encrypted, as Handbill makes them: with HANDBILL_PASSPHRASE
# (a fixed one unless given), or plain with HANDBILL_ENCRYPT=0, to compare.
[ -n "${HANDBILL_ENCRYPT:-}${HANDBILL_PASSPHRASE:-}" ] || export HANDBILL_PASSPHRASE="benchmark branch passphrase"
cd "$(dirname "$0")/../.."
bin=${1:-${HANDBILL_BIN:-target/release/handbill}}
count=${COUNT:-10000}
size=${SIZE:-8192}
connections=${CONNECTIONS:-4}
rounds=${ROUNDS:-5}
target=${TARGET:-1.25}
. tests/bench/send-setup.sh
need_tools smtp-sink smtp-source python3 /usr/bin/time
[ -x "$bin" ] || { echo "No Handbill binary at $bin: build it (make release) or give its path."; exit 1; }
work=$(mktemp -d)
sink_pid=""
cleanup() { [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start_sink

echo "== A branch with $count subscribers"
base="$work/base.sqlite"
export HANDBILL_LOG_DIR="$work/logs"
people_csv "$work/people.csv" "$count"
event=$(bench_branch "$base" "$work/people.csv" "$bin")

# A body whose message comes to about $size bytes.
echo "$(fit_body "$work/body.md" "$size" "$base" "$event" "$bin"); smtp-source sends $size"

: > "$work/source.ms"; : > "$work/handbill.ms"; : > "$work/ratio"; : > "$work/rss.kb"
time_source() {
  local t0
  t0=$(now_ms)
  smtp-source -d -s "$connections" -m "$count" -l "$size" -f bench@handbill.test -t sink@handbill.test 127.0.0.1:"$port"
  echo $(( $(now_ms) - t0 )) >> "$work/source.ms"
}
time_handbill() {
  local db="$work/round.sqlite" t0 sent
  round_copy "$base" "$db"
  t0=$(now_ms)
  announce_at_sink "$db" "$event" "$work/body.md" "$connections" /usr/bin/time -v -o "$work/time.txt" "$bin"
  echo $(( $(now_ms) - t0 )) >> "$work/handbill.ms"
  sent=$(sent_of "$db" "$bin")
  [ "$sent" = "$count" ] || { echo "Handbill recorded $sent sent, not $count"; exit 1; }
  awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt" >> "$work/rss.kb"
}

echo "== $rounds rounds: $count messages over $connections connections each, taking turns"
for round in $(seq "$rounds"); do
  if [ $((round % 2)) = 1 ]; then time_source; time_handbill; else time_handbill; time_source; fi
  s_ms=$(tail -1 "$work/source.ms"); h_ms=$(tail -1 "$work/handbill.ms")
  awk -v a="$h_ms" -v b="$s_ms" 'BEGIN { printf "%.2f\n", a / b }' >> "$work/ratio"
  echo "round $round: smtp-source -d ${s_ms} ms; handbill announce ${h_ms} ms; ratio $(tail -1 "$work/ratio")×; peak $(( $(tail -1 "$work/rss.kb") / 1024 )) MB"
done
grep -E "User time|System time|Percent of CPU" "$work/time.txt" | sed "s/^\t*/  last handbill process: /"

source_ms=$(median < "$work/source.ms")
handbill_ms=$(median < "$work/handbill.ms")
ratio=$(median < "$work/ratio")
rss_mb=$(( $(sort -n "$work/rss.kb" | tail -1) / 1024 ))
echo
echo "Over $rounds rounds:"
echo "smtp-source -d:    median ${source_ms} ms  ($(awk -v n="$count" -v ms="$source_ms" 'BEGIN { printf "%.0f", n * 1000 / ms }') messages/s)"
echo "handbill announce: median ${handbill_ms} ms  ($(awk -v n="$count" -v ms="$handbill_ms" 'BEGIN { printf "%.0f", n * 1000 / ms }') messages/s, compose + queue + send, $count delivery rows)"
echo "Handbill's time over smtp-source's, round by round: median ${ratio}× (target ≤ ${target}×), from $(sort -n "$work/ratio" | head -1)× to $(sort -n "$work/ratio" | tail -1)×"
echo "  the median times' ratio: $(awk -v a="$handbill_ms" -v b="$source_ms" 'BEGIN { printf "%.2f", a / b }')×"
echo "peak memory of the handbill process: ${rss_mb} MB  (target: under 150 MB)"
awk -v r="$ratio" -v t="$target" -v m="$rss_mb" 'BEGIN { exit !(r <= t && m < 150) }' \
  && echo "Both targets met." || { echo "A target was missed."; exit 1; }
