#!/usr/bin/env bash
# Times cgsim's assignors against Kafka 3.9.1's on the group shapes of Kafka's JMH assignor
# benchmarks and prints the speed-up per shape.
#
#   tests/reference/bench_ratio.sh BENCH_BINARY [FILTER] [ITERATIONS]
#
# BENCH_BINARY is the built bench/assignor_bench; FILTER a regular expression over shape names
# (default: every assignor, 100/1,000/10,000 members, 10 partitions per member, 100 topics,
# homogeneous, full assignment); ITERATIONS the least number of Java runs to warm up and per timed
# block.
#
# Both sides time the assignor call on inputs built beforehand and measure alike: Google Benchmark
# runs each shape for at least 0.5 s per repetition; the harness warms Kafka's assignor up for at
# least WARMUP_MS (default 2000) milliseconds, then times blocks of at least 0.5 s. Each side
# reports the median of REPETITIONS (default 3) repetitions' mean time. For the server assignors the
# "e2e ms" column is cgsim's whole entry point (group view from names, assignment, sorted report).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench="${1:?usage: bench_ratio.sh BENCH_BINARY [FILTER] [ITERATIONS]}"
filter="${2:-members:(100|1000|10000)/ratio:10/topics:100/homogeneous/no_racks/full}"
iterations="${3:-5}"
repetitions="${REPETITIONS:-3}"
warmup_ms="${WARMUP_MS:-2000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bench" --dump-cases "$work/cases.json" --filter "$filter" >&2
"$here/run.sh" --time "$iterations" --warmup-ms "$warmup_ms" --min-time-ms 500 --repetitions "$repetitions" \
  < "$work/cases.json" > "$work/kafka.json"
"$bench" --benchmark_filter="$filter" --benchmark_repetitions="$repetitions" --benchmark_report_aggregates_only=true \
  --benchmark_format=json > "$work/cgsim.json"

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
names = json.load(open(f"{work}/cases.json.names"))
kafka = json.load(open(f"{work}/kafka.json"))
scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
cgsim = {}
for b in json.load(open(f"{work}/cgsim.json"))["benchmarks"]:
    if b.get("aggregate_name", "median") == "median":
        cgsim[b.get("run_name", b["name"])] = b["real_time"] * scale[b["time_unit"]]
print(f"{'shape':<90} {'Kafka ms':>10} {'cgsim ms':>10} {'speed-up':>9} {'e2e ms':>9}")
for name, k in zip(names, kafka):
    ours = cgsim.get(name)
    e2e = cgsim.get(name + "/end_to_end")
    e2e_text = f"{e2e:>9.3f}" if e2e is not None else f"{'':>9}"
    if ours is None or "micros" not in k:
        print(f"{name:<90} {'-':>10} {'-':>10} {'-':>9} {e2e_text}")
        continue
    theirs = k["micros"] / 1000.0
    print(f"{name:<90} {theirs:>10.3f} {ours:>10.3f} {theirs / ours:>8.1f}x {e2e_text}")
PY
