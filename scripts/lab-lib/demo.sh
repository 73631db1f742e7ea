# shellcheck shell=bash
# `lab demo`: the seed's stack (minus traefik) as `demo`, waited on until converged, then every
# task probed on its overlay IP from inside a task container on the leader (the host itself has
# no route into overlay networks).

DEMO_STACK=demo
DEMO_FILE="$REPO/scripts/demo-stack.yml"

# replicas_are SERVICE WANT: `docker service ls` shows WANT (e.g. 3/3) for SERVICE.
replicas_are() {
  [[ "$(dk leader service ls --filter "name=$1" --format '{{.Name}} {{.Replicas}}' | awk -v s="$1" '$1 == s { print $2 }')" == "$2" ]]
}

# running_tasks SERVICE: "task-id node-hostname overlay-ip" for each running task of SERVICE.
running_tasks() {
  local t
  for t in $(dk leader service ps -q --filter desired-state=running "$1"); do
    [[ "$(dk leader inspect -f '{{.Status.State}}' "$t")" == running ]] || continue
    printf '%s %s %s\n' "$t" \
      "$(dk leader node inspect -f '{{.Description.Hostname}}' "$(dk leader inspect -f '{{.NodeID}}' "$t")")" \
      "$(dk leader inspect -f "{{range .NetworksAttachments}}{{if eq .Network.Spec.Name \"${DEMO_STACK}_apps\"}}{{range .Addresses}}{{.}}{{end}}{{end}}{{end}}" "$t")"
  done
}

demo_up() {
  local count
  count=$(dk leader node ls -q | wc -l)
  log "deploying $DEMO_FILE as stack $DEMO_STACK"
  # --resolve-image never: there is no registry to ask for digests; the images are local.
  dk leader stack deploy --resolve-image never -c "$DEMO_FILE" "$DEMO_STACK" >&2
  state_set DEMO_BY_LAB 1
  if ! wait_for 300 "${DEMO_STACK}_ping at $count/$count" replicas_are "${DEMO_STACK}_ping" "$count/$count" ||
    ! wait_for 300 "${DEMO_STACK}_hello at 2/2" replicas_are "${DEMO_STACK}_hello" 2/2; then
    dk leader stack ps --no-trunc "$DEMO_STACK" >&2
    die "demo stack did not converge"
  fi
  dk leader service ls >&2
  demo_probe
}

# demo_probe: GET / on every running task's overlay IP, from a ping container on the leader.
demo_probe() {
  local cid line ip out fails=0
  cid=$(dk leader ps -q --filter "label=com.docker.swarm.service.name=${DEMO_STACK}_ping" | head -n 1)
  [[ -n "$cid" ]] || die "no ${DEMO_STACK}_ping container on the leader to probe from"
  while read -r line; do
    ip=$(awk '{ print $4 }' <<<"$line")
    ip=${ip%/*}
    if out=$(dk leader exec "$cid" python -c "import urllib.request as u; print(u.urlopen('http://$ip:8080/probe', timeout=5).read().decode().strip())" 2>&1); then
      log "  $line -> $out"
    else
      log "  $line -> FAILED: $out"
      fails=$((fails + 1))
    fi
  done < <(for s in ping hello; do running_tasks "${DEMO_STACK}_$s" | sed "s/^/$s /"; done)
  ((fails == 0)) || die "$fails task(s) did not answer on their overlay IP"
  log "every task answered on its overlay IP"
}

demo_down() {
  dk leader stack ls --format '{{.Name}}' 2>/dev/null | grep -qx "$DEMO_STACK" || return 0
  log "removing stack $DEMO_STACK"
  dk leader stack rm "$DEMO_STACK" >&2
  wait_for 120 "the $DEMO_STACK containers to go" no_demo_containers || warn "some demo containers remain"
  wait_for 60 "network ${DEMO_STACK}_apps to go" no_demo_network || warn "network ${DEMO_STACK}_apps remains"
  state_set DEMO_BY_LAB 0
}

no_demo_containers() {
  local n
  for n in "${NODES[@]}"; do
    [[ -z "$(dk "$n" ps -aq --filter "label=com.docker.stack.namespace=$DEMO_STACK")" ]] || return 1
  done
}

no_demo_network() { ! dk leader network inspect "${DEMO_STACK}_apps" >/dev/null 2>&1; }
