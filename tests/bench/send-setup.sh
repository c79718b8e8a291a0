# What the sending benchmarks share (sourced by send.sh, send-encrypted.sh
# and announce-phases.sh): the tools, the sink, the branch and its
# subscribers, the body of the announcement and each round's copy, so they
# measure the same send.
. tests/bench/common.sh

# Stops with a word on what to install unless every named tool is found
# (postfix's are in /usr/sbin, which is added to PATH).
need_tools() {
  export PATH="$PATH:/usr/sbin"
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install postfix python3 time)"; exit 1; }
  done
}

# Starts postfix's smtp-sink on a free loopback port: sets `port` and `sink_pid`.
start_sink() {
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local sink_user=()
  [ "$(id -u)" = 0 ] && sink_user=(-u postfix)   # smtp-sink refuses to run as root without a user
  smtp-sink "${sink_user[@]}" 127.0.0.1:"$port" 256 &
  sink_pid=$!
  sleep 0.5
}

# Writes a sign-up CSV of COUNT people to FILE.
people_csv() {
  python3 - "$1" "$2" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("Email Address,First Name,Last Name\n")
    for i in range(1, int(sys.argv[2]) + 1):
        f.write(f"person{i:05d}@bench.handbill.test,Person,Number{i}\n")
PY
}

# Writes to OUT a body of CHARS characters in paragraphs.
body_of() {
  python3 -c "
import sys
words = 'We rally at City Hall to demand justice, jobs and housing for all; bring a friend and a sign. '
n = int(sys.argv[1]); text = (words * (n // len(words) + 1))[:n]
print('\n\n'.join(text[i:i + 400] for i in range(0, n, 400)))" "$1" > "$2"
}

# Writes to OUT a body whose messages come to about SIZE bytes, from what
# `announce --dry-run` of EVENT on DB makes (two sizes measured, a line
# fitted), run as "$@" (the binary, with whatever goes before it).
# Usage: fit_body OUT SIZE DB EVENT COMMAND...
fit_body() {
  local out=$1 size=$2 db=$3 event=$4 s1 s2 chars
  shift 4
  measure() {
    body_of "$1" "$out"
    shift
    "$@" --db "$db" announce "$event" --list Bench --body-file "$out" --dry-run \
      | python3 -c 'import sys; t = sys.stdin.read(); print(len(t.split("\n\n", 1)[1].encode()) if "\n\n" in t else 0)'
  }
  s1=$(measure 1000 "$@"); s2=$(measure 3000 "$@")
  chars=$(python3 -c "print(max(100, int(1000 + ($size - $s1) * 2000 / max(1, $s2 - $s1))))")
  body_of "$chars" "$out"
  echo "a body of $chars characters gives messages of about $(measure "$chars" "$@") bytes"
}

# Makes at BASE the branch the sends go from: the demo branch without its
# logo (about 4 KB of every letter, inline; the event's calendar file
# stays), with a list "Bench" of the people in CSV. Prints the id of its
# first event. COMMAND is the binary, with whatever goes before it.
# Usage: bench_branch BASE CSV COMMAND...
bench_branch() {
  local base=$1 csv=$2
  shift 2
  "$@" --db "$base" demo >/dev/null
  "$@" --db "$base" branch set logo "" >/dev/null
  "$@" --db "$base" list create Bench >/dev/null
  "$@" --db "$base" subscribers import "$csv" --list Bench >/dev/null
  "$@" --db "$base" event list --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])'
}

# One whole `announce` of the branch's event EVENT on DB, with the body in
# BODY, to the sink (start_sink) over CONNECTIONS connections, as every
# sending benchmark times it; stops the benchmark with the command's errors
# (kept in $work/announce.err) if it fails. COMMAND is the binary, with
# whatever goes before it.
# Usage: announce_at_sink DB EVENT BODY CONNECTIONS COMMAND...
announce_at_sink() {
  local db=$1 event=$2 body=$3 connections=$4
  shift 4
  "$@" --db "$db" announce "$event" --list Bench --body-file "$body" \
    --smtp "smtp://127.0.0.1:$port?security=plain" --connections "$connections" >/dev/null 2>"$work/announce.err" \
    || { echo "handbill announce failed ($*):"; cat "$work/announce.err"; exit 1; }
}

# How many deliveries of the first announcement of DB are recorded sent.
# Usage: sent_of DB COMMAND...
sent_of() {
  local db=$1
  shift
  "$@" --db "$db" send status --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["progress"]["sent"])'
}

# Lays a fresh copy of the branch BASE at DB for a round: the file and
# whatever lies beside it under its name (its write-ahead log, its record),
# with no copy from an earlier round left.
# Usage: round_copy BASE DB
round_copy() {
  local base=$1 db=$2 f
  rm -rf "$db"* "$(dirname "$db")/.backups"
  for f in "$base"*; do [ -f "$f" ] && cp "$f" "$db${f#"$base"}"; done
  return 0
}
