# scripts/bench.sh cachegroup: issue #16's benchmark, one run, three configurations of the same
# three clients (separate mounts, separate processes) over the local S3 server slowed to look like
# a remote object store (every request waits CG_LATENCY, each process downloads at most
# CG_BANDWIDTH per second: --simulate-store-latency, --download-limit):
#   (a) object store only (memory cache), (b) each client's local disk cache, warmed by itself,
#   (c) a cache group of the three, warmed by `nectar warmup --cache-group`.
# Measured: aggregate sequential read (each client reads its own file, all at once, page cache
# dropped), 4 KiB random read latency (fio, O_DIRECT, one client, p50/p99), and the warm-up of the
# whole dataset by one client alone vs by the group. Sourced by scripts/bench.sh (NX = launcher).
# CG_SIZE per file (default 1G; QUICK=1: 256M), CG_LATENCY (30ms), CG_BANDWIDTH (40M).

# Seconds a command takes (its output discarded; a failure fails the benchmark).
cg_time() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

# Mounts client i of configuration $1 at $dir/mnt$i with the extra flags given.
cg_mount() {
  local conf="$1" i="$2"; shift 2
  mkdir -p "$CG_DIR/mnt$i"
  "$NX" mount -d "$CG_META" "$CG_DIR/mnt$i" --log "$CG_DIR/mount-$conf-$i.log" --metrics "127.0.0.1:$((9710 + i))" \
    --simulate-store-latency "$CG_LAT" --download-limit "$CG_BW" "$@" >/dev/null
}

cg_umount_all() {
  local i
  for i in 0 1 2; do
    "$NX" umount "$CG_DIR/mnt$i" >/dev/null 2>&1 || umount -l "$CG_DIR/mnt$i" 2>/dev/null || true
  done
}

# Aggregate MiB/s of the three clients each reading its own file at once, cold.
cg_seq() {
  bench_drop_caches
  local t0 t1 i
  t0=$(date +%s.%N)
  for i in 0 1 2; do dd if="$CG_DIR/mnt$i/f$i" of=/dev/null bs=4M status=none & done
  wait
  t1=$(date +%s.%N)
  echo "3 * $CG_MIB / ($t1 - $t0)" | bc -l
}

# p50 and p99 in microseconds of 4 KiB random O_DIRECT reads of f1 through client 0.
cg_rand() {
  bench_drop_caches
  fio --name=rand --filename="$CG_DIR/mnt0/f1" --rw=randread --bs=4k --direct=1 --ioengine=psync --iodepth=1 \
    --runtime="${CG_RAND_SECONDS:-10}" --time_based --output-format=json 2>/dev/null \
    | python3 -c 'import json,sys; p=json.load(sys.stdin)["jobs"][0]["read"]["clat_ns"]["percentile"]; print("%.0f %.0f" % (p["50.000000"]/1e3, p["99.000000"]/1e3))'
}

cachegroup_bench() {
  local dir="${1:-/var/tmp/nectar-cg-bench}" size
  if [[ "${QUICK:-0}" == 1 ]]; then size="${CG_SIZE:-256M}"; else size="${CG_SIZE:-1G}"; fi
  nectar_apt fio fio
  nectar_apt bc bc
  scripts/services.sh start s3 >/dev/null
  # shellcheck disable=SC1091
  source "${NECTAR_SERVICES_DIR:-/tmp/nectar-services}/env"
  CG_DIR="$dir"
  CG_LAT="${CG_LATENCY:-30ms}"
  CG_BW="${CG_BANDWIDTH:-40M}"
  CG_MIB=$(( $(numfmt --from=iec "$size") / 1048576 ))
  cg_umount_all 2>/dev/null || true
  rm -rf "$dir"; mkdir -p "$dir" && chmod 700 "$dir"
  CG_META="sqlite3://$dir/meta.db"
  local creds storage
  creds="${NECTAR_TEST_S3#*//}"; creds="${creds%@*}"
  export NECTAR_S3_ACCESS_KEY="${creds%%:*}" NECTAR_S3_SECRET_KEY="${creds#*:}"
  storage="${NECTAR_TEST_S3%%//*}//${NECTAR_TEST_S3##*@}"
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/token"; chmod 600 "$dir/token"
  export NECTAR_CACHE_GROUP_TOKEN_FILE="$dir/token"
  trap cg_umount_all EXIT
  "$NX" format "$CG_META" "cgbench$(date +%s)" --storage "$storage" --trash-days 0 >/dev/null
  bench_log "writing 3 x $size to the volume (S3 at ${storage})"
  mkdir -p "$dir/w"
  "$NX" mount -d "$CG_META" "$dir/w" --cache-dir memory --log "$dir/mount-writer.log" >/dev/null
  local i
  for i in 0 1 2; do head -c "$size" /dev/urandom > "$dir/w/f$i"; done
  "$NX" umount "$dir/w" >/dev/null

  bench_log "(a) object store only: store latency $CG_LAT, $CG_BW/s per process"
  for i in 0 1 2; do cg_mount a "$i" --cache-dir memory --cache-size 64M; done
  local seq_a rand_a
  seq_a=$(cg_seq); rand_a=$(cg_rand)
  cg_umount_all

  bench_log "(b) local disk cache of each client"
  for i in 0 1 2; do cg_mount b "$i" --cache-dir "$dir/cache-b$i"; done
  local alone seq_b rand_b
  alone=$(cg_time "$NX" warmup "$dir/mnt0/f0" "$dir/mnt0/f1" "$dir/mnt0/f2")
  "$NX" warmup "$dir/mnt1/f1" >/dev/null & "$NX" warmup "$dir/mnt2/f2" >/dev/null & wait
  seq_b=$(cg_seq); rand_b=$(cg_rand)
  cg_umount_all

  bench_log "(c) cache group of the three clients"
  for i in 0 1 2; do cg_mount c "$i" --cache-dir "$dir/cache-c$i" --cache-group bench --cache-group-listen 127.0.0.1:0; done
  for _ in $(seq 600); do
    local seen=0
    for i in 0 1 2; do
      curl -sf "http://127.0.0.1:$((9710 + i))/metrics" | grep -q '^nectar_cache_group_members{.*} 3.0' && seen=$((seen + 1))
    done
    [[ $seen == 3 ]] && break
    sleep 0.2
  done
  local group seq_c rand_c
  group=$(cg_time "$NX" warmup "$CG_META" /f0 /f1 /f2 --cache-group bench)
  seq_c=$(cg_seq); rand_c=$(cg_rand)
  for i in 0 1 2; do curl -sf "http://127.0.0.1:$((9710 + i))/metrics" > "$dir/metrics-c$i.txt" || true; done
  cg_umount_all
  trap - EXIT

  read -r p50_a p99_a <<<"$rand_a"
  read -r p50_b p99_b <<<"$rand_b"
  read -r p50_c p99_c <<<"$rand_c"
  echo "== cache group benchmark: 3 clients x $size, S3 (S3Proxy) slowed to $CG_LAT per request and $CG_BW/s per process =="
  printf '%-34s %14s %14s %14s\n' "" "(a) store" "(b) local" "(c) group"
  printf '%-34s %14.0f %14.0f %14.0f\n' "sequential read, aggregate MiB/s" "$seq_a" "$seq_b" "$seq_c"
  printf '%-34s %14s %14s %14s\n' "4 KiB random read p50 / p99 (us)" "$p50_a / $p99_a" "$p50_b / $p99_b" "$p50_c / $p99_c"
  printf 'goal (c)/(a) sequential >= 2.8: %.2f\n' "$(echo "$seq_c / $seq_a" | bc -l)"
  printf 'goal (a)/(c) random p50 >= 50: %.1f\n' "$(echo "$p50_a / $p50_c" | bc -l)"
  printf 'warm-up of the dataset: one client alone %.1f s, the group %.1f s: %.2fx (goal >= 3, the members)\n' "$alone" "$group" \
    "$(echo "$alone / $group" | bc -l)"
  [[ "${CG_KEEP:-0}" == 1 ]] || rm -rf "$dir"
}
