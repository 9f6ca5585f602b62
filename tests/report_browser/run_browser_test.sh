#!/usr/bin/env bash
# Renders cgsim reports in headless Chromium and checks that every plot drew.
#
# Usage: run_browser_test.sh CGSIM_BINARY WORK_DIR SOURCE_DIR
#
# Builds three reports in WORK_DIR (a run, a sweep, and a plan whose directory also holds the
# recommended configuration's run), opens each report.html in headless Chromium, and checks from
# the DOM Chromium dumps after the page's script ran that
#   * the script ran without errors: it sets data-plots (the number of <svg class="plot">) and
#     data-plots-drawn (those with marks and a non-empty laid-out bounding box) on <body>;
#   * every plot drew: data-plots-drawn == data-plots == the number of plots in the file, and the
#     expected number of plots is there;
#   * no page error or failed request was logged;
#   * the sweep's legends name each varied value of the second axis (session_timeout=10s and =30s).
# One screenshot per report is kept in WORK_DIR as the test's artifact (report-plan.png etc.).
# Chromium (Debian package `chromium`) is installed with apt-get when it is missing.
set -euo pipefail

CGSIM=${1:?usage: run_browser_test.sh CGSIM_BINARY WORK_DIR SOURCE_DIR}
WORK=${2:?usage: run_browser_test.sh CGSIM_BINARY WORK_DIR SOURCE_DIR}
SRC=${3:?usage: run_browser_test.sh CGSIM_BINARY WORK_DIR SOURCE_DIR}

if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium not found: installing the Debian package"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "FAIL: chromium is missing and installing it needs root" >&2
      exit 1
    fi
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium
fi

rm -rf "$WORK"
mkdir -p "$WORK"
SCEN="$SRC/scenarios/player_events_hot_keys.yaml"

# A run (with a crash, a rebalance and the fallback latency CDF), a sweep, and a plan.
"$CGSIM" run "$SCEN" --out "$WORK/run" --quiet
"$CGSIM" report "$WORK/run" --trace "$WORK/run/trace.json" --quiet
"$CGSIM" sweep "$SCEN" --set duration=90s --set 'faults=[{at: 40s, crash: player_event_consumers/0}]' \
  --vary groups.0.consumers.count=2,4 --vary groups.0.session_timeout=10s,30s --seeds 2 --out "$WORK/sweep" \
  --quiet --report
"$CGSIM" plan "$SCEN" --set duration=120s --set 'faults=[]' --set groups.0.session_timeout=10s \
  --slo p99_latency=500ms --slo max_lag_seconds=60s --slo recovery=60s --failures 1 --consumers 2,3,4 \
  --out "$WORK/plan" --report --quiet || test $? -eq 1

fail=0
check() {
  local name=$1 expected=$2
  local dir="$WORK/$name"
  local html="$dir/report.html"
  local profile="$WORK/profile-$name"
  rm -rf "$profile"
  local flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
               --disable-background-networking --disable-component-update --disable-sync
               --user-data-dir="$profile" --enable-logging=stderr --v=0)
  timeout 120 chromium "${flags[@]}" --virtual-time-budget=5000 --dump-dom "file://$html" \
    >"$WORK/$name.dom.html" 2>"$WORK/$name.log" || true
  rm -rf "$profile"
  timeout 120 chromium "${flags[@]}" --hide-scrollbars --window-size=1100,4000 \
    --screenshot="$WORK/report-$name.png" "file://$html" >/dev/null 2>>"$WORK/$name.log" || true

  local in_file plots drawn
  in_file=$(grep -o '<svg xmlns="http://www.w3.org/2000/svg" class="plot"' "$html" | wc -l)
  plots=$(grep -o 'data-plots="[0-9]*"' "$WORK/$name.dom.html" | head -1 | tr -dc 0-9 || true)
  drawn=$(grep -o 'data-plots-drawn="[0-9]*"' "$WORK/$name.dom.html" | head -1 | tr -dc 0-9 || true)
  echo "$name: $in_file plots in report.html; browser: data-plots=${plots:-missing} data-plots-drawn=${drawn:-missing}"
  if [ -z "$plots" ] || [ -z "$drawn" ]; then
    echo "FAIL $name: the page's check script did not run (see $WORK/$name.log)" >&2
    fail=1
  elif [ "$plots" != "$in_file" ] || [ "$drawn" != "$plots" ] || [ "$plots" != "$expected" ]; then
    echo "FAIL $name: expected $expected plots, all drawn" >&2
    grep -o '<svg[^>]*data-empty="true"[^>]*>' "$WORK/$name.dom.html" >&2 || true
    fail=1
  fi
  # Every plot has marks in the rendered DOM.
  local marks
  marks=$(grep -c -E 'class="(series|band|bar|point)' "$WORK/$name.dom.html" || true)
  if [ "${marks:-0}" -lt "$expected" ]; then
    echo "FAIL $name: only $marks drawn marks" >&2
    fail=1
  fi
  if grep -E -i 'Uncaught|CONSOLE\(.*(error|exception)|net::ERR_' "$WORK/$name.log" >&2; then
    echo "FAIL $name: page errors or failed requests" >&2
    fail=1
  fi
  if [ ! -s "$WORK/report-$name.png" ]; then
    echo "FAIL $name: no screenshot" >&2
    fail=1
  fi
}

# run: lag heat map, total lag, lag in seconds, throughput, ownership, latency CDF.
check run 6
# sweep: six metric curves.
check sweep 6
# plan: one curve per SLO (3) plus the recommended configuration's run (6).
check plan 9

# The sweep's legends, as rendered, name every value of the axis each line stands for.
for v in "session_timeout=10s" "session_timeout=30s"; do
  n=$(grep -o "<g class=\"entry\"><title>$v</title>" "$WORK/sweep.dom.html" | wc -l)
  if [ "$n" -lt 6 ]; then
    echo "FAIL sweep: legend entry $v in $n of 6 plots" >&2
    fail=1
  fi
done

if [ "$fail" != 0 ]; then
  echo "0 passed, 1 failed"
  exit 1
fi
echo "screenshots: $WORK/report-run.png $WORK/report-sweep.png $WORK/report-plan.png"
echo "1 passed, 0 failed"
