#!/usr/bin/env bash
# Installs the clients the integration tests drive that Debian does not package, into
# .test-clients/ at the repository root (ignored by git), from their registries:
#   .test-clients/java/lib/*.jar   kafka-clients and its dependencies (test/clients/pom.xml),
#                                  through Maven from Maven Central
#   .test-clients/venv             a virtualenv of Debian's python3 with confluent-kafka from
#                                  PyPI (test/clients/requirements.txt)
# Needs java, javac, mvn and python3-venv (.ci/run installs them with apt-get). Run again after
# changing pom.xml or requirements.txt; an install that is up to date is left as it is.
set -euo pipefail

cd "$(dirname "$0")/../.."
CLIENTS_DIR=".test-clients"
JAVA_LIB="$CLIENTS_DIR/java/lib"
VENV="$CLIENTS_DIR/venv"
mkdir -p "$CLIENTS_DIR"

# A stamp holds the hash of the file an install came from: same hash, nothing to do.
up_to_date() { [ -f "$2" ] && [ "$(cat "$2")" = "$(sha256sum "$1" | cut -d' ' -f1)" ]; }
stamp() { sha256sum "$1" | cut -d' ' -f1 > "$2"; }

if up_to_date test/clients/pom.xml "$JAVA_LIB/.stamp"; then
  echo "Java clients: up to date in $JAVA_LIB"
else
  rm -rf "$JAVA_LIB"
  # Maven writes its messages (and stray colour codes, even with -q) to stdout: keep them for
  # when it fails.
  if ! mvn -q -B -f test/clients/pom.xml dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$(pwd)/$JAVA_LIB" > "$CLIENTS_DIR/mvn.log" 2>&1; then
    cat "$CLIENTS_DIR/mvn.log" >&2
    exit 1
  fi
  stamp test/clients/pom.xml "$JAVA_LIB/.stamp"
  echo "Java clients: $(ls "$JAVA_LIB" | grep -c '\.jar$') jars in $JAVA_LIB"
fi

if up_to_date test/clients/requirements.txt "$VENV/.stamp"; then
  echo "Python clients: up to date in $VENV"
else
  rm -rf "$VENV"
  # Debian's python3, as the other Python tests use (a pyenv python3 may come first on PATH).
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r test/clients/requirements.txt
  stamp test/clients/requirements.txt "$VENV/.stamp"
fi
"$VENV/bin/python" -c 'import confluent_kafka as c; print("confluent-kafka", c.__version__, "librdkafka", c.libversion()[0])'
