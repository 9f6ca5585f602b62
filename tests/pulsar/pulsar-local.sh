#!/usr/bin/env bash
# pulsar-local.sh: one local Apache Pulsar standalone broker (embedded bookie, RocksDB metadata)
# for cgsim's live tests, on 127.0.0.1 only.
#
#   pulsar-local.sh start            start a broker on 127.0.0.1 (free ports), print its service URL
#   pulsar-local.sh stop             stop it and delete its data
#   pulsar-local.sh status           exit 0 and print the service URL when it runs, exit 1 otherwise
#   pulsar-local.sh run -- CMD...    start, run CMD with CGSIM_PULSAR_URL and CGSIM_PULSAR_ADMIN_URL
#                                    set, stop (also when CMD fails or the script is interrupted);
#                                    exits with CMD's status
#   pulsar-local.sh classpath        fetch Pulsar with Maven (if needed) and print its class path
#
# Environment:
#   CGSIM_PULSAR_STATE          state directory (conf, pid, URLs, data, logs);
#                               default ${TMPDIR:-/tmp}/cgsim-pulsar-<uid>
#   CGSIM_PULSAR_START_TIMEOUT  seconds to wait for the broker (default 180)
#   CGSIM_PULSAR_MAX_SECONDS    a watchdog stops the broker after this many seconds whatever
#                               happens (default 3600)
#   CGSIM_PULSAR_PARENT_PID     when set, the watchdog also stops the broker as soon as that
#                               process exits
#
# The class path comes from tests/reference_pulsar/pom.xml (pulsar-broker and pulsar-client
# 4.2.4 under Pulsar's own BOM); Maven keeps the jars in ~/.m2 and the class path is cached beside
# Kafka's. The broker's service URL (pulsar://127.0.0.1:<port>) is written to
# $CGSIM_PULSAR_STATE/url and its admin URL (http://127.0.0.1:<port>) to
# $CGSIM_PULSAR_STATE/admin_url. The broker, its web service and the embedded bookie listen on
# 127.0.0.1 only. Exit codes: 0 ok, 1 failure (message on stderr).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$HERE/../reference_pulsar/pom.xml"
PULSAR_VERSION=4.2.4
CP_FILE="${XDG_CACHE_HOME:-$HOME/.cache}/cgsim/pulsar-${PULSAR_VERSION}.classpath"

# shellcheck source=../lib/broker-local.sh
source "$HERE/../lib/broker-local.sh"
broker_settings pulsar 180 3600 2,11

# Prints the runtime class path of pulsar-broker and pulsar-client, resolving it with Maven on
# first use (about 330 jars, 240 MB in ~/.m2).
classpath() {
  maven_classpath "$CP_FILE" "$POM" "org.apache.pulsar:pulsar-broker:${PULSAR_VERSION}" "Pulsar ${PULSAR_VERSION}"
}

status() { address_if_running "$STATE/url"; }

# Exit 0 when the admin API lists the namespace public/default (the standalone broker creates it
# once its metadata, bookie and web service are up).
ready() {
  local body
  body="$(curl -sf --max-time 5 "http://127.0.0.1:$1/admin/v2/namespaces/public" 2>/dev/null)" || return 1
  [[ "$body" == *'"public/default"'* ]]
}

start() {
  already_running && return 0
  command -v java >/dev/null || die "Java is not installed"
  command -v curl >/dev/null || die "curl is not installed"
  local cp
  cp="$(classpath)"
  # A failed start leaves nothing behind.
  new_state

  local data port web bookie zk stream
  data="$(mktemp -d "$STATE/data.XXXXXX")"
  port="$(free_port)"
  web="$(free_port "$port")"
  bookie="$(free_port "$port" "$web")"
  zk="$(free_port "$port" "$web" "$bookie")"
  stream="$(free_port "$port" "$web" "$bookie" "$zk")"
  # No metadataStoreUrl: standalone keeps its metadata in RocksDB under --metadata-dir (no
  # ZooKeeper). listeningInterface and allowLoopback keep the embedded bookie on the loopback
  # interface (it would otherwise listen on all of them).
  # Below the broker's own settings, ones that cut its CPU use on a small host without changing
  # dispatch: the bookie does not fsync its journal, no load manager, no topic policies (and so
  # no system topic readers), no per-topic metrics, fewer I/O, executor and bookie threads.
  cat >"$STATE/standalone.conf" <<EOF
clusterName=standalone
bindAddress=127.0.0.1
advertisedAddress=127.0.0.1
brokerServicePort=${port}
webServicePort=${web}
managedLedgerDefaultEnsembleSize=1
managedLedgerDefaultWriteQuorum=1
managedLedgerDefaultAckQuorum=1
functionsWorkerEnabled=false
listeningInterface=lo
allowLoopback=true
httpServerEnabled=false
allowAutoTopicCreation=false
brokerDeleteInactiveTopicsEnabled=false
journalSyncData=false
loadBalancerEnabled=false
topicLevelPoliciesEnabled=false
systemTopicEnabled=false
exposeTopicLevelMetricsInPrometheus=false
numIOThreads=2
numOrderedExecutorThreads=2
numHttpServerThreads=4
serverNumIOThreads=2
numReadWorkerThreads=2
EOF
  cat >"$STATE/log4j2.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <File name="file" fileName="${STATE}/pulsar.log">
      <PatternLayout pattern="%d{HH:mm:ss.SSS} %-5level [%t] %c{1} - %msg%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Root level="info"><AppenderRef ref="file"/></Root>
  </Loggers>
</Configuration>
EOF
  # The --add-opens are those of Pulsar's own launcher (bin/pulsar) for Java 17.
  local jvm=(java -Xms128m -Xmx512m -XX:MaxDirectMemorySize=512m -XX:+UseG1GC
    -Djava.awt.headless=true -Dpulsar.allocator.exit_on_oom=true
    "-Dlog4j2.configurationFile=${STATE}/log4j2.xml"
    --add-opens java.base/java.io=ALL-UNNAMED --add-opens java.base/java.util.zip=ALL-UNNAMED
    --add-opens java.base/sun.net=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED
    --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
    --add-opens java.base/jdk.internal.platform=ALL-UNNAMED
    --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/jdk.internal.misc=ALL-UNNAMED
    --add-opens java.base/java.lang=ALL-UNNAMED
    -cp "$cp")
  log "starting Pulsar ${PULSAR_VERSION} standalone on 127.0.0.1:${port} (web ${web}, bookie ${bookie}), data in ${data}"
  "${jvm[@]}" org.apache.pulsar.PulsarStandaloneStarter -c "$STATE/standalone.conf" \
    --no-functions-worker --no-stream-storage \
    --metadata-dir "$data/metadata" --bookkeeper-dir "$data/bookkeeper" \
    --bookkeeper-port "$bookie" --zookeeper-port "$zk" --stream-storage-port "$stream" \
    >"$STATE/pulsar.out" 2>&1 </dev/null &
  echo $! >"$STATE/pid"

  wait_until_ready "$START_TIMEOUT" "$STATE/pulsar.out" "$STATE/pulsar.log" ready "$web"
  echo "pulsar://127.0.0.1:${port}" >"$STATE/url"
  echo "http://127.0.0.1:${web}" >"$STATE/admin_url"
  start_watchdog
  log "ready: pulsar://127.0.0.1:${port}, admin http://127.0.0.1:${web} (pid $(cat "$STATE/pid"))"
  cat "$STATE/url"
}

run() { run_with CGSIM_PULSAR_URL "$@"; }
run_env() { echo "CGSIM_PULSAR_ADMIN_URL=$(cat "$STATE/admin_url")"; }

broker_main "$@"
