# What every benchmark here needs: the time now in milliseconds, and the
# median of numbers read one a line. Sourced by the scripts beside it.

now_ms() { date +%s%3N; }
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
