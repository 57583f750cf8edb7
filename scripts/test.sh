#!/usr/bin/env bash
# The whole test suite: installs what the tests need, starts the test services on 127.0.0.1,
# runs every module's tests, and stops the services it started.
#   scripts/test.sh [extra maven args, e.g. -pl nectar-object-s3 -am]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
source scripts/lib.sh
nectar_java_home
nectar_apt mvn maven
nectar_apt openssl openssl
nectar_apt fusermount3 fuse3
nectar_apt setfattr attr
nectar_apt python3 python3
nectar_apt rsync rsync
nectar_apt fio fio       # nectar-it CrashRecoveryTest runs fio --verify on the mount
nectar_apt sqlite3 sqlite3
nectar_apt setfacl acl
nectar_apt git git
nectar_apt redis-server redis-server
nectar_apt litmus litmus
nectar_apt rclone rclone
nectar_apt mount.davfs davfs2
nectar_apt chromium chromium   # nectar-csi dashboard tests render the page headless

export NECTAR_SERVICES_DIR="${NECTAR_SERVICES_DIR:-/tmp/nectar-services}"
started=0
if ! scripts/services.sh status >/dev/null 2>&1; then
  scripts/services.sh start
  started=1
fi
cleanup() { if [[ $started == 1 ]]; then scripts/services.sh stop || true; fi; }
trap cleanup EXIT
# shellcheck disable=SC1091
source "$NECTAR_SERVICES_DIR/env"

mvn -B -ntp install "$@"
