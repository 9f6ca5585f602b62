#!/usr/bin/env bash
# `cgsim plan --shard` of RabbitMQ and Pulsar scenarios, rounds driven here as a scheduler would
# (every shard of a round, then merge, until plan-state.json says complete): the merged files must
# equal the unsharded plan's byte for byte, and a round's shards must not merge with another
# round's.
# Usage: family_plan_shard_test.sh CGSIM SCENARIO_DIR
set -euo pipefail
cgsim="$1"
scenarios="$(cd "$2" && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/cgsim-family-shard-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

plan_sharded() {  # plan_sharded NAME N ARGS...: runs the rounds, sets `rounds`
  local name="$1" n="$2"
  shift 2
  local rc=0 mrc state=() dirs r k
  timeout 300 "$cgsim" plan "$@" --jobs 2 --quiet --out "$tmp/$name/full" || rc=$?
  ((rc <= 1)) || fail "$name: the unsharded plan exited with $rc"
  for ((r = 1; r <= 40; r++)); do
    dirs=()
    for ((k = 0; k < n; k++)); do
      timeout 300 "$cgsim" plan "$@" "${state[@]}" --shard "$k/$n" --jobs 1 --quiet --out "$tmp/$name/r$r/$k"
      dirs+=("$tmp/$name/r$r/$k")
    done
    if ((r == 2)); then
      set +e; msg="$("$cgsim" merge "$tmp/$name/r1/0" "${dirs[@]:1}" --out "$tmp/$name/bad" 2>&1)"; code=$?; set -e
      ((code == 2)) || fail "$name: shards of rounds 1 and 2 merged (exit $code): $msg"
    fi
    mrc=0
    "$cgsim" merge "${dirs[@]}" --out "$tmp/$name/merged" --quiet || mrc=$?
    if grep -q '"complete": true' "$tmp/$name/merged/plan-state.json"; then
      ((mrc == rc)) || fail "$name: the final merge exited with $mrc, the unsharded plan with $rc"
      rounds=$r
      rm -f "$tmp/$name/full/timing.json" "$tmp/$name/merged/timing.json" "$tmp/$name/merged/plan-state.json"
      diff -r "$tmp/$name/full" "$tmp/$name/merged" >/dev/null ||
        fail "$name: the merged files differ from the unsharded plan's: $(diff -rq "$tmp/$name/full" "$tmp/$name/merged")"
      return
    fi
    ((mrc == 0)) || fail "$name: merging round $r exited with $mrc"
    state=(--state "$tmp/$name/merged/plan-state.json")
  done
  fail "$name: the plan did not complete in 40 rounds"
}

plan_sharded rabbitmq 3 "$scenarios/mail_jobs_rabbitmq.yaml" --slo p99_latency=30s --seeds 2 --vary seed=1,2
((rounds > 1)) || fail "rabbitmq: expected several rounds, got $rounds"
rmq_rounds=$rounds
plan_sharded pulsar 4 "$scenarios/player_events_pulsar_key_shared.yaml" --slo p99_latency=200ms --slo duplicates=1000 --seeds 2
((rounds > 1)) || fail "pulsar: expected several rounds, got $rounds"
pulsar_rounds=$rounds
# An explicit --consumers list is one round.
plan_sharded rabbitmq_listed 2 "$scenarios/mail_jobs_rabbitmq.yaml" --slo p99_latency=30s --consumers 3,5,8 --seeds 2 --failures 1
((rounds == 1)) || fail "rabbitmq --consumers: expected one round, got $rounds"
echo "ok: RabbitMQ plans in $rmq_rounds and 1 rounds, Pulsar plan in $pulsar_rounds rounds, merged byte-identical with the unsharded plans"
