#!/usr/bin/env bash
# `cgsim compare` through the command line: the shipped cross-broker scenarios give the same bytes
# for any --jobs, --out writes what --json and the table print, and bad input exits 2 with a
# message naming it.
# Usage: cli_compare_test.sh CGSIM SOURCE_DIR
set -euo pipefail
cgsim="$1"
src="$2"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/cgsim-compare-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

files=("$src"/scenarios/compare_*.yaml)
((${#files[@]} == 5)) || fail "expected 5 scenarios/compare_*.yaml, found ${#files[@]}"
"$cgsim" compare "${files[@]}" --seeds 2 --jobs 1 --json >"$tmp/j1.json"
"$cgsim" compare "${files[@]}" --seeds 2 --jobs 3 --json --out "$tmp/out" >"$tmp/j3.json"
cmp -s "$tmp/j1.json" "$tmp/j3.json" || fail "--jobs 1 and --jobs 3 differ"
cmp -s "$tmp/j1.json" "$tmp/out/compare.json" || fail "--out compare.json differs from --json"
"$cgsim" compare "${files[@]}" --seeds 2 --jobs 2 >"$tmp/t.txt"
cmp -s "$tmp/t.txt" "$tmp/out/compare.txt" || fail "--out compare.txt differs from the table"
for f in "${files[@]}"; do
  grep -q "^$(basename "$f" .yaml) " "$tmp/t.txt" || fail "no row for $f"
done

expect_input_error() {
  local what="$1" needle="$2"
  shift 2
  local rc=0
  "$cgsim" compare "$@" >"$tmp/out.txt" 2>"$tmp/err.txt" || rc=$?
  ((rc == 2)) || fail "$what: exit $rc, expected 2"
  grep -qF -- "$needle" "$tmp/err.txt" || fail "$what: message does not name $needle: $(cat "$tmp/err.txt")"
}
expect_input_error "missing file" "nope.yaml" "$tmp/nope.yaml"
printf 'name: bad\nbroker: {kind: rabbitmq}\nqueues: 3\n' >"$tmp/bad.yaml"
expect_input_error "bad scenario" "bad.yaml" "${files[0]}" "$tmp/bad.yaml"
expect_input_error "--seeds 0" "--seeds" "${files[0]}" --seeds 0
expect_input_error "--jobs 0" "--jobs" "${files[0]}" --jobs 0
echo "ok"
