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


def wrk_cmd(wrk, url, conns, duration, close, cpus):
    cmd = [wrk, "-t1", f"-c{conns}", f"-d{duration}s", "--timeout", "5s", "-s", STATS_LUA]
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
