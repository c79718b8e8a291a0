#!/usr/bin/env bash
# Sending throughput, measured in one run (issue 7):
#
#  - starts postfix's smtp-sink on loopback;
#  - times postfix's smtp-source sending COUNT messages of SIZE bytes over
#    CONNECTIONS connections to it;
#  - times Handbill sending an announcement of about SIZE bytes to COUNT
#    subscribers over the same number of connections to the same sink, with its
#    per-delivery records (sending before, sent after each message, in SQLite);
#  - prints both throughputs, their ratio (target: Handbill at least half of
#    smtp-source) and the sending process's peak memory (target: under 150 MB).
#
# Usage: tests/bench/send.sh [HANDBILL_BINARY]   (default target/release/handbill; `make bench-send`)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-${HANDBILL_BIN:-target/release/handbill}}
count=${COUNT:-10000}
size=${SIZE:-8192}
connections=${CONNECTIONS:-4}
for tool in smtp-sink smtp-source python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || PATH="$PATH:/usr/sbin" command -v "$tool" >/dev/null \
    || { echo "$tool is needed (apt-get install postfix time python3)"; exit 1; }
done
export PATH="$PATH:/usr/sbin"
[ -x "$bin" ] || { echo "No Handbill binary at $bin: build it (make release) or give its path."; exit 1; }
work=$(mktemp -d)
sink_pid=""
cleanup() { [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sink_user=(); [ "$(id -u)" = 0 ] && sink_user=(-u postfix)   # smtp-sink refuses to run as root without a user
smtp-sink "${sink_user[@]}" 127.0.0.1:"$port" 256 &
sink_pid=$!
sleep 0.5

now() { date +%s.%N; }
rate() { python3 -c "import sys; print(f'{$1 / ($2):.0f}')"; }

echo "== smtp-source: $count messages of $size bytes over $connections connections"
t0=$(now)
smtp-source -s "$connections" -m "$count" -l "$size" -f bench@handbill.test -t sink@handbill.test 127.0.0.1:"$port"
t1=$(now)
source_seconds=$(python3 -c "print($t1 - $t0)")
source_rate=$(rate "$count" "$source_seconds")
echo "smtp-source: ${source_seconds}s, $source_rate messages/s"

echo "== Handbill: a branch with $count subscribers"
db="$work/bench.sqlite"
export HANDBILL_LOG_DIR="$work/logs"
"$bin" --db "$db" demo >/dev/null
"$bin" --db "$db" list create Bench >/dev/null
python3 - "$work/people.csv" "$count" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("Email Address,First Name,Last Name\n")
    for i in range(1, int(sys.argv[2]) + 1):
        f.write(f"person{i:05d}@bench.handbill.test,Person,Number{i}\n")
PY
"$bin" --db "$db" subscribers import "$work/people.csv" --list Bench >/dev/null
event=$("$bin" --db "$db" event list --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')

# A body whose message comes to about $size bytes: measure two, fit a line.
body() { python3 -c "
import sys
words = 'We rally at City Hall to demand justice, jobs and housing for all; bring a friend and a sign. '
n = int(sys.argv[1]); text = (words * (n // len(words) + 1))[:n]
print('\n\n'.join(text[i:i + 400] for i in range(0, n, 400)))" "$1" > "$2"; }
measure() {
  body "$1" "$work/body.md"
  "$bin" --db "$db" announce "$event" --list Bench --body-file "$work/body.md" --dry-run \
    | python3 -c 'import sys; t = sys.stdin.read(); print(len(t.split("\n\n", 1)[1].encode()) if "\n\n" in t else 0)'
}
s1=$(measure 1000); s2=$(measure 3000)
chars=$(python3 -c "print(max(100, int(1000 + ($size - $s1) * 2000 / max(1, $s2 - $s1))))")
body "$chars" "$work/body.md"
echo "body of $chars characters gives messages of about $(measure "$chars") bytes"

# Queue everyone first (the account points at a closed port, so nothing is sent),
# then time the send alone: a fresh process that opens the database, prepares the
# announcement and sends to every queued person.
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" --db "$db" announce "$event" --list Bench --body-file "$work/body.md" \
  --smtp "smtp://127.0.0.1:$closed?security=plain" >/dev/null 2>&1 || true
id=$("$bin" --db "$db" send status --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["announcement"]["id"])')

echo "== Handbill: $count messages over $connections connections, with delivery records"
t0=$(now)
/usr/bin/time -v -o "$work/time.txt" "$bin" --db "$db" announce "$event" --list Bench --body-file "$work/body.md" \
  --smtp "smtp://127.0.0.1:$port?security=plain" --connections "$connections" 2>/dev/null
t1=$(now)
handbill_seconds=$(python3 -c "print($t1 - $t0)")
sent=$("$bin" --db "$db" send status --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["progress"]["sent"])')
[ "$sent" = "$count" ] || { echo "Handbill recorded $sent sent, not $count"; exit 1; }
handbill_rate=$(rate "$count" "$handbill_seconds")
grep -E "User time|System time|Percent of CPU|Elapsed" "$work/time.txt" | sed "s/^\t*/  handbill process: /"
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")

echo
echo "smtp-source:  $source_rate messages/s  (${source_seconds}s)"
echo "Handbill:     $handbill_rate messages/s  (${handbill_seconds}s, $sent delivery rows sent)"
echo "ratio:        $(python3 -c "print(f'{$handbill_rate / $source_rate:.2f}')")  (target: at least 0.50)"
echo "peak memory:  $((rss_kb / 1024)) MB  (target: under 150 MB)"
