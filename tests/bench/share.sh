#!/usr/bin/env bash
# Sharing a branch between two laptops (the sharing issue), measured end to
# end with the release `handbill` binary, as an officer runs it:
#
#  - laptop A shares a branch, laptop B joins it (each with its own file, one
#    folder between them);
#  - A imports 100,000 sign-up rows (ROWS to change): `subscribers import`,
#    the whole command, timed;
#  - A writes its change file (`share sync`), timed apart;
#  - B applies it (`share sync`, the whole command): target at most 3× A's
#    import; and the change files of the import take less space than the CSV;
#  - then a day of ordinary edits on A (events rescheduled and announced,
#    organizations imported, people unsubscribed and added, the profile
#    changed), and B's sync applying them: target under a second;
#  - for comparison, the same import into a branch that is not shared.
#
# Takes turns ROUNDS times (3 unless told) and reports medians.
# Usage: tests/bench/share.sh      (builds the release binary)
set -euo pipefail
[ -n "${HANDBILL_ENCRYPT:-}${HANDBILL_PASSPHRASE:-}" ] || export HANDBILL_PASSPHRASE="benchmark branch passphrase"
cd "$(dirname "$0")/../.."
rows=${ROWS:-100000}
rounds=${ROUNDS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -z "${HANDBILL_BIN:-}" ]; then
  cargo build --release --locked --quiet --bin handbill
  HANDBILL_BIN=target/release/handbill
fi
h="$HANDBILL_BIN"

csv="$work/signups.csv"
. tests/bench/signups.sh
signups_csv "$rows" "$csv" clean
csv_bytes=$(stat -c %s "$csv")
echo "Generated $rows rows ($csv_bytes bytes) in $csv"

. tests/bench/common.sh
timed() { local t0; t0=$(now_ms); "$@" > "$work/last.out" 2>&1 || { cat "$work/last.out"; exit 1; }; echo $(( $(now_ms) - t0 )); }

orgs="$work/orgs.csv"
{ echo "name,website,notes"; for i in $(seq 1 20); do echo "Partner group $i,https://partner$i.example.org,met at the May Day rally"; done; } > "$orgs"

: > "$work/import.ms"; : > "$work/plain.ms"; : > "$work/write.ms"; : > "$work/apply.ms"; : > "$work/ratio"; : > "$work/size"; : > "$work/day.ms"; : > "$work/peak"
for round in $(seq "$rounds"); do
  d="$work/round$round"; mkdir -p "$d/folder"
  a="$d/a.sqlite"; b="$d/b.sqlite"; plain="$d/plain.sqlite"
  "$h" --db "$a" demo > /dev/null 2>&1
  "$h" --db "$a" share init "$d/folder" --name "Ana's laptop" > /dev/null
  code=$("$h" --db "$a" share invite | awk '/^Invitation code/ {print $3}')
  "$h" --db "$b" share join "$d/folder" --code "$code" --name "Ben's laptop" > /dev/null 2>&1
  "$h" --db "$a" share sync > /dev/null
  "$h" --db "$b" share sync > /dev/null
  "$h" --db "$a" list create Members > /dev/null
  "$h" --db "$a" share sync > /dev/null; "$h" --db "$b" share sync > /dev/null
  before=$(ls "$d/folder" | wc -l)
  du_before=$(du -cb "$d"/folder/*.hbc | tail -1 | cut -f1)
  # The import on A, then the same into a branch that is not shared.
  import_ms=$(timed "$h" --db "$a" subscribers import "$csv" --list Members)
  "$h" --db "$plain" demo > /dev/null 2>&1; "$h" --db "$plain" list create Members > /dev/null
  plain_ms=$(timed "$h" --db "$plain" subscribers import "$csv" --list Members)
  write_ms=$(timed "$h" --db "$a" share sync)
  du_after=$(du -cb "$d"/folder/*.hbc | tail -1 | cut -f1)
  apply_ms=$(timed /usr/bin/time -f "peak_kb %M" "$h" --db "$b" share sync)
  peak_kb=$(awk '/^peak_kb/ {print $2}' "$work/last.out")
  echo "$peak_kb" >> "$work/peak"
  grep -q "applied 1 from other laptops" "$work/last.out" || { echo "B did not apply A's import:"; cat "$work/last.out"; exit 1; }
  count=$("$h" --db "$b" subscribers count --list Members 2>/dev/null | tail -1)
  [ "$count" -ge $((rows - 10)) ] || { echo "B holds $count people on Members, not about $rows"; exit 1; }
  size=$((du_after - du_before))
  echo "$import_ms" >> "$work/import.ms"; echo "$plain_ms" >> "$work/plain.ms"
  echo "$write_ms" >> "$work/write.ms"; echo "$apply_ms" >> "$work/apply.ms"; echo "$size" >> "$work/size"
  awk -v a="$apply_ms" -v b="$import_ms" 'BEGIN { printf "%.2f\n", a / b }' >> "$work/ratio"

  # A day of ordinary edits on A.
  ids=$("$h" --db "$a" event list 2>/dev/null | awk '$1 ~ /^[0-9]+$/ {print $1}' | head -8)
  for id in $ids; do
    "$h" --db "$a" event reschedule "$id" --date 2027-03-1$((id % 9)) --reason "room change" > /dev/null 2>&1 || true
  done
  "$h" --db "$a" org import "$orgs" > /dev/null 2>&1
  "$h" --db "$a" subscribers unsubscribe ana.alvarez1@example.org gabriel.cruz7@example.org > /dev/null 2>&1 || true
  "$h" --db "$a" branch set city "Cambridge" > /dev/null
  "$h" --db "$a" branch set website "https://example.org/cambridge" > /dev/null
  "$h" --db "$a" share sync > /dev/null
  day_ms=$(timed "$h" --db "$b" share sync)
  echo "$day_ms" >> "$work/day.ms"
  "$h" --db "$a" share dump > "$d/a.dump"; "$h" --db "$b" share dump > "$d/b.dump"
  cmp -s "$d/a.dump" "$d/b.dump" || { echo "A and B differ after the same files"; diff "$d/a.dump" "$d/b.dump" | head; exit 1; }
  echo "round $round: import on A ${import_ms} ms (not shared: ${plain_ms} ms); A writes its file ${write_ms} ms; B applies it ${apply_ms} ms ($(tail -1 "$work/ratio")× the import); change files ${size} bytes; a day of edits applied on B in ${day_ms} ms; B's sync peaked at ${peak_kb} KB"
  rm -rf "$d"
done

import_ms=$(median < "$work/import.ms"); plain_ms=$(median < "$work/plain.ms")
write_ms=$(median < "$work/write.ms"); apply_ms=$(median < "$work/apply.ms")
ratio=$(median < "$work/ratio"); size=$(median < "$work/size"); day_ms=$(median < "$work/day.ms"); peak=$(median < "$work/peak")
echo
echo "Over $rounds rounds (medians), $rows rows:"
echo "  import on laptop A (shared):            ${import_ms} ms   (the same import, branch not shared: ${plain_ms} ms)"
echo "  A writes the change file (share sync):  ${write_ms} ms"
echo "  B applies it (share sync, whole command): ${apply_ms} ms = ${ratio}× the import  (target ≤ 3×)"
echo "  B's memory at its peak while applying: ${peak} KB"
echo "  change files of the import: ${size} bytes; the CSV: ${csv_bytes} bytes  (target: smaller)"
echo "  a day of ordinary edits applied on B:   ${day_ms} ms  (target < 1000 ms)"
awk -v r="$ratio" -v s="$size" -v c="$csv_bytes" -v d="$day_ms" 'BEGIN { exit !(r <= 3 && s < c && d < 1000) }' \
  && echo "All three targets met." || { echo "A target was missed."; exit 1; }
