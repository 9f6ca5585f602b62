#!/usr/bin/env bash
# cgsim-plan-k8s.sh: drives a sharded `cgsim plan` on Kubernetes, one Indexed Job per round
# (docs/cluster.md, "Kubernetes").
#
#   cgsim-plan-k8s.sh [--from-round R] [--max-rounds R] [--round-timeout DURATION] [TEMPLATE]
#
# TEMPLATE (default: cgsim-plan-round-job.yaml beside this script) holds the round's two Jobs with
# ${ROUND} for the round number. Round r: substitutes r (and only ROUND: the pods need
# ${JOB_COMPLETION_INDEX}), applies both Jobs, waits for the merge Job, and reads from its log
# whether the plan is complete. Before round 1 nothing may be left in /data/plan from an earlier
# plan (the first round starts without --state, the later ones read /data/plan/out/plan-state.json).
# --from-round R resumes a stopped driver at round R: the "next_round" of
# /data/plan/out/plan-state.json, or the round whose Jobs were last applied. Applying a round's Jobs
# again leaves existing ones unchanged (the driver then waits for them), and a re-run pod rewrites
# its shard with the same bytes, so the rounds before R are not run again.
# Exit: 0 when the plan is complete (the merge log gives the plan's status: 0, or 1 when some point
# has no configuration meeting the SLOs), 2 bad usage, 3 a round failed or timed out.
set -euo pipefail
max_rounds=100 timeout=24h first=1
template="$(dirname "${BASH_SOURCE[0]}")/cgsim-plan-round-job.yaml"
while (($#)); do
  case "$1" in
    --from-round) first="${2:?--from-round R}"; shift 2 ;;
    --max-rounds) max_rounds="${2:?--max-rounds R}"; shift 2 ;;
    --round-timeout) timeout="${2:?--round-timeout DURATION, e.g. 6h}"; shift 2 ;;
    -*) echo "usage: $0 [--from-round R] [--max-rounds R] [--round-timeout DURATION] [TEMPLATE]" >&2; exit 2 ;;
    *) template="$1"; shift ;;
  esac
done
[[ -r "$template" ]] || { echo "cgsim-plan-k8s: cannot read $template" >&2; exit 2; }
[[ "$first" =~ ^[1-9][0-9]*$ ]] || { echo "cgsim-plan-k8s: --from-round: expected a round number from 1" >&2; exit 2; }
for ((r = first; r <= max_rounds; r++)); do
  echo "round $r: applying the round's Jobs" >&2
  # shellcheck disable=SC2016  # ${ROUND} is envsubst's variable list, not an expansion
  ROUND="$r" envsubst '${ROUND}' <"$template" | kubectl apply -f -
  if ! kubectl wait --for=condition=complete "job/cgsim-plan-merge-$r" --timeout="$timeout"; then
    echo "cgsim-plan-k8s: round $r did not complete; see kubectl logs job/cgsim-plan-round-$r;" \
      "delete its Jobs and resume with $0 --from-round $r" >&2
    exit 3
  fi
  log="$(kubectl logs "job/cgsim-plan-merge-$r")"
  if [[ "$log" == *"cgsim-plan: complete"* ]]; then
    echo "$log" | grep 'cgsim-plan: complete' >&2
    exit 0
  fi
done
echo "cgsim-plan-k8s: no answer after $max_rounds rounds" >&2
exit 3
