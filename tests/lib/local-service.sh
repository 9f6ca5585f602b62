# local-service.sh: what the scripts that run a broker for the tests on 127.0.0.1 share (sourced by
# tests/kafka/kafka-local.sh and tests/rabbitmq/rabbitmq-local.sh). The sourcing script defines
# log, die, STATE (its state directory), MAX_SECONDS, running_pid (the broker's pid while it runs),
# start (prints the address) and stop.

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

# Stops the watchdog (unless this is the watchdog stopping the broker), then deletes the state
# directory, but only when the marker file $1 in it proves this script created it.
stop_watchdog_and_remove_state() {
  local marker="$1"
  if [[ -f "$STATE/watchdog.pid" ]]; then
    local wpid
    wpid="$(cat "$STATE/watchdog.pid")"
    if [[ -n "$wpid" && "$wpid" != "${BASHPID:-$$}" ]]; then kill -TERM "$wpid" 2>/dev/null || true; fi
  fi
  if [[ -d "$STATE" ]]; then
    if [[ -f "$STATE/$marker" ]]; then
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

# run_with VARIABLE [--] COMMAND...: starts the broker, runs COMMAND with VARIABLE set to its
# address, stops the broker (also when COMMAND fails or the script is interrupted); exits with
# COMMAND's status.
run_with() {
  local variable="$1"
  shift
  [[ "${1:-}" == "--" ]] && shift
  (($# > 0)) || die "usage: $0 run -- COMMAND [ARGS...]"
  local address rc=0
  address="$(start)"
  trap 'stop' EXIT
  trap 'exit 130' INT TERM
  env "$variable=$address" "$@" || rc=$?
  return "$rc"
}
