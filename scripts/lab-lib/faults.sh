# shellcheck shell=bash
# `lab fault`: the faults tests/e2e_swarm.rs injects into the running lab, and their repairs. Each
# acts only on what the lab started (its engines by pid file, its veths by name).

# fault_stop_engine NODE: stop a worker's dockerd (SIGTERM, as a shutdown would); its containers
# stop with it, and the manager marks the node down once its heartbeats stop.
fault_stop_engine() {
  local w=$1 pid
  [[ " ${WORKERS[*]} " == *" $w "* ]] || die "stop-engine: $w is not a worker"
  pid=$(worker_pid "$w") || die "stop-engine: $w dockerd is not running"
  log "stopping $w dockerd (pid $pid)"
  stop_pids 60 "$pid"
}

# fault_restart_leader: stop the leader's dockerd (the swarm's only manager) and start it again.
fault_restart_leader() {
  [[ "$(state_get LEADER_BY_LAB)" == 1 ]] || die "restart-leader: the lab did not start the leader engine"
  stop_leader
  ensure_leader
}

# fault_cut NODE / fault_uncut NODE: take the host end of a worker's veth down (the namespace
# loses every packet to and from the bridge, as a pulled cable would) or up again.
fault_cut() {
  [[ " ${WORKERS[*]} " == *" $1 "* ]] || die "cut: $1 is not a worker"
  log "cutting $1 off the lab network"
  ip link set "$(veth_of "$1")" down
}
fault_uncut() {
  [[ " ${WORKERS[*]} " == *" $1 "* ]] || die "uncut: $1 is not a worker"
  log "joining $1 to the lab network again"
  ip link set "$(veth_of "$1")" master "$BRIDGE" up
}

cmd_fault() {
  case "${1:-}" in
    stop-engine) fault_stop_engine "${2:?stop-engine WORKER}" ;;
    start-engine) ensure_worker "${2:?start-engine WORKER}" ;;
    restart-leader) fault_restart_leader ;;
    cut) fault_cut "${2:?cut WORKER}" ;;
    uncut) fault_uncut "${2:?uncut WORKER}" ;;
    *) die "usage: scripts/lab fault stop-engine|start-engine|cut|uncut WORKER, or fault restart-leader" ;;
  esac
}
