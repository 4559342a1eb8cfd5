#!/usr/bin/env bash
# A local 3-member cluster on 127.0.0.1, of ketcd (three copies of the Karaf distribution) or of
# etcd 3.4, with the ports of etcd's Procfile:
#
#   scripts/local-cluster.sh start [--etcd] [DIR]   start it, wait until healthy, print the endpoints
#   scripts/local-cluster.sh status [DIR]           etcdctl endpoint status --cluster -w table
#   scripts/local-cluster.sh stop [DIR]             stop every member (their whole process groups)
#
# DIR (default ${TMPDIR:-/tmp}/ketcd-local-cluster) holds one directory per member (infra1..3)
# with its data, its output (server.log) and, for ketcd, its copy of the distribution (whose
# log is karaf/data/log/karaf.log); 'start'
# refuses a DIR whose members still run, and wipes their old data otherwise.
#
#   member   client (gRPC)   peer    ketcd HTTP   Karaf ssh / RMI registry / RMI server
#   infra1   2379            2380    2381         42101 / 42099 / 42444
#   infra2   22379           22380   22381        42111 / 42109 / 42454
#   infra3   32379           32380   32381        42121 / 42119 / 42464
#
# ketcd comes from karaf-assembly/target/assembly (mvn -q install -DskipTests), or from
# $KETCD_DIST; etcd from $ETCD_BIN (default: etcd on the PATH). CLUSTER_START_TIMEOUT bounds
# the wait for health (default 60 s for etcd, 240 s for ketcd).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
# shellcheck source=lib/members.sh
. "$here/lib/members.sh"
: "${KETCD_DIST:=$top/karaf-assembly/target/assembly}"

CLIENT_PORTS="2379 22379 32379"
PEER_PORTS="2380 22380 32380"
HTTP_PORTS="2381 22381 32381"
SSH_PORTS="42101 42111 42121"
RMI_REGISTRY_PORTS="42099 42109 42119"
RMI_SERVER_PORTS="42444 42454 42464"
ENDPOINTS="127.0.0.1:2379,127.0.0.1:22379,127.0.0.1:32379"
TOKEN=etcd-cluster-1

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

running_members() {
  local d n=0
  for d in "$1"/infra*/; do
    [ -d "$d" ] && member_alive "${d%/}" && n=$((n + 1))
  done
  echo "$n"
}

logs() {
  local d out=""
  for d in "$1"/infra*/; do out+="${out:+ }$(member_log "${d%/}")"; done
  echo "$out"
}

start() {
  local kind=ketcd dir=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --etcd) kind=etcd; shift ;;
      -*) usage ;;
      *) [ -z "$dir" ] || usage; dir=$1; shift ;;
    esac
  done
  dir=${dir:-${TMPDIR:-/tmp}/ketcd-local-cluster}
  if [ "$kind" = etcd ]; then
    command -v "$ETCD_BIN" >/dev/null || { echo "no etcd binary ($ETCD_BIN): apt-get install etcd-server" >&2; exit 1; }
  else
    [ -x "$KETCD_DIST/bin/karaf" ] || {
      echo "no ketcd distribution in $KETCD_DIST: build it with 'mvn -q install -DskipTests'" >&2; exit 1; }
  fi
  command -v etcdctl >/dev/null || { echo "no etcdctl: apt-get install etcd-client" >&2; exit 1; }
  if [ "$(running_members "$dir")" -gt 0 ]; then
    echo "members in $dir are still running: scripts/local-cluster.sh stop $dir" >&2
    exit 1
  fi
  rm -rf "$dir"/infra*
  mkdir -p "$dir"
  echo "$kind" >"$dir/kind"
  echo "starting a 3-member $kind cluster in $dir ..." >&2
  if ! cluster_start "$kind" "$dir" "$TOKEN" "$CLIENT_PORTS" "$PEER_PORTS" "$HTTP_PORTS" "$SSH_PORTS" \
      "$RMI_REGISTRY_PORTS" "$RMI_SERVER_PORTS"; then
    echo "the $kind cluster did not start; its members were stopped (logs: $(logs "$dir"))" >&2
    exit 1
  fi
  echo "3-member $kind cluster healthy (logs: $(logs "$dir"))" >&2
  echo "$CLUSTER_ENDPOINTS"
  echo "try: etcdctl --endpoints=$CLUSTER_ENDPOINTS member list -w table" >&2
}

stop() {
  local dir=${1:-${TMPDIR:-/tmp}/ketcd-local-cluster}
  [ $# -le 1 ] || usage
  [ -d "$dir" ] || { echo "no cluster in $dir" >&2; exit 1; }
  cluster_stop "$dir"
  local left
  left=$(running_members "$dir")
  [ "$left" -eq 0 ] || { echo "$left members in $dir still run" >&2; exit 1; }
  echo "stopped the members in $dir" >&2
}

status() {
  local dir=${1:-${TMPDIR:-/tmp}/ketcd-local-cluster}
  [ $# -le 1 ] || usage
  echo "$(cat "$dir/kind" 2>/dev/null || echo '?') cluster in $dir: $(running_members "$dir") of 3 members running" >&2
  ETCDCTL_API=3 etcdctl --endpoints="$ENDPOINTS" --dial-timeout=2s --command-timeout=5s \
    endpoint status --cluster -w table
}

[ $# -ge 1 ] || usage
command=$1
shift
case "$command" in
  start) start "$@" ;;
  stop) stop "$@" ;;
  status) status "$@" ;;
  *) usage ;;
esac
