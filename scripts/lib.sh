# Shared by the scripts: JDK 25 discovery and apt installs. Source it; do not run it.
nectar_java_home() {
  if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]] && "${JAVA_HOME}/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
    return 0
  fi
  local cand
  for cand in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/java-25-openjdk-arm64; do
    if [[ -x "$cand/bin/java" ]]; then export JAVA_HOME="$cand"; return 0; fi
  done
  echo "JDK 25 not found: install it (e.g. Temurin 25) and set JAVA_HOME" >&2
  return 1
}

# nectar_apt CMD PACKAGE...: installs the packages when CMD is missing.
nectar_apt() {
  local cmd="$1"; shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  echo "installing $* (for $cmd)..." >&2
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
