#!/usr/bin/env bash
# cgsim-sweep-slurm.sh: runs `cgsim sweep` as a Slurm job array, one shard per array task, and
# merges the shards in a job that depends on the array.
#
#   cgsim-sweep-slurm.sh --shards N --out DIR [options] -- SCENARIO [sweep options...]
#
# The batch scripts are cgsim's own (`cgsim sweep ... --emit slurm DIR/slurm --shards N --out DIR`):
# DIR/slurm/sweep-array.sbatch (--array=0-(N-1); task K runs `cgsim sweep ... --shard K/N --out
# DIR/slurm/shard-K`), DIR/slurm/merge.sbatch (`cgsim merge DIR/slurm/shard-* --out DIR`) and
# DIR/slurm/submit.sh, which submits the array and then the merge with
# --dependency=afterok:<array> (cancelled if a task fails). This script writes them, runs submit.sh
# and prints both job ids. DIR must be on storage that every node sees. The merged sweep.json,
# sweep.csv and runs.csv in DIR are byte-identical with those of `cgsim sweep ... --out DIR`.
#
# Options:
#   --shards N          array tasks (shards); required
#   --out DIR           output directory; required
#   --cgsim PATH        the cgsim binary the nodes run (default: `command -v cgsim`, made absolute)
#   --jobs J            threads per task = --cpus-per-task (default 1)
#   --sbatch ARG        an extra sbatch option for both jobs, e.g. --sbatch=--partition=batch
#                       (repeatable)
#   --report            the merge also writes report.html and report.md
#   --no-submit         only write the batch scripts
#   --wait              wait for the merge job to end; exit 0 only when it succeeded
#
# Failed shards are re-run with `sbatch --array=K DIR/slurm/sweep-array.sbatch` (a shard's output
# does not depend on when or where it runs), then merge.sbatch is submitted again.
set -euo pipefail

die() { printf 'cgsim-sweep-slurm: error: %s\n' "$*" >&2; exit 2; }

# shellcheck source=contrib/slurm/slurm-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/slurm-common.sh"
submit=1 wait=0
while (($#)); do
  parse_common_option "$@"
  if ((consumed)); then shift "$consumed"; continue; fi
  case "$1" in
    --no-submit) submit=0; shift ;;
    --wait) wait=1; shift ;;
    --) shift; break ;;
    *) die "unknown option $1 (usage: $0 --shards N --out DIR [options] -- SCENARIO [sweep options])" ;;
  esac
done
check_common_options
(($# > 0)) || die "expected -- SCENARIO [sweep options] after the options"
check_command_arguments "$@"
resolve_cgsim

set_emit_arguments
"$cgsim" sweep "$@" "${emit_args[@]}"
((submit)) || { printf '%s\n' "$out/slurm/sweep-array.sbatch" "$out/slurm/merge.sbatch" "$out/slurm/submit.sh"; exit 0; }
if ((wait)); then
  bash "$out/slurm/submit.sh" --wait >/dev/null || { echo "merge job failed or was cancelled: see $out/slurm/*.log" >&2; exit 1; }
  echo "merge done: outputs in $out" >&2
else
  bash "$out/slurm/submit.sh"
fi
