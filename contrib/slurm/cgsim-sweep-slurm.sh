#!/usr/bin/env bash
# cgsim-sweep-slurm.sh: runs `cgsim sweep` as a Slurm job array, one shard per array task, and
# merges the shards in a job that depends on the array.
#
#   cgsim-sweep-slurm.sh --shards N --out DIR [options] -- SCENARIO [sweep options...]
#
# Writes DIR/slurm/sweep-array.sbatch (--array=0-(N-1); task K runs
# `cgsim sweep ... --shard K/N --out DIR/shards/K`) and DIR/slurm/merge.sbatch
# (`cgsim merge DIR/shards/0 ... DIR/shards/N-1 --out DIR`), submits the array and then the merge
# with --dependency=afterok:<array> (cancelled if a task fails), and prints both job ids.
# DIR must be on storage that every node sees. The merged sweep.json, sweep.csv and runs.csv in
# DIR are byte-identical with those of the unsharded `cgsim sweep ... --out DIR`.
#
# Options:
#   --shards N          array tasks (shards); required
#   --out DIR           output directory; required
#   --cgsim PATH        the cgsim binary the nodes run (default: `command -v cgsim`, made absolute)
#   --jobs J            threads per task = --cpus-per-task (default 1)
#   --sbatch ARG        an extra sbatch option for both jobs, e.g. --sbatch=--partition=batch
#                       (repeatable)
#   --report            the merge also writes report.html and report.md
#   --no-submit         only write the two batch scripts
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
for a in "$@"; do
  case "$a" in --shard|--shard=*|--out|--out=*|--report) die "$a: set by this script; leave it out of the sweep options" ;; esac
done
resolve_cgsim

mkdir -p "$out/slurm" "$out/shards"
out="$(cd "$out" && pwd)"
sweep_cmd="$(printf '%q ' "$cgsim" sweep "$@")"
merge_dirs=""
for ((k = 0; k < shards; k++)); do merge_dirs+=" $(printf '%q' "$out/shards/$k")"; done
extra=""
for a in "${sbatch_args[@]}"; do extra+="#SBATCH $a"$'\n'; done

cat >"$out/slurm/sweep-array.sbatch" <<EOF2
#!/bin/bash
#SBATCH --job-name=cgsim-sweep
#SBATCH --array=0-$((shards - 1))
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=${jobs}
#SBATCH --output=${out}/slurm/shard-%a.log
${extra}set -euo pipefail
k="\${SLURM_ARRAY_TASK_ID:?not a Slurm array task}"
exec ${sweep_cmd}--shard "\${k}/${shards}" --jobs ${jobs} --quiet --out $(printf '%q' "$out/shards")/"\${k}"
EOF2
cat >"$out/slurm/merge.sbatch" <<EOF2
#!/bin/bash
#SBATCH --job-name=cgsim-merge
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --output=${out}/slurm/merge.log
${extra}set -euo pipefail
exec $(printf '%q' "$cgsim") merge${merge_dirs} --out $(printf '%q' "$out")$( ((report)) && echo " --report") --quiet
EOF2
((submit)) || { echo "$out/slurm/sweep-array.sbatch"; echo "$out/slurm/merge.sbatch"; exit 0; }

array_id="$(sbatch --parsable "$out/slurm/sweep-array.sbatch")"
array_id="${array_id%%;*}"
wait_flag=()
((wait)) && wait_flag=(--wait)
echo "array job ${array_id}: ${shards} shards" >&2
if ((wait)); then
  merge_out="$(sbatch --parsable --kill-on-invalid-dep=yes --dependency="afterok:${array_id}" --wait \
    "$out/slurm/merge.sbatch")" || { echo "merge job failed or was cancelled: see $out/slurm/*.log" >&2; exit 1; }
  echo "merge job ${merge_out%%;*} done: outputs in $out" >&2
else
  merge_id="$(sbatch --parsable --kill-on-invalid-dep=yes --dependency="afterok:${array_id}" "$out/slurm/merge.sbatch")"
  echo "merge job ${merge_id%%;*} runs after it: outputs in $out" >&2
  echo "${array_id} ${merge_id%%;*}"
fi
