# shellcheck shell=bash
# The swarm: initialised on the leader (advertising on the bridge), joined by both workers, stale
# node entries from earlier runs removed, and every node Ready/Active before `up` returns.

swarm_field() { dk "$1" info --format "{{.Swarm.$2}}" 2>/dev/null; }

# lab_swarm: the leader manages a swarm advertised on the lab bridge, i.e. one this lab made.
lab_swarm() {
  [[ "$(swarm_field leader LocalNodeState)" == active &&
    "$(swarm_field leader ControlAvailable)" == true &&
    "$(swarm_field leader NodeAddr)" == "$LEADER_IP" ]]
}

# ensure_swarm_leader: init when inactive; reuse the lab's own swarm; re-init a broken lab swarm;
# refuse (without touching it) a swarm someone else made on an engine the lab did not start.
ensure_swarm_leader() {
  local st addr
  # a restarted manager is `pending` for a moment while it loads its raft state: not broken
  wait_for 30 "the leader's swarm state to settle" swarm_settled leader || true
  st=$(swarm_field leader LocalNodeState)
  addr=$(swarm_field leader NodeAddr)
  if lab_swarm; then
    state_set SWARM_BY_LAB 1
    log "reusing the lab swarm on the leader"
    return 0
  fi
  if [[ "$st" != inactive ]]; then
    if [[ "$addr" == "$LEADER_IP" || "$(state_get SWARM_BY_LAB)" == 1 || "$(state_get LEADER_BY_LAB)" == 1 ]]; then
      log "leader swarm state is '$st' (addr '$addr'): leaving it and starting over"
      dk leader swarm leave --force >/dev/null 2>&1 || true
      wait_for 60 "the leader to leave its swarm" leader_inactive || die "leader did not leave its swarm"
    else
      die "the engine on $LEADER_SOCK is in another swarm (state '$st', addr '$addr'), which the lab did not make; run 'docker swarm leave --force' there if it may go"
    fi
  fi
  log "initialising the swarm on the leader ($LEADER_IP, overlay pool $OVERLAY_POOL)"
  dk leader swarm init --advertise-addr "$LEADER_IP" --listen-addr "$LEADER_IP:2377" \
    --default-addr-pool "$OVERLAY_POOL" --default-addr-pool-mask-length 24 >/dev/null
  state_set SWARM_BY_LAB 1
  wait_for 60 "the leader to manage the swarm" dk leader node ls || die "swarm manager not ready"
  # leftovers of an earlier lab swarm on the lab's own engine: no new swarm will ever own them
  if [[ "$(state_get LEADER_BY_LAB)" == 1 ]]; then rm_task_containers leader; fi
}

swarm_settled() { [[ "$(swarm_field "$1" LocalNodeState)" != pending ]]; }

leader_inactive() { [[ "$(swarm_field leader LocalNodeState)" == inactive ]]; }

# ensure_worker_joined NAME: a worker already in this swarm (its node ID is listed on the leader)
# is kept; a worker in another or a half-joined swarm leaves it first.
ensure_worker_joined() {
  local w=$1 st id token
  # a restarted worker is `pending` until it reaches the manager; one that never does is rejoined
  wait_for 20 "$w's swarm state to settle" swarm_settled "$w" || true
  st=$(swarm_field "$w" LocalNodeState)
  id=$(swarm_field "$w" NodeID)
  if [[ "$st" == active && -n "$id" ]] && dk leader node inspect "$id" >/dev/null 2>&1; then
    return 0
  fi
  if [[ "$st" != inactive ]]; then
    log "$w swarm state is '$st': leaving before joining"
    dk "$w" swarm leave --force >/dev/null 2>&1 || true
  fi
  token=$(dk leader swarm join-token -q worker)
  log "joining $w ($(worker_ip "$w")) to the swarm"
  dk "$w" swarm join --token "$token" --advertise-addr "$(worker_ip "$w")" \
    --listen-addr "$(worker_ip "$w"):2377" "$LEADER_IP:2377" >/dev/null
}

# current_node_ids: the node IDs the three engines report for themselves now.
current_node_ids() {
  local n
  for n in "${NODES[@]}"; do swarm_field "$n" NodeID; done
}

# remove_stale_nodes: entries left by earlier runs (a worker whose data root was wiped rejoins
# under a new ID, leaving a Down duplicate with the same hostname).
remove_stale_nodes() {
  local keep id
  keep=$(current_node_ids)
  for id in $(dk leader node ls -q); do
    grep -qx "$id" <<<"$keep" && continue
    log "removing stale node $id ($(dk leader node inspect -f '{{.Description.Hostname}}' "$id" 2>/dev/null))"
    dk leader node rm --force "$id" >/dev/null || warn "could not remove node $id"
  done
}

# nodes_ready: exactly the leader (named `leader` unless the engine was not started by the lab),
# worker-1 and worker-2, each Ready and Active.
nodes_ready() {
  local want got
  want=$(printf '%s Ready Active\n' "$(dk leader info --format '{{.Name}}')" "${WORKERS[@]}" | sort)
  got=$(dk leader node ls --format '{{.Hostname}} {{.Status}} {{.Availability}}' | sort)
  [[ "$want" == "$got" ]]
}

ensure_swarm() {
  local w id name
  name=$(dk leader info --format '{{.Name}}')
  [[ "$name" == leader ]] ||
    warn "the leader engine's hostname is '$name', not 'leader' (the lab did not start it, so it keeps the host's)"
  ensure_swarm_leader
  for w in "${WORKERS[@]}"; do ensure_worker_joined "$w"; done
  remove_stale_nodes
  for id in $(current_node_ids); do
    [[ "$(dk leader node inspect -f '{{.Spec.Availability}}' "$id")" == active ]] ||
      dk leader node update --availability active "$id" >/dev/null
  done
  if ! wait_for 120 "leader, worker-1, worker-2 to be Ready/Active" nodes_ready; then
    dk leader node ls >&2 || true
    die "swarm nodes not ready"
  fi
  log "swarm ready: $(dk leader node ls --format '{{.Hostname}}={{.Status}}' | tr '\n' ' ')"
}

# clear_swarm: remove every service, stack network and task container while all nodes still run,
# so each engine tears down its own veths, netns and mounts (a leave racing a task leaks them).
clear_swarm() {
  engine_answers leader >/dev/null 2>&1 && lab_swarm || return 0
  local svcs nets n
  svcs=$(dk leader service ls -q)
  if [[ -n "$svcs" ]]; then
    log "removing $(wc -w <<<"$svcs") service(s)"
    # shellcheck disable=SC2086 # one id per word
    dk leader service rm $svcs >/dev/null || true
    # rm -f instead of waiting out each task's stop grace period (python as PID 1 ignores SIGTERM)
    for n in "${NODES[@]}"; do rm_task_containers "$n"; done
    wait_for 60 "task containers to be removed" no_task_containers || warn "task containers remain"
  fi
  nets=$(dk leader network ls --filter driver=overlay --format '{{.ID}} {{.Name}}' | awk '$2 != "ingress" { print $1 }')
  # shellcheck disable=SC2086 # one id per word
  [[ -z "$nets" ]] || dk leader network rm $nets >/dev/null 2>&1 || warn "some overlay networks remain"
}

# rm_task_containers NODE: force-remove NODE's swarm task containers (also Dead ones, which a
# swarm never cleans up).
rm_task_containers() {
  local ids
  ids=$(dk "$1" ps -aq --filter label=com.docker.swarm.task 2>/dev/null) || return 0
  # shellcheck disable=SC2086 # one id per word
  [[ -z "$ids" ]] || dk "$1" rm -f $ids >/dev/null 2>&1 || true
}

no_task_containers() {
  local n
  for n in "${NODES[@]}"; do
    engine_answers "$n" >/dev/null 2>&1 || continue
    [[ -z "$(dk "$n" ps -aq --filter label=com.docker.swarm.task)" ]] || return 1
  done
}

# leave_swarm: `down` for the swarm itself. Leaving removes every service, stack, task container
# and overlay network in it; docker_gwbridge (made by the swarm) is removed after.
leave_swarm() {
  engine_answers leader >/dev/null 2>&1 || return 0
  [[ "$(state_get SWARM_BY_LAB)" == 1 ]] || lab_swarm || return 0
  if ! leader_inactive; then
    log "leader leaves the lab swarm (removes its services, stacks and overlay networks)"
    dk leader swarm leave --force >/dev/null 2>&1 || true
    wait_for 60 "the leader to leave the swarm" leader_inactive || warn "leader still in a swarm"
  fi
  if dk leader network inspect docker_gwbridge >/dev/null 2>&1; then
    wait_for 30 "docker_gwbridge to be removable" dk leader network rm docker_gwbridge ||
      warn "docker_gwbridge left on the leader"
  fi
}
