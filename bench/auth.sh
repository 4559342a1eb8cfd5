#!/usr/bin/env bash
# Authenticated put and range, ketcd against etcd 3.4 on this machine: one member each, started
# fresh on free 127.0.0.1 ports, alternating servers round by round. Each server gets the same
# users and roles (root, and a user 'bench' whose role may read and write every key), auth is
# enabled, and the bench generator logs in as 'bench' on each of its connections (--user), so
# every request is checked against that role's permissions. Both token kinds: simple, and jwt
# with an RS256 key pair made with openssl for the run (auth-token through ETCD_AUTH_TOKEN, which
# both servers read). The same workloads with auth off come first, for the cost of auth itself.
#
#   bench/auth.sh [--rounds R] [--duration S] [--warmup S]   # default 2 rounds, 10 s measured after 20 s
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
jar="$here/target/ketcd-bench.jar"
dist="$top/karaf-assembly/target/assembly"
. "$top/scripts/lib/members.sh"
ETCD_BIN=${ETCD_BIN:-etcd} KETCD_DIST=$dist KETCD_JAR=$jar
rounds=2
duration=10
warmup=20
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    *) echo "usage: bench/auth.sh [--rounds R] [--duration S] [--warmup S]" >&2; exit 2 ;;
  esac
done
[ -f "$jar" ] && [ -x "$dist/bin/karaf" ] || { echo "build first: mvn -q install -DskipTests" >&2; exit 1; }

work=$(mktemp -d /tmp/ketcd-auth-bench.XXXXXX)
dir=""
cleanup() { [ -z "$dir" ] || cluster_stop "$dir" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

openssl genrsa -out "$work/jwt.key" 2048 2>/dev/null
openssl rsa -in "$work/jwt.key" -pubout -out "$work/jwt.pub" 2>/dev/null

# ops/s and p99 (ms) of one bench run, from its report
measure() {
  local -a user=()
  [ "$mode" = off ] || user=(--user bench:benchpw)
  java -XX:TieredStopAtLevel=1 -jar "$jar" --endpoints "$1" --conns 4 --clients 16 "${user[@]}" \
    --duration "$duration" --warmup-duration "$warmup" "${@:2}" | tail -1 |
    sed -n 's/.*"ops_per_sec":\([0-9.]*\).*"p99_ms":\([0-9.]*\).*/\1 \2/p'
}

results="$work/results"
: >"$results"
for r in $(seq "$rounds"); do
  for mode in off simple jwt; do
    if [ "$mode" = jwt ]; then
      export ETCD_AUTH_TOKEN="jwt,pub-key=$work/jwt.pub,priv-key=$work/jwt.key,sign-method=RS256,ttl=10m"
    else
      export ETCD_AUTH_TOKEN=simple
    fi
    for kind in etcd ketcd; do
      dir="$work/$kind-$mode-$r"
      read -r c p h s r1 r2 <<<"$(free_ports 6)"
      cluster_start "$kind" "$dir" bench "$c" "$p" "$h" "$s" "$r1" "$r2" >/dev/null
      ep="127.0.0.1:$c"
      e=(etcdctl --endpoints="$ep")
      if [ "$mode" != off ]; then
        "${e[@]}" user add root:rootpw >/dev/null
        "${e[@]}" role add bench >/dev/null
        "${e[@]}" role grant-permission bench --prefix=true readwrite "" >/dev/null
        "${e[@]}" user add bench:benchpw >/dev/null
        "${e[@]}" user grant-role bench bench >/dev/null
        "${e[@]}" auth enable 2>/dev/null >/dev/null
      fi
      read -r put_rps put_p99 <<<"$(measure "$ep" --key-size 8 --val-size 256 --key-space-size 100000 put)"
      "${e[@]}" $([ "$mode" = off ] || echo --user=root:rootpw) put foo "$(head -c 256 /dev/zero | tr '\0' v)" >/dev/null
      read -r range_rps range_p99 <<<"$(measure "$ep" range foo)"
      echo "$kind|$mode|$put_rps|$put_p99|$range_rps|$range_p99" | tee -a "$results" >&2
      cluster_stop "$dir" >/dev/null 2>&1
      rm -rf "$dir"
      dir=""
    done
  done
done

median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.1f\n", (v[NR/2]+v[NR/2+1])/2}'; }
col() { awk -F'|' -v k="$1" -v m="$2" -v c="$3" '$1==k && $2==m {print $c}' "$results" | median; }
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $($ETCD_BIN --version | head -1); 16 clients on 4 connections logged in as a user with a role; $rounds round(s), medians"
echo
echo "| workload | etcd ops/s | ketcd ops/s | ketcd/etcd | etcd p99 ms | ketcd p99 ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for mode in off simple jwt; do
  for w in put range; do
    rc=$([ $w = put ] && echo 3 || echo 5); pc=$((rc + 1))
    e=$(col etcd $mode $rc); k=$(col ketcd $mode $rc)
    printf '| %s, %s | %s | %s | %s | %s | %s |\n' "$w" "$([ $mode = off ] && echo 'auth off' || echo "$mode token")" "$e" "$k" \
      "$(awk -v k="$k" -v e="$e" 'BEGIN { if (e > 0) printf "%.2f", k / e; else print "-" }')" \
      "$(col etcd $mode $pc)" "$(col ketcd $mode $pc)"
  done
done
