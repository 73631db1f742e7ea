"""Load generators: wrk (closed loop, max throughput) and oha (open loop,
fixed rate with coordinated-omission correction). Both print a summary that
is parsed here into one common result dict:
  requests, rps, p50_ms, p99_ms, p999_ms, errors, error_detail"""
import json
import os
import re

from . import procs

CONF_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "conf")
STATS_LUA = os.path.join(CONF_DIR, "stats.lua")


def wrk_cmd(wrk, url, conns, duration, close, cpus, threads=1):
    cmd = [wrk, f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--timeout", "5s", "-s", STATS_LUA]
    if close:
        cmd += ["-H", "Connection: close"]
    return procs.pinned(cmd + [url], cpus)


def oha_cmd(oha, url, rate, conns, duration, cpus):
    cmd = [oha, "-z", f"{duration}s", "-q", str(rate), "-c", str(conns),
           "--latency-correction", "--no-tui", "--output-format", "json", url]
    return procs.pinned(cmd, cpus)


def parse_wrk(text):
    m = re.search(r"^BENCHJSON (\{.*\})$", text, re.M)
    if not m:
        raise RuntimeError("no summary in wrk output: " + text.strip()[-300:])
    d = json.loads(m.group(1))
    secs = d["duration_us"] / 1e6
    # Also take wrk's own "Non-2xx or 3xx responses" line: errors.status only
    # counts status > 399.
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    status_errs = max(d["status"], int(non2xx.group(1)) if non2xx else 0)
    sock = d["connect"] + d["read"] + d["write"] + d["timeout"]
    detail = {k: d[k] for k in ("connect", "read", "write", "timeout") if d[k]}
    if status_errs:
        detail["non2xx"] = status_errs
    return dict(
        requests=d["requests"], seconds=secs, rps=d["requests"] / secs if secs else 0.0,
        p50_ms=d["p50_us"] / 1000, p99_ms=d["p99_us"] / 1000, p999_ms=d["p999_us"] / 1000,
        errors=status_errs + sock, error_detail=detail,
        mbytes_per_s=d["bytes"] / secs / 1e6 if secs else 0.0,
    )


def parse_oha(text):
    start = text.find("{")
    if start < 0:
        raise RuntimeError("no JSON in oha output: " + text.strip()[-300:])
    d = json.loads(text[start:])
    s, lat = d["summary"], d["latencyPercentiles"]
    codes = {k: v for k, v in (d.get("statusCodeDistribution") or {}).items()}
    ok = sum(v for k, v in codes.items() if k.startswith("2"))
    non2xx = sum(codes.values()) - ok
    errs = dict(d.get("errorDistribution") or {})
    # Requests cut off by the end of the run are not failures of the target.
    errs.pop("aborted due to deadline", None)
    detail = dict(errs)
    if non2xx:
        detail["non2xx"] = non2xx

    def ms(key):
        return lat[key] * 1000 if lat.get(key) is not None else float("nan")
    return dict(
        requests=ok, seconds=s["total"], rps=ok / s["total"] if s["total"] else 0.0,
        p50_ms=ms("p50"), p99_ms=ms("p99"), p999_ms=ms("p99.9"),
        errors=non2xx + sum(errs.values()), error_detail=detail,
        mbytes_per_s=(s.get("sizePerSec") or 0) / 1e6,
    )


def s_time_cmd(openssl, host_port, path, reuse, clients, duration, cpus):
    """`clients` openssl s_time processes in parallel, each one connection at a time: a
    full handshake per connection (-new) or a resumed one (-reuse), then `GET path` over
    HTTP/1.0 read to the end (which also takes in TLS 1.3 session tickets). The shell
    prints the wall time of the whole group in ns."""
    one = f"{openssl} s_time -connect {host_port} {'-reuse' if reuse else '-new'} -time {duration} -www {path}"
    script = (f"start=$(date +%s%N); for i in $(seq {clients}); do {one} & done; wait; "
              "echo \"BENCHTIME $(( $(date +%s%N) - start ))\"")
    return procs.pinned(["sh", "-c", script], cpus)


def parse_s_time(text, reuse=False):
    m = re.search(r"^BENCHTIME (\d+)$", text, re.M)
    done = [int(n) for n in re.findall(r"^(\d+) connections in [\d.]+s;", text, re.M)]
    if not m or not done:
        raise RuntimeError("no summary in s_time output: " + text.strip()[-300:])
    secs = int(m.group(1)) / 1e9
    # Progress characters of -reuse: 'r' resumed, '*' a full handshake.
    marks = "".join(l for l in text.splitlines() if re.fullmatch(r"[r*]+", l))
    failed = len(re.findall(r"ERROR|Unable to|connect:errno", text))
    detail = {"failed": failed} if failed else {}
    if reuse and marks.count("*"):  # (-new marks every connection with '*')
        detail["full handshakes among -reuse ones"] = marks.count("*")
    nan = float("nan")
    return dict(
        requests=sum(done), seconds=secs, rps=sum(done) / secs, p50_ms=nan, p99_ms=nan, p999_ms=nan,
        errors=failed, error_detail=detail, mbytes_per_s=0.0,
        resumed_pct=100 * marks.count("r") / len(marks) if reuse and marks else None,
    )


def h2load_cmd(h2load, url, conns, streams, duration, cpus):
    cmd = [h2load, "-t1", f"-c{conns}", f"-m{streams}", "-D", str(duration), url]
    return procs.pinned(cmd, cpus)


def parse_h2load(text):
    fin = re.search(r"^finished in ([\d.]+)s, ([\d.]+) req/s, ([\d.]+)([KMG]?)B/s", text, re.M)
    req = re.search(r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                    r"(\d+) errored, (\d+) timeout", text, re.M)
    codes = re.search(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text, re.M)
    if not fin or not req:
        raise RuntimeError("no summary in h2load output: " + text.strip()[-300:])
    secs = float(fin.group(1))
    ok = int(codes.group(1)) if codes else int(req.group(4))
    failed, errored, timeout = (int(req.group(i)) for i in (5, 6, 7))
    non2xx = sum(int(codes.group(i)) for i in (2, 3, 4)) if codes else 0
    detail = {k: v for k, v in (("failed", failed), ("errored", errored), ("timeout", timeout),
                                ("non2xx", non2xx)) if v}
    scale = {"": 1e-6, "K": 1e-3, "M": 1.0, "G": 1e3}[fin.group(4)]
    nan = float("nan")
    return dict(
        requests=ok, seconds=secs, rps=ok / secs if secs else 0.0, p50_ms=nan, p99_ms=nan, p999_ms=nan,
        errors=failed + non2xx, error_detail=detail, mbytes_per_s=float(fin.group(3)) * scale,
    )
