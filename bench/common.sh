# Sourced by the bench/run-*.sh scripts: JDK 25, a fresh build of bench/ and what it needs, the Java
# command line, and background processes that are stopped when the script exits.
# Sets ROOT, CP, JAVA (an array), THREADS, PIDS; `bench_need_h2load` fails clearly without h2load.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/build/jdk.sh"; statim_find_jdk
mvn -B -q -f "$ROOT/pom.xml" -DskipTests -pl bench -am install
CP="$ROOT/bench/target/statim-bench-0.1.0-SNAPSHOT.jar:$ROOT/bench/target/lib/*"
JAVA=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx2g)
THREADS=$(nproc)
PIDS=()
bench_cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap bench_cleanup EXIT
bench_need_h2load() {
  command -v h2load >/dev/null || { echo "h2load is missing: apt-get install nghttp2-client" >&2; exit 1; }
}
