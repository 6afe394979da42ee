"""(10) The peer (issue 14): mtail, the usual way to get metrics out of a log without writing a
program, on the same log as item 1, with Benchmarks/mtail/model-exporter.mtail computing the
same model metrics the exporter exports (that file says what it computes and what it cannot).

Each run is one `mtail --one_shot`: it compiles the program, reads the log from the start to
EOF, prints its metric store and exits, so the run's wall time and CPU (user + system of the
child, from wait4) are the whole job, start-up included, as for `model-exporter ingest`. When
items 1–3 run too, throughput.py calls `measure` once per run after its own measures, so each
ingest ÷ mtail ratio is of the same minute; alone, this item makes its own runs and says that
no ingest ran.

A broken pattern would make mtail fast by matching nothing: every run checks that the sum of
the program's model_requests_total equals the log's line count (the log has no malformed
lines) and fails the item otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time

from .context import Context
from .exposition import Exposition
from .processes import BenchError
from .report import Row, check

MiB = 1024 * 1024
SECTION = "10"
TARGET = 15.0  # ingest lines/s ÷ mtail lines/s, same run


def available() -> bool:
    return shutil.which("mtail") is not None


def program(ctx: Context) -> str:
    return os.path.join(ctx.repo, "Benchmarks", "mtail", "model-exporter.mtail")


def run_mtail(ctx: Context, log: str, lines: int, *, timeout: float = 1800) -> dict:
    """One `mtail --one_shot` over `log`; raises unless it counted all `lines` requests."""
    out_path, err_path = ctx.path("mtail.prom"), ctx.path("mtail.stderr")
    command = ["mtail", "--one_shot", "--one_shot_format", "prometheus", "--progs", program(ctx), "--logs", log,
               # Even in one-shot mode mtail opens its HTTP listener: a free port on loopback
               # only, so two runs (or a running mtail) cannot collide.
               "--address", "127.0.0.1", "--port", "0",
               # Its glog lines to stderr (a file here), not to log files under /tmp.
               "--logtostderr", "--emit_prog_label=false"]
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            # wait4 gives this child's own rusage: CPU and ru_maxrss of mtail alone.
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        finished = time.monotonic()
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    with open(err_path, errors="replace") as f:
        stderr = f.read()
    if process.returncode != 0:
        raise BenchError(f"mtail exited with {process.returncode} (killed after {timeout:.0f} s?):\n{stderr[-2000:]}")
    with open(out_path) as f:
        exposition = Exposition(f.read())
    requests = exposition.requests
    rejected = int(exposition.value("model_exporter_rejected_lines_total"))
    if requests != lines:
        raise BenchError(f"mtail counted {requests:,} requests in a log of {lines:,} lines ({rejected:,} lines did "
                         f"not match {program(ctx)}): the pattern no longer fits the generator's lines")
    wall = finished - started
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "lines": lines,
        "requests": requests,
        "rejected": rejected,
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "user_seconds": usage.ru_utime,
        "system_seconds": usage.ru_stime,
        "lines_per_second": lines / wall,
        "peak_rss_bytes": usage.ru_maxrss * 1024,  # KiB on Linux
        "model_samples": exposition.model_samples,
    }


def measure(ctx: Context) -> dict:
    """One run on item 1's log, for throughput.py's loop (after ingest and the ceiling). A
    failure is returned, not raised, so that it fails this item and not items 1-3."""
    ctx.say(f"mtail --one_shot over {ctx.sizes.lines:,} lines")
    try:
        return run_mtail(ctx, ctx.log(), ctx.sizes.lines)
    except (BenchError, OSError) as error:
        ctx.say(f"mtail FAILED: {error}")
        return {"error": str(error)}


def skipped() -> list[Row]:
    note = "mtail not installed (apt-get install mtail)"
    return [Row(SECTION, "mtail (peer), same log", "lines/s", [], "", None, note=note),
            Row(SECTION, "ingest ÷ mtail, lines/s (same run)", "x", [], f"≥ {TARGET:g}", None, note=note)]


def run(ctx: Context, runs: list[dict] | None = None) -> list[Row]:
    """The rows, from throughput.py's interleaved runs (each a dict with "mtail" and, when item
    1 ran, "ingest"), or from runs of its own when `runs` is None."""
    if not available():
        ctx.say("mtail: not installed (apt-get install mtail); skipped")
        return skipped()
    if runs is None:
        runs = []
        for index in range(ctx.sizes.runs):
            ctx.say(f"run {index + 1}/{ctx.sizes.runs}: mtail")
            runs.append({"mtail": measure(ctx)})
    peer = [r["mtail"] for r in runs]
    ctx.raw["mtail"] = peer
    for p in peer:
        if "error" in p:
            raise BenchError(p["error"])
    lines = ctx.sizes.lines
    label_lines = f"{lines / 1e6:g}M" if lines >= 1e6 else f"{lines // 1000}k"
    rows = [
        Row(SECTION, f"mtail (peer), same {label_lines}-line log", "lines/s", [p["lines_per_second"] for p in peer],
            note=f"mtail --one_shot, {os.path.relpath(program(ctx), ctx.repo)}; counted every line"),
        Row(SECTION, "  mtail CPU per 1M lines", "s", [p["cpu_seconds"] / p["lines"] * 1e6 for p in peer]),
        Row(SECTION, "  mtail peak RSS", "MiB", [p["peak_rss_bytes"] / MiB for p in peer]),
    ]
    if all("ingest" in r for r in runs):
        ratios = [r["ingest"]["lines_per_second"] / r["mtail"]["lines_per_second"] for r in runs]
        rows.append(Row(SECTION, "ingest ÷ mtail, lines/s (same run)", "x", ratios, f"≥ {TARGET:g}",
                        check(Row("", "", "", ratios).stats["median"], at_least=TARGET)))
        by_cpu = [(r["mtail"]["cpu_seconds"] / r["mtail"]["lines"]) / (r["ingest"]["cpu_seconds"] / r["ingest"]["lines"])
                  for r in runs]
        rows.append(Row(SECTION, "  mtail CPU per line ÷ ingest CPU per line", "x", by_cpu,
                        note="the same comparison by CPU time, steadier on a shared machine"))
    else:
        rows.append(Row(SECTION, "ingest ÷ mtail, lines/s (same run)", "x", [], f"≥ {TARGET:g}", None,
                        note="ingest not run in this invocation: --only ingest,mtail"))
    return rows
