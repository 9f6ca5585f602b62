#!/usr/bin/env bash
# build-worker.sh OUT_DIR: compiles cgsim's Java consumer worker (CgsimConsumer.java) against Kafka's
# Java client, org.apache.kafka:kafka-clients, into OUT_DIR/classes and writes the class path the
# worker runs with to OUT_DIR/worker.classpath (one line, ':'-separated).
#
# The jars are those of tests/kafka/kafka-local.sh's Kafka broker (resolved with Maven into the local
# repository on first use), of which the worker uses the client and what the client needs: the
# compression codecs, SLF4J and its reload4j binding (configured by log4j.properties beside the
# classes: warnings and errors on stderr, which cgsim shows with --client-logs).
# Exit 0 on success; 1 with a message on stderr when Java, Maven or the jars are missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: build-worker.sh OUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"  # the class path must not depend on the directory java runs in
command -v javac >/dev/null || { echo "build-worker.sh: javac (a JDK 17) is not installed" >&2; exit 1; }
all="$(bash "$here/../../tests/kafka/kafka-local.sh" classpath)"
jars=()
IFS=: read -r -a every <<<"$all"
for jar in "${every[@]}"; do
  case "$(basename "$jar")" in
    kafka-clients-*.jar | zstd-jni-*.jar | lz4-java-*.jar | snappy-java-*.jar | slf4j-api-*.jar | \
      slf4j-reload4j-*.jar | reload4j-*.jar) jars+=("$jar") ;;
  esac
done
printf '%s\n' "${jars[@]}" | grep -q '/kafka-clients-' || {
  echo "build-worker.sh: kafka-clients is not on Kafka's class path" >&2
  exit 1
}
cp_jars="$(IFS=:; echo "${jars[*]}")"
mkdir -p "$out/classes"
javac -nowarn -encoding UTF-8 --release 17 -d "$out/classes" -cp "$cp_jars" "$here/CgsimConsumer.java" "$here/CgsimThreads.java"
cp "$here/log4j.properties" "$out/classes/log4j.properties"
tmp="$(mktemp "$out/worker.classpath.XXXXXX")"
echo "$out/classes:$cp_jars" >"$tmp"
mv "$tmp" "$out/worker.classpath"
