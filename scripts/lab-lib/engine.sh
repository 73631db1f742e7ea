# shellcheck shell=bash
# Docker engines: the packages, the leader's dockerd on the host, and one dockerd per worker
# namespace. Every engine the lab starts has a pid file under $LAB_RUN; nothing else is ever killed.
# Each runs with DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1: otherwise every task start first tries to
# pull its image from Docker Hub (a DNS lookup from the leader, a stall on the workers).

LEADER_SOCK=/var/run/docker.sock
LEADER_PIDFILE="$LAB_RUN/leader.pid"

node_sock() { if [[ $1 == leader ]]; then echo "$LEADER_SOCK"; else echo "/run/$1.sock"; fi; }

# dk NODE ARGS...: the docker client against NODE's engine (DOCKER_HOST is ignored on purpose).
dk() {
  local node=$1
  shift
  docker -H "unix://$(node_sock "$node")" "$@"
}

engine_answers() { timeout 10 docker -H "unix://$(node_sock "$1")" version --format '{{.Server.Version}}'; }

# ensure_packages: Debian's engine (20.10, API 1.41) and the tools the lab uses (nsenter and
# unshare from util-linux; curl for `lab demo`'s checks of every route through hawser).
ensure_packages() {
  ensure_debian_packages docker.io iptables debootstrap iproute2 util-linux curl
}

# clear_stale_containerd_pid EXEC_ROOT: dockerd reuses the containerd named in this pid file if
# that pid is "alive", and a zombie or a recycled pid counts: it then waits for a socket that
# never comes ("timeout waiting for containerd to start"). Drop the file unless it is our containerd.
clear_stale_containerd_pid() {
  local f="$1/containerd/containerd.pid"
  [[ -f "$f" ]] || return 0
  pid_from_file "$f" "$1/containerd/" >/dev/null || rm -f "$f"
}

leader_pid() { pid_from_file "$LEADER_PIDFILE" "$LEADER_PIDFILE"; }

# ensure_leader: reuse an engine that already answers on $LEADER_SOCK (whoever started it);
# otherwise start one under `unshare --uts` so its node hostname is `leader` without touching
# the host's own hostname.
ensure_leader() {
  if engine_answers leader >/dev/null 2>&1; then
    if leader_pid >/dev/null; then state_set LEADER_BY_LAB 1; else state_set LEADER_BY_LAB 0; fi
    log "leader engine answers on $LEADER_SOCK ($([[ $(state_get LEADER_BY_LAB) == 1 ]] && echo started by the lab || echo not started by the lab))"
    return 0
  fi
  local pid
  if pid=$(leader_pid); then
    log "lab leader dockerd (pid $pid) does not answer yet; waiting"
    wait_for 60 "leader dockerd pid $pid to answer" engine_answers leader && return 0
    stop_pids 40 "$pid"
  fi
  if [[ -S "$LEADER_SOCK" ]] && pid=$(pid_from_file /var/run/docker.pid dockerd); then
    log "a dockerd the lab did not start (pid $pid) owns $LEADER_SOCK; waiting for it"
    wait_for 90 "dockerd pid $pid to answer on $LEADER_SOCK" engine_answers leader ||
      die "the engine on $LEADER_SOCK (pid $pid) does not answer; the lab will not touch it"
    state_set LEADER_BY_LAB 0
    return 0
  fi
  mkdir -p "$LAB_RUN" "$LAB_LOGS"
  rm -f "$LEADER_PIDFILE"
  clear_stale_containerd_pid /var/run/docker
  ip link show docker0 >/dev/null 2>&1 || state_set DOCKER0_BY_LAB 1
  log "starting the leader dockerd (log $LAB_LOGS/leader.log)"
  # --ip-forward=false and --iptables=false: leave the host's sysctls and firewall as they were;
  # host-mode published ports still work through docker-proxy.
  # shellcheck disable=SC2016 # expanded by the inner sh
  DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 setsid unshare --uts -- sh -c 'hostname leader && exec "$@"' sh \
    dockerd -H "unix://$LEADER_SOCK" --pidfile "$LEADER_PIDFILE" \
    --iptables=false --ip-masq=false --ip-forward=false \
    >>"$LAB_LOGS/leader.log" 2>&1 </dev/null 9>&- &
  state_set LEADER_BY_LAB 1
  wait_for 90 "the leader dockerd to answer (see $LAB_LOGS/leader.log)" engine_answers leader ||
    { tail -n 20 "$LAB_LOGS/leader.log" >&2; die "leader dockerd did not start"; }
}

# kill_containers NODE: SIGKILL every running container on NODE, so a dockerd shutting down does
# not wait out each container's stop grace period (python as PID 1 ignores SIGTERM).
kill_containers() {
  local ids
  ids=$(dk "$1" ps -q 2>/dev/null) || return 0
  # shellcheck disable=SC2086 # one id per word
  [[ -z "$ids" ]] || dk "$1" kill $ids >/dev/null 2>&1 || true
}

# stop_leader: only a dockerd the lab started (pid file + command line), plus the containerd it
# spawned if it outlived it.
stop_leader() {
  local pid
  if pid=$(leader_pid); then
    log "stopping the leader dockerd (pid $pid)"
    stop_pids 60 "$pid"
  fi
  if ! engine_answers leader >/dev/null 2>&1 &&
    pid=$(pid_from_file /var/run/docker/containerd/containerd.pid /var/run/docker/containerd/); then
    stop_pids 20 "$pid"
  fi
  rm -f "$LEADER_PIDFILE"
}

# leader_leftovers: after the lab's leader dockerd stopped, what it may leave on the host: netns
# and overlay2 mounts, bridges it made, and container veths (docker's MACs start with 02:42).
leader_leftovers() {
  engine_answers leader >/dev/null 2>&1 && return 0
  local v
  umount_under /var/run/docker/netns
  umount_under /var/lib/docker
  [[ "$(state_get SWARM_BY_LAB)" == 1 ]] && { ip link del docker_gwbridge 2>/dev/null || true; }
  [[ "$(state_get DOCKER0_BY_LAB)" == 1 ]] && { ip link del docker0 2>/dev/null || true; }
  # every containerd keeps its shims' sockets in /run/containerd/s; drop the dirs once empty
  [[ -d /run/containerd ]] && find /run/containerd -depth -type d -empty -delete 2>/dev/null
  for v in $(ip -o link show type veth | awk '$0 ~ /link\/ether 02:42:/ { sub(/@.*/, "", $2); print $2 }'); do
    log "removing veth $v left by the leader dockerd"
    ip link del "$v" 2>/dev/null || true
  done
}

worker_pidfile() { echo "$LAB_RUN/$1.pid"; }
worker_pid() { pid_from_file "$(worker_pidfile "$1")" "unix:///run/$1.sock"; }

# worker_healthy NAME: our dockerd, in the namespace NAME is now, answering on its socket.
worker_healthy() {
  local pid
  pid=$(worker_pid "$1") && same_netns "$pid" "$1" && engine_answers "$1" >/dev/null 2>&1
}

# ensure_worker NAME: reuse a healthy worker engine; anything else is stopped and started again
# on the same data root (so its images and swarm membership survive a repair).
ensure_worker() {
  local w=$1 pid
  worker_healthy "$w" && return 0
  if pid=$(worker_pid "$w") && same_netns "$pid" "$w"; then
    wait_for 30 "$w dockerd to answer" engine_answers "$w" && return 0
  fi
  stop_worker "$w"
  mkdir -p "$LAB_RUN" "$LAB_LOGS" "$LAB_NODES/$w" "$LAB_EXEC/$w"
  clear_stale_containerd_pid "$LAB_EXEC/$w"
  log "starting $w dockerd in netns $w (log $LAB_LOGS/$w.log)"
  # nsenter, not `ip netns exec`: the latter remounts /sys and dockerd then fails with
  # "Devices cgroup isn't mounted".
  # shellcheck disable=SC2016 # expanded by the inner sh
  DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 setsid nsenter --net="/var/run/netns/$w" unshare --uts -- sh -c 'hostname "$0" && exec "$@"' "$w" \
    dockerd -H "unix:///run/$w.sock" --pidfile "$(worker_pidfile "$w")" \
    --data-root "$LAB_NODES/$w/docker" --exec-root "$LAB_EXEC/$w" \
    --bridge none --iptables=false --ip-masq=false --ip-forward=false \
    >>"$LAB_LOGS/$w.log" 2>&1 </dev/null 9>&- &
  wait_for 90 "$w dockerd to answer (see $LAB_LOGS/$w.log)" engine_answers "$w" ||
    { tail -n 20 "$LAB_LOGS/$w.log" >&2; die "$w dockerd did not start"; }
}

# stop_worker NAME: the worker's dockerd, then whatever it left running (its containerd, shims and
# containers: found by its exec root or its namespace), then its leftover mounts.
stop_worker() {
  local w=$1 pid left
  if pid=$(worker_pid "$w"); then
    kill_containers "$w"
    log "stopping $w dockerd (pid $pid)"
    stop_pids 60 "$pid"
  fi
  mapfile -t left < <({ pids_with_arg "$LAB_EXEC/$w/"; ip netns pids "$w" 2>/dev/null; } | sort -u)
  if ((${#left[@]} > 0)); then
    log "stopping ${#left[@]} leftover process(es) of $w"
    stop_pids 20 "${left[@]}"
  fi
  umount_under "$LAB_EXEC/$w"
  umount_under "$LAB_NODES/$w"
  rm -f "$(worker_pidfile "$w")" "/run/$w.sock"
}
