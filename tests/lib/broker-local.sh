# broker-local.sh: what the scripts that run a broker (or a cluster) for the tests on 127.0.0.1
# share, sourced by tests/kafka/kafka-local.sh, tests/rabbitmq/rabbitmq-local.sh,
# tests/pulsar/pulsar-local.sh and tests/slurm/slurm-local.sh: the `start | stop | status | run`
# command line, the state directory and its marker, free ports, stopping processes by pid, the
# watchdog, waiting for readiness and the Maven class path cache.
#
# The sourcing script calls broker_settings, then defines status and start (which prints the
# address), and run and classpath when it has them; running_pid and stop when the defaults below
# do not fit its broker. Its last line is `broker_main "$@"`.

DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1

# broker_settings NAME START_TIMEOUT MAX_SECONDS USAGE_LINES: the settings every script reads
# from CGSIM_<NAME>_STATE (default ${TMPDIR:-/tmp}/cgsim-<name>-<uid>), _START_TIMEOUT and
# _MAX_SECONDS (defaults as given) and _PARENT_PID; USAGE_LINES are the lines of the script's
# header that its usage prints.
broker_settings() {
  local upper
  upper="$(tr '[:lower:]' '[:upper:]' <<<"$1")"
  LOG_TAG="$1-local"
  MARKER=".cgsim-$1-local"
  STATE_VARIABLE="CGSIM_${upper}_STATE"
  local start_timeout="CGSIM_${upper}_START_TIMEOUT" max_seconds="CGSIM_${upper}_MAX_SECONDS"
  local parent="CGSIM_${upper}_PARENT_PID"
  STATE="${!STATE_VARIABLE:-${TMPDIR:-/tmp}/cgsim-$1-$(id -u)}"
  START_TIMEOUT="${!start_timeout:-$2}"
  MAX_SECONDS="${!max_seconds:-$3}"
  PARENT_PID="${!parent:-}"
  USAGE_LINES="$4"
}

log() { printf '%s: %s\n' "$LOG_TAG" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The broker's pid while it runs (the default: the pid file the script's start writes).
running_pid() { pid_from "$STATE/pid"; }

# Stops the broker and deletes the state (the default: one process to stop).
stop() {
  stop_broker
  stop_watchdog_and_remove_state
}

# Prints a TCP port on 127.0.0.1 that nothing listens on, avoiding the ports given as arguments.
free_port() {
  local used port i
  used=" $(ss -Htln 2>/dev/null | awk '{print $4}' | sed 's/.*://' | tr '\n' ' ') $* "
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + RANDOM % 40000))
    [[ "$used" == *" $port "* ]] && continue
    # Nothing must answer on it either (covers listeners ss could not see).
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  die "no free TCP port found"
}

# Prints the pid in file $1 when that process runs.
pid_from() {
  [[ -f "$1" ]] || return 1
  local pid
  pid="$(cat "$1")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Prints the contents of file $1 (the address) when the broker runs and the file is written.
address_if_running() {
  if running_pid >/dev/null && [[ -s "$1" ]]; then
    cat "$1"
    return 0
  fi
  return 1
}

# Exit 0, after printing the address, when the broker runs already (start has nothing to do).
already_running() {
  local address
  address="$(status)" || return 1
  log "already running at $address"
  echo "$address"
}

# terminate PID SECONDS NAME: sends TERM to PID, then KILL when it still runs after SECONDS.
terminate() {
  local pid="$1" seconds="$2" name="$3" i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < seconds * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  log "$name did not stop in $seconds s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

# Stops the broker whose pid running_pid prints, waiting up to 30 s before killing it.
stop_broker() {
  local pid
  if pid="$(running_pid)"; then
    log "stopping broker (${1:-pid} $pid)"
    terminate "$pid" 30 broker
  fi
}

# Creates an empty STATE with its MARKER, refusing a STATE this script did not create, and makes
# a failed start (any non-zero exit before start_watchdog) stop what it started.
new_state() {
  if [[ -e "$STATE" && ! -f "$STATE/$MARKER" ]]; then
    die "$STATE exists and was not created by this script; set $STATE_VARIABLE to another path"
  fi
  rm -rf "$STATE"
  mkdir -p "$STATE"
  touch "$STATE/$MARKER"
  trap 'rc=$?; if ((rc != 0)); then stop; fi' EXIT
}

# Stops the watchdog (unless this is the watchdog stopping the broker), then deletes the state
# directory, but only when its MARKER proves this script created it.
stop_watchdog_and_remove_state() {
  if [[ -f "$STATE/watchdog.pid" ]]; then
    local wpid
    wpid="$(cat "$STATE/watchdog.pid")"
    if [[ -n "$wpid" && "$wpid" != "${BASHPID:-$$}" ]]; then kill -TERM "$wpid" 2>/dev/null || true; fi
  fi
  if [[ -d "$STATE" ]]; then
    if [[ -f "$STATE/$MARKER" ]]; then
      rm -rf "$STATE"
    else
      log "not deleting $STATE: it was not created by this script"
    fi
  fi
}

# Runs in the background: stops the broker when the parent process exits or the time limit passes.
watchdog() {
  local parent="$1" deadline=$((SECONDS + MAX_SECONDS))
  while ((SECONDS < deadline)); do
    running_pid >/dev/null || exit 0
    if [[ -n "$parent" ]] && ! kill -0 "$parent" 2>/dev/null; then
      log "watchdog: process $parent has exited; stopping the broker"
      stop
      exit 0
    fi
    sleep 1
  done
  log "watchdog: broker ran for ${MAX_SECONDS} s; stopping it"
  stop
}

# The broker is up: starts the watchdog, which outlives this script (its output goes to the state
# directory), and ends new_state's clean-up on failure.
start_watchdog() {
  (watchdog "$PARENT_PID" </dev/null >>"$STATE/watchdog.log" 2>&1 &
   echo $! >"$STATE/watchdog.pid")
  trap - EXIT
}

# wait_until_ready SECONDS OUT LOG COMMAND...: polls COMMAND every 0.5 s until it succeeds; fails
# (showing the ends of OUT and LOG) when the broker exits first or SECONDS pass.
wait_until_ready() {
  local timeout="$1" out="$2" logfile="$3"
  shift 3
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if ! running_pid >/dev/null; then
      tail -n 40 "$out" "$logfile" >&2 2>/dev/null || true
      die "the broker exited during start-up"
    fi
    "$@" && return 0
    sleep 0.5
  done
  tail -n 40 "$logfile" >&2 2>/dev/null || true
  die "the broker did not answer within ${timeout} s"
}

# maven_classpath CP_FILE POM ARTIFACT NAME: prints the runtime class path of the Maven project
# POM (a pom.xml, or a function that writes one to the path it is given), resolving it with Maven
# on first use. Maven keeps the jars in its local repository (~/.m2); the class path is cached in
# CP_FILE while every jar it names is there.
maven_classpath() {
  local cp_file="$1" pom="$2" artifact="$3" name="$4"
  if [[ -s "$cp_file" ]]; then
    local ok=1 jar
    IFS=: read -r -a jars <"$cp_file" || true  # the file has no final newline
    for jar in "${jars[@]}"; do [[ -f "$jar" ]] || { ok=0; break; }; done
    if ((ok)); then cat "$cp_file"; return 0; fi
  fi
  command -v mvn >/dev/null || die "Maven (mvn) is not installed"
  command -v java >/dev/null || die "Java is not installed"
  mkdir -p "$(dirname "$cp_file")"
  local tmp
  tmp="$(mktemp -d)"
  if declare -F "$pom" >/dev/null; then
    "$pom" "$tmp/pom.xml"
    pom="$tmp/pom.xml"
  fi
  log "resolving ${artifact} with Maven (first run downloads it)"
  if ! mvn -B -q -f "$pom" "$DEP_PLUGIN:build-classpath" -Dmdep.includeScope=runtime \
      -Dmdep.outputFile="$tmp/cp.txt" >"$tmp/mvn.log" 2>&1; then
    tail -n 30 "$tmp/mvn.log" >&2
    rm -rf "$tmp"
    die "Maven could not resolve ${name}"
  fi
  [[ -s "$tmp/cp.txt" ]] || { rm -rf "$tmp"; die "Maven produced an empty class path"; }
  mv "$tmp/cp.txt" "$cp_file"
  rm -rf "$tmp"
  cat "$cp_file"
}

# run_with VARIABLE [--] COMMAND...: starts the broker, runs COMMAND with VARIABLE set to its
# address (and the VAR=VALUE lines that run_env prints, when the script defines it), stops the
# broker (also when COMMAND fails or the script is interrupted); exits with COMMAND's status.
run_with() {
  local variable="$1"
  shift
  [[ "${1:-}" == "--" ]] && shift
  (($# > 0)) || die "usage: $0 run -- COMMAND [ARGS...]"
  local address rc=0
  local -a extra=()
  address="$(start)"
  trap 'stop' EXIT
  trap 'exit 130' INT TERM
  if declare -F run_env >/dev/null; then mapfile -t extra < <(run_env); fi
  env "$variable=$address" "${extra[@]}" "$@" || rc=$?
  return "$rc"
}

# broker_main ARGS...: the command line every script shares; anything else prints its usage.
broker_main() {
  case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    run) shift; run "$@" ;;
    classpath)
      if declare -F classpath >/dev/null; then classpath; else usage; fi
      ;;
    *) usage ;;
  esac
}

usage() {
  sed -n "${USAGE_LINES}p" "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
