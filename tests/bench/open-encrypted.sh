#!/usr/bin/env bash
# What encryption at rest adds to opening a branch (issue 22: at most 100 ms
# more than a plain file), measured side by side: the whole `handbill branch
# show` on the sample branch with COUNT people on a list (10,000 unless
# told), from exec to exit, taking turns ROUNDS times (15), in each mode:
#
#  - plain:      a branch made with HANDBILL_ENCRYPT=0;
#  - passphrase: opened with HANDBILL_PASSPHRASE (the key derived from it,
#                PBKDF2, at every opening);
#  - keychain:   its key read from the keychain (measured only when one
#                answers: see with-keychain.sh).
#
# Each round opens a fresh copy of the branch that is not recorded as whole,
# so every opening also checks every page, as the first after another
# program wrote it does; and once more a copy that is recorded, as most
# openings are. Prints each mode's medians and what it adds to plain (the
# median of the rounds' differences).
#
# Usage: tests/bench/open-encrypted.sh [path/to/handbill]   (default target/release/handbill)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-${HANDBILL_BIN:-target/release/handbill}}
count=${COUNT:-10000}
rounds=${ROUNDS:-15}
. tests/bench/send-setup.sh
. tests/bench/modes.sh
need_tools python3
[ -x "$bin" ] || { echo "No Handbill binary at $bin: build it (make release) or give its path."; exit 1; }
unset HANDBILL_PASSPHRASE HANDBILL_ENCRYPT
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HANDBILL_LOG_DIR="$work/logs"

people_csv "$work/people.csv" "$count"
choose_modes "$work/probe.sqlite" "$bin" --db "$work/probe.sqlite" demo
for mode in "${modes[@]}"; do
  bench_branch "$work/$mode.sqlite" "$work/people.csv" as_mode "$mode" "$bin" > /dev/null
  : > "$work/$mode.ms"
  : > "$work/$mode.recorded.ms"
done

# One opening of a copy that is checked in full, then one of the same file,
# now recorded as whole by the first's clean close.
one() {
  local mode=$1 db="$work/round.sqlite" t0
  round_copy "$work/$mode.sqlite" "$db"
  rm -f "$db.checked"
  t0=$(now_ms)
  as_mode "$mode" "$bin" --db "$db" branch show > /dev/null
  echo $(( $(now_ms) - t0 )) >> "$work/$mode.ms"
  [ -f "$db.checked" ] || { echo "$mode: the opening did not record the file as whole"; exit 1; }
  t0=$(now_ms)
  as_mode "$mode" "$bin" --db "$db" branch show > /dev/null
  echo $(( $(now_ms) - t0 )) >> "$work/$mode.recorded.ms"
}

echo "== $rounds rounds of opening the sample branch with $count people (handbill branch show), ${modes[*]} side by side"
for n in $(seq "$rounds"); do round "$n"; done
echo
for kind in "checked in full:.ms" "recorded as whole:.recorded.ms"; do
  label=${kind%%:*} suffix=${kind#*:}
  echo "$label plain median $(median < "$work/plain$suffix") ms"
  for mode in "${modes[@]:1}"; do
    added=$(paste "$work/$mode$suffix" "$work/plain$suffix" | awk '{print $1 - $2}' | median)
    printf "  %-11s median %s ms; adds, round by round: median %s ms (target ≤ 100 ms)\n" \
      "$mode:" "$(median < "$work/$mode$suffix")" "$added"
  done
done
