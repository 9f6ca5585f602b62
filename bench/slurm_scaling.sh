#!/usr/bin/env bash
# Measures sharded sweeps under a local Slurm (tests/slurm/slurm-local.sh): the wall time of a
# 512-unit sweep (8 points x 64 seeds of bench/slurm_unit.yaml) run as an 8-task job array plus its
# merge, on a node with 1 and then 2 CPUs (task slots); and the scheduler's per-task overhead, from
# an array of 64 tasks that do nothing. Prints a Markdown table; docs/performance.md ("Sweeps on a
# cluster") has the figures and the extrapolation to a large cluster.
#
#   bash bench/slurm_scaling.sh [--loaded] [CGSIM]      (default ./build/cli/cgsim)
#
# Times are wall clock: run it alone on the machine (other processes share the slots' cores). It
# refuses to start when the 1-minute load average is 0.5 or more, unless --loaded (the figures are
# then a slice of a contended machine); the load average before and after is printed with them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
loaded=0
if [[ "${1:-}" == --loaded ]]; then loaded=1; shift; fi
cgsim="$(cd "$(dirname "${1:-$root/build/cli/cgsim}")" && pwd)/$(basename "${1:-$root/build/cli/cgsim}")"
if ((!loaded)) && [[ "$(awk '{print ($1 < 0.5)}' /proc/loadavg)" != 1 ]]; then
  echo "slurm_scaling: the load average is $(cut -d' ' -f1 /proc/loadavg), not idle (< 0.5); the speed-up would measure" \
    "the other processes. Run it on an idle machine, or give --loaded to measure anyway." >&2
  exit 3
fi
tmp="$(mktemp -d "${TMPDIR:-/tmp}/cgsim-slurm-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
shards=8 empty_tasks=64
args=("$root/bench/slurm_unit.yaml" --vary groups.0.consumers.count=2,3,4,6 --vary groups.0.session_timeout=6s,10s --seeds 64)

now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "load average before: $(load)" >&2
t0=$(now); "$cgsim" sweep "${args[@]}" --jobs 1 --quiet --out "$tmp/j1"; t1=$(now)
direct1=$(echo "$t1 - $t0" | bc)
t0=$(now); "$cgsim" sweep "${args[@]}" --jobs 2 --quiet --out "$tmp/j2"; t1=$(now)
direct2=$(echo "$t1 - $t0" | bc)

declare -A sweep overhead sweep_wait overhead_wait
for cpus in 1 2; do
  cat >"$tmp/cluster-$cpus.sh" <<EOF2
set -euo pipefail
t0=\$(date +%s.%N)
timeout 900 bash "$root/contrib/slurm/cgsim-sweep-slurm.sh" --shards $shards --out "$tmp/s$cpus" --cgsim "$cgsim" --wait \
  -- $(printf '%q ' "${args[@]}") 2>/dev/null
t1=\$(date +%s.%N)
echo "\$(date -r "$tmp/s$cpus/sweep.json" +%s.%N) - \$t0" | bc >"$tmp/sweep-$cpus"
echo "\$t1 - \$t0" | bc >"$tmp/sweep-wait-$cpus"
mkdir -p "$tmp/empty-$cpus.d"
t0=\$(date +%s.%N)
timeout 600 sbatch --wait --parsable --array=0-$((empty_tasks - 1)) --output="$tmp/empty-$cpus.d/%a" --wrap='date +%s.%N' >/dev/null
t1=\$(date +%s.%N)
echo "\$(sort -n "$tmp/empty-$cpus.d"/* | tail -1) - \$t0" | bc >"$tmp/empty-$cpus"
echo "\$t1 - \$t0" | bc >"$tmp/empty-wait-$cpus"
EOF2
  CGSIM_SLURM_CPUS=$cpus CGSIM_SLURM_STATE="$tmp/state-$cpus" CGSIM_SLURM_PARENT_PID=$$ \
    timeout 1200 bash "$root/tests/slurm/slurm-local.sh" run -- bash "$tmp/cluster-$cpus.sh" 2>/dev/null
  sweep[$cpus]=$(cat "$tmp/sweep-$cpus")
  sweep_wait[$cpus]=$(cat "$tmp/sweep-wait-$cpus")
  overhead[$cpus]=$(cat "$tmp/empty-$cpus")
  overhead_wait[$cpus]=$(cat "$tmp/empty-wait-$cpus")
  cmp -s "$tmp/j1/sweep.json" "$tmp/s$cpus/sweep.json" || { echo "merged sweep.json differs" >&2; exit 1; }
done
echo "load average after: $(load)" >&2

printf '| run | wall s |\n|---|---|\n'
printf '| cgsim sweep, 512 units, --jobs 1 (no scheduler) | %.1f |\n' "$direct1"
printf '| cgsim sweep, 512 units, --jobs 2 (no scheduler) | %.1f |\n' "$direct2"
printf '| Slurm, 1 slot: %d-task array + merge, submit to merged result | %.1f |\n' "$shards" "${sweep[1]}"
printf '| Slurm, 2 slots: %d-task array + merge, submit to merged result | %.1f |\n' "$shards" "${sweep[2]}"
speedup="$(echo "${sweep[1]} / ${sweep[2]}" | bc -l)"
printf '| Slurm speed-up 1 -> 2 slots | %.2fx (target >= 1.8x: %s) |\n' "$speedup" \
  "$( (($(echo "$speedup >= 1.8" | bc -l))) && echo met || echo "not met")"
printf '| Slurm, 1 / 2 slots: until sbatch --wait returned | %.1f / %.1f |\n' "${sweep_wait[1]}" "${sweep_wait[2]}"
printf '| Slurm, 1 slot: %d empty tasks, submit to last task end | %.1f (%.3f s per task) |\n' "$empty_tasks" "${overhead[1]}" "$(echo "${overhead[1]} / $empty_tasks" | bc -l)"
printf '| Slurm, 2 slots: %d empty tasks, submit to last task end | %.1f (%.3f s per task per slot) |\n' "$empty_tasks" "${overhead[2]}" "$(echo "${overhead[2]} * 2 / $empty_tasks" | bc -l)"
printf '| Slurm, 1 / 2 slots: empty tasks until sbatch --wait returned | %.1f / %.1f |\n' "${overhead_wait[1]}" "${overhead_wait[2]}"
