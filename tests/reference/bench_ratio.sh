#!/usr/bin/env bash
# Times cgsim's assignors against Kafka 3.9.1's on the group shapes of Kafka's JMH assignor
# benchmarks and prints the speed-up per shape.
#
#   tests/reference/bench_ratio.sh BENCH_BINARY [FILTER] [ITERATIONS]
#
# BENCH_BINARY is the built bench/assignor_bench; FILTER a regular expression over shape names
# (default: every assignor, 100/1,000/10,000 members, 10 partitions per member, 100 topics,
# homogeneous, full assignment); ITERATIONS the number of timed Java runs per shape (after as many
# warm-up runs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench="${1:?usage: bench_ratio.sh BENCH_BINARY [FILTER] [ITERATIONS]}"
filter="${2:-members:(100|1000|10000)/ratio:10/topics:100/homogeneous/no_racks/full}"
iterations="${3:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bench" --dump-cases "$work/cases.json" --filter "$filter" >&2
"$here/run.sh" --time "$iterations" < "$work/cases.json" > "$work/kafka.json"
"$bench" --benchmark_filter="$filter" --benchmark_format=json > "$work/cgsim.json"

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
names = json.load(open(f"{work}/cases.json.names"))
kafka = json.load(open(f"{work}/kafka.json"))
cgsim = {b["name"]: b for b in json.load(open(f"{work}/cgsim.json"))["benchmarks"]}
print(f"{'shape':<90} {'Kafka ms':>10} {'cgsim ms':>10} {'speed-up':>9}")
for name, k in zip(names, kafka):
    b = cgsim.get(name)
    if b is None or "micros" not in k:
        print(f"{name:<90} {'-':>10} {'-':>10} {'-':>9}")
        continue
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
    ours = b["real_time"] * scale
    theirs = k["micros"] / 1000.0
    print(f"{name:<90} {theirs:>10.3f} {ours:>10.3f} {theirs / ours:>8.1f}x")
PY
