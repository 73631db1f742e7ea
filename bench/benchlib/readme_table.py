"""The README's speed table, from a run's raw numbers:

    python3 bench/benchlib/readme_table.py bench/RESULTS.json

Prints Markdown: one row per figure, one column per proxy, the medians the report uses."""
import json
import os
import sys

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from benchlib.report import NAMES, summaries  # noqa: E402
else:
    from .report import NAMES, summaries

COLUMNS = ["hawser", "nginx", "haproxy", "caddy"]
# (scenario, figure, label)
ROWS = [
    ("small", "rps", "small responses, req/s"),
    ("small", "p99_ms", "small responses, p99"),
    ("small", "cpu_ms_per_10k", "small responses, CPU ms per 10k requests"),
    ("1k", "rps", "1 KiB responses, req/s"),
    ("100k", "rps", "100 KiB responses, req/s"),
    ("100k", "rss_mib", "100 KiB responses, peak memory"),
    ("close", "rps", "new connection per request, req/s"),
    ("c256", "rps", "256 connections, req/s"),
    ("c256", "cpu_ms_per_10k", "256 connections, CPU ms per 10k requests"),
    ("c4096", "rps", "4096 connections, req/s"),
    ("c4096", "rss_mib", "4096 connections, peak memory"),
    ("routes10k", "rps", "10,000 routes, last one hit, req/s"),
    ("rate", "p99_ms", "p99 at a fixed rate (half nginx's max)"),
    ("w2", "rps", "two workers each, both cores shared, req/s"),
    ("tls-new", "rps", "new TLS handshakes/s, no resumption"),
    ("tls-new", "cpu_ms_per_10k", "… CPU ms per 10k handshakes"),
    ("tls-resume", "rps", "new TLS connections/s with resumption"),
    ("tls-resume", "cpu_ms_per_10k", "… CPU ms per 10k connections"),
    ("tls-keepalive", "rps", "keep-alive HTTPS req/s"),
    ("tls-keepalive", "cpu_ms_per_10k", "… CPU ms per 10k requests"),
    ("h2", "rps", "HTTP/2 over TLS req/s"),
    ("h2", "cpu_ms_per_10k", "… CPU ms per 10k requests"),
]
FORMATS = {"rps": "{:,.0f}", "p99_ms": "{:.2f} ms", "cpu_ms_per_10k": "{:,.0f}", "rss_mib": "{:.0f} MiB"}


def table(data):
    summ = summaries(data["meta"], data["results"])
    cols = [t for t in COLUMNS if any(t in summ.get(s, {}) for s, _, _ in ROWS)]
    out = ["| scenario | " + " | ".join(NAMES[t] for t in cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for sid, key, label in ROWS:
        medians = summ.get(sid)
        if not medians:
            continue
        cells = []
        for t in cols:
            value = medians.get(t, {}).get(key)
            cells.append("–" if value is None else FORMATS[key].format(value))
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1]) as f:
        print(table(json.load(f)))
