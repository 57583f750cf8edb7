# scripts/bench.sh all: every workload of issue #13 on four targets, one table. Sourced by
# scripts/bench.sh (which has cd'ed to the repo root and set NX, the nectar launcher to measure);
# see docs/benchmarks.md for what each row means and the environment variables.
#
# Targets: raw ext4 (a directory on the same disk), the C libfuse3 passthrough, NectarFS on SQLite +
# local directory, NectarFS on Redis + local directory. One target at a time, each through the same
# workloads; mounts use the defaults a new user gets, plus a fresh --cache-dir.

# Sizes (env); QUICK=1 makes them smaller.
all_sizes() {
  if [[ "${QUICK:-0}" == 1 ]]; then
    : "${SMALL_FILES:=500}" "${META_FILES:=1000}" "${SEQ_SIZE:=256M}" "${CKPT_SIZE:=32M}"
    : "${RR_COLD_IOS:=300}" "${RR_WARMUP_IOS:=3000}" "${RR_WARM_SECONDS:=2}" "${TAR_FILES:=1000}"
  else
    : "${SMALL_FILES:=2000}" "${META_FILES:=5000}" "${SEQ_SIZE:=1G}" "${CKPT_SIZE:=128M}"
    : "${RR_COLD_IOS:=1000}" "${RR_WARMUP_IOS:=5000}" "${RR_WARM_SECONDS:=5}" "${TAR_FILES:=5000}"
  fi
  : "${CKPT_BS:=4M}" "${SMALL_RUNS:=3}" "${SMALL_THREADS:=8}" "${SMALL_WARMUP:=$(( SMALL_FILES > 2000 ? SMALL_FILES : 2000 ))}"
  : "${WARM_JIT_PERCENT:=5}" "${WARM_MAX_PASSES:=20}"
}

bytes() { numfmt --from=iec "$1"; }
now() { date +%s.%N; }
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# Drops the kernel's page, dentry and inode caches (root only; otherwise nothing is dropped).
drop_caches() {
  sync
  if [[ -w /proc/sys/vm/drop_caches ]]; then echo 3 > /proc/sys/vm/drop_caches; fi
}

# VAL[key,target] = value; ROWS keeps the order of the keys and LABEL their names.
declare -A VAL LABEL
ROWS=()
put() { VAL["$1,$2"]="$3"; }
row() { ROWS+=("$1"); LABEL["$1"]="$2"; }

# fio with a JSON report in $W/fio.json; prints nothing.
fio_run() { fio --output-format=json --output="$W/fio.json" --verify_state_save=0 "$@" >/dev/null; }
# fio_get FIELD: read or write numbers of the last fio_run (all jobs summed by group_reporting).
fio_get() {
  python3 - "$W/fio.json" "$1" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]; what = sys.argv[2]
r = j["read"]; pct = r["clat_ns"].get("percentile", {})
print({"p50": "%.1f" % (pct.get("50.000000", 0) / 1e3), "p99": "%.1f" % (pct.get("99.000000", 0) / 1e3),
       "iops": "%.0f" % r["iops"], "bw": "%.0f" % (r["bw_bytes"] / 1e6), "err": str(j["error"])}[what])
PY
}
# mbps BYTES T0 T1
mbps() { echo "$1 $2 $3" | awk '{printf "%.0f", $1 / ($3 - $2) / 1e6}'; }

# ---- targets: start, make cold, stop ---------------------------------------------------------------

# Each target sets MNT (where the workloads run) and PID (the FUSE server, for RSS; empty for raw).
target_start() {
  local t="$1"
  CUR="$t"
  case "$t" in
    raw) MNT="$D/raw"; PID=""; mkdir -p "$MNT" ;;
    pt)
      mkdir -p "$D/pt-src" "$D/pt-mnt"; MNT="$D/pt-mnt"
      "$PT" "$D/pt-src" "$MNT" -f -o allow_other 2>"$D/bin/pt.log" & PID=$!
      for _ in $(seq 100); do mountpoint -q "$MNT" && break; sleep 0.1; done
      mountpoint -q "$MNT" || { echo "the C passthrough did not mount" >&2; return 1; } ;;
    sq|rd|sqlz|rdlz) nectar_start "$t" ;;
  esac
}

# The NectarFS meta URL of target $1.
meta_url() {
  case "$1" in
    sq) echo "sqlite3://$D/vol-sq/meta.db" ;;
    sqlz) echo "sqlite3://$D/vol-sqlz/meta.db" ;;
    rd) echo "${NECTAR_TEST_REDIS%/*}/4?prefix=benchall" ;;
    rdlz) echo "${NECTAR_TEST_REDIS%/*}/4?prefix=benchlz" ;;
  esac
}

nectar_start() {
  local t="$1" meta compress=()
  meta="$(meta_url "$t")"
  [[ "$t" == *lz ]] && compress=(--compress lz4)
  mkdir -p "$D/vol-$t" "$D/mnt-$t"
  # shellcheck disable=SC2086
  "$NX" format "$meta" "bench$t" --storage "file://$D/vol-$t/data" "${compress[@]}" --force ${FORMAT_OPTS:-} >/dev/null
  MNT="$D/mnt-$t"
  nectar_mount "$t"
}

# Mounts target $1 with a fresh, empty cache directory and sets PID from the launcher's message.
# nectar_mount T keep [OPTIONS]: keeps the cache directory and adds OPTIONS.
nectar_mount() {
  local t="$1" out log before i
  log="$D/vol-$t/mount.log"
  if [[ "${2:-}" == keep ]]; then shift 2; else rm -rf "$D/vol-$t/cache"; shift; fi
  before="$(standbys_ready "$log")"
  # shellcheck disable=SC2086
  out="$("$NX" mount -d "$(meta_url "$t")" "$D/mnt-$t" --cache-dir "$D/vol-$t/cache" --log "$log" ${MOUNT_OPTS:-} "$@")"
  PID="$(sed -n 's/.*(pid \([0-9]*\).*/\1/p' <<<"$out")"
  [[ -n "$PID" ]] || PID="$(pgrep -n -f -- "mount.*$D/mnt-$t" || true)"
  # A mount serves for hours; its standby worker starts once, 5 s after the mount, and takes
  # seconds of CPU (at the lowest priority): measure after it, as after the JIT warm-up.
  case " ${MOUNT_OPTS:-} $* " in *" --no-standby "*|*" --no-keeper "*) return ;; esac
  for i in $(seq 1 "${STANDBY_WAIT:-120}"); do
    (( $(standbys_ready "$log") > before )) && return
    sleep 1
  done
  log "$t: no standby worker ready after ${STANDBY_WAIT:-120} s (see $log); measuring anyway"
}

# How many standby workers the mount log $1 says were ready.
standbys_ready() {
  local n
  n="$(grep -c 'standby worker pid .* ready' "$1" 2>/dev/null)"
  echo "${n:-0}"
}

# Makes the next read cold: page cache dropped; NectarFS remounted with an empty cache directory,
# so its data comes from the object store directory. Acts on the running target, CUR. With "rand",
# the warm-up also does RR_WARMUP_IOS random 4 KiB reads (the ranged-read path).
target_cold() {
  case "$CUR" in
    # After the remount, unmeasured reads of another file: the new JVM compiles the read path
    # (a running mount has), and the page cache is dropped again.
    sq|rd|sqlz|rdlz)
      "$NX" umount "$MNT" >/dev/null; drop_caches; nectar_mount "$CUR"
      if [[ -f "$MNT/seq/warmread" ]]; then
        cat "$MNT/seq/warmread" >/dev/null
        if [[ "${1:-}" == rand ]]; then
          drop_caches
          fio --name=warm --filename="$MNT/seq/warmread" --rw=randread --bs=4k --ioengine=psync \
            --number_ios="$RR_WARMUP_IOS" --output=/dev/null >/dev/null
        fi
      fi
      drop_caches ;;
    *) drop_caches ;;
  esac
}

# The UUID of the volume at meta URL $1 (empty when there is none), for 'nectar destroy'.
volume_uuid() {
  "$NX" status "$1" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["volume"]["uuid"])' 2>/dev/null || true
}

# Deletes the Redis volume of target $1: its keys (all start with {PREFIX}) with redis-cli, which
# takes a second where 'nectar destroy' took minutes after the tar workload (and 2.7 GB of RSS);
# 'nectar destroy' only when a volume is still there (another key layout). The objects are in $D
# and go with it.
redis_drop() {
  local url prefix pass hostport uuid
  url="$(meta_url "$1")"; prefix="${url##*prefix=}"
  pass="$(sed -n 's|^redis://[^:]*:\([^@]*\)@.*|\1|p' <<<"$url")"
  hostport="$(sed -n 's|^redis://\([^@/]*@\)\{0,1\}\([^/]*\)/.*|\2|p' <<<"$url")"
  if command -v redis-cli >/dev/null && [[ -n "$hostport" ]]; then
    # Keys hold binary bytes, so they are scanned and unlinked inside Redis, not piped through text.
    REDISCLI_AUTH="$pass" redis-cli -h "${hostport%:*}" -p "${hostport##*:}" -n 4 eval \
      "local c, n = '0', 0 repeat local r = redis.call('SCAN', c, 'MATCH', ARGV[1], 'COUNT', 1000) c = r[1]
       for _, k in ipairs(r[2]) do redis.call('UNLINK', k) n = n + 1 end until c == '0' return n" 0 "{$prefix}*" >/dev/null || true
  fi
  uuid="$(volume_uuid "$url")"
  [[ -n "$uuid" ]] && "$NX" destroy "$url" "$uuid" --yes --force >/dev/null 2>&1 || true
}

target_stop() {
  case "$1" in
    raw) rm -rf "$D/raw" ;;
    pt) fusermount3 -u "$MNT"; wait "$PID" 2>/dev/null || true; rm -rf "$D/pt-src" ;;
    *)
      "$NX" umount "$MNT" >/dev/null
      [[ "$1" == rd* ]] && redis_drop "$1"
      rm -rf "$D/vol-$1" ;;
  esac
  PID=""; MNT=""
}

# The server's memory: for NectarFS every process of the mount (the keeper, its worker and the
# standby worker: each has the mount point in its arguments), summed; peaks are summed per process.
rss_rows() {
  local t="$1" sfx="$2" pids status
  if [[ -n "$PID" && -r /proc/$PID/status ]]; then
    pids="$PID"
    [[ "$t" == pt ]] || pids="$(pgrep -f -- "$D/mnt-$t" | tr '\n' ' ')"
    status="$(for p in $pids; do cat "/proc/$p/status" 2>/dev/null; done)"
    put "rss-hwm$sfx" "$t" "$(awk '/^VmHWM/ {k += $2} END {printf "%.0f", k / 1024}' <<<"$status")"
    put "rss-now$sfx" "$t" "$(awk '/^VmRSS/ {k += $2} END {printf "%.0f", k / 1024}' <<<"$status")"
  fi
}

# ---- workloads: $1 is the table column to fill (the running target is CUR) ---------------------------

# w_small T [SFX]: the small-file rows. SFX "-dfs" is NectarFS remounted with --durability fsync;
# raw and the C passthrough (whose close makes nothing durable either) fill those rows with the same
# run's values. First an unmeasured pass (SMALL_WARMUP files, 4 KiB, 8 threads) on every target, so
# the rows measure a running server, not a JVM's first minute (see docs/benchmarks.md).
# Each size and thread count runs its four phases SMALL_RUNS times; each row is the median.
w_small() {
  local t="$1" sfx="${2:-}" size threads phase kb v run
  local -A got=()
  warm_small
  for size in 4096 65536; do
    kb=$((size / 1024))
    for threads in 1 "$SMALL_THREADS"; do
      for run in $(seq "$SMALL_RUNS"); do
        mkdir -p "$MNT/small"
        for phase in create stat read unlink; do
          [[ "$phase" == read ]] && drop_caches
          v="$("$SF" "$phase" "$MNT/small" "$SMALL_FILES" "$size" "$threads" | awk '{print $2}')"
          got[$phase]+="$v "
        done
        rmdir "$MNT/small"
      done
      for phase in create stat read unlink; do
        v="$(median ${got[$phase]})"; got[$phase]=""
        put "small-$kb-$threads-$phase$sfx" "$t" "$v"
        if [[ "$t" == raw || "$t" == pt ]]; then put "small-$kb-$threads-$phase-dfs" "$t" "$v"; fi
      done
    done
  done
}

# The median of the numbers given as arguments (the lower middle one of an even count).
median() {
  printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

# The unmeasured small-file passes (SMALL_WARMUP files each, 4 KiB, 1 then 8 threads; 0 skips them):
# before each metadata workload, because the mount before it may be new (a remount's JVM starts
# cold). On NectarFS the passes repeat until the JIT compilers of the mount's JVMs are quiet: at
# most WARM_JIT_PERCENT of their CPU in the last pass (a fixed count was not enough: after 2,000
# files C2 was still compiling the flush path, and a file cost 2-3x the CPU of a warm mount), at
# most WARM_MAX_PASSES passes. Raw and the C passthrough get one pass.
warm_small() {
  (( SMALL_WARMUP > 0 )) || return 0
  local pass a b jit
  mkdir -p "$MNT/warm"
  for pass in $(seq 1 "$WARM_MAX_PASSES"); do
    a="$(jit_ticks)"
    "$SF" create "$MNT/warm" "$SMALL_WARMUP" 4096 1 >/dev/null; "$SF" unlink "$MNT/warm" "$SMALL_WARMUP" 4096 1 >/dev/null
    "$SF" create "$MNT/warm" "$SMALL_WARMUP" 4096 8 >/dev/null; "$SF" unlink "$MNT/warm" "$SMALL_WARMUP" 4096 8 >/dev/null
    b="$(jit_ticks)"
    jit="$(jit_percent "$a" "$b")"
    if [[ "$jit" == - ]]; then
      [[ "$CUR" == raw || "$CUR" == pt ]] || log "$CUR: no mount JVM found for $MNT to watch its JIT; one warm-up pass only"
      break
    fi
    (( jit <= WARM_JIT_PERCENT )) && { log "$CUR: warm after $pass small-file passes (JIT ${jit}% of the mount's CPU in the last)"; break; }
    (( pass == WARM_MAX_PASSES )) && log "$CUR: JIT still ${jit}% of the mount's CPU after $pass small-file passes; measuring anyway"
  done
  rm -rf "$MNT/warm"
}

# "COMPILER ALL": CPU ticks of the JIT compiler threads and of all threads of the JVMs serving
# $MNT (its workers, or a --no-keeper mount); "0 0" on targets without a JVM.
jit_ticks() {
  local p t name v c=0 a=0
  [[ "$CUR" == raw || "$CUR" == pt ]] && { echo "0 0"; return; }
  for p in $(pgrep -f -- "Nectar mount .* $MNT .*--keeper-worker|Nectar mount .* $MNT .*--no-keeper"); do
    for t in /proc/"$p"/task/*; do
      read -r name < "$t/comm" 2>/dev/null || continue
      # comm may hold spaces: fields are counted after its closing parenthesis (utime, stime = 12, 13)
      v="$(sed 's/.*) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}')" || continue
      [[ -n "$v" ]] || continue
      a=$((a + v)); [[ "$name" == C[12]\ Compiler* ]] && c=$((c + v))
    done
  done
  echo "$c $a"
}

# jit_percent "C0 A0" "C1 A1": the compilers' share of the JVMs' CPU between two jit_ticks, or "-"
# when no JVM was found or it used no CPU.
jit_percent() {
  local c0 a0 c1 a1
  read -r c0 a0 <<<"$1"; read -r c1 a1 <<<"$2"
  (( a1 > a0 )) || { echo -; return; }
  echo $(( (c1 - c0) * 100 / (a1 - a0) ))
}

w_meta() {
  local t="$1" out
  warm_small
  mkdir -p "$MNT/meta"
  out="$("$MR" "$MNT/meta" "$META_FILES")"
  put meta-create "$t" "$(awk '{print $2}' <<<"$out")"
  put meta-stat "$t" "$(awk '{print $4}' <<<"$out")"
  put meta-unlink "$t" "$(awk '{print $6}' <<<"$out")"
  rmdir "$MNT/meta"
}

# Sequential 1 MiB writes, 1 and 8 writers, without and with fsync at close; leaves $MNT/seq/s1.0.0
# (written with fsync) for the read workloads. $2 is the row-key suffix (empty, or -lz4).
w_seqwrite() {
  local t="$1" sfx="$2" total jobs fs t0 t1
  total="$(bytes "$SEQ_SIZE")"
  mkdir -p "$MNT/seq"
  # The first write after the mount, a row of its own: a new JVM compiles the write path and
  # touches its buffers' memory for the first time (on this VM a host fault per page). The rows
  # after it measure a running mount, as the small-file rows do.
  drop_caches; t0=$(now)
  fio_run --name=first --directory="$MNT/seq" --rw=write --bs=1M --size="$total" --numjobs=1 --group_reporting
  t1=$(now)
  put "seqw-first$sfx" "$t" "$(mbps "$total" "$t0" "$t1")"
  for jobs in 1 8; do
    for fs in 0 1; do
      rm -f "$MNT"/seq/*; drop_caches
      t0=$(now)
      fio_run --name="s$jobs" --directory="$MNT/seq" --rw=write --bs=1M --size=$((total / jobs)) --numjobs="$jobs" \
        --fsync_on_close="$fs" --group_reporting
      t1=$(now)
      put "seqw-$jobs-$fs$sfx" "$t" "$(mbps "$total" "$t0" "$t1")"
      [[ "$jobs" == 1 && "$fs" == 1 ]] && mv "$MNT/seq/s1.0.0" "$MNT/keep"
    done
  done
  rm -f "$MNT"/seq/*; mv "$MNT/keep" "$MNT/seq/s1.0.0"
  head -c "$(( total < (256 << 20) ? total : (256 << 20) ))" /dev/urandom > "$MNT/seq/warmread"
  rss_rows "$t" "$sfx"
}

w_seqread() {
  local t="$1" sfx="$2" total t0 t1
  total="$(bytes "$SEQ_SIZE")"
  target_cold "$t"
  t0=$(now)
  fio_run --name=s1 --directory="$MNT/seq" --rw=read --bs=1M --size="$total" --numjobs=1
  t1=$(now)
  put "seqr-cold$sfx" "$t" "$(mbps "$total" "$t0" "$t1")"
}

w_randread() {
  local t="$1" total f inv=1
  total="$(bytes "$SEQ_SIZE")"; f="$MNT/seq/s1.0.0"
  target_cold rand
  fio_run --name=rr --filename="$f" --rw=randread --bs=4k --size="$total" --ioengine=psync --number_ios="$RR_COLD_IOS"
  put rr-cold-p50 "$t" "$(fio_get p50)"; put rr-cold-p99 "$t" "$(fio_get p99)"
  case "$t" in
    raw) cat "$f" >/dev/null; inv=0 ;;  # raw: warmed means in the page cache
    pt) cat "$f" >/dev/null ;;          # FUSE targets: fio drops the mount's page cache of the file,
    *) "$NX" warmup "$f" >/dev/null ;;  # so reads come from the target's own cache
  esac
  fio_run --name=rr --filename="$f" --rw=randread --bs=4k --size="$total" --ioengine=psync --invalidate="$inv" \
    --runtime="$RR_WARM_SECONDS" --time_based
  put rr-warm-p50 "$t" "$(fio_get p50)"; put rr-warm-p99 "$t" "$(fio_get p99)"; put rr-warm-iops "$t" "$(fio_get iops)"
  w_warm_readonly "$t" "$f" "$total"
  rm -rf "$MNT/seq"
}

# Warmed reads as a dataset mount sees them: raw from the page cache; NectarFS remounted --read-only
# with its warmed cache (FUSE passthrough is on by default there: the kernel reads a local copy).
w_warm_readonly() {
  local t="$1" f="$2" total="$3" inv=1
  case "$t" in
    raw) inv=0 ;;
    pt) ;;
    *)
      "$NX" umount "$MNT" >/dev/null
      nectar_mount "$t" keep --read-only
      if ! passthrough_ready "$f"; then log "$t: no open was served by FUSE passthrough (see $D/vol-$t/mount.log)"; fi ;;
  esac
  fio_run --name=sw --filename="$f" --rw=read --bs=1M --size="$total" --invalidate="$inv"
  put seqr-warm "$t" "$(fio_get bw)"
  fio_run --name=rr --filename="$f" --rw=randread --bs=4k --size="$total" --ioengine=psync --invalidate="$inv" \
    --runtime="$RR_WARM_SECONDS" --time_based
  put rr-ro-p50 "$t" "$(fio_get p50)"; put rr-ro-iops "$t" "$(fio_get iops)"
  case "$t" in raw|pt) ;; *) "$NX" umount "$MNT" >/dev/null; nectar_mount "$t" keep ;; esac
}

# Warms $1 up through this mount and opens it until the mount serves an open by FUSE passthrough (the
# copy of a file over 64 MiB is built in the background after the first open); gives up after 120
# tries. Warming again here, not only before the remount: a warm-up through a mount may leave blocks
# out of the disk cache (its write queue drops blocks when full), and passthrough needs all of them.
passthrough_ready() {
  local i
  for i in $(seq 1 120); do
    "$NX" warmup "$1" >/dev/null
    head -c 1 "$1" >/dev/null
    grep -Eq '^nectar_fuse_passthrough_opens_total(\{[^}]*\})? [1-9]' "$MNT/.stats" && return 0
    sleep 1
  done
  return 1
}

# Checkpoint: 8 processes write their own CKPT_SIZE range of one file (CKPT_BS writes, fsync at
# close), then, cold, all 8 read the whole file with fio's crc32c verification of every block.
w_ckpt() {
  local t="$1" rank total t0 t1
  rank="$(bytes "$CKPT_SIZE")"; total=$((rank * 8))
  t0=$(now)
  fio_run --name=ckpt --filename="$MNT/ckpt" --rw=write --bs="$CKPT_BS" --size="$rank" --offset_increment="$rank" \
    --numjobs=8 --fsync_on_close=1 --verify=crc32c --do_verify=0 --group_reporting
  t1=$(now)
  put ckpt-write "$t" "$(mbps "$total" "$t0" "$t1")"
  target_cold "$t"
  local ok=ok
  t0=$(now)
  fio_run --name=ckpt --filename="$MNT/ckpt" --rw=read --bs="$CKPT_BS" --size="$total" --numjobs=8 \
    --verify=crc32c --verify_only=1 --group_reporting || ok=FAIL
  t1=$(now)
  [[ "$ok" == ok && "$(fio_get err)" != 0 ]] && ok=FAIL
  put ckpt-read "$t" "$(mbps $((total * 8)) "$t0" "$t1")"
  put ckpt-verify "$t" "$ok"
  rm -f "$MNT/ckpt"
}

w_tar() {
  local t="$1"
  mkdir -p "$MNT/tar"
  put tar8 "$t" "$(RUNS="${TAR_RUNS:-1}" time_tar "$MNT/tar" "$D/tree.tar")"
  rmdir "$MNT/tar"
}

# ---- the run ----------------------------------------------------------------------------------------

all_rows() {
  local kb threads
  for kb in 4 64; do
    for threads in 1 "$SMALL_THREADS"; do
      row "small-$kb-$threads-create" "${kb}K files ${threads}T create+write+close/s"
      row "small-$kb-$threads-stat" "${kb}K files ${threads}T stat/s"
      row "small-$kb-$threads-read" "${kb}K files ${threads}T open+read+close/s (cold)"
      row "small-$kb-$threads-unlink" "${kb}K files ${threads}T unlink/s"
    done
  done
  for kb in 4 64; do
    for threads in 1 "$SMALL_THREADS"; do
      row "small-$kb-$threads-create-dfs" "${kb}K files ${threads}T create+write+close/s (NectarFS: --durability fsync)"
      row "small-$kb-$threads-stat-dfs" "${kb}K files ${threads}T stat/s (NectarFS: --durability fsync)"
      row "small-$kb-$threads-read-dfs" "${kb}K files ${threads}T open+read+close/s (cold; --durability fsync)"
      row "small-$kb-$threads-unlink-dfs" "${kb}K files ${threads}T unlink/s (NectarFS: --durability fsync)"
    done
  done
  row meta-create "meta-rate create/s"; row meta-stat "meta-rate stat/s"; row meta-unlink "meta-rate unlink/s"
  local sfx name
  for sfx in "" -lz4; do
    name=""; [[ -n "$sfx" ]] && name=" LZ4"
    row "seqw-first$sfx" "seq write 1M x1$name, first after mount MB/s"
    row "seqw-1-0$sfx" "seq write 1M x1$name MB/s"; row "seqw-1-1$sfx" "seq write 1M x1 fsync$name MB/s"
    row "seqw-8-0$sfx" "seq write 1M x8$name MB/s"; row "seqw-8-1$sfx" "seq write 1M x8 fsync$name MB/s"
    row "rss-hwm$sfx" "server peak RSS after writes$name MiB (NectarFS: all its processes)"; row "rss-now$sfx" "server RSS after writes$name MiB (all processes)"
    row "seqr-cold$sfx" "seq read 1M cold$name MB/s"
  done
  row ckpt-write "checkpoint 8 ranks write+fsync MB/s"; row ckpt-read "checkpoint 8 readers x whole file MB/s"
  row ckpt-verify "checkpoint data verified (crc32c)"
  row rr-cold-p50 "4K rand read cold p50 us"; row rr-cold-p99 "4K rand read cold p99 us"
  row rr-warm-p50 "4K rand read warmed p50 us"; row rr-warm-p99 "4K rand read warmed p99 us"
  row rr-warm-iops "4K rand read warmed IOPS (QD1)"
  row seqr-warm "seq read 1M warmed MB/s (NectarFS: --read-only, passthrough)"
  row rr-ro-p50 "4K rand read warmed p50 us (NectarFS: --read-only)"; row rr-ro-iops "4K rand read warmed IOPS (NectarFS: --read-only)"
  row tar8 "8 x tar -x then sync, seconds"
}

all_cleanup() {
  local m
  for m in "$D"/pt-mnt "$D"/mnt-*; do
    [[ -d "$m" ]] && mountpoint -q "$m" || continue
    case "$m" in *pt-mnt) fusermount3 -u "$m" || umount -l "$m" ;; *) "$NX" umount "$m" >/dev/null 2>&1 || fusermount3 -u -z "$m" ;; esac
  done
  for t in rd rdlz; do redis_drop "$t"; done
  rm -rf "$D"
}

all() {
  local json=0 arg
  for arg in "$@"; do case "$arg" in --json) json=1 ;; *) echo "all: unknown argument $arg" >&2; return 2 ;; esac; done
  all_sizes
  if [[ ! -f "$TOOLS/fuse-passthrough.c" || ! -f "$TOOLS/meta-rate.c" ]]; then
    echo "bench all: the C baselines (fuse-passthrough.c, meta-rate.c) are not in $TOOLS: set NECTAR_BASELINES=DIR" >&2
    return 2
  fi
  D="${BENCH_DIR:-/var/tmp/nectar-bench-all}"
  nectar_apt fio fio; nectar_apt bc bc; nectar_apt fusermount3 fuse3; nectar_apt pkg-config pkg-config
  dpkg -s libfuse3-dev >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 || true; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libfuse3-dev >/dev/null; }
  scripts/services.sh start redis >/dev/null
  # shellcheck disable=SC1091
  source "${NECTAR_SERVICES_DIR:-/tmp/nectar-services}/env"
  rm -rf "$D"; mkdir -p "$D/bin"; W="$D/bin"
  trap all_cleanup EXIT
  PT="$D/bin/fuse-passthrough"; MR="$D/bin/meta-rate"; SF="$D/bin/smallfiles"
  gcc -O2 "$TOOLS/fuse-passthrough.c" -o "$PT" $(pkg-config fuse3 --cflags --libs)
  gcc -O2 "$TOOLS/meta-rate.c" -o "$MR"
  gcc -O2 -pthread scripts/bench/smallfiles.c -o "$SF"
  TAR_COUNT="$TAR_FILES" make_tree_tar "$D/tree.tar" 2>/dev/null
  local started t
  for t in ${BENCH_TARGETS:-}; do
    case "$t" in raw|pt|sq|rd) ;; *) echo "all: unknown target '$t' in BENCH_TARGETS (use raw, pt, sq, rd)" >&2; return 2 ;; esac
  done
  all_rows
  started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  for t in ${BENCH_TARGETS:-raw pt sq rd}; do
    log "target $t"
    target_start "$t"
    log "$t: sequential writes"; w_seqwrite "$t" ""
    log "$t: cold sequential read"; w_seqread "$t" ""
    log "$t: random reads"; w_randread "$t"
    log "$t: checkpoint"; w_ckpt "$t"
    log "$t: small files"; w_small "$t"
    if [[ "$t" == sq || "$t" == rd ]]; then
      log "$t: small files, --durability fsync"
      "$NX" umount "$MNT" >/dev/null; nectar_mount "$t" keep --durability fsync; w_small "$t" -dfs
      "$NX" umount "$MNT" >/dev/null; nectar_mount "$t" keep
    fi
    log "$t: meta-rate"; w_meta "$t"
    log "$t: tar"; w_tar "$t"
    target_stop "$t"
  done
  for t in sqlz rdlz; do
    log "target $t"
    target_start "$t"
    w_seqwrite "${t%lz}" -lz4; w_seqread "${t%lz}" -lz4; rm -rf "$MNT/seq"
    target_stop "$t"
  done
  all_report "$started" "$json"
}

# Prints the table and saves it (txt, tsv, json) under /var/tmp/nectar-bench-results/.
all_report() {
  local started="$1" json="$2" out stamp k
  out="${BENCH_RESULTS:-/var/tmp/nectar-bench-results}"; mkdir -p "$out"
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  {
    printf 'key\tworkload\traw\tpt\tsq\trd\n'
    for k in "${ROWS[@]}"; do
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$k" "${LABEL[$k]}" "${VAL[$k,raw]:--}" "${VAL[$k,pt]:--}" "${VAL[$k,sq]:--}" "${VAL[$k,rd]:--}"
    done
  } > "$out/all-$stamp.tsv"
  python3 - "$out/all-$stamp.tsv" "$out/all-$stamp" "$json" <<PY
import json, sys
tsv, base, want_json = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
facts = {
  "started": "$started", "finished": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "nectar_home": "$NECTAR_ROOT", "commit": "$(git -C "$NECTAR_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)",
  "kernel": "$(uname -r)", "cpus": "$(nproc)", "memory": "$(free -g | awk '/^Mem/ {print $2 " GiB"}')",
  "load_at_end": "$(cut -d' ' -f1-3 /proc/loadavg)", "quick": "${QUICK:-0}",
  "sizes": {"SMALL_FILES": "$SMALL_FILES", "SMALL_RUNS": "$SMALL_RUNS", "SMALL_THREADS": "$SMALL_THREADS", "SMALL_WARMUP": "$SMALL_WARMUP", "WARM_JIT_PERCENT": "$WARM_JIT_PERCENT", "META_FILES": "$META_FILES",
            "SEQ_SIZE": "$SEQ_SIZE", "CKPT_SIZE": "$CKPT_SIZE", "CKPT_BS": "$CKPT_BS", "RR_COLD_IOS": "$RR_COLD_IOS",
            "RR_WARMUP_IOS": "$RR_WARMUP_IOS", "RR_WARM_SECONDS": "$RR_WARM_SECONDS", "TAR_FILES": "$TAR_FILES"},
}
def num(v):
  try: return float(v)
  except ValueError: return None
def ratio(a, b):
  a, b = num(a), num(b)
  return "-" if a is None or not b else "%.2f" % (a / b)
rows = []
for line in open(tsv).read().splitlines()[1:]:
  key, label, raw, pt, sq, rd = line.split("\t")
  rows.append({"key": key, "workload": label, "raw": raw, "pt": pt, "sqlite": sq, "redis": rd,
               "sqlite/pt": ratio(sq, pt), "redis/pt": ratio(rd, pt), "sqlite/raw": ratio(sq, raw), "redis/raw": ratio(rd, raw)})
head = ["workload", "raw ext4", "C passthru", "Nectar SQLite", "Nectar Redis", "SQLite/pt", "Redis/pt", "SQLite/raw", "Redis/raw"]
cols = ["workload", "raw", "pt", "sqlite", "redis", "sqlite/pt", "redis/pt", "sqlite/raw", "redis/raw"]
w = [max(len(head[i]), *(len(r[c]) for r in rows)) for i, c in enumerate(cols)]
lines = ["NectarFS issue #13 benchmark (scripts/bench.sh all): %s, commit %s, %s" % (facts["finished"], facts["commit"], facts["nectar_home"]),
         "machine: %s CPUs, %s, kernel %s, load at end %s; sizes %s" % (facts["cpus"], facts["memory"], facts["kernel"], facts["load_at_end"],
           " ".join("%s=%s" % kv for kv in facts["sizes"].items())),
         "ratios are NectarFS / baseline: above 1 is better for rates and MB/s, below 1 is better for us, seconds and MiB", ""]
lines.append("| " + " | ".join(h.ljust(w[i]) for i, h in enumerate(head)) + " |")
lines.append("|" + "|".join("-" * (x + 2) for x in w) + "|")
for r in rows:
  lines.append("| " + " | ".join((r[c].ljust(w[i]) if i == 0 else r[c].rjust(w[i])) for i, c in enumerate(cols)) + " |")
text = "\n".join(lines) + "\n"
open(base + ".txt", "w").write(text)
json.dump({"facts": facts, "rows": rows}, open(base + ".json", "w"), indent=1)
print(text)
if want_json: print(json.dumps({"facts": facts, "rows": rows}))
print("saved: %s.txt, .tsv, .json" % base, file=sys.stderr)
PY
}
