#!/bin/bash
# Runs the plan on Slurm round by round: submits round R's array and waits for it, merges its
# shards into the output directory, and repeats until plan-state.json says the plan is complete;
# the last merge writes what the unsharded plan writes. Run it where sbatch works (a login node).
#   submit.sh [--max-rounds R (100)] [--round-timeout SECONDS (86400)]
# Exit: the plan's status (0; 1 when some point has no configuration meeting the SLOs), 2 bad
# usage, 3 a round's array failed or timed out (its logs: round-R-K.log here).
set -euo pipefail
max_rounds=100 round_timeout=86400
while (($#)); do
  case "$1" in
    --max-rounds) max_rounds="${2:?--max-rounds R}"; shift 2 ;;
    --round-timeout) round_timeout="${2:?--round-timeout SECONDS}"; shift 2 ;;
    *) echo "usage: $0 [--max-rounds R] [--round-timeout SECONDS]" >&2; exit 2 ;;
  esac
done
mkdir -p @TMP@/out/plan
rm -f @TMP@/out/plan/plan-state.json
for ((r = 1; r <= max_rounds; r++)); do
  echo "round ${r}: submitting 2 tasks" >&2
  if ! timeout "$round_timeout" sbatch --parsable --wait --job-name="cgsim-plan-r${r}" \
      --output=@TMP@/jobs/plan/round-"${r}"-%a.log @TMP@/jobs/plan/round.sbatch "$r" >/dev/null; then
    tail -n 5 @TMP@/jobs/plan/round-"${r}"-*.log >&2 || true
    echo "round ${r} failed or timed out; see @TMP@/jobs/plan/round-${r}-*.log" >&2
    exit 3
  fi
  dirs=()
  for ((k = 0; k < 2; k++)); do dirs+=(@TMP@/jobs/plan/round-"${r}"/shard-"${k}"); done
  rc=0
  @CGSIM@ merge "${dirs[@]}" --out @TMP@/out/plan --quiet || rc=$?
  if grep -q '"complete": true' @TMP@/out/plan/plan-state.json 2>/dev/null; then
    echo "plan complete after ${r} rounds: outputs in @TMP@/out/plan" >&2
    exit "$rc"
  fi
  if ((rc != 0)); then echo "merging round ${r} failed (${rc})" >&2; exit "$rc"; fi
done
echo "no answer after ${max_rounds} rounds" >&2
exit 3
