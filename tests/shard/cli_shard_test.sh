#!/usr/bin/env bash
# `cgsim sweep/plan --shard` and `cgsim merge` through the command line, without a scheduler: a
# plan run round by round (every shard of a round, then merge, until plan-state.json says
# complete) writes the unsharded plan's files byte for byte, and merge and --state refuse what does
# not belong together with exit 2 and a message naming it.
# Usage: cli_shard_test.sh CGSIM
set -euo pipefail
cgsim="$1"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/cgsim-shard-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$tmp/plan.yaml" <<'EOF2'
name: shard-plan
seed: 11
duration: 90s
broker: {initial_rebalance_delay: 1s}
topics: [{name: t, partitions: 8}]
producers:
  - {topic: t, rate: {kind: poisson, per_second: 3000}, keys: {kind: uniform, cardinality: 1000}}
groups:
  - id: g
    topics: [t]
    session_timeout: 6s
    heartbeat_interval: 2s
    consumers: {count: 2, processing_time: {kind: exponential, mean: 1ms}}
faults:
  - {at: 40s, crash: g/0}
EOF2
args=("$tmp/plan.yaml" --slo p99_latency=50ms --slo recovery=20s --seeds 2 --partitions 8,12)
rc=0
timeout 300 "$cgsim" plan "${args[@]}" --jobs 2 --quiet --out "$tmp/full" || rc=$?
((rc <= 1)) || fail "the unsharded plan exited with $rc"

N=3
state=()
complete=0
for ((r = 1; r <= 20; r++)); do
  dirs=()
  for ((k = 0; k < N; k++)); do
    timeout 300 "$cgsim" plan "${args[@]}" "${state[@]}" --shard "$k/$N" --jobs 1 --quiet --out "$tmp/r$r/$k"
    dirs+=("$tmp/r$r/$k")
  done
  if ((r == 1)); then
    # Missing and duplicated shards, exit 2 and named.
    msg="$("$cgsim" merge "${dirs[0]}" "${dirs[2]}" --out "$tmp/bad" 2>&1)" && fail "merge accepted a missing shard"
    [[ "$msg" == *"missing shard 1/3"* ]] || fail "unexpected message: $msg"
    set +e; "$cgsim" merge "${dirs[@]}" "${dirs[1]}" --out "$tmp/bad" >/dev/null 2>&1; code=$?; set -e
    ((code == 2)) || fail "merge of a duplicated shard exited with $code, expected 2"
  fi
  mrc=0
  "$cgsim" merge "${dirs[@]}" --out "$tmp/merged" --quiet || mrc=$?
  if grep -q '"complete": true' "$tmp/merged/plan-state.json"; then
    ((mrc == rc)) || fail "the final merge exited with $mrc, the unsharded plan with $rc"
    complete=1
    break
  fi
  ((mrc == 0)) || fail "merging round $r exited with $mrc"
  state=(--state "$tmp/merged/plan-state.json")
done
((complete)) || fail "the plan did not complete in 20 rounds"
((r > 1)) || fail "expected a plan of several rounds, got $r"
for f in plan.json summary.json lag.csv group_lag.csv throughput.csv timeline.csv latency_cdf.csv; do
  cmp "$tmp/full/$f" "$tmp/merged/$f" || fail "$f differs between the unsharded and the sharded plan"
done

# A state of other options, or of a completed plan, is refused.
set +e
msg="$("$cgsim" plan "${args[@]:0:5}" --seeds 3 --partitions 8,12 --state "$tmp/merged/plan-state.json" --shard 0/2 --out "$tmp/x" 2>&1)"; code=$?
set -e
((code == 2)) && [[ "$msg" == *"other plan options"* ]] || fail "--state of other options: exit $code, $msg"
set +e
msg="$("$cgsim" plan "${args[@]:0:5}" --seeds 3 --partitions 8,12 --state "$tmp/merged/plan-state.json" --check-state 2>&1)"; code=$?
set -e
((code == 2)) && [[ "$msg" == *"other plan options"* ]] || fail "--check-state of other options: exit $code, $msg"
set +e
msg="$("$cgsim" plan "${args[@]}" --state "$tmp/merged/plan-state.json" --shard 0/2 --out "$tmp/x" 2>&1)"; code=$?
set -e
((code == 2)) && [[ "$msg" == *"no round is left"* ]] || fail "--state of a complete plan: exit $code, $msg"

# A plan's merge reads the scenario: an edited file is refused.
cp "$tmp/plan.yaml" "$tmp/plan.orig"
echo "# edited" >>"$tmp/plan.yaml"
set +e
msg="$("$cgsim" merge "$tmp"/r1/0 "$tmp"/r1/1 "$tmp"/r1/2 --out "$tmp/bad" 2>&1)"; code=$?
set -e
((code == 2)) && [[ "$msg" == *"has changed since the shards ran"* ]] || fail "merge after an edit: exit $code, $msg"
cp "$tmp/plan.orig" "$tmp/plan.yaml"

# Shards of a sweep and of another scenario do not merge with a plan's.
cp "$tmp/plan.yaml" "$tmp/sweep.yaml"
"$cgsim" sweep "$tmp/sweep.yaml" --shard 0/1 --out "$tmp/sw" --quiet
set +e
msg="$("$cgsim" merge "$tmp/r1/0" "$tmp/sw" --out "$tmp/bad" 2>&1)"; code=$?
set -e
((code == 2)) || fail "merge of a plan and a sweep shard exited with $code"

# The cost budget applies to each shard's own units: a sweep refused as a whole (its 300 s point is
# over --max-events) runs shard by shard with the budget each needs, a shard with no units runs
# under any budget, and the merge (no budget of its own) gives the unsharded sweep's bytes.
b=("$tmp/sweep.yaml" --vary duration=50s,300s --seeds 1 --quiet)
set +e; "$cgsim" sweep "${b[@]}" --max-events 1e5 --out "$tmp/b_full" 2>/dev/null; code=$?; set -e
((code == 2)) || fail "the sweep over the budget exited with $code, expected 2"
"$cgsim" sweep "${b[@]}" --max-events 1e5 --shard 0/3 --out "$tmp/b0" || fail "shard 0/3 (50 s point) refused under its budget"
set +e; msg="$("$cgsim" sweep "${b[@]}" --max-events 1e5 --shard 1/3 --out "$tmp/b1" 2>&1)"; code=$?; set -e
((code == 2)) && [[ "$msg" == *"duration=300s"* && "$msg" != *"duration=50s"* ]] || fail "shard 1/3 over the budget: exit $code, $msg"
"$cgsim" sweep "${b[@]}" --max-events 1e7 --shard 1/3 --out "$tmp/b1"
"$cgsim" sweep "${b[@]}" --max-events 1 --shard 2/3 --out "$tmp/b2" || fail "a shard without units was refused"
"$cgsim" merge "$tmp/b0" "$tmp/b1" "$tmp/b2" --out "$tmp/b_merged" --quiet
"$cgsim" sweep "${b[@]}" --out "$tmp/b_full"
for f in sweep.json sweep.csv runs.csv; do
  cmp "$tmp/b_full/$f" "$tmp/b_merged/$f" || fail "$f of the shards run under their own budgets differs"
done
# The same for a plan: each candidate's run is estimated at about 14 MiB, and --jobs 4 starts the
# four runs of round 1 at once (55 MiB), over --max-memory 30MiB; split into 4 shards of one unit
# a round, each shard runs one run at a time under that budget. The merge (which re-runs the
# recommended configuration without estimating it) gives the bytes of the unsharded plan run with
# a budget big enough, and --check-state reports the plan complete with its status.
p=("$tmp/plan.yaml" --slo p99_latency=50ms --slo recovery=20s --seeds 1 --jobs 4 --quiet)
set +e; msg="$("$cgsim" plan "${p[@]}" --max-memory 30MiB --out "$tmp/p_refused" 2>&1)"; code=$?; set -e
((code == 2)) && [[ "$msg" == *"(--max-memory)"* && "$msg" == *"4 runs at once"* ]] ||
  fail "the plan over the budget: exit $code, $msg"
prc=0
"$cgsim" plan "${p[@]}" --max-memory 1GiB --out "$tmp/p_full" || prc=$?
((prc <= 1)) || fail "the plan under a big budget exited with $prc"
state=()
for ((br = 1; br <= 20; br++)); do
  dirs=()
  for ((k = 0; k < 4; k++)); do
    "$cgsim" plan "${p[@]}" --max-memory 30MiB "${state[@]}" --shard "$k/4" --out "$tmp/pr$br/$k" ||
      fail "round $br shard $k/4 refused under its budget"
    dirs+=("$tmp/pr$br/$k")
  done
  mrc=0
  "$cgsim" merge "${dirs[@]}" --out "$tmp/p_merged" --quiet || mrc=$?
  state=(--state "$tmp/p_merged/plan-state.json")
  info="$("$cgsim" plan "${p[@]}" --max-memory 30MiB "${state[@]}" --check-state)"
  [[ "$info" == complete* ]] && break
  ((mrc == 0)) || fail "merging budget round $br exited with $mrc"
  [[ "$info" == "next $((br + 1)) "* ]] || fail "--check-state after round $br: $info"
done
((br > 1)) || fail "expected the budget plan to take several rounds, got $br"
[[ "$info" == "complete $prc" && $mrc == "$prc" ]] || fail "the budget plan: merge $mrc, --check-state \"$info\", unsharded $prc"
for f in plan.json summary.json lag.csv group_lag.csv throughput.csv timeline.csv latency_cdf.csv; do
  cmp "$tmp/p_full/$f" "$tmp/p_merged/$f" || fail "$f of the plan shards run under their own budgets differs"
done
echo "ok: plan in $r rounds of $N shards byte-identical with the unsharded plan; bad merges refused;" \
  "sweep and plan ($br rounds) over the budget as a whole run as shards under it"
