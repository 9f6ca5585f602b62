#!/usr/bin/env bash
# cgsim-plan-slurm.sh: drives `cgsim plan` on Slurm, one job array per search round.
#
#   cgsim-plan-slurm.sh --shards N --out DIR [options] -- SCENARIO [plan options...]
#
# The batch scripts are cgsim's own (`cgsim plan ... --emit slurm DIR/slurm --shards N --out DIR`):
# DIR/slurm/round.sbatch (`sbatch round.sbatch R`: --array=0-(N-1); task K runs `cgsim plan ...
# [--state DIR/plan-state.json] --shard K/N --out DIR/slurm/round-R/shard-K`) and
# DIR/slurm/submit.sh, the round driver: it submits a round, waits for the array (sbatch --wait),
# merges its shards here with `cgsim merge ... --out DIR` (which updates DIR/plan-state.json), and
# repeats until the state says the plan is complete. The last merge writes plan.json and the
# recommended configuration's run into DIR (byte-identical with `cgsim plan ... --out DIR`). This
# script writes them and runs the driver. Run it where the Slurm client commands work (a login
# node, or itself as a small job); DIR must be on shared storage.
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
#   --resume             go on from the rounds merged into DIR/plan-state.json (same options as
#                        the stopped run; passed to submit.sh --resume): waits for a round's array
#                        still queued or running, runs only the shards without output
#
# Exit codes: the plan's (0; 1 when some point has no configuration meeting the SLOs); 2 bad
# usage or, with --resume, a state of another plan; 3 a round's array failed or timed out (the
# driver prints the command that resumes: the failed shards run again, the others are kept).
set -euo pipefail

die() { printf 'cgsim-plan-slurm: error: %s\n' "$*" >&2; exit 2; }

# shellcheck source=contrib/slurm/slurm-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/slurm-common.sh"
max_rounds=100 round_timeout=86400 resume=()
while (($#)); do
  parse_common_option "$@"
  if ((consumed)); then shift "$consumed"; continue; fi
  case "$1" in
    --max-rounds) max_rounds="${2:-}"; shift 2 ;;
    --round-timeout) round_timeout="${2:-}"; shift 2 ;;
    --resume) resume=(--resume); shift ;;
    --) shift; break ;;
    *) die "unknown option $1 (usage: $0 --shards N --out DIR [options] -- SCENARIO [plan options])" ;;
  esac
done
check_common_options
[[ "$max_rounds" =~ ^[1-9][0-9]*$ ]] || die "--max-rounds: expected a positive integer"
[[ "$round_timeout" =~ ^[1-9][0-9]*$ ]] || die "--round-timeout: expected a positive number of seconds"
(($# > 0)) || die "expected -- SCENARIO [plan options] after the options"
check_command_arguments "$@"
resolve_cgsim

set_emit_arguments
"$cgsim" plan "$@" "${emit_args[@]}"
exec bash "$out/slurm/submit.sh" "${resume[@]}" --max-rounds "$max_rounds" --round-timeout "$round_timeout"
