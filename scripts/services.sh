#!/usr/bin/env bash
# Starts, stops and reports the services the integration tests need, as plain processes bound to
# 127.0.0.1 on non-default ports, with their data and logs under one directory.
#
#   scripts/services.sh start [SERVICE ...]   start the named services (none: all of them)
#   scripts/services.sh stop [SERVICE ...]    stop them (by PID file)
#   scripts/services.sh status [SERVICE ...]  say which are running
#   scripts/services.sh env                   print the path of the env file
#
# After 'start', source the file it prints (default /tmp/nectar-services/env); it holds lines like
#   export NECTAR_TEST_S3=http://AK:SK@127.0.0.1:9199/nectar-test
# which nectar-testkit's TestServices reads. Test-only: the credentials in it are not secrets.
#
# Environment:
#   NECTAR_SERVICES_DIR   data, logs, PID files and the env file (default /tmp/nectar-services)
#   NECTAR_S3_PORT        port of the S3 server (default 9199)
#   NECTAR_POSTGRES_PORT  port of PostgreSQL (default 5499)
#   NECTAR_MARIADB_PORT   port of MariaDB (default 3399)
#   NECTAR_REDIS_PORT     port of Redis (default 6399)
#   S3PROXY_VERSION       S3Proxy version fetched with Maven (default 2.6.0)
#   JAVA_HOME             the Java used to run Java-based services (else 'java' on the PATH)
#
# Adding a service: write SERVICE_start, SERVICE_stop, SERVICE_status and (in SERVICE_start) an
# env fragment "$DIR/SERVICE/env"; then add its name to ALL_SERVICES.
set -euo pipefail

DIR="${NECTAR_SERVICES_DIR:-/tmp/nectar-services}"
ALL_SERVICES=(s3 postgres mariadb redis)

log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }

# Installs Debian packages, but only when the command is missing.
need_cmd() { # need_cmd COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  log "'$1' is missing; installing apt package $2"
  if [ "$(id -u)" -ne 0 ]; then die "'$1' is missing and not running as root: apt-get install -y $2"; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; } \
    || die "could not install $2"
}

java_cmd() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    echo "$JAVA_HOME/bin/java"
  else
    need_cmd java default-jre-headless
    echo java
  fi
}

# pid_alive PIDFILE: true when the file names a live process.
pid_alive() {
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# stop_pid NAME PIDFILE [SIGNAL]: SIGNAL (default TERM), wait up to 10 s, then KILL.
stop_pid() {
  local name=$1 pidfile=$2 sig=${3:-TERM} pid i
  if ! pid_alive "$pidfile"; then
    rm -f "$pidfile"
    log "$name is not running"
    return 0
  fi
  pid=$(cat "$pidfile")
  kill -"$sig" "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) did not stop in 10 s; killing it"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  log "$name stopped"
}

# fail_start NAME LOGFILE MESSAGE: prints the end of the log and exits 1.
fail_start() {
  log "$1: $3; last lines of $2:"
  tail -n 30 "$2" >&2 || true
  exit 1
}

random_token() { # random_token LENGTH: alphanumerics only (safe in URLs)
  LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c "$1" || true
}

# port_free PORT: true when nothing listens on 127.0.0.1:PORT.
port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# stored_token FILE LENGTH: the token kept in FILE (created on first use), so that a restart
# over existing data keeps the password the data was initialised with.
stored_token() {
  if [ ! -s "$1" ]; then
    (umask 077 && random_token "$2" >"$1")
  fi
  cat "$1"
}

# as_user USER COMMAND...: runs COMMAND as USER when we are root (servers refuse to run as root),
# else as ourselves.
as_user() {
  local user=$1
  shift
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

# ---------------------------------------------------------------------------------------------
# S3: S3Proxy with the jclouds filesystem provider.
S3_PORT="${NECTAR_S3_PORT:-9199}"
S3PROXY_VERSION="${S3PROXY_VERSION:-2.6.0}"
S3_BUCKET=nectar-test

s3_jar() {
  local jar="$DIR/s3/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar"
  if [ ! -s "$jar" ]; then
    need_cmd mvn maven
    log "fetching org.gaul:s3proxy:$S3PROXY_VERSION with Maven"
    # Run outside any project so the reactor's pom (and its enforcer) is not involved; works
    # offline when the artifact is already in ~/.m2.
    (cd "$DIR/s3" && mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies" \
      -DoutputDirectory="$DIR/s3" >"$DIR/s3/mvn.log" 2>&1) \
      || fail_start s3 "$DIR/s3/mvn.log" "Maven could not fetch S3Proxy"
  fi
  echo "$jar"
}

s3_start() {
  local pidfile="$DIR/s3/s3proxy.pid" logfile="$DIR/s3/s3proxy.log"
  mkdir -p "$DIR/s3/data"
  if pid_alive "$pidfile"; then
    log "s3 already running (pid $(cat "$pidfile")) on 127.0.0.1:$(cat "$DIR/s3/port")"
    return 0
  fi
  need_cmd curl curl
  local jar java ak sk
  jar=$(s3_jar)
  java=$(java_cmd)
  ak="nectar$(random_token 12)"
  sk="$(random_token 32)"
  # The filesystem provider maps each bucket to a directory of basedir: creating the directory
  # creates the test bucket without having to sign a request.
  mkdir -p "$DIR/s3/data/$S3_BUCKET"
  umask 077
  cat >"$DIR/s3/s3proxy.conf" <<EOF
s3proxy.endpoint=http://127.0.0.1:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$ak
s3proxy.credential=$sk
jclouds.provider=filesystem-nio2
jclouds.identity=$ak
jclouds.credential=$sk
jclouds.filesystem.basedir=$DIR/s3/data
EOF
  umask 022
  if (exec 3<>"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null; then
    die "port 127.0.0.1:$S3_PORT is already in use by another process: set NECTAR_S3_PORT"
  fi
  log "starting S3Proxy on 127.0.0.1:$S3_PORT (data in $DIR/s3/data)"
  nohup setsid "$java" -jar "$jar" --properties "$DIR/s3/s3proxy.conf" >"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
  echo "$S3_PORT" >"$DIR/s3/port"
  local i code ready=0
  for i in $(seq 1 120); do
    if ! pid_alive "$pidfile"; then
      rm -f "$pidfile"
      fail_start s3 "$logfile" "S3Proxy exited during start-up"
    fi
    # Any HTTP answer (an unsigned request gets 403) means the server is up.
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$S3_PORT/" || true)
    if [ -n "$code" ] && [ "$code" != "000" ]; then
      ready=1
      break
    fi
    sleep 0.5
  done
  if [ "$ready" != 1 ]; then
    stop_pid s3 "$pidfile" 2>/dev/null || true
    fail_start s3 "$logfile" "S3Proxy did not answer on 127.0.0.1:$S3_PORT within 60 s"
  fi
  (umask 077 && echo "export NECTAR_TEST_S3=http://$ak:$sk@127.0.0.1:$S3_PORT/$S3_BUCKET" >"$DIR/s3/env")
  log "s3 ready: http://$ak:****@127.0.0.1:$S3_PORT/$S3_BUCKET"
}

s3_stop() {
  stop_pid s3 "$DIR/s3/s3proxy.pid"
  rm -f "$DIR/s3/env"
}

s3_status() {
  if pid_alive "$DIR/s3/s3proxy.pid"; then
    echo "s3: running (pid $(cat "$DIR/s3/s3proxy.pid"), 127.0.0.1:$(cat "$DIR/s3/port"), bucket $S3_BUCKET)"
  else
    echo "s3: stopped"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL: a private cluster; user 'nectar' with a password (scram-sha-256 over TCP), database
# nectar_test. Durability settings are off: this is test data.
PG_PORT="${NECTAR_POSTGRES_PORT:-5499}"
PG_DB=nectar_test
PG_USER=nectar
# Redis: redis-server from Debian, no persistence, a random password (so tests exercise AUTH).
REDIS_PORT="${NECTAR_REDIS_PORT:-6399}"

redis_start() {
  local pidfile="$DIR/redis/redis.pid" logfile="$DIR/redis/redis.log"
  mkdir -p "$DIR/redis/data"
  if pid_alive "$pidfile"; then
    log "redis already running (pid $(cat "$pidfile")) on 127.0.0.1:$(cat "$DIR/redis/port")"
    return 0
  fi
  need_cmd redis-server redis-server
  need_cmd redis-cli redis-tools
  if (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null; then
    die "port 127.0.0.1:$REDIS_PORT is already in use by another process: set NECTAR_REDIS_PORT"
  fi
  local pass
  pass="$(random_token 24)"
  # The password goes into a config file (mode 0600) rather than onto the command line, where
  # ps would show it.
  (umask 077 && printf 'requirepass %s\n' "$pass" >"$DIR/redis/redis.conf")
  log "starting Redis on 127.0.0.1:$REDIS_PORT (no persistence)"
  nohup setsid redis-server "$DIR/redis/redis.conf" --port "$REDIS_PORT" --bind 127.0.0.1 \
    --save '' --appendonly no --maxmemory-policy noeviction --dir "$DIR/redis/data" \
    --daemonize no >"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
  echo "$REDIS_PORT" >"$DIR/redis/port"
  local i ready=0
  for i in $(seq 1 100); do
    if ! pid_alive "$pidfile"; then
      rm -f "$pidfile"
      fail_start redis "$logfile" "redis-server exited during start-up"
    fi
    if REDISCLI_AUTH="$pass" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
      ready=1
      break
    fi
    sleep 0.1
  done
  if [ "$ready" != 1 ]; then
    stop_pid redis "$pidfile" 2>/dev/null || true
    fail_start redis "$logfile" "Redis did not answer on 127.0.0.1:$REDIS_PORT within 10 s"
  fi
  (umask 077 && echo "export NECTAR_TEST_REDIS=redis://:$pass@127.0.0.1:$REDIS_PORT/1" >"$DIR/redis/env")
  log "redis ready: redis://:****@127.0.0.1:$REDIS_PORT/1"
}

redis_stop() {
  stop_pid redis "$DIR/redis/redis.pid"
  rm -f "$DIR/redis/env"
}

redis_status() {
  if pid_alive "$DIR/redis/redis.pid"; then
    echo "redis: running (pid $(cat "$DIR/redis/redis.pid"), 127.0.0.1:$(cat "$DIR/redis/port"))"
  else
    echo "redis: stopped"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------

pg_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  done
  return 1
}

postgres_start() {
  local base="$DIR/postgres" pidfile="$DIR/postgres/postgres.pid" logfile="$DIR/postgres/postgres.log"
  mkdir -p "$base/sock"
  if pid_alive "$pidfile"; then
    log "postgres already running (pid $(cat "$pidfile")) on 127.0.0.1:$PG_PORT"
    return 0
  fi
  local bin
  if ! bin=$(pg_bin); then
    need_cmd /usr/lib/postgresql/15/bin/initdb postgresql
    bin=$(pg_bin) || die "postgresql is installed but no initdb was found under /usr/lib/postgresql"
  fi
  local pw
  pw=$(stored_token "$base/password" 24)
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$base"
  if [ ! -f "$base/data/PG_VERSION" ]; then
    log "initialising a PostgreSQL cluster in $base/data"
    as_user postgres "$bin/initdb" -D "$base/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      >"$base/initdb.log" 2>&1 || fail_start postgres "$base/initdb.log" "initdb failed"
  fi
  port_free "$PG_PORT" || die "port 127.0.0.1:$PG_PORT is already in use by another process: set NECTAR_POSTGRES_PORT"
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT (data in $base/data)"
  as_user postgres "$bin/pg_ctl" -D "$base/data" -l "$logfile" -w -t 60 \
    -o "-p $PG_PORT -k $base/sock -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null 2>&1 || fail_start postgres "$logfile" "PostgreSQL did not start within 60 s"
  head -1 "$base/data/postmaster.pid" >"$pidfile"
  local i ready=0
  for i in $(seq 1 60); do
    if as_user postgres "$bin/pg_isready" -q -h "$base/sock" -p "$PG_PORT"; then ready=1; break; fi
    sleep 0.5
  done
  [ "$ready" = 1 ] || { postgres_stop >/dev/null 2>&1 || true; fail_start postgres "$logfile" "PostgreSQL did not accept connections"; }
  # Idempotent: the role gets the stored password every time, the database is created once.
  as_user postgres "$bin/psql" -q -X -v ON_ERROR_STOP=1 -h "$base/sock" -p "$PG_PORT" -U postgres -d postgres >"$base/setup.log" 2>&1 <<EOF || fail_start postgres "$base/setup.log" "could not create the test user and database"
SELECT 'CREATE ROLE $PG_USER LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER') \gexec
ALTER ROLE $PG_USER WITH LOGIN CREATEDB PASSWORD '$pw';
SELECT 'CREATE DATABASE $PG_DB OWNER $PG_USER' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$PG_DB') \gexec
EOF
  (umask 077 && echo "export NECTAR_TEST_POSTGRES=postgres://$PG_USER:$pw@127.0.0.1:$PG_PORT/$PG_DB" >"$base/env")
  log "postgres ready: postgres://$PG_USER:****@127.0.0.1:$PG_PORT/$PG_DB"
}

postgres_stop() {
  # SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for clients to disconnect).
  stop_pid postgres "$DIR/postgres/postgres.pid" INT
  rm -f "$DIR/postgres/env"
}

postgres_status() {
  if pid_alive "$DIR/postgres/postgres.pid"; then
    echo "postgres: running (pid $(cat "$DIR/postgres/postgres.pid"), 127.0.0.1:$PG_PORT, database $PG_DB)"
  else
    echo "postgres: stopped"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# MariaDB: a private server (no system config files); user 'nectar' with a password, database
# nectar_test. Durability settings are relaxed: this is test data.
MARIADB_PORT="${NECTAR_MARIADB_PORT:-3399}"
MARIADB_DB=nectar_test
MARIADB_USER=nectar

mariadb_start() {
  local base="$DIR/mariadb" pidfile="$DIR/mariadb/mariadb.pid" logfile="$DIR/mariadb/mariadb.log"
  local sock="$DIR/mariadb/mariadb.sock"
  mkdir -p "$base"
  if pid_alive "$pidfile"; then
    log "mariadb already running (pid $(cat "$pidfile")) on 127.0.0.1:$MARIADB_PORT"
    return 0
  fi
  need_cmd mariadbd mariadb-server
  need_cmd mariadb-install-db mariadb-server
  local pw run_as=()
  pw=$(stored_token "$base/password" 24)
  if [ "$(id -u)" -eq 0 ]; then
    chown -R mysql:mysql "$base"
    run_as=(--user=mysql)
  fi
  if [ ! -d "$base/data/mysql" ]; then
    log "initialising a MariaDB data directory in $base/data"
    mariadb-install-db --no-defaults "${run_as[@]}" --datadir="$base/data" --auth-root-authentication-method=normal \
      --skip-test-db >"$base/install.log" 2>&1 || fail_start mariadb "$base/install.log" "mariadb-install-db failed"
  fi
  port_free "$MARIADB_PORT" || die "port 127.0.0.1:$MARIADB_PORT is already in use by another process: set NECTAR_MARIADB_PORT"
  log "starting MariaDB on 127.0.0.1:$MARIADB_PORT (data in $base/data)"
  : >"$logfile"
  [ "$(id -u)" -eq 0 ] && chown mysql:mysql "$logfile"
  nohup setsid mariadbd --no-defaults "${run_as[@]}" --datadir="$base/data" --port="$MARIADB_PORT" \
    --bind-address=127.0.0.1 --socket="$sock" --pid-file="$base/mariadbd.pid" --log-error="$logfile" \
    --skip-name-resolve --skip-log-bin --max-connections=300 --innodb-buffer-pool-size=128M \
    --innodb-flush-log-at-trx-commit=2 >>"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
  local i ready=0
  for i in $(seq 1 120); do
    if ! pid_alive "$pidfile"; then
      rm -f "$pidfile"
      fail_start mariadb "$logfile" "mariadbd exited during start-up"
    fi
    if mariadb-admin --no-defaults --protocol=socket --socket="$sock" -uroot ping >/dev/null 2>&1; then ready=1; break; fi
    sleep 0.5
  done
  if [ "$ready" != 1 ]; then
    stop_pid mariadb "$pidfile" 2>/dev/null || true
    fail_start mariadb "$logfile" "MariaDB did not answer within 60 s"
  fi
  mariadb --no-defaults --protocol=socket --socket="$sock" -uroot >"$base/setup.log" 2>&1 <<EOF || fail_start mariadb "$base/setup.log" "could not create the test user and database"
CREATE DATABASE IF NOT EXISTS $MARIADB_DB;
CREATE USER IF NOT EXISTS '$MARIADB_USER'@'%' IDENTIFIED BY '$pw';
ALTER USER '$MARIADB_USER'@'%' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON *.* TO '$MARIADB_USER'@'%';
EOF
  (umask 077 && echo "export NECTAR_TEST_MYSQL=mysql://$MARIADB_USER:$pw@127.0.0.1:$MARIADB_PORT/$MARIADB_DB" >"$base/env")
  log "mariadb ready: mysql://$MARIADB_USER:****@127.0.0.1:$MARIADB_PORT/$MARIADB_DB"
}

mariadb_stop() {
  stop_pid mariadb "$DIR/mariadb/mariadb.pid"
  rm -f "$DIR/mariadb/env"
}

mariadb_status() {
  if pid_alive "$DIR/mariadb/mariadb.pid"; then
    echo "mariadb: running (pid $(cat "$DIR/mariadb/mariadb.pid"), 127.0.0.1:$MARIADB_PORT, database $MARIADB_DB)"
  else
    echo "mariadb: stopped"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------

# Rebuilds $DIR/env from the fragments of the services that are running: ours first, then any
# other fragment in $DIR (a service another checkout of this script knows), so that two checkouts
# sharing $DIR do not drop each other's variables.
write_env() {
  local out="$DIR/env" s f
  umask 077
  {
    echo "# Written by scripts/services.sh; source it before running the integration tests."
    for s in "${ALL_SERVICES[@]}"; do
      if [ -f "$DIR/$s/env" ]; then cat "$DIR/$s/env"; fi
    done
    for f in "$DIR"/*/env; do
      [ -f "$f" ] || continue
      s=$(basename "$(dirname "$f")")
      case " ${ALL_SERVICES[*]} " in *" $s "*) ;; *) cat "$f" ;; esac
    done
  } >"$out.tmp"
  mv "$out.tmp" "$out"
}

check_names() {
  local s k ok
  for s in "$@"; do
    ok=0
    for k in "${ALL_SERVICES[@]}"; do [ "$s" = "$k" ] && ok=1; done
    [ "$ok" = 1 ] || die "unknown service '$s': known are ${ALL_SERVICES[*]}"
  done
}

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  local names=("$@")
  [ ${#names[@]} -eq 0 ] && names=("${ALL_SERVICES[@]}")
  check_names "${names[@]}"
  mkdir -p "$DIR"
  local s rc=0
  case "$cmd" in
    start)
      for s in "${names[@]}"; do "${s}_start"; done
      write_env
      echo "$DIR/env"
      ;;
    stop)
      for s in "${names[@]}"; do "${s}_stop"; done
      write_env
      ;;
    status)
      for s in "${names[@]}"; do "${s}_status" || rc=1; done
      return $rc
      ;;
    env)
      echo "$DIR/env"
      ;;
    *)
      echo "usage: $0 start|stop|status [${ALL_SERVICES[*]}] | env" >&2
      exit 2
      ;;
  esac
}

main "$@"
