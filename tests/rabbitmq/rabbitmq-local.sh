#!/usr/bin/env bash
# rabbitmq-local.sh: one local RabbitMQ broker (Debian's rabbitmq-server) for cgsim's live tests,
# run as a plain process on 127.0.0.1, never as the system service.
#
#   rabbitmq-local.sh start            start a broker on 127.0.0.1 (free ports), print its AMQP URL
#   rabbitmq-local.sh stop             stop it (beam, then the epmd it started) and delete its data
#   rabbitmq-local.sh status           exit 0 and print the AMQP URL when it runs, exit 1 otherwise
#   rabbitmq-local.sh run -- CMD...    start, run CMD with CGSIM_RABBITMQ_URL set, stop (also when
#                                      CMD fails or the script is interrupted); exits with CMD's status
#
# Environment:
#   CGSIM_RABBITMQ_STATE          state directory (config, data, logs, pid files);
#                                 default ${TMPDIR:-/tmp}/cgsim-rabbitmq-<uid>
#   CGSIM_RABBITMQ_START_TIMEOUT  seconds to wait for the broker (default 120)
#   CGSIM_RABBITMQ_MAX_SECONDS    a watchdog stops the broker after this many seconds whatever
#                                 happens (default 3600)
#   CGSIM_RABBITMQ_PARENT_PID     when set, the watchdog also stops the broker as soon as that
#                                 process exits
#
# The broker has the consistent-hash exchange plugin enabled, listens for AMQP on 127.0.0.1 only,
# and its Erlang distribution and epmd are bound to 127.0.0.1 on ports of their own. The AMQP URL
# (amqp://guest:guest@127.0.0.1:<port>/) is written to $CGSIM_RABBITMQ_STATE/url. When
# rabbitmq-server is not installed, `start` installs it with apt-get (as root) and makes sure the
# system service the package may set up is stopped and disabled. Exit codes: 0 ok, 1 failure.
set -euo pipefail

SERVER=/usr/lib/rabbitmq/bin/rabbitmq-server
CTL=/usr/lib/rabbitmq/bin/rabbitmqctl

# shellcheck source=../lib/broker-local.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/broker-local.sh"
broker_settings rabbitmq 120 3600 2,10

# Installs the Debian package when missing; the broker must never run as the system service.
ensure_installed() {
  if [[ ! -x "$SERVER" ]]; then
    [[ "$(id -u)" -eq 0 ]] || die "rabbitmq-server is not installed (run: sudo apt-get install -y rabbitmq-server)"
    log "installing rabbitmq-server with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq rabbitmq-server >/dev/null ||
      die "apt-get install rabbitmq-server failed"
  fi
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
    if systemctl is-active --quiet rabbitmq-server 2>/dev/null || systemctl is-enabled --quiet rabbitmq-server 2>/dev/null; then
      log "stopping and disabling the rabbitmq-server system service"
      systemctl stop rabbitmq-server 2>/dev/null || true
      systemctl disable rabbitmq-server >/dev/null 2>&1 || true
    fi
  fi
}

# The environment every rabbitmq-server and rabbitmqctl invocation of this broker shares.
broker_env() {
  # shellcheck disable=SC1091
  source "$STATE/ports"
  export HOME="$STATE/home"
  export RABBITMQ_CONF_ENV_FILE="$STATE/rabbitmq-env.conf"
  export RABBITMQ_CONFIG_FILE="$STATE/rabbitmq.conf"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$STATE/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$STATE/mnesia"
  export RABBITMQ_LOG_BASE="$STATE/log"
  export RABBITMQ_PID_FILE="$STATE/beam.pid"
  export RABBITMQ_NODENAME="cgsim${AMQP_PORT}@localhost"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT="$AMQP_PORT"
  export RABBITMQ_DIST_PORT="$DIST_PORT"
  export ERL_EPMD_ADDRESS=127.0.0.1
  export ERL_EPMD_PORT="$EPMD_PORT"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

running_pid() { pid_from "$STATE/beam.pid"; }
status() { address_if_running "$STATE/url"; }

# Pids of the epmd daemons listening on this broker's epmd port.
epmd_pids() {
  [[ -f "$STATE/ports" ]] || return 0
  # shellcheck disable=SC1091
  source "$STATE/ports"
  ss -Htlnp "sport = :$EPMD_PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u
}

stop() {
  local pid
  stop_broker "beam pid"
  # The server script's parent shell, when it outlived beam.
  if [[ -f "$STATE/server.pid" ]]; then
    pid="$(cat "$STATE/server.pid")"
    [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null || true
  fi
  # epmd daemonizes and outlives beam: stop the one on this broker's port, by its pid.
  for pid in $(epmd_pids); do
    log "stopping epmd (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
  done
  stop_watchdog_and_remove_state
}

start() {
  already_running && return 0
  ensure_installed
  new_state
  mkdir -p "$STATE/home" "$STATE/mnesia" "$STATE/log"
  chmod 700 "$STATE/home"

  local amqp dist epmd
  amqp="$(free_port)"
  dist="$(free_port "$amqp")"
  epmd="$(free_port "$amqp" "$dist")"
  printf 'AMQP_PORT=%s\nDIST_PORT=%s\nEPMD_PORT=%s\n' "$amqp" "$dist" "$epmd" >"$STATE/ports"
  : >"$STATE/rabbitmq-env.conf"
  cat >"$STATE/rabbitmq.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:${amqp}
loopback_users.guest = true
CONF
  echo '[rabbitmq_consistent_hash_exchange].' >"$STATE/enabled_plugins"
  broker_env

  log "starting RabbitMQ on 127.0.0.1:${amqp} (node ${RABBITMQ_NODENAME}, dist ${dist}, epmd ${epmd})"
  "$SERVER" >"$STATE/server.out" 2>&1 </dev/null &
  echo $! >"$STATE/server.pid"

  if ! timeout "$((START_TIMEOUT + 10))" "$CTL" wait --timeout "$START_TIMEOUT" "$RABBITMQ_PID_FILE" \
      >"$STATE/wait.log" 2>&1; then
    tail -n 40 "$STATE/server.out" "$STATE/wait.log" >&2 2>/dev/null || true
    die "the broker did not start within ${START_TIMEOUT} s"
  fi
  local plugin
  plugin="$("$CTL" -q eval \
    'lists:keymember(rabbitmq_consistent_hash_exchange, 1, application:which_applications()).' 2>&1 || true)"
  [[ "$plugin" == "true" ]] || die "the consistent-hash exchange plugin is not running (${plugin})"
  (exec 3<>"/dev/tcp/127.0.0.1/$amqp") 2>/dev/null || die "nothing answers on 127.0.0.1:${amqp}"
  echo "amqp://guest:guest@127.0.0.1:${amqp}/" >"$STATE/url"
  start_watchdog
  log "ready: amqp://guest:guest@127.0.0.1:${amqp}/ (pid $(cat "$RABBITMQ_PID_FILE"))"
  cat "$STATE/url"
}

run() { run_with CGSIM_RABBITMQ_URL "$@"; }

broker_main "$@"
