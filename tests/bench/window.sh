#!/usr/bin/env bash
# Startup time, idle memory and size of the Handbill window (release build).
# Usage: tests/bench/window.sh target/release/handbill   (needs a display: run under xvfb-run)
#
#  - cold start to a usable window: from exec until the UI reports its first
#    screen drawn (HANDBILL_STARTUP_PROBE), median of 5 fresh processes;
#  - resident memory of the app and its WebKit processes after 30 s idle;
#  - the binary's size.
set -euo pipefail
bin=${1:?usage: window.sh PATH/TO/handbill}
runs=${RUNS:-5}
idle=${IDLE_SECONDS:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/demo.sqlite"
"$bin" --db "$db" demo >/dev/null

now_ms() { date +%s%3N; }

# Sum of VmRSS (kB) of a process and all its descendants.
tree_rss_kb() {
  local pid=$1 total=0 child
  total=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  for child in $(pgrep -P "$pid" || true); do
    total=$(( total + $(tree_rss_kb "$child") ))
  done
  echo "$total"
}

start_app() {
  local log=$1
  HANDBILL_STARTUP_PROBE=1 "$bin" --db "$db" 2>"$log" &
  echo $!
}

wait_ready() {
  local log=$1 deadline=$(( $(now_ms) + 30000 ))
  until grep -q "ui ready after" "$log"; do
    if [ "$(now_ms)" -gt "$deadline" ]; then echo "the window did not become ready within 30 s" >&2; cat "$log" >&2; exit 1; fi
    sleep 0.01
  done
}

stop_app() {
  local pid=$1
  pkill -P "$pid" 2>/dev/null || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

times=()
for i in $(seq "$runs"); do
  log="$work/run$i.log"
  t0=$(now_ms)
  pid=$(start_app "$log")
  wait_ready "$log"
  t1=$(now_ms)
  times+=($(( t1 - t0 )))
  stop_app "$pid"
  sleep 0.5
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
median=${sorted[$(( runs / 2 ))]}

log="$work/idle.log"
pid=$(start_app "$log")
wait_ready "$log"
sleep "$idle"
rss_kb=$(tree_rss_kb "$pid")
procs=$(( 1 + $(pgrep -P "$pid" | wc -l) ))
stop_app "$pid"

size=$(stat -c %s "$bin")
echo "startup to usable window: median ${median} ms over ${runs} runs (all: ${times[*]} ms; target < 1000 ms)"
echo "resident memory after ${idle} s idle: $(( rss_kb / 1024 )) MB across ${procs} processes (app + WebKit; target < 200 MB)"
echo "binary size: $(( size / 1024 / 1024 )) MB ($size bytes; target < 30 MB)"
