# shellcheck shell=bash
# The lab network: bridge $BRIDGE on the host (leader address), one network namespace per worker
# joined to it by a veth pair, and a guard route so lab addresses never leave the machine.

worker_ip() {
  case $1 in
    worker-1) echo "$NET_PREFIX.11" ;;
    worker-2) echo "$NET_PREFIX.12" ;;
    *) die "unknown worker $1" ;;
  esac
}

veth_of() { echo "hlv-$1"; }  # host side of the worker's veth (<= 15 chars)

# ensure_bridge: create or repair the bridge that carries swarm traffic (2377, 7946, 4789/udp).
ensure_bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    log "creating bridge $BRIDGE ($LEADER_IP/24)"
    ip link add "$BRIDGE" type bridge
  fi
  output_has "inet $LEADER_IP/24" ip addr show dev "$BRIDGE" || ip addr add "$LEADER_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  output_has "unreachable $GUARD_ROUTE" ip route show || ip route add unreachable "$GUARD_ROUTE"
  ensure_forward_rule
}

# ensure_forward_rule: this kernel has br_netfilter built in, so bridged worker<->worker VXLAN
# passes the host's iptables FORWARD chain. An engine that sets FORWARD to DROP would cut it.
ensure_forward_rule() {
  [[ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" == 1 ]] || return 0
  command -v iptables >/dev/null || return 0
  local rule=(FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT)
  if ! iptables -C "${rule[@]}" 2>/dev/null; then
    iptables -I "${rule[@]}" && state_set FORWARD_RULE 1
  fi
}

# netns_healthy NAME: namespace exists, its eth0 has the worker address and is up, lo is up.
netns_healthy() {
  local ns=$1
  [[ -e "/var/run/netns/$ns" ]] || return 1
  output_has "inet $(worker_ip "$ns")/24" ip -n "$ns" -4 addr show dev eth0 || return 1
  output_has 'state UP' ip -n "$ns" link show eth0 || return 1
  output_has ',UP' ip -n "$ns" link show lo || return 1
}

# ensure_netns NAME: repair a netns whose host veth merely fell off the bridge; rebuild one that is
# broken (the worker's dockerd, if any, is stopped first: it would keep the old namespace alive).
ensure_netns() {
  local ns=$1 veth
  veth=$(veth_of "$ns")
  if netns_healthy "$ns" && ip link show "$veth" >/dev/null 2>&1; then
    ip link set "$veth" master "$BRIDGE" up
    return 0
  fi
  log "building network namespace $ns ($(worker_ip "$ns"))"
  stop_worker "$ns"
  delete_netns "$ns"
  mountpoint -q /run/netns || state_set NETNS_MOUNT_BY_LAB 1 # `ip netns add` bind-mounts /run/netns
  ip netns add "$ns"
  ip link add "$veth" type veth peer name eth0 netns "$ns"
  ip link set "$veth" master "$BRIDGE" up
  ip -n "$ns" addr add "$(worker_ip "$ns")/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
}

# delete_netns NAME: the namespace and the host end of its veth (if it outlived the namespace).
delete_netns() {
  local ns=$1
  if [[ -e "/var/run/netns/$ns" ]]; then
    ip netns del "$ns" 2>/dev/null || { umount "/var/run/netns/$ns" 2>/dev/null; rm -f "/var/run/netns/$ns"; }
  fi
  ip link del "$(veth_of "$ns")" 2>/dev/null || true
}

# teardown_network: everything ensure_bridge and ensure_netns made.
teardown_network() {
  local w
  for w in "${WORKERS[@]}"; do delete_netns "$w"; done
  ip link del "$BRIDGE" 2>/dev/null || true
  if [[ "$(state_get NETNS_MOUNT_BY_LAB)" == 1 && -z "$(ip netns list)" ]]; then
    umount /run/netns 2>/dev/null || true
    rmdir /run/netns 2>/dev/null || true
  fi
  ip route del unreachable "$GUARD_ROUTE" 2>/dev/null || true
  if [[ "$(state_get FORWARD_RULE)" == 1 ]] && command -v iptables >/dev/null; then
    iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null || true
  fi
}

# same_netns PID NAME: the process lives in the namespace /var/run/netns/NAME points at now.
same_netns() {
  [[ "$(stat -L -c %i "/proc/$1/ns/net" 2>/dev/null)" == "$(stat -L -c %i "/var/run/netns/$2" 2>/dev/null)" ]]
}
