"""Process, port and /proc helpers: everything started is registered and
torn down in stop_all(), which the entry point calls from a finally block."""
import os
import signal
import socket
import subprocess
import time

_RUNNING = []  # Popen objects we started and have not reaped yet


def free_port():
    """An ephemeral port the kernel considers free right now (loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout, interval=0.02, what="condition"):
    """Poll pred() until it returns a truthy value or the deadline passes.
    Returns (value, None) on success or (None, reason) on timeout."""
    deadline = time.monotonic() + timeout
    last_err = None
    while time.monotonic() < deadline:
        try:
            v = pred()
            if v:
                return v, None
        except Exception as e:  # noqa: BLE001 - a failed poll is just "not yet"
            last_err = e
        time.sleep(interval)
    return None, f"{what} not met within {timeout:.0f}s" + (f" (last error: {last_err})" if last_err else "")


def pinned(cmd, cpus):
    """Prefix a command with taskset when a CPU list is given."""
    return (["taskset", "-c", cpus] if cpus else []) + list(cmd)


def start(cmd, log_path, env=None, cwd=None):
    """Start a long-running process in its own session (so we can kill its
    whole group, e.g. nginx master + worker) with output to log_path."""
    log = open(log_path, "ab")
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         env=full_env, cwd=cwd, start_new_session=True)
    log.close()
    _RUNNING.append(p)
    return p


def stop(p, grace=5.0):
    """SIGTERM the process group of p, then SIGKILL after `grace` seconds."""
    if p is None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        if p.poll() is not None:
            break
        try:
            os.killpg(p.pid, sig)  # group id == p.pid (start_new_session)
        except ProcessLookupError:
            break
        try:
            p.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    # Leftover group members (e.g. workers orphaned by a dead master).
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if p in _RUNNING:
        _RUNNING.remove(p)


def stop_all():
    for p in list(_RUNNING):
        stop(p, grace=2.0)


def run_client(cmd, timeout, log_path=None):
    """Run a load generator to completion (registered so Ctrl-C kills it).
    Returns (returncode, stdout_text)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    _RUNNING.append(p)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(p, grace=1.0)
        out = b"(killed: client exceeded its deadline)\n"
    finally:
        if p.poll() is None:  # interrupted (Ctrl-C): do not leave it running
            stop(p, grace=1.0)
        if p in _RUNNING:
            _RUNNING.remove(p)
    text = out.decode(errors="replace")
    if log_path:
        with open(log_path, "a") as f:
            f.write("$ " + " ".join(cmd) + "\n" + text + "\n")
    return p.returncode, text


# ---------------------------------------------------------------- /proc

def _children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read()
        except OSError:
            continue
        ppid = int(st[st.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    return kids


def tree(pid):
    """pid and all its descendants (nginx master + worker, etc.)."""
    kids, out, todo = _children_map(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids):
    """utime+stime (all threads) summed over pids, in seconds."""
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / CLK_TCK


def peak_rss_kib(pids):
    """VmHWM summed over pids, in KiB."""
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def cpu_busy_snapshot():
    """{cpu_index: (busy_jiffies, total_jiffies)} from /proc/stat."""
    snap = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                name, *vals = line.split()
                vals = [int(v) for v in vals[:8]]
                idle = vals[3] + vals[4]  # idle + iowait
                snap[int(name[3:])] = (sum(vals) - idle, sum(vals))
    return snap


def cpu_busy_pct(before, after):
    out = {}
    for cpu, (b1, t1) in after.items():
        b0, t0 = before.get(cpu, (0, 0))
        out[cpu] = round(100.0 * (b1 - b0) / (t1 - t0), 1) if t1 > t0 else 0.0
    return out


def system_cpu():
    """(user+nice+system, steal) over all CPUs, in seconds, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (v[0] + v[1] + v[2]) / CLK_TCK, v[7] / CLK_TCK


def children_cpu():
    """CPU seconds of our reaped children (the load generator, once it exited)."""
    import resource
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def wait_quiet(max_wait, threshold_pct=25.0, window=0.5):
    """Between runs nothing of ours is busy, so CPU use now is someone else's
    (a shared machine). Wait up to max_wait s for it to drop below
    threshold_pct of one core. Returns (seconds waited, quiet or not)."""
    start = time.monotonic()
    while True:
        a, t = system_cpu()[0], time.monotonic()
        time.sleep(window)
        pct = 100 * (system_cpu()[0] - a) / (time.monotonic() - t)
        if pct < threshold_pct or time.monotonic() - start >= max_wait:
            return time.monotonic() - start - window, pct < threshold_pct
