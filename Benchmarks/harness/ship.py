"""(9) Shipping to the fleet's PostgreSQL (issue 12): `model-exporter-bench micro --only ship`
stores the benchmark's log (untimed) and ships it with the real ReplicaShipper into a PostgreSQL
15 this item starts for itself (scripts/pylib/localpg.py: initdb in a directory under /tmp, a
free port on 127.0.0.1, fsync on as a real server has it, stopped at the end). Each run ships
under a new instance name into the same server, so later runs see a fuller database, as a fleet
would. Target: shipping keeps up with ingest at ≥ 50k rows/s. The CPU figure is the exporter's
only; the server's is not counted."""

from __future__ import annotations

import json
import subprocess

import localpg

from . import processes
from .context import Context
from .report import Row, check


def run(ctx: Context) -> list[Row]:
    log = ctx.log()
    runs = []
    with localpg.LocalPostgres() as server:
        for index in range(ctx.sizes.runs):
            ctx.say(f"run {index + 1}/{ctx.sizes.runs}: ship to PostgreSQL on port {server.port}")
            out = subprocess.run([ctx.bench, "micro", "--log", log, "--workdir", ctx.workdir, "--only", "ship",
                                  "--replica-url", server.url], capture_output=True, text=True)
            if out.returncode != 0:
                raise processes.BenchError(f"model-exporter-bench micro --only ship failed:\n{out.stderr[-2000:]}")
            runs.append(json.loads(out.stdout.strip().splitlines()[-1])["ship"])
    ctx.raw["ship"] = runs
    rates = [r["rows_per_second"] for r in runs]
    cpu = [r["cpu_seconds"] / r["rows"] * 1e6 for r in runs]
    return [
        Row("9", "ship to PostgreSQL (COPY + INSERT ON CONFLICT + mark, one transaction a batch)", "rows/s", rates,
            "≥ 50k rows/s", check(Row("", "", "", rates).stats["median"], at_least=50_000)),
        Row("9", "exporter CPU per 1M rows shipped", "s", cpu),
    ]
