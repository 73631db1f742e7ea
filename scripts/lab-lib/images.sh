# shellcheck shell=bash
# Images, built locally and imported into every node's own image store (nothing can be pulled):
#   python:3-alpine           Debian minbase + python3 (the seed's stack uses this name unchanged)
#   hawser-lab/busybox:latest busybox-static, for probes (`wget -qO-` works; `wget -T` segfaults)
#   hawser:local              exactly the Dockerfile's runtime stage: scripts/rootfs lays out the
#                             static binary, docker/runtime.Dockerfile is built on it with the legacy
#                             builder (USER 10001, STOPSIGNAL SIGTERM, HEALTHCHECK, ENTRYPOINT hawser)
# Every image gets LABEL org.hawser-lab=1 so `down --purge` can find exactly these (hawser:local
# through `docker build --label`, so docker/runtime.Dockerfile stays the file users build).

PY_TAR="$LAB_CACHE/python-rootfs.tar"
BB_BIN="$LAB_CACHE/busybox"
HAWSER_TARGET=x86_64-unknown-linux-gnu
HAWSER_BIN="$REPO/target/$HAWSER_TARGET/release/hawser"
BB_TAR="$LAB_DIR/build/busybox-rootfs.tar"
HAWSER_CTX="$LAB_DIR/build/hawser-rootfs"
HAWSER_DOCKERFILE="$REPO/docker/runtime.Dockerfile"

# apt_mirror: the Debian mirror apt already uses here (debootstrap must use the same one).
apt_mirror() {
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | grep -v '^[[:space:]]*#' |
    grep -oE 'https?://[^ ]+' | grep -v -e security -e '-updates' | head -n 1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

# ensure_python_rootfs: debootstrap once (~1 min) and cache the tarball across `down`.
ensure_python_rootfs() {
  [[ -s "$PY_TAR" ]] && return 0
  local root="$LAB_DIR/build/python-root" suite
  suite=$(sed -n "s/^VERSION_CODENAME=//p" /etc/os-release)
  suite=${suite:-bookworm}
  log "debootstrap $suite minbase + python3 from $(apt_mirror) (cached in $PY_TAR)"
  remove_tree "$root"
  mkdir -p "$root" "$LAB_CACHE" "$LAB_LOGS"
  if ! debootstrap --variant=minbase --include=python3 "$suite" "$root" "$(apt_mirror)" \
    >"$LAB_LOGS/debootstrap.log" 2>&1; then
    tail -n 20 "$LAB_LOGS/debootstrap.log" >&2
    remove_tree "$root"
    die "debootstrap failed (log $LAB_LOGS/debootstrap.log)"
  fi
  umount_under "$root"
  ln -sf python3 "$root/usr/bin/python"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc "$root"/usr/share/man
  tar --numeric-owner -C "$root" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    -cf "$PY_TAR.tmp" .
  mv "$PY_TAR.tmp" "$PY_TAR"
  remove_tree "$root"
}

# ensure_busybox_binary: taken from the busybox-static .deb without installing it (installing
# would replace a `busybox` package someone else may rely on).
ensure_busybox_binary() {
  [[ -x "$BB_BIN" ]] && return 0
  local tmp
  tmp=$(mktemp -d)
  mkdir -p "$LAB_CACHE"
  (cd "$tmp" && { apt-get download busybox-static >/dev/null 2>&1 ||
    { apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get download busybox-static >/dev/null; }; })
  dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/x"
  install -m 0755 "$tmp/x/bin/busybox" "$BB_BIN"
  rm -rf "$tmp"
}

# write_base_files ROOT: the files a tiny image needs (users, name lookup, a writable /tmp).
write_base_files() {
  mkdir -p "$1/etc" "$1/tmp"
  chmod 1777 "$1/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nhawser:x:10001:10001:hawser:/nonexistent:/sbin/nologin\n' >"$1/etc/passwd"
  printf 'root:x:0:\nhawser:x:10001:\n' >"$1/etc/group"
  printf 'hosts: files dns\n' >"$1/etc/nsswitch.conf"
}

# tar_dir ROOT OUT: a root-owned tarball of ROOT, the input of `docker import`.
tar_dir() { tar --numeric-owner --owner=0 --group=0 -C "$1" -cf "$2" .; }

# busybox_tar: write $BB_TAR (busybox plus one symlink per applet).
busybox_tar() {
  local root="$LAB_DIR/build/busybox-root" a
  ensure_busybox_binary
  remove_tree "$root"
  mkdir -p "$root/bin"
  install -m 0755 "$BB_BIN" "$root/bin/busybox"
  for a in $("$BB_BIN" --list); do [[ "$a" == busybox ]] || ln -s busybox "$root/bin/$a"; done
  write_base_files "$root"
  tar_dir "$root" "$BB_TAR"
  rm -rf "$root"
}

# hawser_context BINARY: lay out $HAWSER_CTX with scripts/rootfs (which refuses a dynamically
# linked binary: the image has no libc). It is the build context of docker/runtime.Dockerfile.
hawser_context() {
  local bin=$1
  [[ -x "$bin" ]] || die "no executable at $bin"
  remove_tree "$HAWSER_CTX"
  mkdir -p "$(dirname "$HAWSER_CTX")"
  "$REPO/scripts/rootfs" "$bin" "$HAWSER_CTX" || die "scripts/rootfs $bin $HAWSER_CTX failed"
}

image_args() {
  case $1 in
    "$PY_IMAGE") IMPORT_ARGS=(--change "ENV PATH=$IMAGE_PATH" --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]') ;;
    "$BB_IMAGE") IMPORT_ARGS=(--change 'ENV PATH=/bin' --change 'CMD ["sh"]') ;;
  esac
  IMPORT_ARGS+=(--change 'LABEL org.hawser-lab=1')
}

# retag NODE NAME CMD...: run CMD (which (re)creates NAME on NODE), then remove the image NAME
# pointed at before if nothing uses it any more.
retag() {
  local node=$1 name=$2 old
  shift 2
  old=$(dk "$node" image inspect -f '{{.Id}}' "$name" 2>/dev/null || true)
  "$@" >/dev/null || return 1
  if [[ -n "$old" && "$old" != "$(dk "$node" image inspect -f '{{.Id}}' "$name")" ]]; then
    dk "$node" rmi "$old" >/dev/null 2>&1 || true
  fi
}

# import_on NAME TAR NODE...: `docker import` TAR as NAME on the given nodes, in parallel.
import_on() {
  IMPORT_NAME=$1 IMPORT_TAR=$2
  image_args "$1"
  shift 2
  in_parallel "import of $IMPORT_NAME" import_one "$@"
  [[ " $* " == *" leader "* ]] && state_set LEADER_IMAGES_BY_LAB 1
  return 0
}
import_one() { retag "$1" "$IMPORT_NAME" dk "$1" import "${IMPORT_ARGS[@]}" "$IMPORT_TAR" "$IMPORT_NAME"; }

# quietly CMD...: CMD's output only if it fails (the legacy builder's deprecation notice is noise).
quietly() {
  local out
  out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
}

# build_hawser_on NODE...: build $HAWSER_IMAGE from $HAWSER_CTX on the given nodes, in parallel.
build_hawser_on() {
  in_parallel "build of $HAWSER_IMAGE" build_hawser_one "$@"
  [[ " $* " == *" leader "* ]] && state_set LEADER_IMAGES_BY_LAB 1
  return 0
}
build_hawser_one() {
  export DOCKER_BUILDKIT=0 # the legacy builder: no buildx here, and the 20.10 engines accept it
  retag "$1" "$HAWSER_IMAGE" quietly dk "$1" build -q --label org.hawser-lab=1 \
    -f "$HAWSER_DOCKERFILE" -t "$HAWSER_IMAGE" "$HAWSER_CTX"
}

# nodes_missing NAME: the nodes whose image store lacks NAME.
nodes_missing() {
  local n
  for n in "${NODES[@]}"; do dk "$n" image inspect "$1" >/dev/null 2>&1 || echo "$n"; done
}

# ensure_images: what `up` needs on every node; hawser:local only if the binary was built already.
ensure_images() {
  local missing
  mapfile -t missing < <(nodes_missing "$PY_IMAGE")
  if ((${#missing[@]} > 0)); then
    ensure_python_rootfs
    log "importing $PY_IMAGE on ${missing[*]}"
    import_on "$PY_IMAGE" "$PY_TAR" "${missing[@]}"
  fi
  mapfile -t missing < <(nodes_missing "$BB_IMAGE")
  if ((${#missing[@]} > 0)); then
    log "importing $BB_IMAGE on ${missing[*]}"
    busybox_tar
    import_on "$BB_IMAGE" "$BB_TAR" "${missing[@]}"
  fi
  mapfile -t missing < <(nodes_missing "$HAWSER_IMAGE")
  if ((${#missing[@]} > 0)); then
    if [[ -x "$HAWSER_BIN" ]]; then
      log "building $HAWSER_IMAGE on ${missing[*]} from $HAWSER_BIN"
      hawser_context "$HAWSER_BIN"
      build_hawser_on "${missing[@]}"
    else
      log "$HAWSER_IMAGE not imported: no binary yet (run: scripts/lab image)"
    fi
  fi
}

# build_hawser: the release build the image is made from (static glibc; no musl target here).
build_hawser() {
  log "building hawser: cargo build --release --target $HAWSER_TARGET (+crt-static)"
  (cd "$REPO" && RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --target "$HAWSER_TARGET")
}

# purge_leader_images: `down --purge` removes the lab's images from the leader's store.
purge_leader_images() {
  local ids
  ids=$(dk leader images -q --filter label=org.hawser-lab=1 | sort -u)
  [[ -z "$ids" ]] && return 0
  log "removing lab images from the leader"
  # shellcheck disable=SC2086 # one id per word
  dk leader rmi -f $ids >/dev/null || warn "some lab images are still on the leader"
}

remove_leader_hawser_image() {
  [[ "$(dk leader image inspect -f '{{index .Config.Labels "org.hawser-lab"}}' "$HAWSER_IMAGE" 2>/dev/null)" == 1 ]] || return 0
  dk leader rmi "$HAWSER_IMAGE" >/dev/null 2>&1 || warn "$HAWSER_IMAGE is still on the leader"
}
