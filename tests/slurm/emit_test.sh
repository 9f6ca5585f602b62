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

# A stand-in sbatch: runs the script's array tasks (its #SBATCH --array, or --array=K1,K2,... given
# before the script) one after another, now (so --dependency and --wait hold), logs them in
# sbatch.log and prints a job id; other options before the script are skipped, arguments after it
# go to the script. The stand-in squeue lists no job.
mkdir bin
cat >bin/sbatch <<'EOF2'
#!/usr/bin/env bash
set -euo pipefail
list=""
while [[ "$1" == -* ]]; do
  case "$1" in --array=*) list="${1#--array=}" ;; esac
  shift
done
script="$1"; shift
range="$(sed -n 's/^#SBATCH --array=0-\([0-9]*\)$/\1/p' "$script")"
if [[ -z "$list" && -n "$range" ]]; then list="$(seq -s, 0 "$range")"; fi
echo "$(basename "$script") $* tasks ${list:-none}" >>sbatch.log
if [[ -z "$list" ]]; then bash "$script" "$@"; fi
IFS=, read -ra tasks <<<"$list"
for k in "${tasks[@]}"; do SLURM_ARRAY_TASK_ID=$k bash "$script" "$@"; done
echo "$RANDOM"
EOF2
printf '#!/bin/sh\n' >bin/squeue
chmod +x bin/sbatch bin/squeue
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

# submit.sh --resume: of a complete plan, submits nothing and exits with the plan's status.
: >sbatch.log
src=0
msg="$(PATH="$tmp/bin:$PATH" bash jobs/plan/submit.sh --resume 2>&1)" || src=$?
{ ((src == prc)) && [[ "$msg" == *"already complete"* && ! -s sbatch.log ]]; } ||
  fail "resume of a complete plan: exit $src (plan $prc), $msg; sbatch calls: $(cat sbatch.log)"
# A driver stopped after round 1 (--max-rounds 1), with round 2's shard 1 run and shard 0 left
# from another round: --resume submits only task 0 of round 2 and ends with the same bytes.
rm -rf out/plan
src=0
msg="$(PATH="$tmp/bin:$PATH" bash jobs/plan/submit.sh --max-rounds 1 2>&1)" || src=$?
{ ((src == 3)) && [[ "$msg" == *"resume with: bash $tmp/jobs/plan/submit.sh --resume --max-rounds 1 "* ]]; } ||
  fail "a driver stopped by --max-rounds: exit $src, $msg"
SLURM_ARRAY_TASK_ID=1 bash jobs/plan/round.sbatch 2
mkdir -p jobs/plan/round-2/shard-0 && cp jobs/plan/round-1/shard-0/shard.json jobs/plan/round-2/shard-0/
: >sbatch.log
src=0
PATH="$tmp/bin:$PATH" bash jobs/plan/submit.sh --resume 2>/dev/null || src=$?
((src == prc)) || fail "the resumed plan driver exited with $src, the unsharded plan with $prc"
[[ "$(cat sbatch.log)" == "round.sbatch 2 tasks 0" ]] || fail "the resumed driver submitted: $(cat sbatch.log)"
for f in plan.json summary.json; do
  cmp "full/plan/$f" "out/plan/$f" || fail "$f differs between the unsharded plan and the resumed driver's"
done
# A state of another plan (other --seeds, same output directory) is refused, and nothing submitted.
"$cgsim" plan "${plan[@]:0:5}" --partitions 4,6 --seeds 3 --out out/plan --emit slurm jobs/other --shards 2 --quiet
: >sbatch.log
set +e
msg="$(PATH="$tmp/bin:$PATH" bash jobs/other/submit.sh --resume 2>&1)"; code=$?
set -e
{ ((code == 2)) && [[ "$msg" == *"other plan options"* && ! -s sbatch.log ]]; } ||
  fail "resume from another plan's state: exit $code, $msg"
# A driver terminated while it waits for a round names the command that resumes.
mkdir bin2
printf '#!/bin/sh\necho $$ >sbatch.pid\nexec sleep 60\n' >bin2/sbatch
chmod +x bin2/sbatch
PATH="$tmp/bin2:$PATH" bash jobs/plan/submit.sh 2>term.log &
driver=$!
for ((i = 0; i < 100; i++)); do [[ -s sbatch.pid ]] && break; sleep 0.1; done
kill -TERM "$driver"
code=0
wait "$driver" || code=$?
kill "$(cat sbatch.pid)" 2>/dev/null || true
{ ((code == 143)) && grep -q "resume with: bash $tmp/jobs/plan/submit.sh --resume" term.log; } ||
  fail "a terminated driver: exit $code, $(cat term.log)"
echo "ok: emitted scripts match the golden text ($checked); sweep and plan ($rounds rounds) run by them byte-identical;" \
  "the plan driver resumes"
