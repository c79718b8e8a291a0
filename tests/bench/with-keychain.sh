#!/usr/bin/env bash
# Runs a command with a keychain that answers, as on a desktop: a session bus
# of its own and GNOME Keyring with a throwaway "login" collection, unlocked,
# in a scratch folder (the machine's own keyrings are not touched). For the
# benchmarks' keychain mode on a machine without a desktop session:
#
#   tests/bench/with-keychain.sh tests/bench/send-encrypted.sh target/release/handbill
#
# Needs dbus-run-session and gnome-keyring-daemon (apt-get install dbus gnome-keyring).
set -euo pipefail
for tool in dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install dbus gnome-keyring)"; exit 1; }
done
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGUMENTS...]"; exit 2; }
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
mkdir -p "$data/keyrings"
# The collection a new secret goes to; without it the daemon asks for one on screen.
printf login > "$data/keyrings/default"
export XDG_DATA_HOME="$data"
# The daemon creates the login collection with the password it reads, unlocked.
exec dbus-run-session -- bash -c 'eval "$(printf throwaway | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null; exec "$@"' keychain "$@"
