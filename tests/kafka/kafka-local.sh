#!/usr/bin/env bash
# kafka-local.sh: one local Apache Kafka (KRaft, combined broker+controller) for cgsim's live tests.
#
#   kafka-local.sh start            start a broker on 127.0.0.1 (free ports), print its bootstrap address
#   kafka-local.sh stop             stop it and delete its data
#   kafka-local.sh status           exit 0 and print the bootstrap address when it runs, exit 1 otherwise
#   kafka-local.sh run -- CMD...    start, run CMD with CGSIM_KAFKA_BOOTSTRAP set, stop (also when CMD
#                                   fails or the script is interrupted); exits with CMD's status
#   kafka-local.sh classpath        fetch Kafka with Maven (if needed) and print its class path
#
# Environment:
#   CGSIM_KAFKA_STATE        state directory (pid, bootstrap file, data, logs);
#                            default ${TMPDIR:-/tmp}/cgsim-kafka-<uid>
#   CGSIM_KAFKA_VERSION      Kafka version to fetch (default 3.9.1)
#   CGSIM_KAFKA_START_TIMEOUT seconds to wait for the broker to answer (default 120)
#   CGSIM_KAFKA_MAX_SECONDS  a watchdog stops the broker after this many seconds whatever happens
#                            (default 3600), so a forgotten broker never outlives a test run for long
#   CGSIM_KAFKA_PARENT_PID   when set, the watchdog also stops the broker as soon as that process exits
#                            (a test passes its own pid, so a crashed test does not leave a broker behind)
#   CGSIM_KAFKA_MIN_SESSION_TIMEOUT_MS  group.min.session.timeout.ms of the broker (default 1000, so
#                            scaled-down scenarios may use short session timeouts); also the consumer
#                            protocol's group.consumer.min.session.timeout.ms
#   CGSIM_KAFKA_REBALANCE_PROTOCOLS  group.coordinator.rebalance.protocols (default classic,consumer:
#                            the new group coordinator, serving classic groups and KIP-848 consumer
#                            groups; "classic" runs the old coordinator)
#   CGSIM_KAFKA_CONSUMER_SESSION_TIMEOUT_MS     group.consumer.session.timeout.ms (default 2000)
#   CGSIM_KAFKA_CONSUMER_HEARTBEAT_INTERVAL_MS  group.consumer.heartbeat.interval.ms (default 250)
#                            Kafka 3.9 has no per-group override of these two: every consumer-protocol
#                            group on the broker gets them (cgsim validate reads them back)
#
# The bootstrap address is written to $CGSIM_KAFKA_STATE/bootstrap. The broker listens on 127.0.0.1
# only. Exit codes: 0 ok, 1 failure (message on stderr).
set -euo pipefail

KAFKA_VERSION="${CGSIM_KAFKA_VERSION:-3.9.1}"
SCALA_VERSION=2.13
SLF4J_VERSION=1.7.36
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1
STATE="${CGSIM_KAFKA_STATE:-${TMPDIR:-/tmp}/cgsim-kafka-$(id -u)}"
START_TIMEOUT="${CGSIM_KAFKA_START_TIMEOUT:-120}"
MAX_SECONDS="${CGSIM_KAFKA_MAX_SECONDS:-3600}"
MIN_SESSION_MS="${CGSIM_KAFKA_MIN_SESSION_TIMEOUT_MS:-1000}"
REBALANCE_PROTOCOLS="${CGSIM_KAFKA_REBALANCE_PROTOCOLS:-classic,consumer}"
CONSUMER_SESSION_MS="${CGSIM_KAFKA_CONSUMER_SESSION_TIMEOUT_MS:-2000}"
CONSUMER_HEARTBEAT_MS="${CGSIM_KAFKA_CONSUMER_HEARTBEAT_INTERVAL_MS:-250}"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/cgsim"
CP_FILE="$CACHE_DIR/kafka_${SCALA_VERSION}-${KAFKA_VERSION}.classpath"

log() { printf 'kafka-local: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=../lib/local-service.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/local-service.sh"

# Prints the class path of Kafka and a logging binding, resolving it with Maven on first use.
# Maven keeps the jars in its local repository (~/.m2); the class path is cached beside it.
classpath() {
  if [[ -s "$CP_FILE" ]]; then
    local ok=1 jar
    IFS=: read -r -a jars <"$CP_FILE" || true  # the file has no final newline
    for jar in "${jars[@]}"; do [[ -f "$jar" ]] || { ok=0; break; }; done
    if ((ok)); then cat "$CP_FILE"; return 0; fi
  fi
  command -v mvn >/dev/null || die "Maven (mvn) is not installed"
  command -v java >/dev/null || die "Java is not installed"
  mkdir -p "$CACHE_DIR"
  local tmp
  tmp="$(mktemp -d)"
  cat >"$tmp/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>cgsim.local</groupId>
  <artifactId>kafka-local</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_${SCALA_VERSION}</artifactId>
      <version>${KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>${SLF4J_VERSION}</version>
    </dependency>
  </dependencies>
</project>
EOF
  log "resolving org.apache.kafka:kafka_${SCALA_VERSION}:${KAFKA_VERSION} with Maven (first run downloads it)"
  if ! mvn -B -q -f "$tmp/pom.xml" "$DEP_PLUGIN:build-classpath" -Dmdep.includeScope=runtime \
      -Dmdep.outputFile="$tmp/cp.txt" >"$tmp/mvn.log" 2>&1; then
    tail -n 30 "$tmp/mvn.log" >&2
    rm -rf "$tmp"
    die "Maven could not resolve Kafka ${KAFKA_VERSION}"
  fi
  [[ -s "$tmp/cp.txt" ]] || { rm -rf "$tmp"; die "Maven produced an empty class path"; }
  mv "$tmp/cp.txt" "$CP_FILE"
  rm -rf "$tmp"
  cat "$CP_FILE"
}

running_pid() { pid_from "$STATE/pid"; }

status() {
  if running_pid >/dev/null && [[ -s "$STATE/bootstrap" ]]; then
    cat "$STATE/bootstrap"
    return 0
  fi
  return 1
}

stop() {
  local pid
  if pid="$(running_pid)"; then
    log "stopping broker (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 150; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "broker did not stop in 30 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  stop_watchdog_and_remove_state .cgsim-kafka-local
}

start() {
  if status >/dev/null; then
    log "already running at $(cat "$STATE/bootstrap")"
    cat "$STATE/bootstrap"
    return 0
  fi
  command -v java >/dev/null || die "Java is not installed"
  local cp
  cp="$(classpath)"
  if [[ -e "$STATE" && ! -f "$STATE/.cgsim-kafka-local" ]]; then
    die "$STATE exists and was not created by this script; set CGSIM_KAFKA_STATE to another path"
  fi
  rm -rf "$STATE"
  mkdir -p "$STATE"
  touch "$STATE/.cgsim-kafka-local"
  # A failed start leaves nothing behind.
  trap 'rc=$?; if ((rc != 0)); then stop; fi' EXIT

  local data port cport
  data="$(mktemp -d "$STATE/data.XXXXXX")"
  port="$(free_port)"
  cport="$(free_port "$port")"
  cat >"$STATE/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${cport}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${data}
num.partitions=1
num.network.threads=2
num.io.threads=2
auto.create.topics.enable=false
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=${MIN_SESSION_MS}
group.coordinator.rebalance.protocols=${REBALANCE_PROTOCOLS}
group.consumer.session.timeout.ms=${CONSUMER_SESSION_MS}
group.consumer.min.session.timeout.ms=$((MIN_SESSION_MS < CONSUMER_SESSION_MS ? MIN_SESSION_MS : CONSUMER_SESSION_MS))
group.consumer.heartbeat.interval.ms=${CONSUMER_HEARTBEAT_MS}
group.consumer.min.heartbeat.interval.ms=$((CONSUMER_HEARTBEAT_MS < 100 ? CONSUMER_HEARTBEAT_MS : 100))
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
EOF
  cat >"$STATE/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${STATE}/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
EOF
  # A KRaft cluster id: 16 random bytes, URL-safe base64 without padding.
  local cluster_id
  cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  local jvm=(java -Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j.configuration=file:${STATE}/log4j.properties" -cp "$cp")
  if ! "${jvm[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$STATE/server.properties" \
      >"$STATE/format.log" 2>&1; then
    cat "$STATE/format.log" >&2
    die "formatting KRaft storage failed"
  fi
  log "starting Kafka ${KAFKA_VERSION} on 127.0.0.1:${port} (controller ${cport}), data in ${data}"
  "${jvm[@]}" kafka.Kafka "$STATE/server.properties" >"$STATE/kafka.out" 2>&1 </dev/null &
  echo $! >"$STATE/pid"

  local deadline=$((SECONDS + START_TIMEOUT)) ready=0
  while ((SECONDS < deadline)); do
    if ! running_pid >/dev/null; then
      tail -n 40 "$STATE/kafka.out" "$STATE/server.log" >&2 2>/dev/null || true
      die "the broker exited during start-up"
    fi
    if grep -q "Kafka Server started" "$STATE/server.log" 2>/dev/null &&
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      ready=1
      break
    fi
    sleep 0.5
  done
  if ((!ready)); then
    tail -n 40 "$STATE/server.log" >&2 2>/dev/null || true
    die "the broker did not answer within ${START_TIMEOUT} s"
  fi
  echo "127.0.0.1:${port}" >"$STATE/bootstrap"
  # The watchdog outlives this script; its output goes to the state directory.
  (watchdog "${CGSIM_KAFKA_PARENT_PID:-}" </dev/null >>"$STATE/watchdog.log" 2>&1 &
   echo $! >"$STATE/watchdog.pid")
  trap - EXIT
  log "ready: 127.0.0.1:${port}"
  echo "127.0.0.1:${port}"
}

run() { run_with CGSIM_KAFKA_BOOTSTRAP "$@"; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  run) shift; run "$@" ;;
  classpath) classpath ;;
  *)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
