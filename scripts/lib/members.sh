# Starting and stopping etcd or ketcd members on 127.0.0.1, shared by scripts/local-cluster.sh
# and bench/compare.sh. Source it from bash; it sets no options and runs nothing by itself.
#
# A member runs in its own session (setsid), so its process id is also its process group id and
# stopping it kills the whole group: for ketcd the bin/karaf script and its JVM. Each member has
# a directory holding pid, server.log, data/ and, for ketcd, karaf/ (a copy of the distribution).
#
# Both servers get their settings the same way, from etcd's environment variables (ETCD_NAME,
# ETCD_INITIAL_CLUSTER, ...), which etcd reads like its flags and ketcd like its ConfigAdmin
# keys; Karaf's own ports come from KETCD_SSH_PORT, KETCD_RMI_REGISTRY_PORT and
# KETCD_RMI_SERVER_PORT.
#
# Settings read by the functions (set them before calling):
#   ETCD_BIN       the etcd binary (default: etcd)
#   KETCD_DIST     a built ketcd Karaf distribution, copied per member (kind ketcd)
#   KETCD_JAR      the bench jar with io.ketcd.bench.EmbeddedMain (kind ketcd-embedded)

: "${ETCD_BIN:=etcd}"

# flag_of ETCD_FOO_BAR=value: the etcd flag the variable stands for (foo-bar)
flag_of() {
  local key=${1%%=*}
  key=${key#ETCD_}
  key=${key,,}
  echo "${key//_/-}"
}

# member_copy_distribution DIR: a fresh copy of $KETCD_DIST in DIR/karaf, without Karaf's cache or
# node data, as member_start makes for kind ketcd. A caller that times the start makes it first and
# starts with KETCD_KEEP_COPY=1, so that the copy is not counted.
member_copy_distribution() {
  [ -x "$KETCD_DIST/bin/karaf" ] || { echo "no ketcd distribution at '$KETCD_DIST'" >&2; return 1; }
  mkdir -p "$1"
  rm -rf "$1/karaf"
  cp -r "$KETCD_DIST" "$1/karaf"
  rm -rf "$1/karaf/data" "$1/karaf/ketcd-data" # Karaf's cache and any node data of the original
}

# member_start KIND DIR NAME CLIENT_PORT PEER_PORT HTTP_PORT SSH_PORT RMI_REGISTRY_PORT RMI_SERVER_PORT
#              INITIAL_CLUSTER [STATE] [TOKEN]
# Starts one member in the background and returns at once; writes DIR/pid. KIND is etcd, ketcd
# (the Karaf distribution in $KETCD_DIST) or ketcd-embedded (no OSGi; Karaf ports unused).
# HTTP_PORT is ketcd's listen-client-http-urls (etcd 3.4 has no such listener and ignores it).
member_start() {
  local kind=$1 dir=$2 name=$3 client=$4 peer=$5 http=$6 ssh=$7 rmi_registry=$8 rmi_server=$9
  local initial_cluster=${10} state=${11:-new} token=${12:-etcd-cluster}
  local client_url="http://127.0.0.1:$client" peer_url="http://127.0.0.1:$peer"
  local -a env=(ETCD_NAME="$name" ETCD_DATA_DIR="$dir/data"
    ETCD_LISTEN_CLIENT_URLS="$client_url" ETCD_ADVERTISE_CLIENT_URLS="$client_url"
    ETCD_LISTEN_PEER_URLS="$peer_url" ETCD_INITIAL_ADVERTISE_PEER_URLS="$peer_url"
    ETCD_INITIAL_CLUSTER="$initial_cluster" ETCD_INITIAL_CLUSTER_STATE="$state"
    ETCD_INITIAL_CLUSTER_TOKEN="$token")
  mkdir -p "$dir"
  printf '%q ' "$@" >"$dir/start.args" # for member_restart
  case "$kind" in
    etcd)
      env "${env[@]}" setsid "$ETCD_BIN" >"$dir/server.log" 2>&1 </dev/null &
      ;;
    ketcd)
      [ -x "$KETCD_DIST/bin/karaf" ] || { echo "no ketcd distribution at '$KETCD_DIST'" >&2; return 1; }
      if [ "${KETCD_KEEP_COPY:-}" != 1 ] || [ ! -x "$dir/karaf/bin/karaf" ]; then
        member_copy_distribution "$dir"
      fi
      # each copy is configured as an operator would: its own etc/io.ketcd.server.cfg
      local kv
      {
        echo "# written by scripts/lib/members.sh for member $name"
        for kv in "${env[@]}"; do
          echo "$(flag_of "$kv") = ${kv#*=}"
        done
        echo "listen-client-http-urls = http://127.0.0.1:$http"
      } >"$dir/karaf/etc/io.ketcd.server.cfg"
      # ETCD_DATA_DIR (the same value as in the file) marks the member's processes for 'stop'
      env ETCD_DATA_DIR="$dir/data" \
        KETCD_SSH_PORT="$ssh" KETCD_RMI_REGISTRY_PORT="$rmi_registry" KETCD_RMI_SERVER_PORT="$rmi_server" \
        setsid "$dir/karaf/bin/karaf" server >"$dir/server.log" 2>&1 </dev/null &
      ;;
    ketcd-embedded)
      [ -f "$KETCD_JAR" ] || { echo "no bench jar at '$KETCD_JAR'" >&2; return 1; }
      # the embedded launcher takes flags, not the environment: ETCD_FOO_BAR=v becomes --foo-bar=v
      # (the defaults of state and token are left out, for launchers that predate those keys)
      local -a flags=(--listen-client-http-urls="http://127.0.0.1:$http") kv
      for kv in "${env[@]}"; do
        case "$kv" in ETCD_INITIAL_CLUSTER_STATE=new | ETCD_INITIAL_CLUSTER_TOKEN=etcd-cluster) continue ;; esac
        flags+=("--$(flag_of "$kv")=${kv#*=}")
      done
      setsid java -cp "$KETCD_JAR" io.ketcd.bench.EmbeddedMain "${flags[@]}" >"$dir/server.log" 2>&1 </dev/null &
      ;;
    *) echo "unknown member kind '$kind' (etcd, ketcd or ketcd-embedded)" >&2; return 1 ;;
  esac
  local pid=$!
  # the member is not the calling shell's job: no "Killed" notice when member_kill ends it
  disown "$pid" 2>/dev/null || true
  # until the background shell has exec'd the server, its environment is not yet the member's
  for _ in $(seq 100); do
    member_owned "$dir" "$pid" && break
    sleep 0.05
  done
  echo "$pid" >"$dir/pid"
}

# member_restart DIR: starts the member in DIR again as member_start started it, on its data
# directory and, for ketcd, its copy of the distribution (with Karaf's cache), as an operator
# restarts a member after a crash.
member_restart() {
  local -a args
  eval "args=($(cat "$1/start.args"))"
  KETCD_KEEP_COPY=1 member_start "${args[@]}"
}

# member_kill DIR: SIGKILL to the member's process group, as a crash; waits until it is gone.
member_kill() {
  local pid
  pid=$(cat "$1/pid" 2>/dev/null) || return 0
  member_owned "$1" "$pid" || { rm -f "$1/pid"; return 0; }
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    member_alive "$1" || break
    sleep 0.1
  done
  rm -f "$1/pid"
}

# member_alive DIR: true while a process of the member's session (or the member's first
# process, before it became a session leader) runs; zombies, which this machine's init reaps
# only after a second or two, do not count.
member_alive() {
  local pid states
  pid=$(cat "$1/pid" 2>/dev/null) || return 1
  member_owned "$1" "$pid" || return 1
  states=$({ ps -o stat= -s "$pid"; ps -o stat= -p "$pid"; } 2>/dev/null) || true
  grep -q '^[^Z]' <<<"$states"
}

# member_owned DIR PID: false when PID is a process that is not this member's (its pid was
# reused after the member ended): the member's process carries DIR/data in its environment
# (ETCD_DATA_DIR) or its command line (the embedded launcher's --data-dir). A pid that is gone
# is the member's still: Linux hands out no pid while a process group or session of that id
# lives, so what is left in the group is the member's.
member_owned() {
  local dir=$1 pid=$2
  local seen
  [ -d "/proc/$pid" ] || return 0
  # read first, then match: 'producer | grep -q' fails under pipefail when grep quits early
  seen=$({ tr '\0' '\n' <"/proc/$pid/environ"; tr '\0' '\n' <"/proc/$pid/cmdline"; } 2>/dev/null) || true
  grep -qxF -e "ETCD_DATA_DIR=$dir/data" -e "--data-dir=$dir/data" <<<"$seen"
}

# member_stop DIR: SIGTERM to the member's process group, SIGKILL after 10 s; removes DIR/pid.
member_stop() {
  local dir=$1 pid
  pid=$(cat "$dir/pid" 2>/dev/null) || return 0
  if ! member_owned "$dir" "$pid"; then
    echo "process $pid is no longer the member in $dir; not stopping it" >&2
    rm -f "$dir/pid"
    return 0
  fi
  # the group, and the pid itself in case it had not yet become a session leader
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    member_alive "$dir" || break
    sleep 0.2
  done
  member_kill "$dir"
}

# member_log DIR: the member's log: Karaf's own for ketcd (its console output says little), else
# the process's output.
member_log() {
  if [ -f "$1/karaf/data/log/karaf.log" ]; then echo "$1/karaf/data/log/karaf.log"; else echo "$1/server.log"; fi
}

# member_log_summary DIR: to stderr, the first errors and warnings of the member's log (with
# the line after each, which names an exception's cause), then its last lines.
member_log_summary() {
  local log
  log=$(member_log "$1")
  echo "--- first errors in $log:" >&2
  grep -m 5 -A 1 -E '\| ERROR |\| WARN .* - io\.ketcd\.|^[0-9: .-]+ [EWC] \||panic' "$log" >&2 || echo "(none)" >&2
  echo "--- last lines of $log:" >&2
  tail -n 12 "$log" >&2
}

# member_server_pid DIR: the process doing the work (etcd itself, or ketcd's JVM), for CPU accounting.
member_server_pid() {
  local pid java
  pid=$(cat "$1/pid")
  java=$(pgrep -s "$pid" -x java | head -n 1 || true)
  echo "${java:-$pid}"
}

# free_ports N: N distinct ports on 127.0.0.1, below the ephemeral range, that were free a moment ago (held open together,
# then released), space-separated.
free_ports() {
  python3 -c 'import random, socket, sys
# below the kernel ephemeral range, which outgoing connections (the members dialing each other)
# draw from: a port picked there was once taken by such a connection before its member bound it
try:
    top = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0]) - 1
except (OSError, ValueError, IndexError):
    top = 32767
ss = []
while len(ss) < int(sys.argv[1]):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", random.randint(10000, max(10001, top))))
        ss.append(s)
    except OSError:
        s.close()
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}

# port_open PORT: true when something accepts connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# await_ports SECONDS DIR:PORT...: waits until every member's client port accepts connections,
# failing early when a member dies; on failure says which one and shows its log's tail.
await_ports() {
  local limit=$1 deadline=$((SECONDS + $1)) spec dir port
  shift
  for spec in "$@"; do
    dir=${spec%:*} port=${spec##*:}
    until port_open "$port"; do
      if ! member_alive "$dir"; then
        echo "the member in $dir exited before serving on 127.0.0.1:$port" >&2
        member_log_summary "$dir"
        return 1
      fi
      if [ $SECONDS -ge "$deadline" ]; then
        echo "the member in $dir did not serve on 127.0.0.1:$port within $limit s" >&2
        member_log_summary "$dir"
        return 1
      fi
      sleep 0.2
    done
  done
}

# cluster_ready ENDPOINTS: true when 'etcdctl endpoint health --cluster' succeeds and every
# endpoint reports the same leader (members that each lead a cluster of their own, or that have
# no leader, are not one cluster even though each of them is healthy). Prints what it saw.
cluster_ready() {
  local endpoints=$1 out leaders
  out=$(ETCDCTL_API=3 etcdctl --endpoints="$endpoints" --dial-timeout=2s --command-timeout=5s \
      endpoint health --cluster 2>&1) || { echo "$out"; return 1; }
  out=$(ETCDCTL_API=3 etcdctl --endpoints="$endpoints" --dial-timeout=2s --command-timeout=5s \
      endpoint status -w json 2>&1) || { echo "$out"; return 1; }
  leaders=$(grep -o '"leader":[0-9]*' <<<"$out" | sort -u)
  if [ "$(grep -c . <<<"$leaders")" -ne 1 ] || [ "$(grep -o '"leader":[0-9]*' <<<"$out" | grep -c .)" -ne \
       "$(tr ',' '\n' <<<"$endpoints" | grep -c .)" ]; then
    echo "the endpoints do not agree on one leader; member -> leader as each endpoint reports it:"
    grep -o '"member_id":[0-9]*\|"leader":[0-9]*' <<<"$out" | cut -d: -f2 | paste -d' ' - - |
      while read -r m l; do printf '  %x -> %x\n' "$m" "$l"; done
    return 1
  fi
}

# cluster_leader ENDPOINTS: the endpoint (host:port) of the member that says it leads, or "none".
cluster_leader() {
  local out e ep member leader found=none
  out=$(ETCDCTL_API=3 etcdctl --endpoints="$1" --dial-timeout=2s --command-timeout=5s \
      endpoint status -w json 2>/dev/null) || true
  while read -r e; do
    ep=$(sed -n 's/.*"Endpoint":"\([^"]*\)".*/\1/p' <<<"$e")
    member=$(sed -n 's/.*"member_id":\([0-9]*\).*/\1/p' <<<"$e")
    leader=$(sed -n 's/.*"leader":\([0-9]*\).*/\1/p' <<<"$e")
    if [ -n "$member" ] && [ "$member" = "$leader" ]; then found=$ep; fi
  done < <(sed 's/{"Endpoint"/\n{"Endpoint"/g' <<<"$out")
  echo "$found"
}

# await_healthy SECONDS ENDPOINTS DIR...: waits until cluster_ready, failing early when a member
# dies; on failure prints what etcdctl last said and the tail of every member's log.
await_healthy() {
  local seconds=$1 endpoints=$2 deadline=$((SECONDS + $1)) out dir
  shift 2
  while :; do
    out=$(cluster_ready "$endpoints") && return 0
    for dir in "$@"; do
      if ! member_alive "$dir"; then
        echo "the member in $dir exited" >&2
        member_log_summary "$dir"
        return 1
      fi
    done
    if [ $SECONDS -ge "$deadline" ]; then
      echo "the cluster was not ready in time (etcdctl endpoint health --cluster, and one leader for all):" >&2
      # without etcdctl's retry warnings, one JSON line per attempt
      grep -v '^{"level":' <<<"$out" | tail -n 20 | sed 's/^/  /' >&2
      for dir in "$@"; do member_log_summary "$dir"; done
      return 1
    fi
    sleep 1
  done
}

# cluster_start KIND DIR TOKEN "CLIENT_PORTS" "PEER_PORTS" "HTTP_PORTS" "SSH_PORTS" "RMI_REGISTRY_PORTS" "RMI_SERVER_PORTS"
# Starts one member per client port (names infra1, infra2, ..., in DIR/infra1, ...) as a new
# cluster, waits until every member serves and 'etcdctl endpoint health --cluster' succeeds
# (bounded by $CLUSTER_START_TIMEOUT seconds, default 60 for etcd and 240 for ketcd, whose three
# JVMs start at once), and sets CLUSTER_ENDPOINTS (comma-separated host:port) and CLUSTER_DIRS.
# On failure it stops what it started and returns 1, having printed why and the logs' tails.
cluster_start() {
  local kind=$1 dir=$2 token=$3
  local -a client=($4) peer=($5) http=($6) ssh=($7) rmi_registry=($8) rmi_server=($9)
  local n=${#client[@]} i initial="" timeout
  local -a ports=()
  CLUSTER_DIRS=() CLUSTER_ENDPOINTS=""
  for i in $(seq "$n"); do
    initial+="${initial:+,}infra$i=http://127.0.0.1:${peer[$((i - 1))]}"
    CLUSTER_ENDPOINTS+="${CLUSTER_ENDPOINTS:+,}127.0.0.1:${client[$((i - 1))]}"
    CLUSTER_DIRS+=("$dir/infra$i")
  done
  for i in $(seq "$n"); do
    local j=$((i - 1))
    if port_open "${client[$j]}" || port_open "${peer[$j]}"; then
      echo "127.0.0.1:${client[$j]} or 127.0.0.1:${peer[$j]} is already in use; is a cluster running?" >&2
      cluster_stop "$dir"
      return 1
    fi
    member_start "$kind" "$dir/infra$i" "infra$i" "${client[$j]}" "${peer[$j]}" "${http[$j]}" "${ssh[$j]}" \
      "${rmi_registry[$j]}" "${rmi_server[$j]}" "$initial" new "$token" || { cluster_stop "$dir"; return 1; }
    ports+=("$dir/infra$i:${client[$j]}")
  done
  case "$kind" in etcd) timeout=${CLUSTER_START_TIMEOUT:-60} ;; *) timeout=${CLUSTER_START_TIMEOUT:-240} ;; esac
  local start=$SECONDS
  if ! await_ports "$timeout" "${ports[@]}" ||
     ! await_healthy $((timeout - (SECONDS - start))) "$CLUSTER_ENDPOINTS" "${CLUSTER_DIRS[@]}"; then
    cluster_stop "$dir"
    return 1
  fi
}

# cluster_stop DIR: stops every member under DIR (in parallel, each as member_stop does).
cluster_stop() {
  local d
  local -a stoppers=()
  for d in "$1"/*/; do
    if [ -f "$d/pid" ]; then
      member_stop "${d%/}" &
      stoppers+=($!)
    fi
  done
  [ ${#stoppers[@]} -eq 0 ] || wait "${stoppers[@]}"
}
