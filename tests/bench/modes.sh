# The three ways a branch is stored, for the benchmarks of what encryption
# costs (send-encrypted.sh, import-encrypted.sh; issue 22): plain
# (HANDBILL_ENCRYPT=0), passphrase (HANDBILL_PASSPHRASE) and keychain (a new
# key kept in the keychain, the default on a desktop). Sourced after common.sh.

passphrase="benchmark branch passphrase"

# Runs COMMAND with the environment of MODE.
# Usage: as_mode MODE COMMAND...
as_mode() {
  local mode=$1; shift
  case $mode in
    plain) HANDBILL_ENCRYPT=0 "$@" ;;
    passphrase) HANDBILL_PASSPHRASE="$passphrase" "$@" ;;
    keychain) HANDBILL_ENCRYPT=1 "$@" ;;
  esac
}

# Sets `modes`: plain and passphrase, and keychain when a keychain answers
# (run under with-keychain.sh, or in a desktop session). PROBE_COMMAND must
# make a new branch at FILE; it is run with HANDBILL_ENCRYPT=1, and the
# keychain answered when FILE came out encrypted.
# Usage: choose_modes FILE PROBE_COMMAND...
choose_modes() {
  local file=$1; shift
  modes=(plain passphrase)
  if HANDBILL_ENCRYPT=1 "$@" </dev/null >/dev/null 2>&1 && [ "$(head -c 15 "$file")" != "SQLite format 3" ]; then
    modes+=(keychain)
  else
    echo "(no keychain answers here: the keychain mode is left out)"
  fi
}

# Prints plain's median and each other mode's, with its ratio to plain: the
# median of the rounds' ratios (each round's runs side by side), read from
# $work/MODE.ms (one time a line, a round a line), against TARGET.
# Usage: over_plain TARGET
over_plain() {
  local target=$1 mode ratio
  echo "plain:      median $(median < "$work/plain.ms") ms"
  for mode in "${modes[@]:1}"; do
    ratio=$(paste "$work/$mode.ms" "$work/plain.ms" | awk '{printf "%.3f\n", $1 / $2}' | median)
    printf "%-11s median %s ms; over plain, round by round: median %s× (target ≤ %s×)\n" \
      "$mode:" "$(median < "$work/$mode.ms")" "$ratio" "$target"
  done
}

# Runs one round: `one MODE` for every mode, in turn, the order reversed in
# even rounds (a shared machine's pace changes for all), and prints the
# round's times.
# Usage: round N
round() {
  local order=("${modes[@]}") line="round $1:" mode
  [ $(($1 % 2)) = 0 ] && order=($(printf '%s\n' "${modes[@]}" | tac))
  for mode in "${order[@]}"; do one "$mode"; line="$line $mode $(tail -1 "$work/$mode.ms") ms;"; done
  echo "$line"
}
