#!/usr/bin/env bash
# cgsim-plan-slurm.sh: drives `cgsim plan` on Slurm, one job array per search round.
#
#   cgsim-plan-slurm.sh --shards N --out DIR [options] -- SCENARIO [plan options...]
#
# Round r: writes DIR/slurm/round-r.sbatch (--array=0-(N-1); task K runs
# `cgsim plan ... [--state DIR/plan-state.json] --shard K/N --out DIR/rounds/r/K`), submits it,
# waits for the array (sbatch --wait), then merges its shards here with
# `cgsim merge DIR/rounds/r/0 ... --out DIR`, which updates DIR/plan-state.json. When the state
# says the plan is complete, the merge has written plan.json and the recommended configuration's
# run into DIR (byte-identical with `cgsim plan ... --out DIR`) and this script exits with the
# plan's status (0: every point has an answer, 1: some point has none). Run it where the Slurm
# client commands work (a login node, or itself as a small job); DIR must be on shared storage.
#
# Options:
#   --shards N           array tasks per round; required
#   --out DIR            output directory; required
#   --cgsim PATH         the cgsim binary (default: `command -v cgsim`, made absolute)
#   --jobs J             threads per task = --cpus-per-task (default 1)
#   --sbatch ARG         an extra sbatch option for every array (repeatable)
#   --report             the final merge also writes report.html and report.md
#   --max-rounds R       give up after R rounds (default 100)
#   --round-timeout S    give up when one round takes longer than S seconds (default 86400)
#
# Exit codes: the plan's (0, 1); 2 bad usage; 3 a round's array failed or timed out (re-run the
# failed tasks with `sbatch --array=K DIR/slurm/round-r.sbatch`, then merge as above).
set -euo pipefail

die() { printf 'cgsim-plan-slurm: error: %s\n' "$*" >&2; exit 2; }

# shellcheck source=contrib/slurm/slurm-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/slurm-common.sh"
max_rounds=100 round_timeout=86400
while (($#)); do
  parse_common_option "$@"
  if ((consumed)); then shift "$consumed"; continue; fi
  case "$1" in
    --max-rounds) max_rounds="${2:-}"; shift 2 ;;
    --round-timeout) round_timeout="${2:-}"; shift 2 ;;
    --) shift; break ;;
    *) die "unknown option $1 (usage: $0 --shards N --out DIR [options] -- SCENARIO [plan options])" ;;
  esac
done
check_common_options
[[ "$max_rounds" =~ ^[1-9][0-9]*$ ]] || die "--max-rounds: expected a positive integer"
[[ "$round_timeout" =~ ^[1-9][0-9]*$ ]] || die "--round-timeout: expected a positive number of seconds"
(($# > 0)) || die "expected -- SCENARIO [plan options] after the options"
for a in "$@"; do
  case "$a" in
    --shard|--shard=*|--state|--state=*|--out|--out=*|--report|--json|--trace|--trace=*)
      die "$a: set by this script or not available on a cluster; leave it out of the plan options" ;;
  esac
done
resolve_cgsim
mkdir -p "$out/slurm" "$out/rounds"
out="$(cd "$out" && pwd)"
rm -f "$out/plan-state.json"
extra=""
for a in "${sbatch_args[@]}"; do extra+="#SBATCH $a"$'\n'; done
plan_cmd="$(printf '%q ' "$cgsim" plan "$@")"

for ((r = 1; r <= max_rounds; r++)); do
  state=""
  ((r > 1)) && state="--state $(printf '%q' "$out/plan-state.json") "
  script="$out/slurm/round-$r.sbatch"
  cat >"$script" <<EOF2
#!/bin/bash
#SBATCH --job-name=cgsim-plan-r${r}
#SBATCH --array=0-$((shards - 1))
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=${jobs}
#SBATCH --output=${out}/slurm/round-${r}-%a.log
${extra}set -euo pipefail
k="\${SLURM_ARRAY_TASK_ID:?not a Slurm array task}"
exec ${plan_cmd}${state}--shard "\${k}/${shards}" --jobs ${jobs} --quiet --out $(printf '%q' "$out/rounds/$r")/"\${k}"
EOF2
  echo "round $r: submitting $shards tasks" >&2
  if ! timeout "$round_timeout" sbatch --parsable --wait "$script" >/dev/null; then
    tail -n 5 "$out"/slurm/round-"$r"-*.log >&2 2>/dev/null || true
    echo "cgsim-plan-slurm: round $r failed or timed out; see $out/slurm/round-$r-*.log" >&2
    exit 3
  fi
  dirs=()
  for ((k = 0; k < shards; k++)); do dirs+=("$out/rounds/$r/$k"); done
  merge=("$cgsim" merge "${dirs[@]}" --out "$out" --quiet)
  ((report)) && merge+=(--report)
  rc=0
  "${merge[@]}" || rc=$?
  if grep -q '"complete": true' "$out/plan-state.json" 2>/dev/null; then
    echo "plan complete after $r rounds: outputs in $out" >&2
    exit "$rc"
  fi
  ((rc == 0)) || { echo "cgsim-plan-slurm: merging round $r failed ($rc)" >&2; exit "$rc"; }
done
echo "cgsim-plan-slurm: no answer after $max_rounds rounds" >&2
exit 3
