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
cd "$src"  # scenario paths stay relative, as the goldens name them
fail() { echo "FAIL: $*"; exit 1; }
check() {  # check NAME FILE: FILE equals the golden NAME (or becomes it with --update)
  if [[ "$update" == --update ]]; then cp "$2" "$golden/$1"; return; fi
  cmp -s "$2" "$golden/$1" || { diff "$golden/$1" "$2" | head -20; fail "$1 differs from its golden"; }
}

# --set on a family scenario, and its errors.
"$cgsim" run "scenarios/mail_jobs_rabbitmq.yaml" --set consumers.0.count=6 --json >"$tmp/set.json"
grep -q '"name": "mail_workers/5"' "$tmp/set.json" || fail "--set consumers.0.count=6 did not make six mail workers"
set +e
msg="$("$cgsim" run "scenarios/chat_pulsar_failover.yaml" --set subscriptions.0.consumers.count=x 2>&1)"; code=$?
set -e
((code == 2)) || fail "a bad --set value exited with $code, expected 2"
[[ "$msg" == *"--set subscriptions.0.consumers.count=x"*"subscriptions[0].consumers.count"* ]] || fail "unexpected message: $msg"

# Small sweeps of the four family scenarios.
sweep() {  # sweep NAME SCENARIO AXIS
  local name="$1" sc="scenarios/$2.yaml" axis="$3"
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

# Reports of a family run (run --report) and of a family sweep (cgsim report DIR).
"$cgsim" run "scenarios/chat_pulsar_failover.yaml" -q --out "$tmp/run" --report --trace "$tmp/trace.json"
grep -q '"name":"crash delivery/0"' "$tmp/trace.json" || fail "the trace has no crash event"
for f in summary.json backlog.csv report.html report.md plots/backlog.svg plots/latency-percentiles.svg; do
  [[ -s "$tmp/run/$f" ]] || fail "run --report wrote no $f"
done
grep -q "Subscription delivery (Failover subscription on chat)" "$tmp/run/report.md" || fail "report.md has no subscription section"
check failover.backlog.csv "$tmp/run/backlog.csv"
"$cgsim" report "$tmp/mail/j1" >/dev/null
grep -q "requeues" "$tmp/mail/j1/report.md" || fail "the sweep report has no requeues column"
check mail.sweep.report.md "$tmp/mail/j1/report.md"

# plan: the fewest consumers on the Key_Shared subscription, with a crash at peak. Per-key order
# through a crash needs acks sent one by one: with the client's grouped acks the planner refuses
# ordering_violations=0 before simulating (exit 1, the reason printed).
set +e
msg="$("$cgsim" plan "scenarios/player_events_pulsar_key_shared.yaml" --slo ordering_violations=0 2>&1)"; code=$?
set -e
((code == 1)) || fail "ordering_violations=0 with grouped acks exited with $code, expected 1"
grep -q "cannot be guaranteed with a consumer crash" <<<"$msg" || fail "the refused ordering SLO gives no reason: $msg"
"$cgsim" plan "scenarios/player_events_pulsar_key_shared.yaml" --slo p99_latency=200ms --slo ordering_violations=0 \
  --slo duplicates=1000 --set subscriptions.0.ack_group_time=0 --jobs 2 -q --out "$tmp/plan" --report
check key_shared.plan.json "$tmp/plan/plan.json"
[[ -s "$tmp/plan/report.html" && -s "$tmp/plan/backlog.csv" ]] || fail "plan --report wrote no report or run"
set +e
msg="$("$cgsim" plan "scenarios/mail_jobs_rabbitmq.yaml" --slo recovery=10s 2>&1)"; code=$?
set -e
((code == 2)) || fail "a recovery SLO on a RabbitMQ plan exited with $code, expected 2"

# The cost budget: a run over it is refused with exit 2 before it starts.
set +e
msg="$("$cgsim" run "scenarios/mail_jobs_rabbitmq.yaml" --max-events 1000 2>&1)"; code=$?
set -e
((code == 2)) || fail "a run over --max-events exited with $code, expected 2"
[[ "$msg" == *"--max-events"* ]] || fail "unexpected message: $msg"
echo "PASS"
