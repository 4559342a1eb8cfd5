#!/usr/bin/env bash
# Times how soon a member serves, for one etcd 3.4 member and one ketcd member (the Karaf
# distribution, `bin/karaf server`), alternating servers start by start, each on free 127.0.0.1
# ports with a fresh data directory:
#   - first write, fresh: from launching the server (ketcd: `bin/karaf server` of a copy made
#     before the clock starts) to the first acknowledged `etcdctl put`
#     (the client port is probed every 20 ms until it accepts a connection, then etcdctl is run,
#     retried every 20 ms with a 1 s timeout; its own start, ~20 ms, counts in. etcdctl is not
#     started before the port accepts: against a closed port it backs off for its whole 1 s dial
#     timeout, which made the measure about a second coarse)
#   - idle RSS: the server process's resident memory after --idle seconds without requests
#   - first write after kill -9: the member is killed with SIGKILL (its whole process group) and
#     started again on the same data directory and, for ketcd, the same copy of the distribution
#     with Karaf's cache, as an operator's supervisor restarts it; the WAL holds the one key
# Prints a Markdown table of the medians and the ratio ketcd / etcd.
#
#   bench/startup.sh [--starts N] [--idle S] [--quick]     # default 10 starts each, 5 s idle
# KETCD_DIST_DIR=<unpacked distribution> times another build of ketcd (default: the one built here).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
dist="${KETCD_DIST_DIR:-$top/karaf-assembly/target/assembly}"
. "$top/scripts/lib/members.sh"
ETCD_BIN=${ETCD_BIN:-etcd} KETCD_DIST=$dist
starts=10
idle=5
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --starts) starts=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --quick) starts=1; idle=1; shift ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
[ -x "$dist/bin/karaf" ] || { echo "build first: mvn -q install -DskipTests" >&2; exit 1; }
command -v "$ETCD_BIN" >/dev/null || { echo "no etcd binary ($ETCD_BIN): apt-get install etcd-server" >&2; exit 1; }
command -v etcdctl >/dev/null || { echo "no etcdctl: apt-get install etcd-client" >&2; exit 1; }

work=$(mktemp -d /tmp/ketcd-startup.XXXXXX)
dir=""
cleanup() { [ -z "$dir" ] || member_stop "$dir" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }

# await_member DIR DEADLINE WHAT COMMAND...: runs COMMAND every 20 ms until it succeeds; fails, saying
# what did not happen, when the member in DIR dies or SECONDS reaches DEADLINE first.
await_member() {
  local member=$1 deadline=$2 what=$3
  shift 3
  until "$@"; do
    if ! member_alive "$member"; then
      echo "the member in $member exited before $what" >&2
      member_log_summary "$member"
      return 1
    fi
    if [ $SECONDS -ge "$deadline" ]; then
      echo "no $what within 120 s" >&2
      member_log_summary "$member"
      return 1
    fi
    sleep 0.02
  done
}

port_accepts() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }
put_once() { etcdctl --endpoints="$1" --dial-timeout=1s --command-timeout=1s put startup/key "$RANDOM" >/dev/null 2>&1; }

# first_write ENDPOINT START_NS DIR: seconds from START_NS to the first acknowledged put; fails
# when the member dies or nothing is acknowledged within 120 s.
first_write() {
  local endpoint=$1 start=$2 member=$3 deadline=$((SECONDS + 120))
  await_member "$member" "$deadline" "connection accepted on $endpoint" port_accepts "$endpoint" || return 1
  await_member "$member" "$deadline" "write acknowledged by $endpoint" put_once "$endpoint" || return 1
  awk -v a="$start" -v b="$(now_ns)" 'BEGIN {printf "%.3f\n", (b - a) / 1e9}'
}

rss_mb() { awk '/^VmRSS:/ {printf "%.0f\n", $2 / 1024}' "/proc/$(member_server_pid "$1")/status"; }

results="$work/results"
: >"$results"
for i in $(seq "$starts"); do
  for kind in etcd ketcd; do
    dir="$work/$kind-$i"
    read -r c p h s r1 r2 <<<"$(free_ports 6)"
    # the copy of the distribution is made before the clock starts: a start is timed from bin/karaf
    [ "$kind" != ketcd ] || member_copy_distribution "$dir"
    t0=$(now_ns)
    KETCD_KEEP_COPY=1 member_start "$kind" "$dir" s "$c" "$p" "$h" "$s" "$r1" "$r2" "s=http://127.0.0.1:$p"
    fresh=$(first_write "127.0.0.1:$c" "$t0" "$dir")
    sleep "$idle"
    rss=$(rss_mb "$dir")
    member_kill "$dir"
    t0=$(now_ns)
    member_restart "$dir"
    restarted=$(first_write "127.0.0.1:$c" "$t0" "$dir")
    member_stop "$dir"
    rm -rf "$dir"
    dir=""
    echo "$kind $fresh $rss $restarted" >>"$results"
    echo "start $i, $kind: first write $fresh s, idle RSS $rss MB, first write after kill -9 $restarted s" >&2
  done
done

median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2}'; }
col() { awk -v k="$1" -v c="$2" '$1==k {print $c}' "$results" | median; }
row() {
  local e k
  e=$(col etcd "$2") k=$(col ketcd "$2")
  printf '| %s | %s | %s | %s |\n' "$1" "$e" "$k" "$(awk -v a="$k" -v b="$e" 'BEGIN {printf "%.2f", a / b}')"
}
echo
echo "bench/startup.sh --starts $starts --idle $idle, medians of $starts starts each, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "| | etcd 3.4 | ketcd | ketcd/etcd |"
echo "| --- | ---: | ---: | ---: |"
row "first write after start, s" 2
row "idle RSS after ${idle} s, MB" 3
row "first write after kill -9, s" 4
