# shellcheck shell=bash
# ensure_debian_packages PACKAGE...: installs with apt-get those not installed yet; nothing is
# fetched (and no root is needed) when all are there. The dpkg lock may be held by another apt run
# on this machine: wait for it.
ensure_debian_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  if ((EUID != 0)); then
    echo "needs root to install ${missing[*]} (Debian packages); run it as root once" >&2
    return 1
  fi
  echo "installing ${missing[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
