#!/usr/bin/env bash
# Builds the Kafka reference harness (Maven, local cache in ~/.m2) and runs it: JSON cases on
# stdin, Kafka's assignments on stdout. Extra arguments go to the harness (e.g. --time 20).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mvn -q -f "$here/pom.xml" package >&2
exec java -Xss64m -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" cgsim.reference.Harness "$@"
