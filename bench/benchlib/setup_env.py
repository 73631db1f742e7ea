"""Installing what the harness needs, building hawser, and describing the
machine and the versions under test."""
import os
import platform
import shutil
import subprocess
import sys

APT_TOOLS = {"nginx": "nginx-light", "haproxy": "haproxy", "caddy": "caddy",
             "wrk": "wrk", "taskset": "util-linux", "h2load": "nghttp2-client", "openssl": "openssl"}
OHA_VERSION = "1.16.0"  # open-loop generator, built from crates.io
SERVICES = ["nginx", "haproxy", "caddy"]
POLICY_RC = "/usr/sbin/policy-rc.d"


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def install_apt(no_install):
    """apt-get install whatever is missing. While installing, a policy-rc.d
    that forbids service starts is put in place (if none exists), and any
    system instance of nginx/haproxy/caddy the packages started anyway is
    stopped and disabled, so nothing of theirs holds port 80."""
    missing = sorted({pkg for tool, pkg in APT_TOOLS.items() if not shutil.which(tool)})
    if not missing:
        return
    if no_install:
        log(f"missing packages (not installing, --no-install): {' '.join(missing)}")
        return
    if os.geteuid() != 0:
        log(f"missing packages {missing} and not root: install them yourself")
        return
    log(f"installing {' '.join(missing)} (apt-get)")
    made_policy = False
    if not os.path.exists(POLICY_RC):
        with open(POLICY_RC, "w") as f:
            f.write("#!/bin/sh\n# temporary, written by hawser bench/run\nexit 101\n")
        os.chmod(POLICY_RC, 0o755)
        made_policy = True
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        r = sh(["apt-get", "install", "-y", "-q", *missing], env=env)
        if r.returncode != 0:
            sh(["apt-get", "update", "-q"], env=env)
            r = sh(["apt-get", "install", "-y", "-q", *missing], env=env)
        if r.returncode != 0:
            log("apt-get install failed:\n" + r.stdout[-2000:])
    finally:
        if made_policy:
            os.unlink(POLICY_RC)
    for svc in SERVICES:
        if APT_TOOLS.get(svc) not in missing:
            continue  # only touch services of packages we just installed
        if os.path.isdir("/run/systemd/system"):
            sh(["systemctl", "disable", "--now", svc])
        elif os.path.exists(f"/etc/init.d/{svc}"):
            sh(["service", svc, "stop"])
            sh(["update-rc.d", svc, "disable"])


def find_oha(no_install):
    """oha from PATH or ~/.cargo/bin; `cargo install` it if missing (~4 min)."""
    cargo_bin = os.path.expanduser("~/.cargo/bin/oha")
    found = shutil.which("oha") or (cargo_bin if os.access(cargo_bin, os.X_OK) else None)
    if found or no_install:
        return found, None if found else "oha not installed (--no-install)"
    log(f"installing oha {OHA_VERSION} with cargo install (takes a few minutes)")
    r = sh(["cargo", "install", "--locked", "oha", "--version", OHA_VERSION])
    if r.returncode != 0 or not os.access(cargo_bin, os.X_OK):
        return None, "cargo install oha failed: " + r.stdout.strip()[-300:]
    return cargo_bin, None


MATPLOTLIB_VERSION = "3.11.2"


def ensure_matplotlib(no_install):
    """matplotlib for the chart: `pip install` it (into the user's site) if missing.
    Returns None, or why the chart will be left out."""
    try:
        import matplotlib  # noqa: F401
        return None
    except ImportError:
        pass
    if no_install:
        return "matplotlib not installed (--no-install)"
    log(f"installing matplotlib {MATPLOTLIB_VERSION} with pip (for the chart)")
    r = sh([sys.executable, "-m", "pip", "install", "--quiet", "--user", f"matplotlib=={MATPLOTLIB_VERSION}"])
    if r.returncode != 0:
        return "pip install matplotlib failed: " + r.stdout.strip()[-300:]
    import site
    site.addsitedir(site.getusersitepackages())
    return None


def build_hawser(repo, logdir):
    """cargo build --release. Returns None on success, else a reason."""
    log("building hawser: cargo build --release")
    r = sh(["cargo", "build", "--release"], cwd=repo)
    with open(os.path.join(logdir, "cargo-build.log"), "w") as f:
        f.write(r.stdout)
    if r.returncode != 0:
        tail = [l for l in r.stdout.strip().splitlines() if l.startswith("error")][:1]
        return "release build failed" + (f" ({tail[0][:120]})" if tail else "")
    return None


def first_line(cmd):
    try:
        r = sh(cmd, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unknown ({e})"
    lines = [l.strip() for l in r.stdout.splitlines() if l.strip()]
    return lines[0] if lines else "unknown"  # (wrk -v exits 1)


def machine_info():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    return dict(nproc=os.cpu_count(), cpu=cpu, kernel=platform.release(),
                mem_gib=round(mem_kib / 2**20, 1), loadavg_at_start=load)


def git_rev(repo):
    r = sh(["git", "-C", repo, "rev-parse", "--short", "HEAD"])
    dirty = sh(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"]).stdout.strip()
    return (r.stdout.strip() + ("+dirty" if dirty else "")) if r.returncode == 0 else "unknown"


def raise_nofile(want=65536):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(want, soft), max(want, hard)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
