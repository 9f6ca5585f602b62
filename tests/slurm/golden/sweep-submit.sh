#!/bin/bash
# Submits the sweep's array, then its merge, which starts once every task succeeded (a failed
# task cancels it). Prints both job ids. Arguments go to the merge's sbatch: --wait returns
# when the merge ends, with its status. Re-run a failed task K with
# `sbatch --array=K @TMP@/jobs/sweep/sweep-array.sbatch`, then `sbatch @TMP@/jobs/sweep/merge.sbatch`.
set -euo pipefail
array="$(sbatch --parsable @TMP@/jobs/sweep/sweep-array.sbatch)"
array="${array%%;*}"
echo "array job ${array}: 3 tasks" >&2
merge="$(sbatch --parsable --kill-on-invalid-dep=yes --dependency="afterok:${array}" "$@" @TMP@/jobs/sweep/merge.sbatch)"
echo "${array} ${merge%%;*}"
