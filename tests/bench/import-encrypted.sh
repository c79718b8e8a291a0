#!/usr/bin/env bash
# What encryption at rest costs the subscriber import (issue 22: at most
# 15%), measured side by side: the import of ROWS sign-up rows (100,000
# unless told; the file subscribers.sh generates) into a new branch, until
# the import is committed and its report ready, taking turns ROUNDS times (9):
#
#  - plain:      a branch made with HANDBILL_ENCRYPT=0;
#  - passphrase: an encrypted branch made with HANDBILL_PASSPHRASE (the key
#                derived from it: PBKDF2, about 30 ms, in every round, since
#                every round makes a new branch);
#  - keychain:   an encrypted branch whose new key goes to the keychain, the
#                default on a desktop; measured only when a keychain answers
#                (see with-keychain.sh).
#
# Each run is a process of its own: subscribers.sh's benchmark program (the
# core's import, as `handbill subscribers import` and the window call it),
# which times opening and importing from inside. Prints each mode's median
# and its ratio to plain (the median of the rounds' ratios).
#
# Usage: tests/bench/import-encrypted.sh   (builds the benchmark with the release profile)
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${ROWS:-100000}
rounds=${ROUNDS:-9}
unset HANDBILL_PASSPHRASE HANDBILL_ENCRYPT
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HANDBILL_LOG_DIR="$work/logs"
. tests/bench/common.sh
. tests/bench/modes.sh

cargo build --release --locked --quiet -p handbill-core --example subscribers_bench
bench=${CARGO_TARGET_DIR:-target}/release/examples/subscribers_bench
csv="$work/signups.csv"
. tests/bench/signups.sh
signups_csv "$rows" "$csv"
[ "$(wc -l < "$csv")" -gt "$rows" ] || { echo "the sign-up sheet was not generated"; exit 1; }

choose_modes "$work/probe.sqlite" "$bench" "$work/probe.sqlite" "$csv"
for mode in "${modes[@]}"; do : > "$work/$mode.ms"; done

one() {
  local mode=$1 out
  rm -rf "$work"/round.sqlite* "$work/.backups"
  out=$(as_mode "$mode" "$bench" "$work/round.sqlite" "$csv" 2>/dev/null)
  # From the start to the committed import and its report: making the
  # branch (and its key) included, as the user waits for it.
  echo "$out" | awk '/^import_ms/ {print $2}' >> "$work/$mode.ms"
}

echo "== $rounds rounds of an import of $rows rows into a new branch, ${modes[*]} side by side"
for n in $(seq "$rounds"); do round "$n"; done
echo
over_plain 1.15
