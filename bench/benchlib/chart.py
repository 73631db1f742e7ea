"""The run's chart: req/s, p99 and peak RSS per scenario per target, as grouped
bars in three panels, from the same medians as the Markdown report.

    python3 bench/benchlib/chart.py bench/RESULTS.json bench/RESULTS.svg

matplotlib (from PyPI) draws it; bench/run installs it when missing and skips
the chart, saying why, when it cannot."""
import json
import os
import sys

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from benchlib.report import NAMES, summaries  # noqa: E402
    from benchlib.targets import ORDER  # noqa: E402
else:
    from .report import NAMES, summaries
    from .targets import ORDER

COLOURS = {"direct": "#9e9e9e", "nginx": "#2e7d32", "haproxy": "#1565c0", "caddy": "#8e24aa",
           "hawser": "#e65100"}
PANELS = [("rps", "req/s (median)", False), ("p99_ms", "p99 latency, ms (log)", True),
          ("rss_mib", "peak RSS, MiB", False)]


def draw(meta, results, path, scenario_ids=None):
    """Writes the chart to `path` (SVG or PNG, by its extension). Returns None,
    or why no chart was drawn."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        # Fixed ids in the SVG, so that drawing the same results again gives the same file.
        matplotlib.rcParams["svg.hashsalt"] = "hawser"
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return "matplotlib is not installed (pip install matplotlib)"
    ids = [sid for sid in (scenario_ids or results.keys()) if results.get(sid)]
    if not ids:
        return "no results to chart"
    summ = summaries(meta, results, ids)
    targets = [t for t in ORDER if any(t in summ[sid] for sid in ids)]
    fig, axes = plt.subplots(len(PANELS), 1, figsize=(max(8, 1.1 * len(ids) + 3), 10), sharex=True)
    width = 0.8 / max(1, len(targets))
    for ax, (key, label, log) in zip(axes, PANELS):
        for i, t in enumerate(targets):
            xs, ys = [], []
            for x, sid in enumerate(ids):
                value = summ[sid].get(t, {}).get(key)
                if value:
                    xs.append(x - 0.4 + width * (i + 0.5))
                    ys.append(value)
            ax.bar(xs, ys, width, label=NAMES[t], color=COLOURS[t])
        ax.set_ylabel(label)
        if log:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
            ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.grid(axis="y", alpha=0.3)
    axes[-1].set_xticks(range(len(ids)))
    axes[-1].set_xticklabels(ids, rotation=30, ha="right")
    axes[0].legend(ncol=len(targets), loc="lower right", bbox_to_anchor=(1, 1), fontsize="small",
                   frameon=False)
    title = f"hawser {meta.get('hawser_rev', '')} side by side, {meta.get('date', '')[:10]}"
    fig.suptitle(title + " (medians of interleaved rounds)", x=0.01, ha="left")
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None} if path.endswith(".svg") else None)
    plt.close(fig)
    return None


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        data = json.load(f)
    why = draw(data["meta"], data["results"], argv[2])
    if why:
        print(f"no chart: {why}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
