#!/usr/bin/env bash
# Times etcd's maintenance operations on one etcd 3.4 member and one ketcd member holding the same
# data, alternating servers round by round, each started fresh on free 127.0.0.1 ports:
#   - snapshot save: `etcdctl snapshot save` to a file (seconds, file size, MB/s)
#   - defragment: `etcdctl defrag` (seconds, db size before and after)
#   - restore: the saved snapshot into a new data directory, after the member stopped: `etcdctl
#     snapshot restore` for etcd's, `bin/ketcdutl snapshot restore` for ketcd's; and, as the
#     migration a user does, `bin/ketcdutl snapshot restore` of etcd's snapshot (seconds)
# The backend is filled to about --size-mb of live data with 100 KiB values (the bench generator's
# put), every key written twice, then compacted at the last revision, so that half of what was
# written is garbage for the defragmentation to reclaim.
#
#   bench/maintenance.sh [--size-mb N] [--rounds R]        # default 1024 MB, 1 round
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
jar="$here/target/ketcd-bench.jar"
dist="$top/karaf-assembly/target/assembly"
. "$top/scripts/lib/members.sh"
ETCD_BIN=${ETCD_BIN:-etcd} KETCD_DIST=$dist KETCD_JAR=$jar
size_mb=1024
rounds=1
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mb) size_mb=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "usage: bench/maintenance.sh [--size-mb N] [--rounds R]" >&2; exit 2 ;;
  esac
done
[ -f "$jar" ] && [ -x "$dist/bin/karaf" ] || { echo "build first: mvn -q install -DskipTests" >&2; exit 1; }
value_bytes=102400
keys=$(( size_mb * 1024 * 1024 / value_bytes ))
# both servers read etcd's environment variables; room for the garbage before the compaction
export ETCD_QUOTA_BACKEND_BYTES=$(( 8 * 1024 * 1024 * 1024 ))

work=$(mktemp -d /tmp/ketcd-maintenance.XXXXXX)
dir=""
cleanup() { [ -z "$dir" ] || cluster_stop "$dir" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
status_field() { etcdctl --endpoints="$1" endpoint status -w json | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['Status']$2)"; }

results="$work/results"
: >"$results"
for r in $(seq "$rounds"); do
  for kind in etcd ketcd; do
    dir="$work/$kind-$r"
    read -r c p h s r1 r2 <<<"$(free_ports 6)"
    cluster_start "$kind" "$dir" bench "$c" "$p" "$h" "$s" "$r1" "$r2" >/dev/null
    ep="127.0.0.1:$c"
    echo "== round $r: $kind on $ep: writing $keys keys of $value_bytes bytes twice" >&2
    java -XX:TieredStopAtLevel=1 -jar "$jar" --endpoints "$ep" --conns 2 --clients 8 --key-size 8 \
      --val-size "$value_bytes" --key-space-size "$keys" --sequential-keys --total $(( 2 * keys )) --warmup 0 \
      put >/dev/null
    rev=$(status_field "$ep" "['header']['revision']")
    etcdctl --endpoints="$ep" --command-timeout=600s compact "$rev" --physical >/dev/null
    snap="$work/snap-$kind.db"
    t0=$(now); etcdctl --endpoints="$ep" --command-timeout=600s snapshot save "$snap" >/dev/null 2>&1; t1=$(now)
    snap_bytes=$(stat -c %s "$snap")
    before=$(status_field "$ep" "['dbSize']")
    t2=$(now); etcdctl --endpoints="$ep" --command-timeout=600s defrag >/dev/null; t3=$(now)
    after=$(status_field "$ep" "['dbSize']")
    cluster_stop "$dir" >/dev/null 2>&1
    dir=""
    migrate=0
    if [ "$kind" = etcd ]; then
      t4=$(now); etcdctl snapshot restore "$snap" --data-dir "$work/restored-$kind" >/dev/null 2>&1; t5=$(now)
    else
      t4=$(now); "$dist/bin/ketcdutl" snapshot restore "$snap" --data-dir "$work/restored-$kind" >/dev/null 2>&1; t5=$(now)
      t6=$(now); "$dist/bin/ketcdutl" snapshot restore "$work/snap-etcd.db" --data-dir "$work/migrated" >/dev/null 2>&1; t7=$(now)
      migrate=$(echo "$t7 - $t6" | bc)
      rm -rf "$work/migrated" "$work/snap-etcd.db" "$snap"
    fi
    # etcd's snapshot stays for the migration in ketcd's turn
    rm -rf "$work/restored-$kind" "$work/$kind-$r"
    awk -v k="$kind" -v s="$(echo "$t1 - $t0" | bc)" -v b="$snap_bytes" -v d="$(echo "$t3 - $t2" | bc)" \
      -v bf="$before" -v af="$after" -v rs="$(echo "$t5 - $t4" | bc)" -v m="$migrate" \
      'BEGIN { printf "%s|%.2f|%.0f|%.1f|%.2f|%.0f|%.0f|%.2f|%.2f\n", k, s, b / 1e6, b / 1e6 / s, d, bf / 1e6, af / 1e6, rs, m }' \
      | tee -a "$results" >&2
  done
done

median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'; }
col() { awk -F'|' -v k="$1" -v c="$2" '$1==k {print $c}' "$results" | median; }
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $($ETCD_BIN --version | head -1); $keys keys of $value_bytes bytes, each written twice, compacted; $rounds round(s), medians"
echo
echo "| | etcd | ketcd | ketcd/etcd |"
echo "| --- | ---: | ---: | ---: |"
row() { printf '| %s | %s | %s | %s |\n' "$1" "$(col etcd "$2")" "$(col ketcd "$2")" \
  "$(awk -v k="$(col ketcd "$2")" -v e="$(col etcd "$2")" 'BEGIN { if (e > 0) printf "%.2f", k / e; else print "-" }')"; }
row "snapshot save, seconds" 2
row "snapshot file, MB" 3
row "snapshot save, MB/s" 4
row "defragment, seconds" 5
row "db size before defragment, MB" 6
row "db size after defragment, MB" 7
row "snapshot restore, seconds" 8
echo "| ketcdutl restore of etcd's snapshot (migration), seconds | | $(col ketcd 9) | |"
