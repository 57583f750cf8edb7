#!/usr/bin/env bash
# The main job on embedded defaults: formats a volume on SQLite + a local directory (once) and
# mounts it in the background, then says where.
#   scripts/run.sh            mount at $NECTAR_MOUNT (default /mnt/nectar, or ~/nectar when not root)
#   scripts/run.sh stop       unmount it
# Environment:
#   NECTAR_HOME   where the volume lives (default $HOME/.nectar): meta.db (SQLite metadata),
#                 data/ (objects), cache/ (block cache) and mount.log
#   NECTAR_MOUNT  the mount point (default /mnt/nectar as root, else $HOME/nectar)
# The first run builds the CLI (a few minutes; the launcher prints its progress).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
source scripts/lib.sh
nectar_java_home
nectar_apt mvn maven
nectar_apt fusermount3 fuse3
home="${NECTAR_HOME:-$HOME/.nectar}"
meta="sqlite3://$home/meta.db"
if [[ $(id -u) -eq 0 ]]; then mnt="${NECTAR_MOUNT:-/mnt/nectar}"; else mnt="${NECTAR_MOUNT:-$HOME/nectar}"; fi
if [[ "${1:-}" == "stop" ]]; then
  exec ./nectar umount "$mnt"
fi
(umask 077 && mkdir -p "$home") # metadata and data inside: 0700
mkdir -p "$mnt"
chmod 0700 "$home"
./nectar version >/dev/null # builds the CLI when needed, with its progress on stderr
if ! ./nectar status "$meta" >/dev/null 2>&1; then
  ./nectar format "$meta" nectar --storage "file://$home/data" >/dev/null
  echo "formatted volume 'nectar' (metadata $meta, data $home/data)"
fi
if grep -qs " $mnt fuse.nectarfs " /proc/mounts; then
  echo "NectarFS is already mounted at $mnt"
  exit 0
fi
./nectar mount -d "$meta" "$mnt" --cache-dir "$home/cache" --log "$home/mount.log"
echo "NectarFS is mounted at $mnt. Unmount with: scripts/run.sh stop"
