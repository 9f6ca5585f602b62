#!/bin/bash
# Runs the plan on Slurm round by round: submits round R's array and waits for it, merges its
# shards into the output directory, and repeats until plan-state.json says the plan is complete;
# the last merge writes what the unsharded plan writes. Run it where sbatch works (a login node).
#   submit.sh [--resume] [--max-rounds R (100)] [--round-timeout SECONDS (86400)]
# Without --resume the plan starts afresh. --resume goes on from the rounds merged into
# plan-state.json (refused, exit 2, when it belongs to another plan): it waits for the next
# round's array if it is still queued or running, submits only the shards whose shard.json is
# missing or from another state, merges, and goes on; for a complete plan it submits nothing.
# Exit: the plan's status (0; 1 when some point has no configuration meeting the SLOs), 2 bad
# usage or a state of another plan, 3 a round's array failed or timed out (its logs:
# round-R-K.log here); after a failure or an interruption it prints the command that resumes.
set -euo pipefail
max_rounds=100 round_timeout=86400 resume=0
while (($#)); do
  case "$1" in
    --resume) resume=1; shift ;;
    --max-rounds) max_rounds="${2:?--max-rounds R}"; shift 2 ;;
    --round-timeout) round_timeout="${2:?--round-timeout SECONDS}"; shift 2 ;;
    *) echo "usage: $0 [--resume] [--max-rounds R] [--round-timeout SECONDS]" >&2; exit 2 ;;
  esac
done
if ! [[ "$max_rounds" =~ ^[0-9]+$ && "$round_timeout" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [--resume] [--max-rounds R] [--round-timeout SECONDS]" >&2; exit 2
fi
stop() {  # stop STATUS MESSAGE: exits after naming the command that resumes
  echo "$2" >&2
  echo "resume with: bash $(printf '%q' @TMP@/jobs/plan/submit.sh) --resume --max-rounds ${max_rounds} --round-timeout ${round_timeout}" >&2
  exit "$1"
}
trap 'stop 130 "interrupted (a submitted array keeps running)"' INT
trap 'stop 143 "terminated (a submitted array keeps running)"' TERM
# Round R's array is named cgsim-plan-TAG-rR, TAG a checksum of this directory, so the arrays of
# another plan directory never match.
tag="$(printf '%s' @TMP@/jobs/plan | cksum | cut -d ' ' -f 1)"
mkdir -p @TMP@/out/plan
state=()
if ((resume)); then
  if [[ -e @TMP@/out/plan/plan-state.json ]]; then state=(--state @TMP@/out/plan/plan-state.json); fi
else
  rm -f @TMP@/out/plan/plan-state.json
  rm -rf @TMP@/jobs/plan/round-[0-9]*
fi
first=1 last=0
while :; do
  # Where the state leaves the plan: `next ROUND STATE_HASH` or `complete STATUS`.
  rc=0
  info="$(@CGSIM@ plan "@TMP@/my study.yaml" --slo p99_latency=50ms --slo max_lag=1e6 --partitions 4,6 --seeds 2 "${state[@]}" --check-state)" || rc=$?
  if ((rc != 0)); then
    if ((${#state[@]})); then echo "cannot go on from @TMP@/out/plan/plan-state.json (above); start afresh without --resume" >&2; fi
    exit "$rc"
  fi
  read -r what r hash <<<"$info"
  if [[ "$what" == complete ]]; then
    if ((last)); then
      echo "plan complete after round ${last}: outputs in @TMP@/out/plan" >&2
    else
      echo "the plan is already complete: outputs in @TMP@/out/plan; nothing submitted" >&2
    fi
    exit "$r"  # the plan's status
  fi
  ((r <= max_rounds)) || stop 3 "no answer after ${max_rounds} rounds"
  name="cgsim-plan-${tag}-r${r}"
  start=$SECONDS
  if ((resume && first)); then
    while :; do
      queued="$(squeue -h -u "$(id -un)" -n "$name" -o %A)" || stop 3 "squeue failed"
      [[ -z "$queued" ]] && break
      ((SECONDS - start < round_timeout)) || stop 3 "round ${r}'s array ${name} still runs after ${round_timeout} s"
      echo "round ${r}: waiting for array job ${queued%%[[:space:]]*} (${name}), still queued or running" >&2
      sleep 5
    done
  fi
  first=0
  missing=()
  for ((k = 0; k < 2; k++)); do
    f=@TMP@/jobs/plan/round-"${r}"/shard-"${k}"/shard.json
    if ! { [[ -s "$f" ]] && grep -qx "   \"state_hash\": \"${hash}\"" "$f" && grep -qx "   \"round\": ${r}," "$f"; }; then
      missing+=("$k")
    fi
  done
  if ((${#missing[@]})); then
    echo "round ${r}: submitting ${#missing[@]} of 2 tasks" >&2
    list="$(IFS=,; echo "${missing[*]}")"
    left=$((round_timeout - (SECONDS - start)))
    ((left > 0)) || left=1
    timeout "$left" sbatch --parsable --wait --array="$list" --job-name="$name" \
      --output=@TMP@/jobs/plan/round-"${r}"-%a.log @TMP@/jobs/plan/round.sbatch "$r" >/dev/null &
    if ! wait "$!"; then
      tail -n 5 @TMP@/jobs/plan/round-"${r}"-*.log >&2 || true
      stop 3 "round ${r} failed or timed out; see @TMP@/jobs/plan/round-${r}-*.log"
    fi
  else
    echo "round ${r}: every shard has its output" >&2
  fi
  dirs=()
  for ((k = 0; k < 2; k++)); do dirs+=(@TMP@/jobs/plan/round-"${r}"/shard-"${k}"); done
  rc=0
  @CGSIM@ merge "${dirs[@]}" --out @TMP@/out/plan --quiet || rc=$?
  ((rc <= 1)) || stop "$rc" "merging round ${r} failed (${rc})"
  state=(--state @TMP@/out/plan/plan-state.json)
  last=$r
done
