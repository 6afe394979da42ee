"""(4) Memory at scale: peak RSS of `ingest` over the big log, and RSS at 25/50/75/100% of
the log (from the exporter's own progress lines, 'percent=N', matched to the RSS samples
taken every 100 ms) to show whether it stays flat as the log grows."""

from __future__ import annotations

import os

from .context import Context
from .report import Row, check

MiB = 1024 * 1024


def time_at_percent(result: dict, percent: float) -> float:
    """When the ingest had read `percent` of the log, interpolated between progress lines."""
    points = [(result["started"], 0.0)] + [(t, float(p)) for t, p in result["progress"]] + [(result["finished"], 100.0)]
    for (t0, p0), (t1, p1) in zip(points, points[1:]):
        if p0 <= percent <= p1:
            return t0 if p1 == p0 else t0 + (t1 - t0) * (percent - p0) / (p1 - p0)
    return result["finished"]


def rss_at(result: dict, when: float) -> int | None:
    before = [rss for t, rss in result["rss_samples"] if t <= when]
    if before:
        return before[-1]
    return result["rss_samples"][0][1] if result["rss_samples"] else None


def run(ctx: Context) -> list[Row]:
    log, db, result = ctx.big_database()
    peak = max(result["peak_rss_bytes"], result["rss_hwm_bytes"]) / MiB
    quarters = {p: rss_at(result, time_at_percent(result, p)) for p in (25, 50, 75)}
    quarters[100] = rss_at(result, time_at_percent(result, 100))
    anon, file = result["rss_split_at_peak_sample"] or (0, 0)
    ctx.raw["memory"] = {
        "lines": result["lines"], "seconds": result["seconds"], "lines_per_second": result["lines_per_second"],
        "cpu_seconds": result["cpu_seconds"], "peak_rss_bytes": result["peak_rss_bytes"],
        "rss_hwm_bytes": result["rss_hwm_bytes"], "rss_at_percent": quarters,
        "rss_split_at_peak_sample": result["rss_split_at_peak_sample"],
        "progress": result["progress"], "log_bytes": os.path.getsize(log), "database_bytes": os.path.getsize(db),
        "rss_samples_mib": [round(rss / MiB, 1) for _, rss in result["rss_samples"][::5]],
    }
    label = f"{ctx.sizes.big_lines / 1e6:g}M"
    # Flat: nothing later in the log is more than 10% above the figure at 25%.
    growth = None
    if quarters[25] and all(quarters.values()):
        growth = 100 * (max(quarters[p] for p in (50, 75, 100)) - quarters[25]) / quarters[25]
    text = "/".join(f"{(quarters[p] or 0) / MiB:.1f}" for p in (25, 50, 75, 100)) + " MiB"
    return [
        Row("4", f"peak RSS ingesting the {label}-line log", "MiB", [peak], "≤ 64 MiB", check(peak, at_most=64),
            note=f"largest sample: {anon / MiB:.1f} MiB anonymous + {file / MiB:.1f} MiB file-backed (code)"),
        Row("4", "RSS at 25/50/75/100% of the log", "MiB", [growth] if growth is not None else [], "flat: ≤ +10% after 25%",
            check(growth, at_most=10), note=f"largest later figure {growth:+.1f}% vs 25%" if growth is not None else "", text=text),
        Row("4", f"  ingest rate over the {label}-line log", "lines/s", [result["lines_per_second"]]),
        Row("4", f"  CPU per 1M lines over the {label}-line log", "s", [result["cpu_seconds"] / result["lines"] * 1e6]),
    ]
