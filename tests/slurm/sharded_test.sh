#!/usr/bin/env bash
# A sharded sweep and a sharded plan on a real single-node Slurm cluster (tests/slurm/slurm-local.sh):
# the scripts `cgsim sweep --emit slurm` writes (a job array, its dependent merge job, and
# submit.sh chaining them) run the sweep; contrib/slurm/cgsim-plan-slurm.sh has `cgsim plan --emit
# slurm` write the round script and its driver and runs one array per plan round; a RabbitMQ plan
# runs through the scripts `plan --emit slurm` writes. The Kafka plan runs again through the
# emitted driver, killed (SIGKILL) once round 2's array is in squeue: `submit.sh --resume` waits
# for that array, keeps round 1, and finishes; a second --resume of the complete plan submits
# nothing. The merged outputs must equal the unsharded commands' byte for byte.
# Usage: sharded_test.sh CGSIM. Exit 77 (skipped) when Slurm or munge is not installed.
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

sed -e 's/name: slurm-sweep/name: slurm-plan/' -e 's/duration: 30s/duration: 90s/' -e 's/per_second: 2000/per_second: 3000/' \
  -e 's/{kind: zipf, cardinality: 1000, exponent: 1.1}/{kind: uniform, cardinality: 1000}/' -e 's/mean: 300us/mean: 1ms/' \
  -e 's/at: 15s/at: 40s/' -e 's/partitions: 6/partitions: 8/' "$tmp/scenario.yaml" >"$tmp/plan.yaml"
plan_args=("$tmp/plan.yaml" --slo p99_latency=50ms --slo recovery=20s --seeds 2 --partitions 8,12)
prc=0
timeout 300 "$cgsim" plan "${plan_args[@]}" --jobs 2 --quiet --out "$tmp/plan_full" || prc=$?
((prc <= 1)) || { echo "FAIL: the unsharded plan exited with $prc"; exit 1; }
rmq_args=("$root/scenarios/mail_jobs_rabbitmq.yaml" --slo p99_latency=30s --seeds 2)
rrc=0
timeout 300 "$cgsim" plan "${rmq_args[@]}" --jobs 2 --quiet --out "$tmp/rmq_full" || rrc=$?
((rrc <= 1)) || { echo "FAIL: the unsharded RabbitMQ plan exited with $rrc"; exit 1; }

# The resume case, run on the cluster: resume.sh JOBS_DIR OUT EXPECTED_STATUS.
cat >"$tmp/resume.sh" <<'EOF2'
set -euo pipefail
jobs="$1" out="$2" expected="$3"
bash "$jobs/submit.sh" --round-timeout 200 2>"$jobs/driver-1.log" &
driver=$!
for ((i = 0; i < 1500; i++)); do
  squeue -h -u "$(id -un)" -o %j | grep -q -- '-r2$' && break
  kill -0 "$driver" 2>/dev/null || { echo "FAIL: the driver ended before round 2: $(cat "$jobs/driver-1.log")"; exit 1; }
  sleep 0.2
done
kill -KILL "$driver"
wait "$driver" 2>/dev/null || true
cp "$out/plan-state.json" "$jobs/state-after-round-1.json"
grep -q "round 2: submitting" "$jobs/driver-1.log" || { echo "FAIL: the driver was not killed in round 2"; exit 1; }
before="$(stat -c %Y "$jobs"/round-1/shard-*/shard.json)"
rc=0
timeout 400 bash "$jobs/submit.sh" --resume --round-timeout 200 2>"$jobs/driver-2.log" || rc=$?
cat "$jobs/driver-2.log" >&2
((rc == expected)) || { echo "FAIL: the resumed driver exited with $rc, the unsharded plan with $expected"; exit 1; }
! grep -q "^round 1:" "$jobs/driver-2.log" || { echo "FAIL: the resumed driver ran round 1 again"; exit 1; }
[[ "$(stat -c %Y "$jobs"/round-1/shard-*/shard.json)" == "$before" ]] || { echo "FAIL: round 1's shards were rewritten"; exit 1; }
# Complete: a stand-in sbatch that fails shows that nothing is submitted.
mkdir -p "$jobs/no-sbatch"
printf '#!/bin/sh\necho "sbatch called" >&2\nexit 99\n' >"$jobs/no-sbatch/sbatch"
chmod +x "$jobs/no-sbatch/sbatch"
rc=0
msg="$(PATH="$jobs/no-sbatch:$PATH" bash "$jobs/submit.sh" --resume 2>&1)" || rc=$?
{ ((rc == expected)) && [[ "$msg" == *"already complete"* && "$msg" != *"sbatch called"* ]]; } ||
  { echo "FAIL: resume of the complete plan: exit $rc, $msg"; exit 1; }
# Back to the state after round 1, with round 2's shard 1 lost: --resume submits task 1 alone.
cp "$jobs/state-after-round-1.json" "$out/plan-state.json"
rm -rf "$jobs/round-2/shard-1"
rc=0
timeout 300 bash "$jobs/submit.sh" --resume --round-timeout 200 2>"$jobs/driver-3.log" || rc=$?
cat "$jobs/driver-3.log" >&2
{ ((rc == expected)) && grep -q "^round 2: submitting 1 of 3 tasks" "$jobs/driver-3.log"; } ||
  { echo "FAIL: the resume with one lost shard: exit $rc"; exit 1; }
EOF2

# The cluster stops by itself if this script dies; every wait is bounded.
export CGSIM_SLURM_STATE="$tmp/slurm-state" CGSIM_SLURM_PARENT_PID=$$ CGSIM_SLURM_MAX_SECONDS=1200
rc=0
cat >"$tmp/on-cluster.sh" <<EOF2
set -euo pipefail
"$cgsim" sweep $(printf '%q ' "${args[@]}") --emit slurm "$tmp/sharded/jobs" --shards 5 --out "$tmp/sharded" --quiet
timeout 300 bash "$tmp/sharded/jobs/submit.sh" --wait
prc=0
timeout 400 bash "$root/contrib/slurm/cgsim-plan-slurm.sh" --shards 3 --out "$tmp/plan_sharded" --cgsim "$cgsim" \
  --round-timeout 200 -- $(printf '%q ' "${plan_args[@]}") || prc=\$?
((prc == $prc)) || { echo "FAIL: the Slurm plan exited with \$prc, the unsharded plan with $prc"; exit 1; }
"$cgsim" plan $(printf '%q ' "${rmq_args[@]}") --out "$tmp/rmq_sharded" --emit slurm "$tmp/rmq_jobs" --shards 2 --quiet
rrc=0
timeout 400 bash "$tmp/rmq_jobs/submit.sh" --round-timeout 200 || rrc=\$?
((rrc == $rrc)) || { echo "FAIL: the Slurm RabbitMQ plan exited with \$rrc, the unsharded plan with $rrc"; exit 1; }
"$cgsim" plan $(printf '%q ' "${plan_args[@]}") --out "$tmp/plan_resumed" --emit slurm "$tmp/resume_jobs" --shards 3 --quiet
bash "$tmp/resume.sh" "$tmp/resume_jobs" "$tmp/plan_resumed" $prc
EOF2
timeout 1100 bash "$root/tests/slurm/slurm-local.sh" run -- bash "$tmp/on-cluster.sh" || rc=$?
if ((rc == 77)); then echo "skipped: Slurm or munge is not installed"; exit 77; fi
if ((rc != 0)); then
  tail -n 20 "$tmp"/sharded/jobs/*.log "$tmp"/plan_sharded/slurm/*.log "$tmp"/rmq_jobs/*.log "$tmp"/resume_jobs/*.log \
    2>/dev/null || true
  echo "FAIL: the Slurm runs exited with $rc"
  exit 1
fi
for f in sweep.json sweep.csv runs.csv; do
  cmp "$tmp/full/$f" "$tmp/sharded/$f" || { echo "FAIL: $f differs between the unsharded and the Slurm sweep"; exit 1; }
done
n="$(find "$tmp"/sharded/jobs -maxdepth 1 -name 'shard-*' -type d | wc -l)"
((n == 5)) || { echo "FAIL: expected 5 shard directories, found $n"; exit 1; }
for f in plan.json summary.json lag.csv group_lag.csv throughput.csv timeline.csv latency_cdf.csv; do
  cmp "$tmp/plan_full/$f" "$tmp/plan_sharded/$f" || { echo "FAIL: $f differs between the unsharded and the Slurm plan"; exit 1; }
  cmp "$tmp/plan_full/$f" "$tmp/plan_resumed/$f" || { echo "FAIL: $f differs between the unsharded and the resumed plan"; exit 1; }
done
rm -f "$tmp"/rmq_full/timing.json "$tmp"/rmq_sharded/timing.json "$tmp"/rmq_sharded/plan-state.json
diff -r "$tmp/rmq_full" "$tmp/rmq_sharded" >/dev/null ||
  { echo "FAIL: the RabbitMQ plan's files differ: $(diff -rq "$tmp/rmq_full" "$tmp/rmq_sharded")"; exit 1; }
rounds="$(find "$tmp"/plan_sharded/slurm -maxdepth 1 -name 'round-*' -type d | wc -l)"
rmq_rounds="$(find "$tmp"/rmq_jobs -maxdepth 1 -name 'round-*' -type d | wc -l)"
waited="no"
grep -q "waiting for array job" "$tmp/resume_jobs/driver-2.log" && waited="yes"
echo "ok: sweep of 12 units in 5 array tasks, Kafka plan in $rounds rounds of 3 tasks and RabbitMQ plan in" \
  "$rmq_rounds rounds of 2 tasks, merged outputs byte-identical; the Kafka plan killed in round 2 and resumed" \
  "(resume waited for round 2's array: $waited), and resumed with one lost shard, identical too"
