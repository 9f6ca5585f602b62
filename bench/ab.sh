#!/usr/bin/env bash
# Compares two builds of one benchmark under the same machine conditions: each round runs binary A
# on one core and binary B on the other at the same time (swapping cores every round), so a slow
# spell of a shared machine weighs on both alike. Prints each binary's median of a counter and the
# median, smallest and largest per-round ratio B/A.
#
#   bash bench/ab.sh [--rounds N] [--counter NAME] BINARY_A BINARY_B [benchmark flags...]
#
#   --rounds N      rounds (default 10); each runs both binaries once with the given flags
#   --counter NAME  the Google Benchmark counter to compare (default x_real_time; higher is better
#                   for rates, lower for times such as s_per_event)
#
# Example, KG-1 at the previous commit against the working tree:
#   git worktree add /tmp/prev HEAD~1 && cmake -S /tmp/prev -B /tmp/prev/build -G Ninja \
#     -DCMAKE_BUILD_TYPE=Release -DCGSIM_BUILD_BENCH=ON && cmake --build /tmp/prev/build --target kg1_bench
#   bash bench/ab.sh /tmp/prev/build/bench/kg1_bench build/bench/kg1_bench
#   bash bench/ab.sh --counter s_per_event /tmp/prev/build/bench/engine_bench build/bench/engine_bench \
#     '--benchmark_filter=Hold/1000$' --benchmark_min_time=0.5
#
# Needs two cores and taskset (util-linux). Run-to-run spread on a shared machine is easily 10%
# per round; a difference of a few percent needs ten rounds or more before its median means much.
set -euo pipefail

rounds=10
counter=x_real_time
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --counter) counter="$2"; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
if [ $# -lt 2 ]; then
  echo "ab.sh: needs two benchmark binaries (see --help)" >&2
  exit 2
fi
a="$1"; b="$2"; shift 2
for bin in "$a" "$b"; do
  [ -x "$bin" ] || { echo "ab.sh: $bin is not an executable" >&2; exit 2; }
done
case "$rounds" in ''|*[!0-9]*) echo "ab.sh: --rounds needs a whole number, got \"$rounds\"" >&2; exit 2 ;; esac
[ "$rounds" -ge 1 ] || { echo "ab.sh: --rounds must be at least 1" >&2; exit 2; }
command -v taskset >/dev/null || { echo "ab.sh: taskset not found (util-linux)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# value FILE: the counter's first value in a benchmark's console output, in base units.
value() {
  python3 - "$1" "$counter" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"\b" + re.escape(sys.argv[2]) + r"=([0-9.]+)([munkMG]?)", text)
if not m:
    sys.exit("ab.sh: no counter %s in the output:\n%s" % (sys.argv[2], text[-2000:]))
scale = {"": 1, "m": 1e-3, "u": 1e-6, "n": 1e-9, "k": 1e3, "M": 1e6, "G": 1e9}[m.group(2)]
print(float(m.group(1)) * scale)
EOF
}

: > "$tmp/values"
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 0 ]; then ca=0; cb=1; else ca=1; cb=0; fi
  taskset -c "$ca" "$a" "$@" > "$tmp/a.txt" 2>&1 &
  pid=$!
  taskset -c "$cb" "$b" "$@" > "$tmp/b.txt" 2>&1
  wait "$pid"
  echo "$(value "$tmp/a.txt") $(value "$tmp/b.txt")" >> "$tmp/values"
done
python3 - "$tmp/values" "$counter" "$a" "$b" <<'EOF'
import statistics, sys
rows = [tuple(map(float, line.split())) for line in open(sys.argv[1]) if line.strip()]
a = [r[0] for r in rows]
b = [r[1] for r in rows]
ratios = [y / x for x, y in rows]
print("%s over %d paired rounds" % (sys.argv[2], len(rows)))
print("  A %-50s median %.6g" % (sys.argv[3], statistics.median(a)))
print("  B %-50s median %.6g" % (sys.argv[4], statistics.median(b)))
print("  B/A per round: median %.3f, smallest %.3f, largest %.3f" % (statistics.median(ratios), min(ratios), max(ratios)))
EOF
