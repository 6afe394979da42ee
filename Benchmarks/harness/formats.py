"""(8) The call-log formats (issue 10): the benchmark's calls rewritten in each preset's format
(`model-exporter-bench formats`), then per format in the same run: parse only (records/s, CPU
per record, lines in memory) and ingest end to end (`model-exporter ingest --calllog.format`),
each beside the default format on the same calls. Target: a mapped format costs at most 1.5×
the default format's ingest CPU per record."""

from __future__ import annotations

import json
import subprocess

from . import processes
from .context import Context
from .report import Row, check

PRESETS = ["litellm", "envoy-ai-gateway", "kong-ai-gateway", "otel-genai"]


def run(ctx: Context) -> list[Row]:
    log = ctx.log()
    outdir = ctx.path("formats")
    subprocess.run(["mkdir", "-p", outdir], check=True)
    runs = []
    for index in range(ctx.sizes.runs):
        ctx.say(f"run {index + 1}/{ctx.sizes.runs}: formats, parse only")
        # The quick smoke run checks the item works on 20k calls; a full run uses the whole log.
        limit = ["--limit", "20000"] if ctx.sizes.lines <= 100_000 else []
        out = subprocess.run([ctx.bench, "formats", "--log", log, "--outdir", outdir] + limit, capture_output=True, text=True)
        if out.returncode != 0:
            raise processes.BenchError(f"model-exporter-bench formats failed:\n{out.stderr[-2000:]}")
        record = {"parse": json.loads(out.stdout.strip().splitlines()[-1]), "ingest": {}}
        for name in ["model-exporter"] + PRESETS:
            path = record["parse"][name]["path"]
            ctx.say(f"run {index + 1}/{ctx.sizes.runs}: ingest --calllog.format {name}")
            result = processes.run_ingest(ctx.exporter, path, ctx.path(f"format-{name}.sqlite"),
                                          extra=["--calllog.format", name])
            record["ingest"][name] = {k: v for k, v in result.items() if k not in ("rss_samples", "progress")}
        runs.append(record)
    ctx.raw["formats"] = runs

    def per_record(entry: dict, records: int) -> float:
        return entry["cpu_seconds"] / records * 1e6

    rows: list[Row] = []
    base_parse = [per_record(r["parse"]["model-exporter"]["parse"], r["parse"]["model-exporter"]["parse"]["rows"]) for r in runs]
    base_ingest = [per_record(r["ingest"]["model-exporter"], r["ingest"]["model-exporter"]["accepted"]) for r in runs]
    rows.append(Row("8", "default format: parse CPU per 1M records", "s", base_parse))
    rows.append(Row("8", "default format: ingest CPU per 1M records", "s", base_ingest))
    for name in PRESETS:
        parse = [r["parse"][name]["parse"] for r in runs]
        ingest = [r["ingest"][name] for r in runs]
        bytes_per_record = runs[0]["parse"][name]["bytes"] / max(parse[0]["rows"], 1)
        rows.append(Row("8", f"{name}: parse records/s", "rows/s", [p["rows_per_second"] for p in parse],
                        note=f"{bytes_per_record:.0f} bytes per record"))
        rows.append(Row("8", f"{name}: ingest records/s, end to end", "rows/s",
                        [i["accepted"] / i["seconds"] for i in ingest]))
        cpu = [per_record(i, i["accepted"]) for i in ingest]
        rows.append(Row("8", f"{name}: ingest CPU per 1M records", "s", cpu))
        ratios = [c / b for c, b in zip(cpu, base_ingest)]
        rows.append(Row("8", f"{name}: ingest CPU per record ÷ default format's (same run)", "x", ratios, "≤ 1.5",
                        check(Row("", "", "", ratios).stats["median"], at_most=1.5)))
    return rows
