#!/usr/bin/env bash
# What encryption at rest costs a send (issue 22: at most 10%), measured side
# by side: a whole `handbill announce` to COUNT people (10,000 unless told) at
# postfix's smtp-sink on loopback, messages of about SIZE bytes (8 KB, as
# send.sh sends), over CONNECTIONS connections (4), on a fresh copy of the
# same branch each time, taking turns ROUNDS times (7):
#
#  - plain:      a branch made with HANDBILL_ENCRYPT=0;
#  - passphrase: an encrypted branch opened with HANDBILL_PASSPHRASE (each
#                command derives the key: PBKDF2, about 30 ms);
#  - keychain:   an encrypted branch whose key is in the keychain, the default
#                on a desktop; measured only when a keychain answers (run it in
#                a desktop session, or under dbus-run-session with
#                gnome-keyring-daemon unlocked).
#
# Prints each mode's median and its ratio to plain (the median of the
# rounds' ratios, each round's runs side by side).
#
# Usage: tests/bench/send-encrypted.sh [HANDBILL_BINARY]   (default target/release/handbill)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-${HANDBILL_BIN:-target/release/handbill}}
count=${COUNT:-10000}
connections=${CONNECTIONS:-4}
rounds=${ROUNDS:-7}
. tests/bench/send-setup.sh
. tests/bench/modes.sh
need_tools smtp-sink python3
[ -x "$bin" ] || { echo "No Handbill binary at $bin: build it (make release) or give its path."; exit 1; }
unset HANDBILL_PASSPHRASE HANDBILL_ENCRYPT
work=$(mktemp -d)
sink_pid=""
cleanup() { [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export HANDBILL_LOG_DIR="$work/logs"

start_sink
people_csv "$work/people.csv" "$count"

choose_modes "$work/probe.sqlite" "$bin" --db "$work/probe.sqlite" demo

for mode in "${modes[@]}"; do
  base="$work/$mode.sqlite"
  bench_branch "$base" "$work/people.csv" as_mode "$mode" "$bin" > "$work/$mode.event"
  : > "$work/$mode.ms"
done
# Messages of about SIZE bytes (8 KB unless told), as send.sh sends.
fit_body "$work/body.md" "${SIZE:-8192}" "$work/plain.sqlite" "$(cat "$work/plain.event")" env HANDBILL_ENCRYPT=0 "$bin"

one() {
  local mode=$1 db="$work/round.sqlite" t0 sent
  round_copy "$work/$mode.sqlite" "$db"
  t0=$(now_ms)
  announce_at_sink "$db" "$(cat "$work/$mode.event")" "$work/body.md" "$connections" as_mode "$mode" "$bin"
  echo $(( $(now_ms) - t0 )) >> "$work/$mode.ms"
  sent=$(sent_of "$db" as_mode "$mode" "$bin")
  [ "$sent" = "$count" ] || { echo "$mode: Handbill recorded $sent sent, not $count"; exit 1; }
}

echo "== $rounds rounds of a whole announce to $count people, ${modes[*]} side by side"
for n in $(seq "$rounds"); do round "$n"; done
echo
over_plain 1.10
