#!/usr/bin/env bash
# Runs the same workloads against etcd and ketcd on this machine, alternating servers round by
# round (etcd, ketcd, etcd, ketcd, ...), each started fresh on free 127.0.0.1 ports with a fresh
# data dir and stopped afterwards, then prints a Markdown table of the medians over the rounds.
#
#   bench/compare.sh [--rounds R] [--quick] [--duration S] [--warmup S] [--round-warmup S]
#                    [--ketcd dist|embedded] [--etcd-only] [--cluster | --tls [--tls-key rsa|ec]]
#                    [--only REGEX]
#
# Besides the KV workloads, each round measures watch memory (first, on the fresh server), watch
# latency, watch fan-out and lease keep-alives (after the KV workloads); a workload the server does
# not serve (ketcd without Lease) shows as n/a.
# --cluster compares a 3-member etcd cluster with a 3-member ketcd cluster, the load spread over
# the members' endpoints. --tls runs single members serving https client URLs with one
# certificate for 127.0.0.1 (from a CA made with openssl for the run; RSA 2048 keys, or ECDSA
# P-256 with --tls-key ec) and TLS workloads. ketcd runs from the Karaf distribution in
# karaf-assembly/target/assembly (copied per member), or, when that is not built, from the
# embedded launcher in the bench jar (io.ketcd.bench.EmbeddedMain). --only runs just the rows whose
# name matches the (bash) regular expression, e.g. --only 'watch|lease'. Build first: mvn -q install
# -DskipTests (or the bench module).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
jar="$here/target/ketcd-bench.jar"
dist="$top/karaf-assembly/target/assembly"
etcd_bin=${ETCD_BIN:-etcd}
# member_start, cluster_start, member_stop, cluster_stop, ...: shared with scripts/local-cluster.sh
# shellcheck source=../scripts/lib/members.sh
. "$top/scripts/lib/members.sh"
ETCD_BIN=$etcd_bin KETCD_DIST=$dist KETCD_JAR=$jar

rounds=3
duration=7
warmup=2
# a fresh ketcd JVM spends its first ~30 s under load in the C2 compiler (measured on the
# loaded 2-core box), so every round, for either server, starts with this much unreported load,
# shared out evenly among the round's warmup workloads (10 s each: put, range, and watch when
# watch rows run)
round_warmup=
# The generator runs C1-compiled only: on a small box C2's compile threads would take CPU from
# the server for the first tens of seconds of every run (measured: 5x fewer ops/s in a 6 s run).
client_jvm=${BENCH_JAVA_OPTS:--XX:TieredStopAtLevel=1}
ketcd_mode=auto
etcd_only=false
cluster=false
tls=false
tls_key=rsa
quick=false
only=""
command_line="bench/compare.sh $*"

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --quick) rounds=1; duration=3; warmup=1; round_warmup=4; quick=true; shift ;;
    --round-warmup) round_warmup=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --ketcd) ketcd_mode=$2; shift 2 ;;
    --etcd-only) etcd_only=true; shift ;;
    --cluster) cluster=true; shift ;;
    --tls) tls=true; shift ;;
    --tls-key) tls_key=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done

[ -f "$jar" ] || { echo "missing $jar: build it with 'mvn -q install -DskipTests'" >&2; exit 1; }
command -v "$etcd_bin" >/dev/null || { echo "no etcd binary ($etcd_bin): apt-get install etcd-server" >&2; exit 1; }
if [ "$tls" = true ]; then
  [ "$cluster" = false ] || { echo "--tls runs single members only (no peer TLS): drop --cluster" >&2; exit 2; }
  command -v openssl >/dev/null || { echo "--tls needs openssl to make the certificates" >&2; exit 1; }
  case "$tls_key" in rsa | ec) ;; *) echo "--tls-key is rsa or ec, got '$tls_key'" >&2; exit 2 ;; esac
fi

if [ "$etcd_only" = true ]; then
  ketcd_mode=none
elif [ "$ketcd_mode" = auto ]; then
  if [ -x "$dist/bin/karaf" ]; then ketcd_mode=dist
  elif unzip -l "$jar" 'io/ketcd/bench/EmbeddedMain.class' >/dev/null 2>&1; then ketcd_mode=embedded
  else echo "no ketcd to run: neither $dist/bin/karaf nor EmbeddedMain in $jar (use --etcd-only)" >&2; exit 1
  fi
fi

# workload name | generator arguments (the common ones are added below). Keys and values as in
# etcd's performance docs: 8-byte sequential keys, 256-byte values; range reads one such key.
if [ "$tls" = true ]; then
  # the plain single-member put and linearizable range rows, over TLS (the generator verifies
  # the server with --cacert; no client certificates)
  workloads=(
    "tls put 1 conn 1 client|--conns 1 --clients 1 put"
    "tls put 4 conns 16 clients|--conns 4 --clients 16 put"
    "tls put 16 conns 256 clients|--conns 16 --clients 256 put"
    "tls range l 4 conns 16 clients|--conns 4 --clients 16 range --consistency l"
    "tls range l 16 conns 256 clients|--conns 16 --clients 256 range --consistency l"
  )
elif [ "$cluster" = false ]; then
  workloads=(
    "put 1 conn 1 client|--conns 1 --clients 1 put"
    "put 4 conns 16 clients|--conns 4 --clients 16 put"
    "put 16 conns 256 clients|--conns 16 --clients 256 put"
    "range l 4 conns 16 clients|--conns 4 --clients 16 range --consistency l"
    "range l 16 conns 256 clients|--conns 16 --clients 256 range --consistency l"
    "range s 4 conns 16 clients|--conns 4 --clients 16 range --consistency s"
    "range s 16 conns 256 clients|--conns 16 --clients 256 range --consistency s"
  )
else
  # The generator puts connection i on endpoint i mod 3, as etcd's benchmark tool does with
  # --endpoints, so 6 and 18 connections are 2 and 6 per member; the 1-client put has one
  # connection, to the leader (listed first; each round says which member led).
  workloads=(
    "put 1 conn 1 client|--conns 1 --clients 1 put"
    "put 6 conns 16 clients|--conns 6 --clients 16 put"
    "put 18 conns 256 clients|--conns 18 --clients 256 put"
    "range l 6 conns 16 clients|--conns 6 --clients 16 range --consistency l"
    "range l 18 conns 256 clients|--conns 18 --clients 256 range --consistency l"
  )
fi
# Watch and lease workloads (not with --tls), after the KV ones: watch latency (watchers of one key,
# one writer at 100 puts/s, open loop), watch fan-out (1,000 watchers of one prefix, 16 closed-loop
# writers under it), lease keep-alives (one lease and one stream per client, closed loop). The
# table shows events delivered per second and delivery latency for the watch rows (a second row
# for the fan-out's puts), keep-alives per second for the lease rows.
# Watch memory runs first in a round, on the fresh server before any other load: the servers'
# resident memory (VmRSS) before any stream, with 1,000 streams of one watcher each, and with
# 100,000 watchers on distinct keys (--quick: 200 streams, 20,000 watchers); --timeout bounds
# each step's creation. Each reading is the least of 15 one-second samples: both runtimes give
# memory back some seconds after a burst (Go's scavenger; ketcd's JVM at G1's periodic
# collection, 5-10 s after its last one), and the table is about what watchers keep, not the
# garbage of creating them.
watch_workloads=()
memory_workloads=()
if [ "$tls" = false ]; then
  if [ "$cluster" = false ]; then c_small=4 c_large=16; else c_small=6 c_large=18; fi
  watch_workloads=(
    "watch latency 100 watchers 10 streams 100 puts/s|--conns $c_small watch-latency --streams 10 --watchers-per-stream 10 --put-rate 100 --put-total 1000000"
    "watch fanout 1000 watchers 100 streams 16 clients|--conns $c_small --clients 16 watch-fanout --streams 100 --watchers-per-stream 10"
    "lease keepalive $c_small conns 16 clients|--conns $c_small --clients 16 lease-keepalive"
    "lease keepalive $c_large conns 256 clients|--conns $c_large --clients 256 lease-keepalive"
    "lock 16 clients one lock|--conns $c_small --clients 16 lock"
    "lock 16 clients 16 locks|--conns $c_small --clients 16 lock --locks 16"
  )
  if [ "$quick" = true ]; then
    memory_workloads=("watch memory 20000 watchers 200 streams|--conns $c_small watch-memory --streams 200 --watchers-per-stream 100 --rss-samples 2 --timeout 120")
  else
    memory_workloads=("watch memory 100000 watchers 1000 streams|--conns $c_small watch-memory --streams 1000 --watchers-per-stream 100 --rss-samples 15 --timeout 120")
  fi
fi
keep_matching() {
  local -n rows=$1
  local -a kept=()
  local row
  for row in ${rows[@]+"${rows[@]}"}; do [[ "${row%%|*}" =~ $only ]] && kept+=("$row"); done
  rows=(${kept[@]+"${kept[@]}"})
}
if [ -n "$only" ]; then
  keep_matching workloads
  keep_matching watch_workloads
  keep_matching memory_workloads
  [ $((${#workloads[@]} + ${#watch_workloads[@]} + ${#memory_workloads[@]})) -gt 0 ] ||
    { echo "--only '$only' matches no workload" >&2; exit 2; }
fi
# the round's warmup, not reported: writing, reading, and with watch rows watching, as the watch
# latency row does. Without the last, the JIT compiles the watch path during the watch rows; for
# the latency row that was ketcd's whole gap to etcd (p99 9.7 ms cold against 5.6 ms after 120 s
# of watch load, etcd 3.7-5.7 either way).
if [ "$cluster" = false ]; then warmup_conns=4; else warmup_conns=6; fi
round_warmups=("--conns $warmup_conns --clients 16 put" "--conns $warmup_conns --clients 16 range --consistency l")
if [ ${#watch_workloads[@]} -gt 0 ]; then
  round_warmups+=("--conns $warmup_conns watch-latency --streams 10 --watchers-per-stream 10 --put-rate 100 --put-total 1")
fi
[ -n "$round_warmup" ] || round_warmup=$((10 * ${#round_warmups[@]}))
common=(--key-size 8 --val-size 256 --key-space-size 1000000 --sequential-keys
        --total 1000000 --warmup 1000000 --duration "$duration" --warmup-duration "$warmup")

work=$(mktemp -d /tmp/ketcd-compare.XXXXXX)
results="$work/results"
memory_results="$work/memory_results"
: >"$results"
: >"$memory_results"
round_dir=""   # the running round's members live in its subdirectories

stop_servers() {
  if [ -n "$round_dir" ]; then
    cluster_stop "$round_dir"
    round_dir=""
  fi
}
cleanup() { stop_servers; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# --tls: one CA and one server certificate for IP 127.0.0.1, made for this run in $work (removed
# on exit); PKCS#8 keys, RSA 2048 as etcd's test fixtures (tests/fixtures, cfssl), or ECDSA P-256
# (--tls-key ec, as etcd's hack/tls-setup)
tls_dir="$work/tls"
client_tls=()
make_certs() {
  local d=$1 log=$1/openssl.log
  local -a keygen=(-algorithm RSA -pkeyopt rsa_keygen_bits:2048)
  local usage='digitalSignature, keyEncipherment'
  [ "$tls_key" = rsa ] || keygen=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256) usage=digitalSignature
  mkdir -p "$d"
  printf '%s\n' 'basicConstraints = critical, CA:TRUE' 'keyUsage = critical, keyCertSign, cRLSign' \
    'subjectKeyIdentifier = hash' >"$d/ca.ext"
  printf '%s\n' 'basicConstraints = CA:FALSE' "keyUsage = critical, $usage" \
    'extendedKeyUsage = serverAuth, clientAuth' 'subjectAltName = IP:127.0.0.1' \
    'authorityKeyIdentifier = keyid' >"$d/server.ext"
  if ! {
    openssl genpkey "${keygen[@]}" -out "$d/ca-key.pem" &&
    openssl req -new -key "$d/ca-key.pem" -subj "/CN=ketcd bench CA" -out "$d/ca.csr" &&
    openssl x509 -req -in "$d/ca.csr" -signkey "$d/ca-key.pem" -sha256 -days 2 -extfile "$d/ca.ext" \
      -out "$d/ca.pem" &&
    openssl genpkey "${keygen[@]}" -out "$d/server-key.pem" &&
    openssl req -new -key "$d/server-key.pem" -subj "/CN=127.0.0.1" -out "$d/server.csr" &&
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -CAcreateserial \
      -CAserial "$d/ca.srl" -sha256 -days 2 -extfile "$d/server.ext" -out "$d/server.pem" &&
    openssl verify -CAfile "$d/ca.pem" "$d/server.pem"
  } >"$log" 2>&1; then
    cat "$log" >&2
    echo "could not make the TLS certificates with openssl" >&2
    exit 1
  fi
  client_tls=(--cacert "$d/ca.pem")
}
[ "$tls" = false ] || make_certs "$tls_dir"

# tls_member_start KIND DIR CLIENT_PORT PEER_PORT HTTP_PORT SSH_PORT RMI_REGISTRY_PORT RMI_SERVER_PORT
# One member as member_start (scripts/lib/members.sh) starts it, in its own session with DIR/pid,
# DIR/data and DIR/server.log, so member_stop and the other helpers apply; but its gRPC client
# URL is https://127.0.0.1:CLIENT_PORT with $tls_dir/server.pem and server-key.pem: etcd from
# its flags, ketcd from its etc/io.ketcd.server.cfg with the same keys, the embedded launcher from
# the same flags. Peers stay http (one member); ketcd's JSON listener stays plain http.
tls_member_start() {
  local kind=$1 dir=$2 client=$3 peer=$4 http=$5 ssh=$6 rmi_registry=$7 rmi_server=$8 f k
  local client_url="https://127.0.0.1:$client" peer_url="http://127.0.0.1:$peer"
  local -a flags=(--name=b --data-dir="$dir/data"
    --listen-client-urls="$client_url" --advertise-client-urls="$client_url"
    --listen-peer-urls="$peer_url" --initial-advertise-peer-urls="$peer_url" --initial-cluster="b=$peer_url"
    --cert-file="$tls_dir/server.pem" --key-file="$tls_dir/server-key.pem")
  mkdir -p "$dir"
  case "$kind" in
    etcd)
      setsid "$etcd_bin" "${flags[@]}" >"$dir/server.log" 2>&1 </dev/null &
      ;;
    ketcd)
      rm -rf "$dir/karaf"
      cp -r "$dist" "$dir/karaf"
      rm -rf "$dir/karaf/data" "$dir/karaf/ketcd-data"
      {
        echo "# written by bench/compare.sh --tls"
        for f in "${flags[@]}"; do k=${f%%=*}; echo "${k#--} = ${f#*=}"; done
        echo "listen-client-http-urls = http://127.0.0.1:$http"
      } >"$dir/karaf/etc/io.ketcd.server.cfg"
      # ETCD_DATA_DIR (the same value as in the file) marks the member's processes for member_stop
      env ETCD_DATA_DIR="$dir/data" \
        KETCD_SSH_PORT="$ssh" KETCD_RMI_REGISTRY_PORT="$rmi_registry" KETCD_RMI_SERVER_PORT="$rmi_server" \
        setsid "$dir/karaf/bin/karaf" server >"$dir/server.log" 2>&1 </dev/null &
      ;;
    ketcd-embedded)
      setsid java -cp "$jar" io.ketcd.bench.EmbeddedMain "${flags[@]}" \
        --listen-client-http-urls="http://127.0.0.1:$http" >"$dir/server.log" 2>&1 </dev/null &
      ;;
  esac
  local pid=$!
  for _ in $(seq 100); do
    member_owned "$dir" "$pid" && break
    sleep 0.05
  done
  echo "$pid" >"$dir/pid"
}

# tls_check PORT: true when the server on 127.0.0.1:PORT completes a TLS handshake presenting a
# certificate the run's CA verifies for IP 127.0.0.1 (the generator checks the same, less loudly)
tls_check() {
  openssl s_client -connect "127.0.0.1:$1" -CAfile "$tls_dir/ca.pem" -verify_ip 127.0.0.1 \
    -verify_return_error </dev/null >"$tls_dir/s_client.log" 2>&1
}

# Sets picked to $1 distinct ports nothing listens on now (the servers bind them a moment later;
# a clash shows as a failed start).
taken=" "
pick_ports() {
  local p
  picked=()
  while [ ${#picked[@]} -lt "$1" ]; do
    p=$((20000 + RANDOM % 40000))
    case "$taken" in *" $p "*) continue ;; esac
    if ! port_open "$p"; then taken="$taken$p "; picked+=("$p"); fi
  done
}

# Copies the members' logs out of $work, which is removed on exit, and says where they are.
keep_logs() {
  local kept d
  kept=$(mktemp -d /tmp/ketcd-compare-failed.XXXXXX)
  for d in "$1"/*/; do
    mkdir -p "$kept/$(basename "$d")"
    cp "$(member_log "${d%/}")" "$kept/$(basename "$d")/" 2>/dev/null || true
  done
  echo "the members' logs are kept in $kept" >&2
}

member_kind() {
  case "$1" in
    etcd) echo etcd ;;
    ketcd) if [ "$ketcd_mode" = dist ]; then echo ketcd; else echo ketcd-embedded; fi ;;
  esac
}

# Starts server $1 (etcd or ketcd) in $2: one member, or with --cluster three (scripts/lib/members.sh).
# Sets round_dir, endpoints (comma-separated host:port), server_pids (the processes whose CPU
# time the generator reads: etcd itself, or ketcd's JVM; comma-separated) and, for a cluster,
# leader (the leader's endpoint, or "none").
start_servers() {
  local kind=$1 d
  round_dir=$2
  mkdir -p "$round_dir"
  if [ "$cluster" = false ]; then
    pick_ports 6
    if [ "$tls" = true ]; then
      tls_member_start "$(member_kind "$kind")" "$round_dir/b" "${picked[@]:0:6}"
    else
      member_start "$(member_kind "$kind")" "$round_dir/b" b "${picked[@]:0:6}" "b=http://127.0.0.1:${picked[1]}" ||
        exit 1
    fi
    if ! await_ports 120 "$round_dir/b:${picked[0]}"; then
      keep_logs "$round_dir"
      echo "$kind did not start serving on 127.0.0.1:${picked[0]}" >&2
      exit 1
    fi
    endpoints="127.0.0.1:${picked[0]}"
    if [ "$tls" = true ]; then
      endpoints="https://$endpoints"
      if ! tls_check "${picked[0]}"; then
        keep_logs "$round_dir"
        tail -n 20 "$tls_dir/s_client.log" >&2
        echo "$kind on 127.0.0.1:${picked[0]} did not complete a TLS handshake verified by the run's CA" >&2
        exit 1
      fi
    fi
    server_pids=$(member_server_pid "$round_dir/b")
  else
    pick_ports 18
    if ! cluster_start "$(member_kind "$kind")" "$round_dir" "bench-$kind" "${picked[*]:0:3}" "${picked[*]:3:3}" \
        "${picked[*]:6:3}" "${picked[*]:9:3}" "${picked[*]:12:3}" "${picked[*]:15:3}"; then
      keep_logs "$round_dir"
      echo "the 3-member $kind cluster did not start" >&2
      exit 1
    fi
    # the leader first: the 1-client put's one connection goes to it, as in etcd's performance
    # docs; the other workloads' connections (multiples of 3) spread evenly all the same
    local e
    leader=$(cluster_leader "$CLUSTER_ENDPOINTS")
    endpoints=$leader
    for e in ${CLUSTER_ENDPOINTS//,/ }; do [ "$e" = "$leader" ] || endpoints+=",$e"; done
    endpoints=${endpoints#none,}
    server_pids=$(for d in "${CLUSTER_DIRS[@]}"; do member_server_pid "$d"; done | paste -sd, -)
  fi
}

json_field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }

# result_row SERVER NAME JSON OPS P50 P99 ERRORS PER: one line of $results from the JSON fields named; server CPU
# per PER (total requests, events delivered; none when empty); a workload where nothing succeeded ("ok":0, say
# Lease not served) keeps only its errors, and the table shows n/a
result_row() {
  local json=$3 per=""
  if [[ "$json" == *'"ok":0,'* ]]; then
    printf '%s|%s||||%s|\n' "$1" "$2" "$(json_field "$7" <<<"$json")" >>"$results"
    return
  fi
  [ -z "$8" ] || per=$(awk -v c="$(json_field server_cpu_s <<<"$json")" -v n="$(json_field "$8" <<<"$json")" \
    'BEGIN { if (n > 0 && c != "") printf "%.1f", c * 1e6 / n }')
  printf '%s|%s|%s|%s|%s|%s|%s\n' "$1" "$2" "$(json_field "$4" <<<"$json")" "$(json_field "$5" <<<"$json")" \
    "$(json_field "$6" <<<"$json")" "$(json_field "$7" <<<"$json")" "$per" >>"$results"
}

# One round against one server: a warmup, then every workload in order, on one fresh server,
# from one generator JVM (--batch), so the generator's JIT warms up once a round.
run_round() {
  local kind=$1 round=$2 dir="$work/$1-$2" i=0 line out json note=""
  start_servers "$kind" "$dir"
  [ "$cluster" = false ] || note=", leader at the start: $leader"
  echo "== round $round: $kind (pid $server_pids, endpoints $endpoints$note)" >&2
  local share
  share=$(awk -v w="$round_warmup" -v n="${#round_warmups[@]}" 'BEGIN { print w / n }')
  # one batch line per workload, and for each its kind (memory, warmup, kv, watch) and table name, in the order
  # of the generator's JSON lines
  local -a kinds=() names=()
  : >"$work/batch"
  for line in ${memory_workloads[@]+"${memory_workloads[@]}"}; do
    echo "${line#*|}" >>"$work/batch"; kinds+=(memory); names+=("${line%%|*}")
  done
  for line in "${round_warmups[@]}"; do
    echo "$line --total 1 --warmup-duration $share" >>"$work/batch"; kinds+=(warmup); names+=(-)
  done
  for line in ${workloads[@]+"${workloads[@]}"}; do
    echo "${line#*|}" >>"$work/batch"; kinds+=(kv); names+=("${line%%|*}")
  done
  for line in ${watch_workloads[@]+"${watch_workloads[@]}"}; do
    echo "${line#*|}" >>"$work/batch"; kinds+=(watch); names+=("${line%%|*}")
  done
  # shellcheck disable=SC2086 # the options are a list
  out=$(java $client_jvm -jar "$jar" --endpoints "$endpoints" --server-pid "$server_pids" \
    ${client_tls[@]+"${client_tls[@]}"} "${common[@]}" --batch "$work/batch" 2>&1) || true
  # the lines for people, less the round warmup's (a workload's line comes just before its JSON line)
  local j=0 pending=""
  while IFS= read -r line; do
    if [[ "$line" == "{"* ]]; then
      [ -z "$pending" ] || [ "${kinds[$j]:-}" = warmup ] || echo "   $pending" >&2
      pending="" j=$((j + 1))
    else
      [ -z "$pending" ] || echo "   $pending" >&2
      pending=$line
    fi
  done <<<"$out"
  [ -z "$pending" ] || echo "   $pending" >&2
  # which TLS the generator's client side used (its lines for people end with "; TLS (client: ...)")
  [ "$tls" = false ] || sed -n 's/.*; TLS (client: \(.*\))$/\1/p' <<<"$out" | sort -u >>"$work/client_tls"
  while IFS= read -r json; do
    [ $i -lt ${#kinds[@]} ] || break
    name=${names[$i]}
    case "${kinds[$i]}" in
      kv) result_row "$kind" "$name" "$json" ops_per_sec p50_ms p99_ms errors total ;;
      watch)
        if grep -q '"workload":"watch-' <<<"$json"; then
          result_row "$kind" "$name" "$json" events_per_sec p50_ms p99_ms errors ok
          [[ "$json" != *'"workload":"watch-fanout"'* ]] ||
            result_row "$kind" "$name: puts" "$json" put_ops_per_sec put_p50_ms put_p99_ms put_errors ""
        else
          result_row "$kind" "$name" "$json" ops_per_sec p50_ms p99_ms errors total
        fi
        ;;
      memory)
        printf '%s|%s|%s|%s|%s|%s|%s\n' "$kind" "$name" "$(json_field bytes_per_watcher <<<"$json")" \
          "$(json_field bytes_per_added_watcher <<<"$json")" "$(json_field bytes_per_stream <<<"$json")" \
          "$(awk -v a="$(json_field rss_after <<<"$json")" -v b="$(json_field rss_before <<<"$json")" \
            'BEGIN { if (a != "" && b != "") printf "%.1f", (a - b) / 1048576 }')" \
          "$(json_field errors <<<"$json")" >>"$memory_results"
        ;;
    esac
    i=$((i + 1))
  done < <(grep '^{' <<<"$out")
  [ $i -eq ${#kinds[@]} ] || echo "   only $i of ${#kinds[@]} results from $kind" >&2
  stop_servers
  rm -rf "$dir"/*/data "$dir"/*/karaf
}

median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print ""; else if (NR%2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2}'; }
# stat SERVER WORKLOAD COLUMN (3 ops, 4 p50, 5 p99, 6 errors, 7 server CPU us per request): the median over the
# rounds that have a value (none: empty)
stat() { awk -F'|' -v s="$1" -v w="$2" -v c="$3" '$1==s && $2==w && $c!="" {print $c}' "$results" | median; }
total_errors() { awk -F'|' -v s="$1" -v w="$2" '$1==s && $2==w {t+=$6} END {print t+0}' "$results"; }
# mstat SERVER WORKLOAD COLUMN (3 B/watcher, 4 B/added watcher, 5 B/stream, 6 growth MiB): the median over the rounds
mstat() { awk -F'|' -v s="$1" -v w="$2" -v c="$3" '$1==s && $2==w && $c!="" {print $c}' "$memory_results" | median; }
merrors() { awk -F'|' -v s="$1" -v w="$2" '$1==s && $2==w {t+=$7} END {print t+0}' "$memory_results"; }
# cell FORMAT VALUE: the value formatted, or n/a when there is none (the workload failed in every round)
cell() { if [ -n "$2" ]; then printf "$1" "$2"; else printf 'n/a'; fi; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
servers=(etcd)
[ "$ketcd_mode" = none ] || servers+=(ketcd)
for r in $(seq "$rounds"); do
  for s in "${servers[@]}"; do run_round "$s" "$r"; done
done

case "$ketcd_mode" in
  dist) ketcd_label="Karaf distribution (karaf-assembly/target/assembly)" ;;
  embedded) ketcd_label="embedded launcher (io.ketcd.bench.EmbeddedMain, no OSGi)" ;;
  *) ketcd_label="not run" ;;
esac
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)), $("$etcd_bin" --version | head -n1)"
echo "ketcd: $ketcd_label"
[ "$cluster" = false ] || echo "clusters: 3 members each on 127.0.0.1, the load spread over their endpoints; CPU is the 3 members' sum"
if [ "$tls" = true ]; then
  echo "TLS: https client URLs with one $([ "$tls_key" = rsa ] && echo 'RSA 2048' || echo 'ECDSA P-256') server certificate for IP 127.0.0.1 from a CA made for the run; the generator (grpc-java, client TLS: $(sort -u "$work/client_tls" 2>/dev/null | paste -sd/ -)) verifies it with --cacert; no client certificates"
fi
echo "command: $command_line (rounds $rounds; each round ${round_warmup}s warmup, then per workload ${warmup}s warmup + ${duration}s measured; generator JVM options: $client_jvm)"
echo "load average (1/5/15 min) before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
# the rows of the two tables of rates: the KV workloads, then the watch and lease workloads (the
# fan-out with a second row for its puts)
kv_rows=() watch_rows=()
for line in ${workloads[@]+"${workloads[@]}"}; do kv_rows+=("${line%%|*}"); done
for line in ${watch_workloads[@]+"${watch_workloads[@]}"}; do
  watch_rows+=("${line%%|*}")
  [[ "$line" != *watch-fanout* ]] || watch_rows+=("${line%%|*}: puts")
done
print_table() {
  local unit=$1 per=$2 name e_ops e_p50 e_p99 e_cpu k_ops k_p50 k_p99 k_cpu ratio
  shift 2
  if [ "$ketcd_mode" = none ]; then
    echo "| workload | etcd $unit | etcd p50 ms | etcd p99 ms | etcd CPU us/$per | errors |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  else
    echo "| workload | etcd $unit | ketcd $unit | ketcd/etcd | etcd p50 ms | ketcd p50 ms | etcd p99 ms | ketcd p99 ms | CPU us/$per etcd/ketcd | errors etcd/ketcd |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  fi
  for name in "$@"; do
    e_ops=$(stat etcd "$name" 3); e_p50=$(stat etcd "$name" 4); e_p99=$(stat etcd "$name" 5); e_cpu=$(stat etcd "$name" 7)
    if [ "$ketcd_mode" = none ]; then
      echo "| $name | $(cell %.0f "$e_ops") | $(cell %.2f "$e_p50") | $(cell %.2f "$e_p99") | $(cell %.0f "$e_cpu") |" \
        "$(total_errors etcd "$name") |"
    else
      k_ops=$(stat ketcd "$name" 3); k_p50=$(stat ketcd "$name" 4); k_p99=$(stat ketcd "$name" 5); k_cpu=$(stat ketcd "$name" 7)
      ratio=$(awk -v k="$k_ops" -v e="$e_ops" 'BEGIN { if (e > 0 && k != "") printf "%.2f", k / e; else print "-" }')
      echo "| $name | $(cell %.0f "$e_ops") | $(cell %.0f "$k_ops") | $ratio | $(cell %.2f "$e_p50") |" \
        "$(cell %.2f "$k_p50") | $(cell %.2f "$e_p99") | $(cell %.2f "$k_p99") |" \
        "$(cell %.0f "$e_cpu")/$(cell %.0f "$k_cpu") | $(total_errors etcd "$name")/$(total_errors ketcd "$name") |"
    fi
  done
}
[ ${#kv_rows[@]} -eq 0 ] || print_table ops/s req "${kv_rows[@]}"
if [ ${#watch_rows[@]} -gt 0 ]; then
  echo
  echo "Watch rows: events delivered per second to all watchers, latency from sending a put to a watcher receiving"
  echo "its event, server CPU per event; errors count missing events. Fan-out 'puts' rows: the writers' puts per"
  echo "second and put latency. Lease rows: keep-alives answered per second, server CPU per keep-alive."
  echo "Lock rows: Lock/Lock + Lock/Unlock pairs per second (one lock: all 16 clients contend; 16 locks: one each)."
  echo
  print_table "/s" "event or req" "${watch_rows[@]}"
fi
if [ ${#memory_workloads[@]} -gt 0 ]; then
  echo
  echo "Watch memory: growth of the server's resident memory (VmRSS, the least of a few readings a second apart; for"
  echo "a cluster the three members' sum): per watcher, all growth over all watchers; per added watcher, from the"
  echo "streams with one watcher each to all watchers; per stream, a stream with its first watcher."
  echo
  if [ "$ketcd_mode" = none ]; then
    echo "| workload | etcd B/watcher | etcd B/added watcher | etcd B/stream | etcd growth MiB | errors |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  else
    echo "| workload | etcd B/watcher | ketcd B/watcher | etcd B/added watcher | ketcd B/added watcher | etcd B/stream | ketcd B/stream | etcd growth MiB | ketcd growth MiB | errors etcd/ketcd |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  fi
  for line in "${memory_workloads[@]}"; do
    name=${line%%|*}
    row="| $name"
    for c in 3 4 5 6; do
      for s in "${servers[@]}"; do row+=" | $(cell %.0f "$(mstat "$s" "$name" "$c")")"; done
    done
    if [ "$ketcd_mode" = none ]; then
      row+=" | $(merrors etcd "$name") |"
    else
      row+=" | $(merrors etcd "$name")/$(merrors ketcd "$name") |"
    fi
    echo "$row"
  done
fi
