"""(7) Restart: `serve` on a database that already holds the big log's calls, with the log
read to its end; the time from spawning the process to the first /metrics whose totals are
right (accepted lines and the sum of model_requests_total equal to the stored calls, and
catch-up complete). Scraped every 10 ms."""

from __future__ import annotations

import time

from . import processes
from .context import Context
from .report import Row, check


def run(ctx: Context) -> list[Row]:
    if ctx.sizes.big_lines:
        log, db, result = ctx.big_database()
        calls = result["accepted"]
    else:
        # Quick runs have no big database: the last end-to-end ingest's stands in.
        if ctx.e2e is None:
            result = processes.run_ingest(ctx.exporter, ctx.log(), ctx.path("e2e.sqlite"))
            ctx.e2e = (ctx.log(), ctx.path("e2e.sqlite"), result["accepted"])
        log, db, calls = ctx.e2e
    ready_times, first_answers = [], []
    for index in range(ctx.sizes.runs):
        ctx.say(f"restart {index + 1}/{ctx.sizes.runs} on {calls:,} stored calls")
        started = time.monotonic()
        answers: list[float] = []  # when each scrape answered

        def right(exposition) -> bool:
            answers.append(time.monotonic())
            return exposition.caught_up and exposition.accepted == calls and exposition.requests == calls

        with processes.Exporter(ctx.exporter, log, db) as exporter:
            exporter.wait_until(right, timeout=300, interval=0.01, what=f"{calls:,} calls")
        ready_times.append(answers[-1] - started)
        first_answers.append(answers[0] - started)
    ctx.raw["restart"] = {"calls": calls, "ready_seconds": ready_times, "first_answer_seconds": first_answers}
    label = f"{calls / 1e6:g}M" if calls >= 1e6 else f"{calls // 1000}k"
    median = Row("", "", "", ready_times).stats["median"]
    return [
        Row("7", f"restart with {label} calls → correct /metrics", "s", ready_times, "≤ 1 s", check(median, at_most=1.0)),
        Row("7", "  restart → first /metrics answer", "s", first_answers),
    ]
