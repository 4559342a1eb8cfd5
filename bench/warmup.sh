#!/usr/bin/env bash
# How fast a fresh 3-member cluster gets up to speed: etcd 3.4 and ketcd (the Karaf distribution)
# each started fresh on free 127.0.0.1 ports and, the moment they are healthy, put under a
# closed-loop put load (6 connections, 16 clients, 8-byte keys, 256-byte values) for --seconds,
# reported window by window (--window seconds each, back to back in one generator JVM). The warm
# throughput is the median of the last three windows; the table gives each window's puts/s and
# when each server first reached 80 % of its warm throughput. Alternates etcd, ketcd per round.
#
#   bench/warmup.sh [--seconds S] [--window S] [--rounds R] [--quick] [--ketcd-only]
#   (default 60 s in 5 s windows, 1 round; EXTRA_JAVA_OPTS reaches ketcd's JVMs, so JVM options
#   can be compared with alternated --ketcd-only runs)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
jar="$here/target/ketcd-bench.jar"
dist="$top/karaf-assembly/target/assembly"
. "$top/scripts/lib/members.sh"
ETCD_BIN=${ETCD_BIN:-etcd} KETCD_DIST=$dist KETCD_JAR=$jar
seconds=60
window=5
rounds=1
servers="etcd ketcd"
usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --quick) seconds=6; window=2; shift ;;
    --ketcd-only) servers=ketcd; shift ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
[ -f "$jar" ] && [ -x "$dist/bin/karaf" ] || { echo "build first: mvn -q install -DskipTests" >&2; exit 1; }
windows=$(( seconds / window ))
[ "$windows" -ge 3 ] || { echo "--seconds must hold at least three windows of --window" >&2; exit 2; }

work=$(mktemp -d /tmp/ketcd-warmup.XXXXXX)
dir=""
cleanup() { [ -z "$dir" ] || cluster_stop "$dir" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM


# the same window over and over: no warm-up of its own, the cluster's warm-up is what is measured
: >"$work/batch"
for _ in $(seq "$windows"); do
  echo "--conns 6 --clients 16 put --total 1000000 --warmup 0 --warmup-duration 0 --duration $window" >>"$work/batch"
done

results="$work/results"
: >"$results"
for r in $(seq "$rounds"); do
  for kind in $servers; do
    dir="$work/$kind-$r"
    read -r -a p <<<"$(free_ports 18)"
    cluster_start "$kind" "$dir" warmup "${p[*]:0:3}" "${p[*]:3:3}" "${p[*]:6:3}" "${p[*]:9:3}" "${p[*]:12:3}" "${p[*]:15:3}" >&2
    echo "== round $r: $kind healthy on $CLUSTER_ENDPOINTS; $windows windows of $window s" >&2
    java -XX:TieredStopAtLevel=1 -jar "$jar" --endpoints "$CLUSTER_ENDPOINTS" --key-size 8 --val-size 256 \
      --key-space-size 1000000 --sequential-keys --batch "$work/batch" 2>/dev/null |
      sed -n 's/.*"ops_per_sec":\([0-9.]*\).*/\1/p' | awk -v k="$kind" -v r="$r" '{print k, r, NR, $1}' >>"$results"
    cluster_stop "$dir"
    rm -rf "$dir"
    dir=""
  done
done

median() { sort -g | awk '{v[NR]=$1} END {if (NR == 0) print "n/a"; else if (NR%2) print v[(NR+1)/2]; else printf "%.1f\n", (v[NR/2]+v[NR/2+1])/2}'; }
ops() { awk -v k="$1" -v w="$2" '$1==k && $3==w {print $4}' "$results" | median; }
warm() { for w in $(seq $((windows - 2)) "$windows"); do ops "$1" "$w"; done | median; }
reached() {
  local k=$1 target w
  [[ " $servers " == *" $k "* ]] || { echo "n/a"; return; }
  target=$(awk -v a="$(warm "$k")" 'BEGIN {print 0.8 * a}')
  for w in $(seq "$windows"); do
    if awk -v a="$(ops "$k" "$w")" -v b="$target" 'BEGIN {exit !(a >= b)}'; then echo $((w * window)); return; fi
  done
  echo "never"
}
echo
echo "bench/warmup.sh --seconds $seconds --window $window --rounds $rounds: a fresh 3-member cluster under 16 put clients, medians over rounds, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "| load time, s | etcd 3.4 puts/s | ketcd puts/s | ketcd/etcd |"
echo "| ---: | ---: | ---: | ---: |"
for w in $(seq "$windows"); do
  e=$(ops etcd "$w") k=$(ops ketcd "$w")
  printf '| %d-%d | %s | %s | %s |\n' $(((w - 1) * window)) $((w * window)) "$e" "$k" \
    "$(awk -v a="$k" -v b="$e" 'BEGIN {if (b + 0 > 0 && a + 0 > 0) printf "%.2f", a / b; else print "n/a"}')"
done
printf '| warm (last 3 windows) | %s | %s | |\n' "$(warm etcd)" "$(warm ketcd)"
printf '| 80 %% of warm reached after, s | %s | %s | |\n' "$(reached etcd)" "$(reached ketcd)"
