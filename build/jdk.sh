# Sourced by ./statim and .ci/run: finds a JDK 25+ and exports JAVA_HOME for it.
# Search order: $STATIM_JAVA_HOME, $JAVA_HOME, the `java` on PATH, then the usual install folders.
statim_java_major() {
  # prints the major version of the JDK at $1, or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

statim_find_jdk() {
  local want=${STATIM_JDK_VERSION:-25} candidate major
  local candidates=()
  [ -n "${STATIM_JAVA_HOME:-}" ] && candidates+=("$STATIM_JAVA_HOME")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for candidate in /usr/lib/jvm/*25* /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
                   /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$candidate" ] && candidates+=("$candidate")
  done
  for candidate in "${candidates[@]}"; do
    major=$(statim_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge "$want" ]; then
      export JAVA_HOME="$candidate"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "statim: no JDK $want or newer found (looked at \$STATIM_JAVA_HOME, \$JAVA_HOME, java on PATH, /usr/lib/jvm, /opt)." >&2
  echo "statim: install one (for example Temurin $want) or point STATIM_JAVA_HOME at it." >&2
  return 1
}
