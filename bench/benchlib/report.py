"""Markdown report: medians over rounds, per-scenario tables and the
subject/other ratios."""
import math
import statistics

SUBJECT = "hawser"
OTHERS = ["nginx", "haproxy", "caddy", "direct"]
NAMES = {"direct": "direct", "nginx": "nginx", "haproxy": "HAProxy", "caddy": "Caddy", "hawser": "hawser"}


def _med(rows, key):
    vals = [r[key] for r in rows if r.get(key) is not None and not math.isnan(r[key])]
    return statistics.median(vals) if vals else None


def _cpus(spec):
    out = []
    for part in filter(None, str(spec).split(",")):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def summarize(rows, proxy_cpus, client_cpus):
    s = {k: _med(rows, k) for k in ("rps", "p50_ms", "p99_ms", "p999_ms", "cpu_ms_per_10k",
                                    "backend_cpu_ms_per_10k", "rss_mib", "other_load_pct", "steal_pct")}
    rps = [r["rps"] for r in rows]
    s["spread_pct"] = 100 * (max(rps) - min(rps)) / s["rps"] if s["rps"] else 0
    s["errors"] = sum(r["errors"] for r in rows)
    detail = {}
    for r in rows:
        for k, v in r["error_detail"].items():
            detail[k] = detail.get(k, 0) + v
    s["error_detail"] = detail
    for name, cpus in (("busy_proxy", _cpus(proxy_cpus)), ("busy_client", _cpus(client_cpus))):
        per_round = [statistics.mean(r["core_busy_pct"].get(c, r["core_busy_pct"].get(str(c), 0)) for c in cpus)
                     for r in rows] if cpus else []
        s[name] = statistics.median(per_round) if per_round else None
    s["rounds"] = len(rows)
    return s


def summaries(meta, results, ids=None):
    """Scenario id -> target -> medians (`summarize`), for the scenarios `ids` (default: all)."""
    return {sid: {t: summarize(rows, meta.get("proxy_cpus", ""), meta.get("client_cpus", ""))
                  for t, rows in results.get(sid, {}).items() if rows}
            for sid in (results if ids is None else ids)}


def _noise_note(rows, s, meta):
    notes = []
    noisy = sum(1 for r in rows if r["other_load_pct"] > meta.get("max_other_load", 1e9))
    if noisy:
        notes.append(f"{noisy} run{'s' if noisy > 1 else ''} >{meta['max_other_load']:g}")
    if s["steal_pct"] and s["steal_pct"] >= 0.5:
        notes.append(f"steal {s['steal_pct']:.0f}")
    return f" ({', '.join(notes)})" if notes else ""


def _f(v, fmt="{:.2f}", none="–"):
    return none if v is None else fmt.format(v)


def _ratio(a, b):
    if a is None or not b:
        return "–"
    r = a / b
    return f"{r:.2f}×" if r >= 0.1 else f"{r:.2g}×"


def markdown(meta, scenarios, results, skipped, rates, commands):
    m = meta["machine"]
    out = ["# hawser side-by-side benchmark", ""]
    if meta.get("quick"):
        out += ["**Quick mode (smoke test of the harness): 1 short round, not for conclusions.**", ""]
    if meta.get("interrupted"):
        out += ["**Run interrupted: partial results.**", ""]
    out += [
        f"- Date: {meta['date']} (run took {meta['elapsed_s'] // 60} min {meta['elapsed_s'] % 60} s)",
        f"- Machine: {m['nproc']} CPUs, {m['cpu']}, {m['mem_gib']} GiB, kernel {m['kernel']}; "
        f"load average at start {m['loadavg_at_start']}",
        f"- hawser commit: {meta['hawser_rev']}",
        "- Versions: " + "; ".join(f"{k}: `{v}`" for k, v in meta["versions"].items()),
        f"- Method: {meta['rounds']} round(s), targets interleaved within each round "
        f"(A B C D A B C D …), {meta['duration']:g} s measured per run after {meta['warmup']:g} s warm-up; "
        "every run starts the proxy afresh; figures are medians over rounds"
        + (f"; before each run it waits (up to {meta['quiet_wait']:g} s) for other load on the machine "
           "to drop below 25% of a core" if meta.get("quiet_wait") else "")
        + (f"; a run disturbed by more than {meta['max_other_load']:g}% of a core of other load is "
           f"measured again (up to {meta['retries']} times, if the machine gets quiet within the wait) and "
           "the least disturbed attempt kept."
           if meta.get("max_other_load", 1e9) < 1e9 and meta.get("retries") else "."),
        f"- Pinning: proxy on CPU {meta['proxy_cpus'] or 'any'}; load generator and backend on "
        f"CPU {meta['client_cpus'] or 'any'}. 1 worker/thread per proxy"
        + ("; in scenario 8 two each, nothing pinned" if any(s.get("workers", 1) > 1 for s in scenarios) else "")
        + f". `ulimit -n` {meta['nofile']}.",
        "- Backend: one nginx worker serving fixed bodies (static files, keep-alive), shared by all targets.",
    ]
    if meta.get("certificate"):
        out += [f"- TLS scenarios: one certificate for every proxy ({meta['certificate']}); each proxy's "
                "default TLS 1.3 suites and groups; session tickets on. 7a/7b: `openssl s_time` clients "
                "(16 in parallel, each one connection at a time, `GET` over HTTP/1.0, no p50/p99); in 7b, "
                "handshakes that were not resumed would be listed in the errors column's parentheses."]
    out += [
        f"- Command: `{meta['argv']}`",
        "",
        "Columns: req/s = median throughput (spread = (max−min)/median over rounds); latencies in ms; "
        "CPU = proxy CPU time (user+sys, all processes/threads) per 10k requests; RSS = peak RSS "
        "(VmHWM, summed over the proxy's processes); errors = non-2xx + socket errors, summed over rounds; "
        "busy = utilisation of the proxy's core / of the client+backend core; other load = CPU used by "
        "anything else on the machine during the run, in % of one core (median; noise indicator).",
        "",
    ]
    if meta.get("chart"):
        out += [f"![req/s, p99 and peak RSS per scenario and proxy]({meta['chart']})", ""]
    summ = summaries(meta, results)
    targets = [t for t in ["direct", "nginx", "haproxy", "caddy", "hawser"]
               if any(t in results.get(s["id"], {}) or t in skipped.get(s["id"], {}) for s in scenarios)]

    # Overview
    out += ["## Overview (median req/s; scenario 6: p99 ms at the fixed rate)", ""]
    out += ["| scenario | " + " | ".join(NAMES[t] for t in targets) + " |",
            "|---" * (len(targets) + 1) + "|"]
    for sc in scenarios:
        cells = []
        for t in targets:
            s = summ.get(sc["id"], {}).get(t)
            if s is None:
                cells.append("skipped" if t in skipped.get(sc["id"], {}) else "–")
            elif sc.get("rate"):
                cells.append(_f(s["p99_ms"], "{:.3f}"))
            else:
                cells.append(_f(s["rps"], "{:,.0f}"))
        out.append(f"| {sc['id']} | " + " | ".join(cells) + " |")
    out.append("")

    for sc in scenarios:
        sid = sc["id"]
        out += [f"## {sc['title']}", ""]
        if sid in rates:
            rate, basis = rates[sid]
            out += [f"Target rate: {rate:,} req/s ({basis}); open loop with coordinated-omission correction."
                    if rate else f"Skipped: {basis}", ""]
        rate = sc.get("rate")
        base = sc.get("baseline")
        hdr = ["target", "req/s", "spread", "p50", "p99"] + (["p99.9"] if rate else []) + \
              ["CPU ms/10k req", "peak RSS MiB", "errors", "busy % proxy/client", "other load %"] + \
              ([f"req/s vs own 1-route ({base})"] if base else [])
        out += ["| " + " | ".join(hdr) + " |", "|---" * len(hdr) + "|"]
        for t in targets:
            s = summ.get(sid, {}).get(t)
            if s is None:
                why = skipped.get(sid, {}).get(t)
                if why:
                    out.append(f"| {NAMES[t]} | skipped: {why.replace('|', '/')} |" + " |" * (len(hdr) - 2))
                continue
            err = str(s["errors"]) + (" (" + ", ".join(f"{k} {v}" for k, v in s["error_detail"].items()) + ")"
                                      if s["error_detail"] else "")
            row = [NAMES[t], _f(s["rps"], "{:,.0f}"), _f(s["spread_pct"], "{:.0f}%"),
                   _f(s["p50_ms"], "{:.3f}"), _f(s["p99_ms"], "{:.3f}")]
            row += [_f(s["p999_ms"], "{:.3f}")] if rate else []
            row += [_f(s["cpu_ms_per_10k"], "{:.0f}"), _f(s["rss_mib"], "{:.1f}"), err,
                    f"{_f(s['busy_proxy'], '{:.0f}')}/{_f(s['busy_client'], '{:.0f}')}",
                    _f(s["other_load_pct"], "{:.0f}") + _noise_note(results[sid][t], s, meta)]
            if base:
                b = summ.get(base, {}).get(t)
                row.append(_ratio(s["rps"], b["rps"]) if b else "–")
            out.append("| " + " | ".join(row) + " |")
        out.append("")
        sub = summ.get(sid, {}).get(SUBJECT)
        if SUBJECT in skipped.get(sid, {}) or SUBJECT in results.get(sid, {}):
            if sub is None:
                out += [f"Ratios {SUBJECT}/other: n/a ({SUBJECT} skipped).", ""]
            else:
                cols = ["req/s", "p50", "p99"] + (["p99.9"] if rate else []) + ["CPU/10k req", "peak RSS"]
                keys = ["rps", "p50_ms", "p99_ms"] + (["p999_ms"] if rate else []) + ["cpu_ms_per_10k", "rss_mib"]
                out += [f"| {SUBJECT} / … | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
                for o in OTHERS:
                    so = summ.get(sid, {}).get(o)
                    if so:
                        out.append(f"| {NAMES[o]} | " + " | ".join(_ratio(sub[k], so[k]) for k in keys) + " |")
                out.append("")

    out += ["## Commands", "", "Ports are ephemeral (picked at run time); configs are rendered from "
            "`bench/conf/*.tmpl` into a temporary directory.", "", "```"]
    out += [f"# {k}\n{v}" for k, v in commands.items()]
    out += ["```", ""]
    return "\n".join(out)
