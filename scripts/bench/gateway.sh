# scripts/bench.sh gateway: the S3 gateway side by side with S3Proxy (the independent S3 server the
# tests use) on the same disk, and with a FUSE mount of the same volume. Sourced by scripts/bench.sh
# (repo root, NX = the launcher to measure).
#   - nectar objbench (4 MiB and small objects, 1 and 16 threads) on the gateway and on S3Proxy
#   - one 1 GiB object: aws CLI upload and download, gateway vs S3Proxy
#   - sequential read of a 1 GiB file, cold: GET through the gateway (curl, public bucket) vs the mount (dd)
# GW_SIZE (default 1G; QUICK=1: 256M) sets the big object's size.

# Seconds a command takes (its output discarded).
gw_time() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

gateway_bench() {
  local dir="${1:-/var/tmp/nectar-gw-bench}" size
  if [[ "${QUICK:-0}" == 1 ]]; then size="${GW_SIZE:-256M}"; else size="${GW_SIZE:-1G}"; fi
  nectar_apt aws awscli
  nectar_apt curl curl
  nectar_apt bc bc
  scripts/services.sh start s3 >/dev/null
  # shellcheck disable=SC1091
  source "${NECTAR_SERVICES_DIR:-/tmp/nectar-services}/env"
  [[ -d "$dir/mnt" ]] && { "$NX" umount "$dir/mnt" >/dev/null 2>&1 || umount -l "$dir/mnt" 2>/dev/null || true; }
  rm -rf "$dir"; mkdir -p "$dir" && chmod 700 "$dir"
  local meta="sqlite3://$dir/meta.db" ak sk gw pid
  ak="BENCH$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  sk="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  "$NX" format "$meta" gwbench --storage "file://$dir/data" --trash-days 0 >/dev/null
  mkdir -p "$dir/mnt"
  "$NX" mount -d "$meta" "$dir/mnt" --cache-dir "$dir/cache" --log "$dir/mount.log" >/dev/null
  mkdir -p "$dir/mnt/bench" "$dir/mnt/pub"
  NECTAR_GATEWAY_ACCESS_KEY="$ak" NECTAR_GATEWAY_SECRET_KEY="$sk" \
    "$NX" gateway "$meta" 127.0.0.1:0 --public-bucket pub >"$dir/gateway.log" 2>&1 &
  pid=$!
  # a failure below (set -e) leaves neither the gateway nor the mount behind
  trap 'kill "$pid" 2>/dev/null; "$NX" umount "$dir/mnt" >/dev/null 2>&1 || umount -l "$dir/mnt" 2>/dev/null' EXIT
  for _ in $(seq 600); do
    gw="$(grep -o 'served over S3 at http://[^ /]*' "$dir/gateway.log" | sed 's/.* at //')" && [[ -n "$gw" ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/gateway.log" >&2; return 1; }
    sleep 0.1
  done
  bench_log "gateway at $gw, S3Proxy at ${NECTAR_TEST_S3##*@}"
  local proxy_url="${NECTAR_TEST_S3%%//*}//${NECTAR_TEST_S3##*@}" proxy_ak proxy_sk creds
  creds="${NECTAR_TEST_S3#*//}"; creds="${creds%@*}"; proxy_ak="${creds%%:*}"; proxy_sk="${creds#*:}"

  # both servers warm first (a just-started JVM compiles while it serves; S3Proxy has been up
  # for a while): one unmeasured round each, then the measured rounds, interleaved
  local round
  gw_objbench() { NECTAR_S3_ACCESS_KEY="$ak" NECTAR_S3_SECRET_KEY="$sk" "$NX" objbench "$gw/bench" --threads 1,16 --skip-functional; }
  px_objbench() {
    NECTAR_S3_ACCESS_KEY="$proxy_ak" NECTAR_S3_SECRET_KEY="$proxy_sk" "$NX" objbench "${proxy_url%/*}/gwbench?create-bucket=true" --threads 1,16 --skip-functional
  }
  bench_log "warm-up rounds (not shown)"
  gw_objbench >/dev/null
  px_objbench >/dev/null
  for round in 1 2; do
    echo "== objbench round $round: the S3 gateway (SQLite + local dir) =="
    gw_objbench
    echo
    echo "== objbench round $round: S3Proxy (same disk) =="
    px_objbench
    echo
  done

  head -c "$size" /dev/urandom > "$dir/big"
  local up_gw down_gw up_px down_px
  export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
  up_gw=$(AWS_ACCESS_KEY_ID="$ak" AWS_SECRET_ACCESS_KEY="$sk" gw_time /usr/bin/aws --endpoint-url "$gw" s3 cp "$dir/big" s3://bench/big)
  bench_drop_caches
  down_gw=$(AWS_ACCESS_KEY_ID="$ak" AWS_SECRET_ACCESS_KEY="$sk" gw_time /usr/bin/aws --endpoint-url "$gw" s3 cp s3://bench/big "$dir/big.gw")
  AWS_ACCESS_KEY_ID="$proxy_ak" AWS_SECRET_ACCESS_KEY="$proxy_sk" /usr/bin/aws --endpoint-url "${proxy_url%/*}" s3 mb s3://gwbench >/dev/null 2>&1 || true
  up_px=$(AWS_ACCESS_KEY_ID="$proxy_ak" AWS_SECRET_ACCESS_KEY="$proxy_sk" gw_time /usr/bin/aws --endpoint-url "${proxy_url%/*}" s3 cp "$dir/big" s3://gwbench/big)
  bench_drop_caches
  down_px=$(AWS_ACCESS_KEY_ID="$proxy_ak" AWS_SECRET_ACCESS_KEY="$proxy_sk" gw_time /usr/bin/aws --endpoint-url "${proxy_url%/*}" s3 cp s3://gwbench/big "$dir/big.px")
  cmp "$dir/big" "$dir/big.gw" && cmp "$dir/big" "$dir/big.px" || echo "WARNING: a downloaded copy differs" >&2
  AWS_ACCESS_KEY_ID="$proxy_ak" AWS_SECRET_ACCESS_KEY="$proxy_sk" /usr/bin/aws --endpoint-url "${proxy_url%/*}" s3 rm s3://gwbench/big >/dev/null 2>&1 || true
  local mib
  mib=$(( $(numfmt --from=iec "$size") / 1048576 ))
  echo "== aws CLI, one $size object (MiB/s) =="
  printf '%-10s %10s %10s\n' "" gateway S3Proxy
  printf '%-10s %10.0f %10.0f\n' upload "$(echo "$mib / $up_gw" | bc -l)" "$(echo "$mib / $up_px" | bc -l)"
  printf '%-10s %10.0f %10.0f\n' download "$(echo "$mib / $down_gw" | bc -l)" "$(echo "$mib / $down_px" | bc -l)"
  echo

  cp "$dir/big" "$dir/mnt/pub/big" && sync
  local get_gw read_mnt
  bench_drop_caches
  get_gw=$(gw_time curl -sf -o /dev/null "$gw/pub/big")
  bench_drop_caches
  read_mnt=$(gw_time dd if="$dir/mnt/pub/big" of=/dev/null bs=4M)
  echo "== cold sequential read of the same $size file (MiB/s) =="
  printf 'GET through the gateway (curl): %.0f\nread through the FUSE mount (dd bs=4M): %.0f\nratio gateway / mount: %.2f\n' \
    "$(echo "$mib / $get_gw" | bc -l)" "$(echo "$mib / $read_mnt" | bc -l)" "$(echo "$read_mnt / $get_gw" | bc -l)"

  kill "$pid"; wait "$pid" 2>/dev/null || true
  "$NX" umount "$dir/mnt" >/dev/null
  trap - EXIT
  rm -rf "$dir"
}
