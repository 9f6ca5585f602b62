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
MIN_SESSION_MS="${CGSIM_KAFKA_MIN_SESSION_TIMEOUT_MS:-1000}"
REBALANCE_PROTOCOLS="${CGSIM_KAFKA_REBALANCE_PROTOCOLS:-classic,consumer}"
CONSUMER_SESSION_MS="${CGSIM_KAFKA_CONSUMER_SESSION_TIMEOUT_MS:-2000}"
CONSUMER_HEARTBEAT_MS="${CGSIM_KAFKA_CONSUMER_HEARTBEAT_INTERVAL_MS:-250}"
CP_FILE="${XDG_CACHE_HOME:-$HOME/.cache}/cgsim/kafka_${SCALA_VERSION}-${KAFKA_VERSION}.classpath"

# shellcheck source=../lib/broker-local.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/broker-local.sh"
broker_settings kafka 120 3600 2,12

# Writes to $1 a Maven project whose runtime class path is Kafka's and a logging binding.
kafka_pom() {
  cat >"$1" <<EOF
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
}

# Prints the class path of Kafka and a logging binding, resolving it with Maven on first use.
classpath() {
  maven_classpath "$CP_FILE" kafka_pom "org.apache.kafka:kafka_${SCALA_VERSION}:${KAFKA_VERSION}" "Kafka ${KAFKA_VERSION}"
}

status() { address_if_running "$STATE/bootstrap"; }

# Exit 0 once the broker logged its start and answers on port $1.
kafka_ready() {
  grep -q "Kafka Server started" "$STATE/server.log" 2>/dev/null &&
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
  already_running && return 0
  command -v java >/dev/null || die "Java is not installed"
  local cp
  cp="$(classpath)"
  # A failed start leaves nothing behind.
  new_state

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
  # A KRaft cluster id: 16 random bytes, URL-safe base64 without padding. One that starts with
  # "-" (1 in 64) would be read as an option by the storage tool: draw again, as Kafka's own
  # Uuid.randomUuid does.
  local cluster_id="-"
  while [[ "$cluster_id" == -* ]]; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
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

  wait_until_ready "$START_TIMEOUT" "$STATE/kafka.out" "$STATE/server.log" kafka_ready "$port"
  echo "127.0.0.1:${port}" >"$STATE/bootstrap"
  start_watchdog
  log "ready: 127.0.0.1:${port}"
  echo "127.0.0.1:${port}"
}

run() { run_with CGSIM_KAFKA_BOOTSTRAP "$@"; }

broker_main "$@"
