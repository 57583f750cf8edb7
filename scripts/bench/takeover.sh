# scripts/bench.sh takeover: issue #17's pauses on a kept SQLite mount. Sourced by scripts/bench.sh
# (repo root, NX = the launcher to measure).
#   - planned takeover: K `nectar upgrade` runs idle, then K under a fio sequential write loop
#     (pause = stop-reading .. serving, from each upgrade's result line)
# K (default 6) sets the number of each; the mount log (--verbose) keeps the per-step timings.
# Crash recovery pauses: CrashRecoveryTest prints them (five SIGKILLs under a workload).

takeover_p50_max() { # numbers on stdin, one a line: "p50 X max Y (n N)"
  sort -n | awk '{a[NR]=$1} END {if (NR == 0) {print "none"; exit} printf "p50 %.0f max %.0f (n %d)", a[int((NR+1)/2)], a[NR], NR}'
}

takeover_bench() {
  local dir="${1:-/var/tmp/nectar-bench-takeover}" k="${K:-6}" meta mnt log fio_pid=""
  nectar_apt fio fio
  rm -rf "$dir"; mkdir -p "$dir/mnt"
  meta="sqlite3://$dir/meta.db"; mnt="$dir/mnt"; log="$dir/mount.log"
  "$NX" format "$meta" takeover-bench --storage "file://$dir/data" --trash-days 0 >/dev/null
  "$NX" mount -d "$meta" "$mnt" --cache-dir "$dir/cache" --log "$log" --no-metrics --verbose >/dev/null
  local idle="" loaded="" i
  for i in $(seq 1 "$k"); do
    idle+="$("$NX" upgrade "$mnt" "$meta" --json | sed -E 's/.*"pause_seconds":([0-9.]+).*/\1/' | awk '{printf "%.1f\n", $1 * 1000}')"$'\n'
  done
  (cd "$dir" && while fio --name=w --directory="$mnt" --rw=write --bs=1M --size=64M --end_fsync=1 >/dev/null 2>&1; do :; done) &
  fio_pid=$!
  sleep 3
  for i in $(seq 1 "$k"); do
    loaded+="$("$NX" upgrade "$mnt" "$meta" --json | sed -E 's/.*"pause_seconds":([0-9.]+).*/\1/' | awk '{printf "%.1f\n", $1 * 1000}')"$'\n'
  done
  kill "$fio_pid" 2>/dev/null || true; wait "$fio_pid" 2>/dev/null || true
  "$NX" umount "$mnt" >/dev/null
  echo "== issue #17 pauses (ms), kept SQLite mount on $dir's disk, $(nproc) cores =="
  printf '%-44s %s\n' "planned takeover, idle" "$(printf '%s' "$idle" | grep . | takeover_p50_max)"
  printf '%-44s %s\n' "planned takeover, under a fio write loop" "$(printf '%s' "$loaded" | grep . | takeover_p50_max)"
  echo "per-step timings: grep -E 'stop-reading|resumed metadata session|took over' $log"
}
