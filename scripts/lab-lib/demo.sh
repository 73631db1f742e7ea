# shellcheck shell=bash
# `lab demo`: examples/stack.yml (the seed's stack with hawser in place of Traefik) deployed as
# stack `demo`, then waited on until every service has converged and hawser answers every route
# from the host (127.0.0.1:80, published in host mode on the leader). scripts/demo and scripts/e2e
# both deploy through here: there is one way to deploy the demo.

DEMO_STACK=demo
# HAWSER_DEMO_STACK_FILE: another stack file for the same services (examples/stack-v3.yml).
DEMO_FILE="${HAWSER_DEMO_STACK_FILE:-$REPO/examples/stack.yml}"
DEMO_SERVICES=(hawser ping hello)
DEMO_URL=http://127.0.0.1
DEMO_ADMIN=http://127.0.0.1:8080

# demo_up: deploy (or update) the stack and wait until it serves. Idempotent: a second run changes
# nothing but what changed (a rebuilt hawser:local restarts hawser; a hand-scaled `hello` goes back
# to 2; extra services the e2e tests made are not the stack's and are left alone).
demo_up() {
  local n missing detach=()
  for n in "${NODES[@]}"; do
    engine_answers "$n" >/dev/null 2>&1 || die "$n engine is down: run scripts/lab up first"
  done
  lab_swarm || die "the lab swarm is not up: run scripts/lab up first"
  mapfile -t missing < <(nodes_missing "$HAWSER_IMAGE")
  ((${#missing[@]} == 0)) || die "$HAWSER_IMAGE is missing on ${missing[*]}: run scripts/lab image first"
  log "deploying $DEMO_FILE as stack $DEMO_STACK"
  # --resolve-image never: there is no registry to ask for digests; the images are local.
  # --detach where the client knows it (newer CLIs warn when it is left implicit; 20.10 lacks it):
  # convergence is waited for below, with a deadline.
  if output_has --detach dk leader stack deploy --help; then detach=(--detach=true); fi
  dk leader stack deploy "${detach[@]}" --resolve-image never -c "$DEMO_FILE" "$DEMO_STACK" >&2
  state_set DEMO_BY_LAB 1
  demo_refresh_hawser
  if ! wait_for 300 "every $DEMO_STACK service to converge" demo_converged; then
    demo_diagnose
    die "stack $DEMO_STACK did not converge"
  fi
  log "converged: $(dk leader stack services "$DEMO_STACK" --format '{{.Name}}={{.Replicas}}' | tr '\n' ' ')"
  if ! wait_for 120 "hawser to answer every route" demo_routes_ready; then
    demo_check >&2 || true
    demo_diagnose
    die "hawser does not answer every route"
  fi
  log "hawser answers every route: $DEMO_URL/ping (every ping task), $DEMO_URL/hello/... (every hello task)"
}

# demo_refresh_hawser: `stack deploy` leaves a service alone when its spec is unchanged, and the
# spec names the tag hawser:local, not the image: after `lab image` rebuilt it, restart hawser so
# it runs the new build (the task's container is created from the tag's current image).
demo_refresh_hawser() {
  local svc="${DEMO_STACK}_hawser" want cid have
  want=$(dk leader image inspect -f '{{.Id}}' "$HAWSER_IMAGE")
  for cid in $(dk leader ps -q --filter "label=com.docker.swarm.service.name=$svc"); do
    have=$(dk leader inspect -f '{{.Image}}' "$cid" 2>/dev/null) || continue
    if [[ "$have" != "$want" ]]; then
      log "$svc runs an older $HAWSER_IMAGE (${have:7:12}); restarting it on ${want:7:12}"
      dk leader service update --detach --force --no-resolve-image "$svc" >/dev/null
      return 0
    fi
  done
}

# demo_converged: every service of the stack runs as many tasks as it wants (global: one per
# node), none is mid-update, and hawser's task runs the current hawser:local.
demo_converged() {
  local s line reps state want cid
  for s in "${DEMO_SERVICES[@]}"; do
    line=$(dk leader service ls --filter "name=${DEMO_STACK}_$s" --format '{{.Name}} {{.Replicas}}' |
      awk -v s="${DEMO_STACK}_$s" '$1 == s { print $2 }')
    reps=${line%% *}
    [[ "$reps" =~ ^([0-9]+)/([0-9]+)$ ]] || return 1
    ((BASH_REMATCH[2] > 0 && BASH_REMATCH[1] == BASH_REMATCH[2])) || return 1
    state=$(dk leader service inspect -f '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "${DEMO_STACK}_$s")
    [[ "$state" != updating && "$state" != rollback_started && "$state" != paused ]] || return 1
  done
  (($(service_containers "${DEMO_STACK}_ping" | wc -l) == ${#NODES[@]})) || return 1
  want=$(dk leader image inspect -f '{{.Id}}' "$HAWSER_IMAGE")
  cid=$(dk leader ps -q --filter "label=com.docker.swarm.service.name=${DEMO_STACK}_hawser" | head -n 1)
  [[ -n "$cid" && "$(dk leader inspect -f '{{.Image}}' "$cid")" == "$want" ]]
}

# service_containers SERVICE: the container hostnames (12-digit container IDs) of SERVICE's
# running tasks, sorted: what the demo's servers put in their answers.
service_containers() {
  local ids
  ids=$(dk leader service ps -q --filter desired-state=running "$1") || return 1
  [[ -n "$ids" ]] || return 0
  # shellcheck disable=SC2086 # one id per word
  dk leader inspect -f '{{.Status.State}} {{.Status.ContainerStatus.ContainerID}}' $ids |
    awk '$1 == "running" && $2 != "" { print substr($2, 1, 12) }' | sort
}

# answering_hosts N PATH SED: GET PATH N times through hawser; the hostnames SED extracts from
# the answers, sorted and unique. Fails on any request that fails.
answering_hosts() {
  local n=$1 path=$2 expr=$3 i out
  for ((i = 0; i < n; i++)); do
    out=$(curl -sf --max-time 3 "$DEMO_URL$path") || return 1
    sed -n "$expr" <<<"$out"
  done | sort -u
}

# demo_routes_ready: /ping reaches every running ping task and /hello/x every running hello task
# (round-robin: N requests reach N tasks), /nope is 404, and the admin API answers.
demo_routes_ready() {
  local want got
  want=$(service_containers "${DEMO_STACK}_ping")
  (($(wc -l <<<"$want") == ${#NODES[@]})) || return 1
  got=$(answering_hosts "$(wc -l <<<"$want")" /ping 's/^Pong from //p') || return 1
  [[ "$got" == "$want" ]] || return 1
  want=$(service_containers "${DEMO_STACK}_hello")
  [[ -n "$want" ]] || return 1
  got=$(answering_hosts "$(wc -l <<<"$want")" /hello/x 's/^Hello, X! (from \(.*\))$/\1/p') || return 1
  [[ "$got" == "$want" ]] || return 1
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$DEMO_URL/nope")" == 404 ]] || return 1
  curl -sf --max-time 3 -o /dev/null "$DEMO_ADMIN/api/routes"
}

# demo_check: the same checks as demo_routes_ready, saying what each one found.
demo_check() {
  local s want got rc=0
  for s in ping hello; do
    want=$(service_containers "${DEMO_STACK}_$s" | tr '\n' ' ')
    log "${DEMO_STACK}_$s running containers: ${want:-none}"
  done
  got=$(answering_hosts 6 /ping 's/^Pong from //p' | tr '\n' ' ') || { got="(a request failed) $got"; rc=1; }
  log "GET /ping x6 answered from: $got"
  got=$(answering_hosts 4 /hello/x 's/^Hello, X! (from \(.*\))$/\1/p' | tr '\n' ' ') || { got="(a request failed) $got"; rc=1; }
  log "GET /hello/x x4 answered from: $got"
  log "GET /nope: $(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$DEMO_URL/nope")"
  log "GET $DEMO_ADMIN/api/routes: $(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$DEMO_ADMIN/api/routes")"
  demo_routes_ready || rc=1
  return "$rc"
}

demo_diagnose() {
  dk leader stack ps --no-trunc "$DEMO_STACK" >&2 || true
  log "last lines of ${DEMO_STACK}_hawser's log:"
  dk leader service logs --tail 30 "${DEMO_STACK}_hawser" >&2 || true
}

demo_down() {
  grep -qx "$DEMO_STACK" <<<"$(dk leader stack ls --format '{{.Name}}' 2>/dev/null)" || return 0
  log "removing stack $DEMO_STACK"
  dk leader stack rm "$DEMO_STACK" >&2
  # python as PID 1 ignores SIGTERM: without this each task would take its 10 s stop grace period
  local n
  for n in "${NODES[@]}"; do
    # shellcheck disable=SC2046 # one id per word
    dk "$n" rm -f $(dk "$n" ps -aq --filter "label=com.docker.stack.namespace=$DEMO_STACK") >/dev/null 2>&1 || true
  done
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
