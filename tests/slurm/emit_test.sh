#!/usr/bin/env bash
# The batch scripts of `cgsim sweep/plan ... --emit slurm DIR` against their golden text (paths
# replaced by @TMP@ and @CGSIM@), shellcheck-clean when shellcheck is installed; then run without a
# scheduler through a stand-in sbatch (array tasks one after another, in this shell's process
# tree), whose merged outputs must equal the unsharded commands' byte for byte. The real scheduler
# runs them in slurm_sharded.
# Usage: emit_test.sh CGSIM [--update]  (--update rewrites the golden files)
set -euo pipefail
cgsim="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
golden="$(cd "$(dirname "$0")" && pwd)/golden"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/cgsim-emit-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$tmp/my study.yaml" <<'EOF2'
name: emit-sweep
seed: 5
duration: 20s
topics: [{name: t, partitions: 4}]
producers:
  - {topic: t, rate: {kind: poisson, per_second: 500}, keys: {kind: uniform, cardinality: 100}}
groups:
  - id: g
    topics: [t]
    consumers: {count: 2, processing_time: {kind: exponential, mean: 1ms}}
faults:
  - {at: 10s, crash: g/0}
EOF2
sweep=("$tmp/my study.yaml" --vary "groups.0.consumers.count=2,3" --set "name=it's \$HOME" --seeds 3 --max-events 1e8)
plan=("$tmp/my study.yaml" --slo p99_latency=50ms --slo "max_lag=1e6" --seeds 2 --partitions "4,6")

cd "$tmp"
"$cgsim" sweep "${sweep[@]}" --out out/sweep --emit slurm jobs/sweep --shards 3 --sbatch=--partition=batch --report --quiet
"$cgsim" plan "${plan[@]}" --out out/plan --emit slurm jobs/plan --shards 2 --jobs 2 --quiet

# Refusals: --emit without --shards, with --shard, another scheduler, a directory #SBATCH cannot hold.
for bad in "--emit slurm jobs/x" "--emit slurm jobs/x --shards 2 --shard 0/2" "--emit pbs jobs/x --shards 2"; do
  set +e
  # shellcheck disable=SC2086
  msg="$("$cgsim" sweep "${sweep[@]}" --out out/x $bad 2>&1)"; code=$?
  set -e
  if ((code != 2)) || [[ "$msg" != *"--emit"* ]]; then fail "sweep $bad: exit $code, $msg"; fi
done
set +e
msg="$("$cgsim" sweep "${sweep[@]}" --out out/x --emit slurm "jobs/a b" --shards 2 2>&1)"; code=$?
set -e
if ((code != 2)) || [[ "$msg" != *"#SBATCH"* ]]; then fail "a directory with a space: exit $code, $msg"; fi

check() {  # check EMITTED GOLDEN
  local text
  text="$(sed -e "s|$cgsim|@CGSIM@|g" -e "s|$tmp|@TMP@|g" "$1")"
  if [[ "${UPDATE:-0}" == 1 ]]; then printf '%s\n' "$text" >"$golden/$2"; return; fi
  diff -u "$golden/$2" <(printf '%s\n' "$text") || fail "$1 differs from tests/slurm/golden/$2"
}
[[ "${2:-}" == --update ]] && UPDATE=1
check jobs/sweep/sweep-array.sbatch sweep-array.sbatch
check jobs/sweep/merge.sbatch sweep-merge.sbatch
check jobs/sweep/submit.sh sweep-submit.sh
check jobs/plan/round.sbatch plan-round.sbatch
check jobs/plan/submit.sh plan-submit.sh
if command -v shellcheck >/dev/null; then
  shellcheck -s bash jobs/sweep/*.sbatch jobs/sweep/submit.sh jobs/plan/round.sbatch jobs/plan/submit.sh ||
    fail "shellcheck found problems in the emitted scripts"
  checked="shellcheck-clean"
else
  checked="shellcheck not installed"
fi

# A stand-in sbatch: runs the script's array tasks one after another, now (so --dependency and
# --wait hold), and prints a job id; an option before the script is skipped, arguments after it
# go to the script.
mkdir bin
cat >bin/sbatch <<'EOF2'
#!/usr/bin/env bash
set -euo pipefail
while [[ "$1" == -* ]]; do shift; done
script="$1"; shift
range="$(sed -n 's/^#SBATCH --array=0-\([0-9]*\)$/\1/p' "$script")"
for ((k = 0; k <= ${range:-0}; k++)); do
  if [[ -n "$range" ]]; then SLURM_ARRAY_TASK_ID=$k bash "$script" "$@"; else bash "$script" "$@"; fi
done
echo "$RANDOM"
EOF2
chmod +x bin/sbatch
PATH="$tmp/bin:$PATH" bash jobs/sweep/submit.sh >/dev/null
"$cgsim" sweep "${sweep[@]}" --jobs 2 --quiet --report --out full/sweep
for f in sweep.json sweep.csv runs.csv report.md; do
  cmp "full/sweep/$f" "out/sweep/$f" || fail "$f differs between the unsharded sweep and the emitted scripts' run"
done
prc=0
"$cgsim" plan "${plan[@]}" --jobs 2 --quiet --out full/plan || prc=$?
src=0
PATH="$tmp/bin:$PATH" bash jobs/plan/submit.sh 2>/dev/null || src=$?
((src == prc)) || fail "the emitted plan driver exited with $src, the unsharded plan with $prc"
for f in plan.json summary.json; do
  cmp "full/plan/$f" "out/plan/$f" || fail "$f differs between the unsharded plan and the emitted scripts' run"
done
rounds="$(find jobs/plan -maxdepth 1 -name 'round-*' -type d | wc -l)"
echo "ok: emitted scripts match the golden text ($checked); sweep and plan ($rounds rounds) run by them byte-identical"
