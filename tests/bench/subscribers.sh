#!/usr/bin/env bash
# Subscriber import and search, measured in one run (issue 6):
#
#  - generates 100,000 sign-up rows (ROWS to change), with a few bad and duplicate rows;
#  - times `sqlite3 .import` of that file into a plain table (no checks at all);
#  - times Handbill's import of the same file: decoding, column recognition,
#    address validation, duplicate detection, merging, consent ledger and search
#    text, in one transaction, into a new database file (target: at most 3×),
#    until the import is committed and its report ready; the checkpoint that
#    then copies the write-ahead log into the database file is timed apart;
#  - takes turns between the two, ROUNDS times, and compares the medians;
#  - times subscriber search on those 100,000 people as an organizer types
#    (each keystroke of a last name, parts of addresses, whole addresses) and
#    prints the median (target: under 10 ms).
#
# Usage: tests/bench/subscribers.sh      (builds the benchmark with the release profile)
set -euo pipefail
# Branches are encrypted, as Handbill makes them: with HANDBILL_PASSPHRASE
# (a fixed one unless given), or plain with HANDBILL_ENCRYPT=0, to compare.
[ -n "${HANDBILL_ENCRYPT:-}${HANDBILL_PASSPHRASE:-}" ] || export HANDBILL_PASSPHRASE="benchmark branch passphrase"
cd "$(dirname "$0")/../.."
rows=${ROWS:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed (apt-get install sqlite3)"; exit 1; }

cargo build --release --locked --quiet -p handbill-core --example subscribers_bench
bench=${CARGO_TARGET_DIR:-target}/release/examples/subscribers_bench

csv="$work/signups.csv"
. tests/bench/signups.sh
signups_csv "$rows" "$csv"
echo "Generated $rows rows ($(du -h "$csv" | cut -f1)) in $csv"

. tests/bench/common.sh

# The two imports take turns, ROUNDS times (9 unless told), each into a new
# file. This machine (and any shared one) slows down and speeds up by half
# from one minute to the next, for every program at once: a ratio is only
# fair between runs taken side by side. Each round times the two back to
# back, sqlite3 first in odd rounds and Handbill first in even ones (so a
# slowdown that grows over a round counts against each in turn), and the
# target is checked on the median of the rounds' ratios.
rounds=${ROUNDS:-9}
: > "$work/sqlite.ms"; : > "$work/ratio.ms"; : > "$work/import.ms"; : > "$work/checkpoint.ms"; : > "$work/search.ms"; : > "$work/p90.ms"
time_sqlite() {
  # sqlite3's own CSV import into a plain table, as the baseline.
  rm -f "$work/plain.sqlite"
  local t0
  t0=$(now_ms)
  sqlite3 "$work/plain.sqlite" ".import --csv $csv plain"
  echo $(( $(now_ms) - t0 )) >> "$work/sqlite.ms"
}
time_handbill() {
  # Handbill's import (the same core function `handbill subscribers import` and the window call).
  rm -f "$work"/handbill.sqlite*
  "$bench" "$work/handbill.sqlite" "$csv" > "$work/out.txt"
}
for round in $(seq "$rounds"); do
  if [ $((round % 2)) = 1 ]; then time_sqlite; time_handbill; else time_handbill; time_sqlite; fi
  plain_rows=$(sqlite3 "$work/plain.sqlite" "SELECT count(*) FROM plain")
  out=$(cat "$work/out.txt")
  s_ms=$(tail -1 "$work/sqlite.ms"); h_ms=$(echo "$out" | awk '/^import_ms/ {print $2}')
  awk -v a="$h_ms" -v b="$s_ms" 'BEGIN { printf "%.2f\n", a / b }' >> "$work/ratio.ms"
  echo "round $round: sqlite3 $s_ms ms; Handbill $h_ms ms ($(tail -1 "$work/ratio.ms")×; $(echo "$out" | awk '/^passes_ms/ {$1 = ""; print substr($0, 2)}'))"
  [ "$round" = "$rounds" ] && echo "$out" | sed 's/^/  /'
  echo "$h_ms" >> "$work/import.ms"
  echo "$out" | awk '/^then_checkpoint_ms/ {print $2}' >> "$work/checkpoint.ms"
  echo "$out" | awk '/^search_median_ms/ {print $2}' >> "$work/search.ms"
  echo "$out" | awk '/^search_p90_ms/ {print $2}' >> "$work/p90.ms"
done
sqlite_ms=$(median < "$work/sqlite.ms")
import_ms=$(median < "$work/import.ms")
checkpoint_ms=$(median < "$work/checkpoint.ms")
median=$(median < "$work/search.ms")
p90=$(median < "$work/p90.ms")
ratio=$(median < "$work/ratio.ms")
of_medians=$(awk -v a="$import_ms" -v b="$sqlite_ms" 'BEGIN { printf "%.2f", a / b }')
of_fastest=$(awk -v a="$(sort -n "$work/import.ms" | head -1)" -v b="$(sort -n "$work/sqlite.ms" | head -1)" 'BEGIN { printf "%.2f", a / b }')

echo
echo "Over $rounds rounds:"
echo "sqlite3 .import of $plain_rows rows into a plain table: median ${sqlite_ms} ms"
echo "Handbill import with validation and merging:        median ${import_ms} ms"
echo "  Handbill's time over sqlite3's, round by round: median ${ratio}× (target ≤ 3×), from $(sort -n "$work/ratio.ms" | head -1)× to $(sort -n "$work/ratio.ms" | tail -1)×"
echo "  the median times' ratio: ${of_medians}×; the fastest runs' ratio: ${of_fastest}×"
echo "  then, after the report, the checkpoint into the database file: ${checkpoint_ms} ms"
echo "Subscriber search median on $rows subscribers:      ${median} ms  (target < 10 ms; p90 ${p90} ms)"
awk -v r="$ratio" -v m="$median" 'BEGIN { exit !(r <= 3 && m < 10) }' \
  && echo "Both targets met." || { echo "A target was missed."; exit 1; }
