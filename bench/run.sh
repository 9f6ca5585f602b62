#!/usr/bin/env bash
# Runs every benchmark and writes a Markdown report with the machine, the date, the figures against
# the issue's targets, and the exact commands.
#
#   bash bench/run.sh [--quick] [--build DIR] [--out FILE] [--scale-duration D] [--skip-simpy]
#
#   --quick             each benchmark once, briefly (what CI runs so they cannot rot); the report
#                       goes to DIR/bench-results-quick.md unless --out is given
#   --build DIR         build directory (default: $CGSIM_BUILD_DIR or ./build); configured as a
#                       Release build if it does not exist; the benchmark targets are (re)built
#   --out FILE          report path (default: bench/results.md, or the quick path above)
#   --scale-duration D  simulated duration of the scale run (default 1h, the issue's figure: about
#                       15 CPU minutes here; a shorter run, such as 10m, reaches the memory plateau
#                       but the report then does not count the memory target as met)
#   --skip-simpy        leave out the SimPy comparison
#
# The SimPy comparison runs the SimPy model of KG-1 (bench/simpy/kg1.py) under CPython and, when
# pypy3 is installed, under PyPy too, and reports cgsim's speed-up over each (a figure, not a
# target). SimPy is pure Python: PyPy is given the package of the CPython that has it.
#
# The assignor benchmark (bench/assignor_bench.cpp, Kafka's JMH sizes) has its own comparison,
# tests/reference/bench_ratio.sh; here it only gets the brief --quick run.
#
# Full mode takes about 20 CPU minutes (the scale run's hour most of it): longer in wall time
# when other jobs share the cores. Times are reported, never asserted. The exit status is non-zero
# when a benchmark fails to run or when the SimPy model's results differ from cgsim's (a correctness
# check, not a timing one): its events, records, latencies and rebalances, and the work its fetch
# views did (partitions and log entries examined per poll and per fetch), so that the ratio
# compares the same algorithm on both sides.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

quick=0
build="${CGSIM_BUILD_DIR:-build}"
out=""
scale_duration="1h"
simpy=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --build) build="$2"; shift ;;
    --out) out="$2"; shift ;;
    --scale-duration) scale_duration="$2"; shift ;;
    --skip-simpy) simpy=0 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$out" ]; then
  if [ $quick = 1 ]; then out="$build/bench-results-quick.md"; else out="bench/results.md"; fi
fi

# Every bench/*_bench.cpp is a benchmark; the ones this script does not know get a brief run in
# --quick mode so that none can rot.
known=(engine_bench kg1_bench consume_bench scale_bench)
others=()
for src in bench/*_bench.cpp; do
  name=$(basename "$src" .cpp)
  [[ " ${known[*]} " == *" $name "* ]] || others+=("$name")
done
targets=("${known[@]}" "${others[@]}" kg1_trace)
if [ ! -f "$build/build.ninja" ] && [ ! -f "$build/Makefile" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCGSIM_BUILD_BENCH=ON >/dev/null
elif ! grep -q '^CGSIM_BUILD_BENCH:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  # A build directory configured without the benchmarks (-DCGSIM_BUILD_BENCH=OFF): turn them on.
  cmake -S . -B "$build" -DCGSIM_BUILD_BENCH=ON >/dev/null
fi
if ! cmake --build "$build" --target "${targets[@]}" -- -j1 > "$build/bench-build.log" 2>&1; then
  cat "$build/bench-build.log" >&2
  echo "run.sh: building the benchmarks failed" >&2
  exit 1
fi
bin="$build/bench"

# A Python with SimPy: the default python3, else Debian's (python3-simpy3).
py=""
for cand in python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null && "$cand" -c 'import simpy' 2>/dev/null; then py="$cand"; break; fi
done

raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT

# PyPy with SimPy: its own, else the pure-Python package of the CPython above, alone on its path
# (the rest of that CPython's site-packages may hold extension modules PyPy cannot load).
pypy=""
pypy_path=""
if command -v pypy3 >/dev/null; then
  if pypy3 -c 'import simpy' 2>/dev/null; then
    pypy=pypy3
  elif [ -n "$py" ]; then
    simpy_dir=$("$py" -c 'import os, simpy; print(os.path.dirname(simpy.__file__))' 2>/dev/null || true)
    if [ -n "$simpy_dir" ] && [ -z "$(find "$simpy_dir" -name '*.so' -print -quit)" ]; then
      mkdir -p "$raw/pypy-path"
      ln -s "$simpy_dir" "$raw/pypy-path/simpy"
      if PYTHONPATH="$raw/pypy-path" pypy3 -c 'import simpy' 2>/dev/null; then
        pypy=pypy3
        pypy_path="$raw/pypy-path"
      fi
    fi
  fi
fi
status=0
declare -a commands=()
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# run NAME COMMAND...: runs one benchmark, keeps its console output, records the command.
run() {
  local name="$1"; shift
  commands+=("$*")
  echo "== $name: $*" >&2
  if ! "$@" > "$raw/$name.txt" 2> "$raw/$name.err"; then
    echo "run.sh: $name failed:" >&2
    cat "$raw/$name.err" >&2
    status=1
  fi
  cat "$raw/$name.txt" >&2
}

gb_json() { echo "--benchmark_out=$raw/$1.json" "--benchmark_out_format=json"; }

if [ $quick = 1 ]; then
  run engine "$bin/engine_bench" --benchmark_min_time=0.01 $(gb_json engine)
  run kg1 "$bin/kg1_bench" --duration=30s $(gb_json kg1)
  run consume "$bin/consume_bench" --records=200000 $(gb_json consume)
  run scale "$bin/scale_bench" --duration=8s $(gb_json scale)
  for name in "${others[@]}"; do
    case "$name" in
      # The assignor benchmark covers Kafka's JMH sizes (up to 10k members): the smallest case here;
      # tests/reference/bench_ratio.sh runs it in full against Kafka's Java assignors.
      assignor_bench) run "$name" "$bin/$name" --benchmark_min_time=0.01 \
                        '--benchmark_filter=members:100/ratio:10/topics:100/homogeneous/no_racks/full' ;;
      *) run "$name" "$bin/$name" --benchmark_min_time=0.01 ;;
    esac
  done
  # The paired before/after tool, on one binary against itself, so that it cannot rot either.
  run ab bash bench/ab.sh --rounds 1 "$bin/kg1_bench" "$bin/kg1_bench" --duration=2s
  simpy_duration="20s"
else
  reps="--benchmark_repetitions=5 --benchmark_report_aggregates_only=true"
  run engine "$bin/engine_bench" --benchmark_min_time=1 $reps $(gb_json engine)
  run kg1 "$bin/kg1_bench" $reps $(gb_json kg1)
  run consume "$bin/consume_bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true $(gb_json consume)
  run scale "$bin/scale_bench" --duration="$scale_duration" $(gb_json scale)
  simpy_duration=""
fi

# simpy_run NAME SHOWN INTERPRETER...: the SimPy model under one interpreter, shown in the report's
# commands as SHOWN; its JSON goes to NAME.json.
simpy_run() {
  local name="$1" shown="$2"; shift 2
  local args=(--driver "$bin/kg1_trace" --json "$raw/$name.json")
  [ -n "$simpy_duration" ] && args+=(--duration "$simpy_duration")
  commands+=("$shown bench/simpy/kg1.py ${args[*]}")
  echo "== $name: $* bench/simpy/kg1.py ${args[*]}" >&2
  if ! "$@" bench/simpy/kg1.py "${args[@]}" > "$raw/$name.txt" 2> "$raw/$name.err"; then
    echo "run.sh: the SimPy comparison ($name) failed (check mismatch or error):" >&2
    cat "$raw/$name.err" >&2
    status=1
  fi
  cat "$raw/$name.txt" >&2
}

# ratio NAME: cgsim's speed-up over the SimPy model of NAME.json, in CPU time, both replaying.
ratio() {
  "$py" -c 'import json, sys; print("%.1fx" % json.load(open(sys.argv[1]))["ratio_cpu"])' "$raw/$1.json" 2>/dev/null ||
    echo "not measured"
}

if [ $simpy = 1 ]; then
  if [ -z "$py" ]; then
    echo "run.sh: no python3 with SimPy (install python3-simpy3); skipping the SimPy comparison" >&2
  else
    simpy_run simpy "$py" "$py"
    if [ -n "$pypy" ]; then
      if [ -n "$pypy_path" ]; then
        commands+=("# DIR below: a directory holding only a link to $simpy_dir")
        simpy_run simpy-pypy "PYTHONPATH=DIR $pypy" env PYTHONPATH="$pypy_path" "$pypy"
      else
        simpy_run simpy-pypy "$pypy" "$pypy"
      fi
    else
      echo "run.sh: no pypy3 (Debian package pypy3); the SimPy model runs under CPython only" >&2
    fi
    summary="run.sh: KG-1, SimPy model CPU time / cgsim CPU time: CPython $(ratio simpy)"
    [ -n "$pypy" ] && summary+=", PyPy $(ratio simpy-pypy)"
    echo "$summary" >&2
  fi
fi

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
mode=full
[ $quick = 1 ] && mode=quick
report_py="${py:-python3}"
mkdir -p "$(dirname "$out")"
printf '%s\n' "${commands[@]}" > "$raw/commands.txt"
"$report_py" bench/report.py --raw "$raw" --out "$out" --mode "$mode" --build "$build" \
  --load-before "$load_before" --load-after "$load_after" --scale-duration "$scale_duration"
echo "run.sh: wrote $out" >&2
exit $status
