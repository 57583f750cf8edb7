#!/usr/bin/env bash
# Side-by-side benchmarks, each with its baseline measured in the same run.
#   scripts/bench.sh objects [DIR]   fio on DIR, then objbench on file://DIR and on the local S3 server
#   scripts/bench.sh meta            mdtest on every metadata engine (SQLite, Redis, PostgreSQL, MariaDB)
#   scripts/bench.sh files [DIR]     nectar bench on the raw disk, bindfs, the C FUSE passthrough (when it
#                                    builds), a NectarFS mount and the VFS without a mount, all on DIR's disk
#   scripts/bench.sh tar [DIR]       eight parallel tar -x of a 135 MB tree (5,000 files) into the raw disk, the C
#                                    FUSE passthrough, and NectarFS mounts on SQLite and on Redis (RUNS=3, median)
#   scripts/bench.sh gateway [DIR]   the S3 gateway vs S3Proxy (objbench, aws CLI with one big object) and vs a
#                                    FUSE mount of the same volume (cold sequential read); QUICK=1 for 256 MiB
#   scripts/bench.sh cachegroup [DIR] issue #16: 3 clients over a slowed S3, (a) object store only, (b) local caches,
#                                    (c) a cache group after warmup --cache-group; sequential, 4 KiB random, warm-up
#   scripts/bench.sh takeover [DIR]  issue #17: planned takeover pauses idle and under a fio write loop (K=6 of each),
#                                    on a kept SQLite mount
#   scripts/bench.sh all [--json]    every workload of issue #13 on raw ext4, the C FUSE passthrough, NectarFS on
#                                    SQLite and on Redis: one table with ratios (docs/benchmarks.md; QUICK=1 ~3 min)
# NECTAR_HOME=/other/checkout benchmarks that checkout's build (its ./nectar); the baselines and tools stay ours.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
source scripts/lib.sh
# Shared by the workloads below: a timestamped line on stderr; an empty page cache (root only).
bench_log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
bench_drop_caches() {
  sync
  if [[ -w /proc/sys/vm/drop_caches ]]; then echo 3 > /proc/sys/vm/drop_caches; fi
}
source scripts/bench/all.sh
source scripts/bench/gateway.sh
source scripts/bench/cachegroup.sh
source scripts/bench/takeover.sh
nectar_java_home
NECTAR_ROOT="$(readlink -f "${NECTAR_HOME:-.}")"
NX="$NECTAR_ROOT/nectar"
# The C baselines (fuse-passthrough.c, meta-rate.c): NECTAR_BASELINES, default ../shared/tools from the repo root.
TOOLS="${NECTAR_BASELINES:-../shared/tools}"
"$NX" --version >/dev/null
export NECTAR_NO_BUILD=1  # built once above

objects() {
  local dir="${1:-/var/tmp/nectar-bench}"
  nectar_apt fio fio
  mkdir -p "$dir"
  echo "== raw disk: fio on $dir (4 MiB sequential write with fsync per block, read back; 128 KiB writes with fsync, 4 jobs) =="
  fio --name=seqwrite --directory="$dir" --rw=write --bs=4M --size=512M --numjobs=1 --end_fsync=1 --fsync=1 --group_reporting 2>/dev/null | grep -E "^ *WRITE:"
  fio --name=seqwrite --directory="$dir" --rw=read --bs=4M --size=512M --numjobs=1 --group_reporting 2>/dev/null | grep -E "^ *READ:"
  fio --name=smallwrite --directory="$dir" --rw=write --bs=128k --size=64M --numjobs=4 --fsync=1 --group_reporting 2>/dev/null | grep -E "^ *WRITE:"
  rm -f "$dir"/seqwrite.* "$dir"/smallwrite.*
  echo
  echo "== objbench file://$dir =="
  "$NX" objbench "file://$dir" --threads 1,4,16
  echo
  scripts/services.sh start s3 >/dev/null
  # shellcheck disable=SC1091
  source "${NECTAR_SERVICES_DIR:-/tmp/nectar-services}/env"
  echo "== objbench on the local S3 server (S3Proxy, same disk) =="
  "$NX" objbench "$NECTAR_TEST_S3" --threads 1,4,16
}

meta() {
  scripts/services.sh start redis postgres mariadb >/dev/null
  # shellcheck disable=SC1091
  source "${NECTAR_SERVICES_DIR:-/tmp/nectar-services}/env"
  local tmp
  tmp="$(mktemp -d)"
  local urls=("sqlite3://$tmp/meta.db" "${NECTAR_TEST_REDIS%/*}/2?prefix=mdtest" "${NECTAR_TEST_POSTGRES}?table-prefix=mdtest_" "${NECTAR_TEST_MYSQL}?table-prefix=mdtest_")
  local i=0
  for u in "${urls[@]}"; do
    i=$((i + 1)) # one storage directory per engine: a storage holds one volume
    "$NX" format "$u" mdtest --storage "file://$tmp/data$i" --trash-days 0 --force >/dev/null
    "$NX" mdtest "$u" --threads "${THREADS:-4}" --files "${FILES:-1000}" | sed 's/[a-z]*:\/\/[^ ]*@/&/'
    echo
  done
  rm -rf "$tmp"
}

files() {
  local dir="${1:-/var/tmp/nectar-files-bench}" size="${SIZE:-1G}"
  nectar_apt bindfs bindfs
  mkdir -p "$dir"/{raw,bindfs-src,bindfs-mnt,pt-src,pt-mnt,nectar-mnt}
  local opts=(--big-file-size "$size" --small-files "${SMALL:-1000}" --drop-caches)
  nectar_apt fio fio
  echo "== fio on $dir (1 MiB sequential write + fsync, read; 4 KiB random read) =="
  fio --name=seq --directory="$dir/raw" --rw=write --bs=1M --size="$size" --end_fsync=1 2>/dev/null | grep -E "^ *WRITE:"
  fio --name=seq --directory="$dir/raw" --rw=read --bs=1M --size="$size" 2>/dev/null | grep -E "^ *READ:"
  fio --name=seq --directory="$dir/raw" --rw=randread --bs=4k --size="$size" --runtime=5 --time_based 2>/dev/null | grep -E "^ *READ:|clat percentiles|50.00th" | head -3
  rm -f "$dir"/raw/seq.*
  echo "== raw disk ($dir/raw) =="; "$NX" bench "$dir/raw" "${opts[@]}" | tail -8
  bindfs "$dir/bindfs-src" "$dir/bindfs-mnt"
  echo "== bindfs ==";  "$NX" bench "$dir/bindfs-mnt" "${opts[@]}" | tail -8
  fusermount3 -u "$dir/bindfs-mnt" 2>/dev/null || umount "$dir/bindfs-mnt"
  local pt=""
  if [[ -f "$TOOLS"/fuse-passthrough.c ]] && nectar_apt pkg-config pkg-config && dpkg -s libfuse3-dev >/dev/null 2>&1 || apt-get install -y -qq libfuse3-dev >/dev/null 2>&1; then
    pt="$dir/fuse-passthrough"
    gcc -O2 "$TOOLS"/fuse-passthrough.c -o "$pt" $(pkg-config fuse3 --cflags --libs) 2>/dev/null || pt=""
  fi
  if [[ -n "$pt" ]]; then
    "$pt" "$dir/pt-src" "$dir/pt-mnt" -o allow_other & sleep 1
    echo "== C FUSE passthrough (libfuse3) =="; "$NX" bench "$dir/pt-mnt" "${opts[@]}" | tail -8
    fusermount3 -u "$dir/pt-mnt"
  fi
  rm -rf "$dir/vol"; mkdir -p "$dir/vol"
  local meta="sqlite3://$dir/vol/meta.db"
  "$NX" format "$meta" benchvol --storage "file://$dir/vol/data" --trash-days 0 >/dev/null
  "$NX" mount -d "$meta" "$dir/nectar-mnt" --cache-dir "$dir/vol/cache" --log "$dir/vol/mount.log" >/dev/null
  echo "== NectarFS mount (SQLite + local directory) =="; "$NX" bench "$dir/nectar-mnt" "${opts[@]}" | tail -8
  "$NX" umount "$dir/nectar-mnt" >/dev/null
  echo "== NectarFS VFS, no mount =="; "$NX" bench "$meta" --cache-dir "$dir/vol/cache" "${opts[@]}" | tail -8
}

# Builds a deterministic tree of about 135 MB in 5,000 files (50 directories, sizes spread from 512 B to
# 256 KiB, a few large files; TAR_COUNT files instead of 5,000 scale it down) and packs it into $1.
make_tree_tar() {
  local out="$1" src
  src="$(mktemp -d)"
  python3 - "$src" "${TAR_COUNT:-5000}" <<'PY'
import os, random, sys
root = sys.argv[1]; rnd = random.Random(42); total = 0; count = int(sys.argv[2])
for i in range(count):
    d = os.path.join(root, "tree", "d%02d" % (i % 50)); os.makedirs(d, exist_ok=True)
    size = int(2 ** rnd.uniform(9, 17)) if i % 500 else 2 << 20
    with open(os.path.join(d, "f%05d.bin" % i), "wb") as f:
        f.write(rnd.randbytes(size)); total += size
print("tree: %d files, %.0f MB" % (count, total / 1e6), file=sys.stderr)
PY
  tar -C "$src" -cf "$out" tree
  rm -rf "$src"
}

# Median wall seconds of RUNS rounds of: eight parallel 'tar -x' into $1/t1..t8, then sync.
time_tar() {
  local target="$1" archive="$2" runs="${RUNS:-3}" times=()
  for ((r = 0; r < runs; r++)); do
    rm -rf "$target"/t*
    sync
    local t0 t1
    t0=$(date +%s.%N)
    for i in 1 2 3 4 5 6 7 8; do (mkdir -p "$target/t$i" && tar -C "$target/t$i" -xf "$archive") & done
    wait
    sync
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc)")
  done
  rm -rf "$target"/t*
  printf '%.2f' "$(median "${times[@]}")"  # median: scripts/bench/all.sh
}

tarx() {
  local dir="${1:-/var/tmp/nectar-tar-bench}"
  nectar_apt bc bc
  nectar_apt fusermount3 fuse3
  scripts/services.sh start redis >/dev/null
  # shellcheck disable=SC1091
  source "${NECTAR_SERVICES_DIR:-/tmp/nectar-services}/env"
  rm -rf "$dir"; mkdir -p "$dir"/{raw,pt-src,pt-mnt,sq-mnt,rd-mnt,vol}
  make_tree_tar "$dir/tree.tar"
  local raw pt="" ptt="-" sq rd
  raw=$(time_tar "$dir/raw" "$dir/tree.tar")
  if [[ -f "$TOOLS"/fuse-passthrough.c ]] && { dpkg -s libfuse3-dev >/dev/null 2>&1 || apt-get install -y -qq libfuse3-dev >/dev/null 2>&1; }; then
    pt="$dir/fuse-passthrough"
    gcc -O2 "$TOOLS"/fuse-passthrough.c -o "$pt" $(pkg-config fuse3 --cflags --libs) 2>/dev/null || pt=""
  fi
  if [[ -n "$pt" ]]; then
    "$pt" "$dir/pt-src" "$dir/pt-mnt" -o allow_other &
    for _ in $(seq 100); do mountpoint -q "$dir/pt-mnt" && break; sleep 0.1; done
    ptt=$(time_tar "$dir/pt-mnt" "$dir/tree.tar")
    fusermount3 -u "$dir/pt-mnt"
  fi
  local sqmeta="sqlite3://$dir/vol/meta.db" rdmeta="${NECTAR_TEST_REDIS%/*}/3?prefix=tarbench"
  "$NX" format "$sqmeta" tarbench --storage "file://$dir/vol/sq-data" --trash-days 0 >/dev/null
  "$NX" mount -d "$sqmeta" "$dir/sq-mnt" --cache-dir "$dir/vol/sq-cache" --log "$dir/vol/sq.log" >/dev/null
  sq=$(time_tar "$dir/sq-mnt" "$dir/tree.tar")
  "$NX" umount "$dir/sq-mnt" >/dev/null
  "$NX" format "$rdmeta" tarbench --storage "file://$dir/vol/rd-data" --trash-days 0 --force >/dev/null
  "$NX" mount -d "$rdmeta" "$dir/rd-mnt" --cache-dir "$dir/vol/rd-cache" --log "$dir/vol/rd.log" >/dev/null
  rd=$(time_tar "$dir/rd-mnt" "$dir/tree.tar")
  "$NX" umount "$dir/rd-mnt" >/dev/null
  printf '== 8 x tar -x of a 135 MB / 5,000-file tree, then sync (median of %s runs, seconds) ==\n' "${RUNS:-3}"
  printf '%-28s %8s %8s\n' target seconds "x raw"
  for row in "raw disk:$raw" "C FUSE passthrough:$ptt" "NectarFS SQLite:$sq" "NectarFS Redis:$rd"; do
    local name="${row%%:*}" t="${row##*:}"
    if [[ "$t" == "-" ]]; then printf '%-28s %8s\n' "$name" "n/a"; else printf '%-28s %8s %8.1f\n' "$name" "$t" "$(echo "$t / $raw" | bc -l)"; fi
  done
  rm -rf "$dir"
}

case "${1:-}" in
  objects) shift; objects "$@" ;;
  meta) meta ;;
  files) shift; files "$@" ;;
  tar) shift; tarx "$@" ;;
  all) shift; all "$@" ;;
  gateway) shift; gateway_bench "$@" ;;
  cachegroup) shift; cachegroup_bench "$@" ;;
  takeover) shift; takeover_bench "$@" ;;
  *) echo "usage: scripts/bench.sh objects [DIR] | meta | files [DIR] | tar [DIR] | gateway [DIR] | cachegroup [DIR] | takeover [DIR] | all [--json]" >&2; exit 2 ;;
esac
