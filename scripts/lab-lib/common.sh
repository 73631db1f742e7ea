# shellcheck shell=bash disable=SC2034 # the constants below are used by the other lab-lib files
# Shared constants and helpers for scripts/lab: logging, phase timing, polling with deadlines,
# the lab's state file, pid-file ownership checks and mount clean-up.

# --- layout -------------------------------------------------------------------------------------
LAB_DIR=/var/lib/hawser-lab          # everything the lab keeps on disk
LAB_CACHE="$LAB_DIR/cache"           # kept by `down` (rootfs tarballs); removed by `down --purge`
LAB_RUN="$LAB_DIR/run"               # pid files
LAB_LOGS="$LAB_DIR/logs"             # dockerd logs
LAB_NODES="$LAB_DIR/nodes"           # worker data roots
LAB_STATE="$LAB_DIR/state/lab.env"   # what the lab created (so `down` removes only that)
LAB_EXEC=/run/hawser-lab             # worker exec roots (short paths: unix socket length limits)

# --- network ------------------------------------------------------------------------------------
# Everything the lab addresses lives in 10.213.0.0/16: the bridge /24 and the swarm's overlay pool.
# While the lab is up the host gets an `unreachable` route for the whole /16, so an overlay task IP
# typed on the host fails locally instead of leaving the machine through the default route.
BRIDGE=hawser0
NET_PREFIX=10.213.77
LEADER_IP="$NET_PREFIX.1"
GUARD_ROUTE=10.213.0.0/16
OVERLAY_POOL=10.213.128.0/17
WORKERS=(worker-1 worker-2)
NODES=(leader "${WORKERS[@]}")

# --- images -------------------------------------------------------------------------------------
PY_IMAGE=python:3-alpine
BB_IMAGE=hawser-lab/busybox:latest
HAWSER_IMAGE=hawser:local
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

LAB_T0=$(date +%s.%N)
PHASES=()
PHASE_NAME=""
PHASE_T0=""

log() { printf '[lab %6.1fs] %s\n' "$(elapsed_since "$LAB_T0")" "$*" >&2; }
warn() { log "WARNING: $*"; }
die() { log "ERROR: $*"; exit 1; }

elapsed_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# phase NAME: close the running phase (recording its duration) and start NAME; "" just closes.
phase() {
  if [[ -n "$PHASE_NAME" ]]; then
    PHASES+=("$(printf '%-28s %6ss' "$PHASE_NAME" "$(elapsed_since "$PHASE_T0")")")
  fi
  PHASE_NAME=$1
  PHASE_T0=$(date +%s.%N)
  [[ -z "$1" ]] || log "== $1"
}

phase_summary() {
  phase ""
  local p
  for p in "${PHASES[@]}"; do log "  $p"; done
  log "  total                        $(elapsed_since "$LAB_T0")s"
}

# wait_for SECONDS WHAT CMD...: poll CMD until it succeeds, or fail naming WHAT after SECONDS.
# Readiness is always a condition with a deadline, never a fixed sleep.
wait_for() {
  local timeout=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 0.5
  done
}

# output_has TEXT CMD...: CMD's output contains TEXT. (Not `CMD | grep -q`: under pipefail, grep
# quitting early gives CMD a SIGPIPE and the test a false "no".)
output_has() { [[ "$("${@:2}" 2>/dev/null)" == *"$1"* ]]; }

# --- state file: KEY=VALUE lines recording what this lab created --------------------------------
state_get() {
  [[ -f "$LAB_STATE" ]] || return 0
  sed -n "s/^$1=//p" "$LAB_STATE" | tail -n 1
}

state_set() {
  mkdir -p "$(dirname "$LAB_STATE")"
  local tmp="$LAB_STATE.tmp"
  { [[ -f "$LAB_STATE" ]] && grep -v "^$1=" "$LAB_STATE"; printf '%s=%s\n' "$1" "$2"; } >"$tmp" || true
  mv "$tmp" "$LAB_STATE"
}

# in_parallel WHAT FN ARG...: run `FN ARG` for every ARG at once; fail naming WHAT if any failed.
in_parallel() {
  local what=$1 fn=$2 pids=() i failed=0
  shift 2
  for i in "$@"; do "$fn" "$i" & pids+=($!); done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { warn "$what on ${*:$((i + 1)):1} failed"; failed=1; }
  done
  ((failed == 0)) || die "$what failed"
}

# --- processes ----------------------------------------------------------------------------------
# pid_from_file FILE MARKER: print the pid in FILE if that process is alive and its command line
# contains MARKER (a path only the lab uses), so a recycled pid is never taken for ours.
pid_from_file() {
  local file=$1 marker=$2 pid
  [[ -f "$file" ]] || return 1
  pid=$(tr -dc '0-9' <"$file")
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" == *"$marker"* ]] || return 1
  echo "$pid"
}

# pids_with_arg TEXT: pids whose command line contains TEXT (a lab-only path). Used to find the
# containerd and shims a crashed lab dockerd left behind; they are killed by pid, one by one.
pids_with_arg() {
  local d cmd
  for d in /proc/[0-9]*; do
    [[ "${d#/proc/}" == "$$" ]] && continue
    cmd=$(tr '\0' ' ' 2>/dev/null <"$d/cmdline") || continue
    [[ "$cmd" == *"$1"* ]] && echo "${d#/proc/}"
  done
  return 0
}

# stop_pids SECONDS PID...: SIGTERM, wait up to SECONDS for them to exit, then SIGKILL.
stop_pids() {
  local timeout=$1 pid
  shift
  (($# > 0)) || return 0
  kill -TERM "$@" 2>/dev/null || true
  if ! wait_for "$timeout" "pids $* to exit" pids_gone "$@" 2>/dev/null; then
    warn "pids $* ignored SIGTERM for ${timeout}s; sending SIGKILL"
    for pid in "$@"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait_for 10 "pids $* to die" pids_gone "$@" || true
  fi
}

# pids_gone PID...: none is alive (a zombie waiting for pid 1 to reap it counts as gone).
pids_gone() {
  local pid st
  for pid in "$@"; do
    st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
    [[ -n "$st" && "$st" != Z ]] && return 1
  done
  return 0
}

# umount_under DIR: unmount every mount at or below DIR, deepest first (a crashed dockerd leaves
# overlay2 and netns mounts behind; `rm -rf` must never walk into them).
umount_under() {
  local dir m
  dir=$(readlink -f "$1" 2>/dev/null || echo "${1%/}") # /var/run is a symlink to /run here
  [[ -n "$dir" && "$dir" != / ]] || return 0
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || warn "could not unmount $m"
  done < <(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print length($5), $5 }' /proc/self/mountinfo |
    sort -rn | cut -d' ' -f2-)
}

# remove_tree DIR: unmount whatever is below DIR, then delete it without crossing filesystems.
remove_tree() {
  [[ -e "$1" ]] || return 0
  umount_under "$1"
  rm -rf --one-file-system "$1"
}
