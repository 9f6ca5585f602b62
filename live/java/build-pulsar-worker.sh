#!/usr/bin/env bash
# build-pulsar-worker.sh OUT_DIR: compiles cgsim's Pulsar worker (CgsimPulsarWorker.java) against
# Pulsar's Java client, org.apache.pulsar:pulsar-client-original 4.2.4, into OUT_DIR/classes and
# writes the class path the worker runs with to OUT_DIR/worker.classpath (one line,
# ':'-separated).
#
# The jars are those of tests/pulsar/pulsar-local.sh's broker (resolved with Maven into the local
# repository on first use; the client and its dependencies are among them). Logging goes through
# log4j2, configured by pulsar-worker-log4j2.xml beside the classes: warnings and errors on stderr.
# Exit 0 on success; 1 with a message on stderr when Java, Maven or the jars are missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: build-pulsar-worker.sh OUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"  # the class path must not depend on the directory java runs in
command -v javac >/dev/null || { echo "build-pulsar-worker.sh: javac (a JDK 17) is not installed" >&2; exit 1; }
cp_jars="$(bash "$here/../../tests/pulsar/pulsar-local.sh" classpath)"
[[ "$cp_jars" == *"/pulsar-client-original-"* ]] || {
  echo "build-pulsar-worker.sh: pulsar-client-original is not on Pulsar's class path" >&2
  exit 1
}
mkdir -p "$out/classes"
javac -nowarn -encoding UTF-8 --release 17 -d "$out/classes" -cp "$cp_jars" "$here/CgsimPulsarWorker.java" "$here/CgsimThreads.java"
cp "$here/pulsar-worker-log4j2.xml" "$out/classes/pulsar-worker-log4j2.xml"
tmp="$(mktemp "$out/worker.classpath.XXXXXX")"
echo "$out/classes:$cp_jars" >"$tmp"
mv "$tmp" "$out/worker.classpath"
