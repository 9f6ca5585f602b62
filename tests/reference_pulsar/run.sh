#!/usr/bin/env bash
# Builds the Pulsar reference harness (Maven, local cache in ~/.m2) and runs it: JSON cases on
# stdin, the answers of Pulsar 4.2.4's own selector, hash and routing classes on stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mvn -q -B -f "$here/pom.xml" package >&2
exec java -Dfile.encoding=UTF-8 -Dlog4j2.configurationFile=classpath:cgsim-harness-log4j2.xml -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
  cgsim.reference.pulsar.Harness "$@"
