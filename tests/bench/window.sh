#!/usr/bin/env bash
# Startup time, idle memory and size of the Handbill window (release build).
# Usage: tests/bench/window.sh target/release/handbill   (needs a display: run under xvfb-run)
# `handbill` without a subcommand becomes `handbill-window` (the same process),
# so the times below include that step, as a user's start does.
#
#  - cold start to a usable window: from exec until the UI reports its first
#    screen drawn (HANDBILL_STARTUP_PROBE), median of 5 fresh processes;
#  - resident memory of the app and its WebKit processes after 30 s idle;
#  - the binary's size.
set -euo pipefail
# Branches are encrypted, as Handbill makes them: with HANDBILL_PASSPHRASE
# (a fixed one unless given), or plain with HANDBILL_ENCRYPT=0, to compare.
[ -n "${HANDBILL_ENCRYPT:-}${HANDBILL_PASSPHRASE:-}" ] || export HANDBILL_PASSPHRASE="benchmark branch passphrase"
bin=${1:?usage: window.sh PATH/TO/handbill}
runs=${RUNS:-5}
idle=${IDLE_SECONDS:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/demo.sqlite"
"$bin" --db "$db" demo >/dev/null

. "$(dirname "$0")/common.sh"

# The pids of a process and all its descendants.
tree_pids() {
  local child
  echo "$1"
  for child in $(pgrep -P "$1" || true); do tree_pids "$child"; done
}

# Sum of a memory field (kB) over a process tree: Rss counts shared libraries once
# per process; Pss splits each shared page among the processes that map it.
tree_mem_kb() {
  local field=$1 root=$2 total=0 p v
  for p in $(tree_pids "$root"); do
    v=$(awk -v f="$field:" '$1 == f {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    total=$(( total + ${v:-0} ))
  done
  echo "$total"
}

# Starts the window in the background; its pid is left in $pid.
start_app() {
  HANDBILL_STARTUP_PROBE=1 "$bin" --db "$db" >/dev/null 2>"$1" &
  pid=$!
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
  start_app "$log"
  wait_ready "$log"
  t1=$(now_ms)
  times+=($(( t1 - t0 )))
  stop_app "$pid"
  sleep 0.5
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
median=${sorted[$(( runs / 2 ))]}

log="$work/idle.log"
start_app "$log"
wait_ready "$log"
sleep "$idle"
rss_kb=$(tree_mem_kb Rss "$pid")
pss_kb=$(tree_mem_kb Pss "$pid")
procs=$(tree_pids "$pid" | wc -l)
names=$(for p in $(tree_pids "$pid"); do cat "/proc/$p/comm"; done | paste -sd, -)
# Per process: the app, its web process (the page), and WebKit's network process.
breakdown=""
app_web_kb=0
for p in $(tree_pids "$pid"); do
  comm=$(cat "/proc/$p/comm")
  v=$(awk '$1 == "Pss:" {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
  breakdown="$breakdown ${comm} $(( v / 1024 )) MB;"
  # The app is the process started ($pid, whatever its program is called:
  # handbill becomes handbill-window in it); the page is its web process.
  if [ "$p" = "$pid" ]; then app_web_kb=$(( app_web_kb + v )); fi
  case "$comm" in WebKitWebProces*) app_web_kb=$(( app_web_kb + v ));; esac
done
stop_app "$pid"

size=$(stat -c %s "$bin")
window_bin="$(dirname "$bin")/handbill-window"
window_size=$(stat -c %s "$window_bin" 2>/dev/null || echo 0)
echo "startup to usable window: median ${median} ms over ${runs} runs (all: ${times[*]} ms; target < 1000 ms)"
echo "memory after ${idle} s idle (PSS, shared libraries split among the processes that map them):${breakdown}"
echo "  the app and its web process: $(( app_web_kb / 1024 )) MB (target < 200 MB); with the network process, ${procs} processes (${names}): $(( pss_kb / 1024 )) MB; RSS counting shared libraries once per process: $(( rss_kb / 1024 )) MB"
echo "binary size: the window program $(( window_size / 1024 / 1024 )) MB ($window_size bytes; target < 30 MB); the command line $(( size / 1024 / 1024 )) MB ($size bytes); both $(( (size + window_size) / 1024 / 1024 )) MB"
