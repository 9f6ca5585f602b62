#!/usr/bin/env bash
# Runs `cgsim validate` for every shipped Kafka scenario with each consumer client against one Kafka
# broker and prints the scenario x client table of docs/validation.md: the exit code, the verdict,
# and every check that failed (simulated against live, with its tolerance). The runs are serial:
# each one needs the machine to itself, or the host checks call it inconclusive.
#
#   tests/kafka/validate-table.sh CGSIM BOOTSTRAP OUTDIR [TIME_SCALE [REPEAT [SEEDS]]]
#
# CGSIM is the cgsim binary, BOOTSTRAP the broker (tests/kafka/kafka-local.sh prints one), OUTDIR
# receives validation-<scenario>-<client>.json and .log per run and table.md. TIME_SCALE (default
# 0.1) shortens every scenario; REPEAT (default 1) and SEEDS (default 3) are validate's. Set
# CGSIM_TABLE_SCENARIOS to a space-separated list of scenario names to run a subset and
# CGSIM_TABLE_CLIENTS to "java", "librdkafka" or both (the default).
set -uo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
cgsim="$1" bootstrap="$2" out="$3"
scale="${4:-0.1}" repeat="${5:-1}" seeds="${6:-3}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$out"
if [ -n "${CGSIM_TABLE_SCENARIOS:-}" ]; then
  read -r -a names <<<"$CGSIM_TABLE_SCENARIOS"
else
  names=()
  for f in "$here"/scenarios/*.yaml; do
    grep -qE '^\s*kind:\s*(rabbitmq|pulsar)\b' "$f" && continue
    names+=("$(basename "$f" .yaml)")
  done
fi
read -r -a clients <<<"${CGSIM_TABLE_CLIENTS:-java librdkafka}"

summarize() {  # validation.json -> "verdict | failed checks"
  python3 - "$1" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
bad = [c for c in j["checks"] if not c["ok"] and not c["informational"]]
cells = [f'{c["kind"]} {c["subject"]}: {c["simulator"]} vs {c["live"]} ({c["tolerance"]})'.replace("|", "/")
         for c in bad]
print(f'{j["verdict"]} | {len(j["checks"]) - len(bad)}/{len(j["checks"])} | ' + ("; ".join(cells) or "-"))
EOF
}

table="$out/table.md"
{
  echo "| scenario | client | exit | wall s | verdict | checks ok | failed checks (simulated vs live, tolerance) |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
} >"$table"
for n in "${names[@]}"; do
  for c in "${clients[@]}"; do
    base="$out/validation-$n-$c"
    start=$(date +%s)
    "$cgsim" validate "$here/scenarios/$n.yaml" --bootstrap "$bootstrap" --client "$c" \
      --time-scale "$scale" --repeat "$repeat" --seeds "$seeds" --out "$base.d" --quiet >"$base.log" 2>&1
    rc=$?
    wall=$(( $(date +%s) - start ))
    if [ -f "$base.d/validation.json" ]; then
      mv "$base.d/validation.json" "$base.json"
      line="$(summarize "$base.json")"
    else
      line="- | - | $(grep -m1 -iE 'error|refused|cannot' "$base.log" | tr '|' '/' | cut -c1-160)"
    fi
    rm -rf "$base.d"
    echo "| $n | $c | $rc | $wall | $line |" | tee -a "$table"
  done
done
echo "table: $table" >&2
