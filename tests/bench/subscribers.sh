#!/usr/bin/env bash
# Subscriber import and search, measured in one run (issue 6):
#
#  - generates 100,000 sign-up rows (ROWS to change), with a few bad and duplicate rows;
#  - times `sqlite3 .import` of that file into a plain table (no checks at all);
#  - times Handbill's import of the same file: decoding, column recognition,
#    address validation, duplicate detection, merging, consent ledger and search
#    index, in one transaction, into a new database file (target: at most 3×);
#  - times subscriber search on those 100,000 people as an organizer types
#    (each keystroke of a last name, parts of addresses, whole addresses) and
#    prints the median (target: under 10 ms).
#
# Usage: tests/bench/subscribers.sh      (builds the benchmark with the release profile)
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${ROWS:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed (apt-get install sqlite3)"; exit 1; }

cargo build --release --locked --quiet -p handbill-core --example subscribers_bench
bench=target/release/examples/subscribers_bench

csv="$work/signups.csv"
awk -v rows="$rows" 'BEGIN {
  srand(42);
  split("Ana Ben Carmen Deshawn Esther Farah Gabriel Hana Ibrahim Julia Kwame Lucia Marcus Nadia Omar Priya Rosa Samuel Tamika Victor", first, " ");
  split("Alvarez Brooks Cruz Dubois Evans Farouk Gomes Haddad Ito Jones Kowalski Lopes Nguyen Okafor Patel", last, " ");
  split("Boston Cambridge Somerville Chelsea Quincy Malden", city, " ");
  split("en es pt", lang, " ");
  split("volunteer|student|union|volunteer, student||", tags, "|");
  print "Email Address,First Name,Last Name,City,Zip,Language,Tags";
  for (i = 1; i <= rows; i++) {
    f = first[int(rand() * 20) + 1]; l = last[int(rand() * 15) + 1];
    email = tolower(f) "." tolower(l) i "@example.org";
    if (i % 1000 == 0) email = "not-an-address-" i;          # a bad address now and then
    else if (i % 1500 == 0) email = previous;                 # a duplicate of the row before
    previous = email;
    printf "%s,%s,%s,%s,02%03d,%s,\"%s\"\n", email, f, l, city[int(rand() * 6) + 1], int(rand() * 200), lang[int(rand() * 3) + 1], tags[int(rand() * 6) + 1];
  }
}' > "$csv"
echo "Generated $rows rows ($(du -h "$csv" | cut -f1)) in $csv"

now_ms() { date +%s%3N; }

# sqlite3's own CSV import into a plain table, as the baseline.
t0=$(now_ms)
sqlite3 "$work/plain.sqlite" ".import --csv $csv plain"
sqlite_ms=$(( $(now_ms) - t0 ))
plain_rows=$(sqlite3 "$work/plain.sqlite" "SELECT count(*) FROM plain")

# Handbill's import (the same core function `handbill subscribers import` and the window call).
out=$("$bench" "$work/handbill.sqlite" "$csv")
echo "$out" | sed 's/^/  /'
import_ms=$(echo "$out" | awk '/^import_ms/ {print $2}')
median=$(echo "$out" | awk '/^search_median_ms/ {print $2}')
p90=$(echo "$out" | awk '/^search_p90_ms/ {print $2}')

ratio=$(awk -v a="$import_ms" -v b="$sqlite_ms" 'BEGIN { printf "%.2f", a / b }')
echo
echo "sqlite3 .import of $plain_rows rows into a plain table: ${sqlite_ms} ms"
echo "Handbill import with validation and merging:        ${import_ms} ms  (${ratio}× sqlite3; target ≤ 3×)"
echo "Subscriber search median on $rows subscribers:      ${median} ms  (target < 10 ms; p90 ${p90} ms)"
awk -v r="$ratio" -v m="$median" 'BEGIN { exit !(r <= 3 && m < 10) }' \
  && echo "Both targets met." || { echo "A target was missed."; exit 1; }
