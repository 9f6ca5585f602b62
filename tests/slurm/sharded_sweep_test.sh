#!/usr/bin/env bash
# A sharded sweep on a real single-node Slurm cluster (tests/slurm/slurm-local.sh): the job array
# of contrib/slurm/cgsim-sweep-slurm.sh runs the shards, its dependent job merges them, and the
# merged sweep.json, sweep.csv and runs.csv must equal the unsharded sweep's byte for byte.
# Usage: sharded_sweep_test.sh CGSIM. Exit 77 (skipped) when Slurm or munge is not installed.
set -euo pipefail
cgsim="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
root="$(cd "$(dirname "$0")/../.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/cgsim-slurm-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/scenario.yaml" <<'EOF2'
name: slurm-sweep
seed: 11
duration: 30s
broker: {initial_rebalance_delay: 1s}
topics: [{name: t, partitions: 6}]
producers:
  - {topic: t, rate: {kind: poisson, per_second: 2000}, keys: {kind: zipf, cardinality: 1000, exponent: 1.1}}
groups:
  - id: g
    topics: [t]
    session_timeout: 6s
    heartbeat_interval: 2s
    consumers: {count: 2, processing_time: {kind: exponential, mean: 300us}}
faults:
  - {at: 15s, crash: g/0}
EOF2
args=("$tmp/scenario.yaml" --vary groups.0.consumers.count=2,3,4 --vary groups.0.session_timeout=6s,10s --seeds 2)

timeout 300 "$cgsim" sweep "${args[@]}" --jobs 2 --quiet --out "$tmp/full"

# The cluster stops by itself if this script dies; every wait is bounded.
export CGSIM_SLURM_STATE="$tmp/slurm-state" CGSIM_SLURM_PARENT_PID=$$ CGSIM_SLURM_MAX_SECONDS=600
rc=0
timeout 480 bash "$root/tests/slurm/slurm-local.sh" run -- \
  timeout 400 bash "$root/contrib/slurm/cgsim-sweep-slurm.sh" --shards 5 --out "$tmp/sharded" --cgsim "$cgsim" \
  --wait -- "${args[@]}" || rc=$?
if ((rc == 77)); then echo "skipped: Slurm or munge is not installed"; exit 77; fi
if ((rc != 0)); then
  tail -n 20 "$tmp"/sharded/slurm/*.log 2>/dev/null || true
  echo "FAIL: the Slurm sweep exited with $rc"
  exit 1
fi
for f in sweep.json sweep.csv runs.csv; do
  cmp "$tmp/full/$f" "$tmp/sharded/$f" || { echo "FAIL: $f differs between the unsharded and the Slurm sweep"; exit 1; }
done
n="$(ls -d "$tmp"/sharded/shards/* | wc -l)"
((n == 5)) || { echo "FAIL: expected 5 shard directories, found $n"; exit 1; }
echo "ok: 12 units in 5 Slurm array tasks, merged outputs byte-identical with the unsharded sweep"
