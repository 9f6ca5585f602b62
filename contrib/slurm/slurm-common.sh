# shellcheck shell=bash
# slurm-common.sh: what cgsim-sweep-slurm.sh and cgsim-plan-slurm.sh share, sourced by both
# (keep it beside them): the options they both take, the checks of those options, the cgsim
# binary's absolute path, and the flags that have cgsim write the batch scripts
# (`--emit slurm DIR/slurm`). The sourcing script defines die() first.
#
# Options: --shards N, --out DIR, --cgsim PATH, --jobs J, --sbatch ARG (repeatable), --report;
# each value may also be given as --option=value.

shards="" out="" cgsim="" jobs=1 report=0
sbatch_args=()
emit_args=()

# Takes the option at "$1" (and its value) if it is one of the common ones: sets its variable and
# `consumed` to the number of arguments it used; `consumed` is 0 for any other argument.
# shellcheck disable=SC2034  # `consumed` is read by the sourcing script
parse_common_option() {
  consumed=1
  case "$1" in
    --shards) shards="${2:-}"; consumed=2 ;;
    --shards=*) shards="${1#*=}" ;;
    --out) out="${2:-}"; consumed=2 ;;
    --out=*) out="${1#*=}" ;;
    --cgsim) cgsim="${2:-}"; consumed=2 ;;
    --cgsim=*) cgsim="${1#*=}" ;;
    --jobs) jobs="${2:-}"; consumed=2 ;;
    --jobs=*) jobs="${1#*=}" ;;
    --sbatch) sbatch_args+=("${2:-}"); consumed=2 ;;
    --sbatch=*) sbatch_args+=("${1#*=}") ;;
    --report) report=1 ;;
    *) consumed=0 ;;
  esac
}

# Checks --shards, --jobs and --out; makes --out absolute.
check_common_options() {
  [[ "$shards" =~ ^[1-9][0-9]*$ ]] || die "--shards: expected a positive integer, got \"$shards\""
  [[ "$jobs" =~ ^[1-9][0-9]*$ ]] || die "--jobs: expected a positive integer, got \"$jobs\""
  [[ -n "$out" ]] || die "--out DIR is required"
  mkdir -p "$out"
  out="$(cd "$out" && pwd)"
}

# Refuses, among the command's own arguments, the flags this script sets.
check_command_arguments() {
  local a
  for a in "$@"; do
    case "$a" in
      --shard|--shard=*|--shards|--shards=*|--out|--out=*|--report|--jobs|--jobs=*|-j|--emit|--emit=*|--sbatch|--sbatch=*|--state|--state=*|--json|--trace|--trace=*)
        die "$a: set by this script or not available on a cluster; leave it out of the command's options" ;;
    esac
  done
}

# Sets cgsim to the absolute path of the binary the nodes run (--cgsim, else the one on PATH).
resolve_cgsim() {
  if [[ -z "$cgsim" ]]; then cgsim="$(command -v cgsim)" || die "cgsim is not on PATH; give --cgsim PATH"; fi
  [[ -x "$cgsim" ]] || die "--cgsim: $cgsim is not an executable"
  cgsim="$(cd "$(dirname "$cgsim")" && pwd)/$(basename "$cgsim")"
}

# Sets emit_args: the flags after which `cgsim sweep|plan ...` writes the batch scripts into
# $out/slurm instead of running.
set_emit_arguments() {
  local a
  emit_args=(--emit slurm "$out/slurm" --shards "$shards" --jobs "$jobs" --out "$out" --quiet)
  ((report)) && emit_args+=(--report)
  for a in "${sbatch_args[@]}"; do emit_args+=("--sbatch=$a"); done
  return 0
}
