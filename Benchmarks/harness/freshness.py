"""(5) Freshness: a writer appends lines at 10k/s to the log `serve` tails; /metrics is
scraped every 10 ms. For each write (the last line of each ~10 ms batch is the sample), the
delay is from the write's return to the end of the first scrape whose
model_exporter_accepted_lines_total includes it. The counter counts lines in file order, so
"includes the line" is "counter ≥ lines in the file after that write". Scrape resolution
(10 ms + the scrape itself) is part of the figure: it errs long, never short."""

from __future__ import annotations

import bisect
import json
import os
import sys
import time

import localproc

from . import processes
from .context import Context
from .report import Row, check
from .stats import percentile

POLL_INTERVAL = 0.01


def run(ctx: Context) -> list[Row]:
    sizes = ctx.sizes
    log = ctx.path("fresh.jsonl")
    db = ctx.path("fresh.sqlite")
    record = ctx.path("fresh-writer.json")
    for path in (log, record):
        if os.path.exists(path):
            os.unlink(path)
    processes.remove_database(db)
    open(log, "w").close()
    with processes.Exporter(ctx.exporter, log, db) as exporter:
        exporter.wait_until(lambda e: e.caught_up, timeout=60)
        base = exporter.metrics().accepted
        cpu_before = exporter.cpu_seconds()
        ctx.say(f"freshness: writing {sizes.freshness_rate:,} lines/s for {sizes.freshness_seconds:g} s, scraping every 10 ms")
        env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        polls: list[tuple[float, int]] = []
        failures = 0

        def scrape() -> None:
            nonlocal failures
            try:
                value = exporter.metrics().accepted - base
                polls.append((time.monotonic(), value))
            except Exception:  # a failed scrape is counted, not fatal
                failures += 1

        with localproc.Child("freshness writer", [sys.executable, "-m", "harness.writer", log, str(sizes.freshness_rate),
                                                  str(sizes.freshness_seconds), record], env=env) as writer:
            # Scrapes while the writer writes, then until the counter has every line (10 s at most).
            def writing():
                scrape()
                return writer.exited() is not None, writer.exited()

            done, status = localproc.poll(writing, timeout=sizes.freshness_seconds + 60, interval=POLL_INTERVAL, tolerate=())
            if not done or status != 0:
                raise processes.BenchError(f"the freshness writer failed (exit status {status})")
        with open(record) as f:
            written = json.load(f)["written"]

        def all_visible():
            scrape()
            return bool(polls) and polls[-1][1] >= written, None

        localproc.poll(all_visible, timeout=10, interval=POLL_INTERVAL, tolerate=())
        cpu = exporter.cpu_seconds() - cpu_before
    with open(record) as f:
        writes = json.load(f)
    values = [v for _, v in polls]
    delays = []
    missing = 0
    for at, count in writes["records"]:
        index = bisect.bisect_left(values, count)
        if index == len(values):
            missing += 1
            continue
        delays.append(max(0.0, polls[index][0] - at))
    duration = writes["end"] - writes["start"]
    ctx.raw["freshness"] = {
        "lines_written": writes["written"], "writes": len(writes["records"]), "seconds": duration,
        "rate": writes["written"] / duration, "scrapes": len(polls), "scrape_failures": failures,
        "samples": len(delays), "never_visible": missing, "serve_cpu_seconds": cpu,
        "p50": percentile(delays, 50), "p90": percentile(delays, 90), "p99": percentile(delays, 99),
        "max": max(delays) if delays else None,
        "scrape_interval_mean": (polls[-1][0] - polls[0][0]) / max(1, len(polls) - 1) if polls else None,
    }
    note = f"{writes['written'] / duration / 1000:.1f}k lines/s for {duration:.0f} s, {len(delays)} samples"
    if missing:
        note += f", {missing} never visible"
    p50, p99 = percentile(delays, 50), percentile(delays, 99)
    return [
        Row("5", "append → visible in /metrics, p50", "s", [p50] if p50 is not None else [], note=note),
        Row("5", "append → visible in /metrics, p99", "s", [p99] if p99 is not None else [], "p99 ≤ 1 s",
            check(p99, at_most=1.0) if not missing else False),
    ]
