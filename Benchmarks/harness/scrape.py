"""(6) Scrape: /metrics with ≥ 1,000 model sample lines under 50 concurrent connections
(`wrk -t2 -c50 --latency`), first with ingest idle, then while the same `serve` process
ingests at full speed.

"While ingesting" means the exporter has a backlog for the whole wrk window: before each
window the log gets enough copies of a many-agent block for the window and a margin at the
ingest rate expected, and is fsynced, so that no append or writeback of the harness runs
during the window. A monitor checks the exporter's lag every 0.25 s meanwhile; the table
says so if ingest ever caught up."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import threading
import time

from . import processes, profile
from .context import Context
from .report import Row, check

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}

def margin(seconds: float) -> float:
    """Backlog beyond the window, for the time wrk takes to start and stop (5 s for 20 s)."""
    return max(1.0, seconds / 4)


def wrk(url: str, seconds: int, headers: list[str] = ()) -> dict:
    extra = [arg for header in headers for arg in ("-H", header)]
    out = subprocess.run(["wrk", "-t2", "-c50", f"-d{seconds}s", "--latency", "--timeout", "5s", *extra, url],
                         capture_output=True, text=True, timeout=seconds + 60)
    if out.returncode != 0:
        raise processes.BenchError(f"wrk failed:\n{out.stderr}{out.stdout}")
    text = out.stdout
    result: dict = {"output": text}
    for percent, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M):
        result[f"p{percent}_ms"] = float(value) * _UNITS[unit]
    match = re.search(r"Requests/sec:\s+([\d.]+)", text)
    result["requests_per_second"] = float(match.group(1)) if match else None
    match = re.search(r"(\d+) requests in", text)
    result["requests"] = int(match.group(1)) if match else None
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    result["socket_errors"] = sum(int(x) for x in errors.groups()) if errors else 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    result["non_2xx"] = int(non2xx.group(1)) if non2xx else 0
    return result


def gzip_size(port: int) -> int:
    """Bytes of /metrics as sent to a client that accepts gzip (Prometheus does)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/metrics", headers={"Accept-Encoding": "gzip"})
        return len(connection.getresponse().read())
    finally:
        connection.close()


class Backlog(threading.Thread):
    """Keeps the exporter's log ahead of its ingest: `fill` appends copies of `block` between
    windows; the thread only watches the lag (model_exporter_calllog_lag_bytes)."""

    def __init__(self, exporter: processes.Exporter, block: str, log: str, block_lines: int):
        super().__init__(daemon=True)
        self.block = block
        self.log = log
        self.block_bytes = os.path.getsize(block)
        self.line_bytes = self.block_bytes / block_lines
        self.lags: list[tuple[float, float | None]] = []
        self.appended = 0
        self.halt = threading.Event()
        # `fill` runs on the caller's thread with the exporter's connection; the watching
        # thread has a connection of its own (an HTTP connection is not for two threads).
        self.exporter = exporter
        self.probe = processes.Scraper(exporter.port)

    @staticmethod
    def lag(scraper) -> float | None:
        try:
            return scraper.metrics().value("model_exporter_calllog_lag_bytes")
        except Exception:
            return None

    def fill(self, lines_per_second: float, seconds: float) -> None:
        """Appends blocks until the backlog covers `seconds` (plus a margin) at that rate. The
        lag is read once: the exporter publishes it only after its next batch."""
        target = lines_per_second * self.line_bytes * (seconds + margin(seconds))
        backlog = self.lag(self.exporter) or 0
        while backlog < target:
            with open(self.block, "rb") as source, open(self.log, "ab") as out:
                shutil.copyfileobj(source, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            self.appended += 1
            backlog += self.block_bytes

    def run(self) -> None:
        while not self.halt.is_set():
            self.lags.append((time.monotonic(), self.lag(self.probe)))
            self.halt.wait(0.25)

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=30)
        self.probe.close()


def busy_wrk(ctx: Context, exporter: processes.Exporter, backlog: Backlog, url: str, name: str,
             expected_rate: float, headers: list[str] = ()) -> dict:
    """One wrk window with a backlog for all of it; the ingest rate and CPU meanwhile."""
    ctx.say(f"scrape: adding a backlog for {ctx.sizes.scrape_seconds} s at {expected_rate / 1000:.0f}k lines/s")
    backlog.fill(expected_rate, ctx.sizes.scrape_seconds)
    accepted_before = exporter.metrics().accepted
    cpu_before = exporter.cpu_seconds()
    started = time.monotonic()
    ctx.say(f"scrape: wrk {ctx.sizes.scrape_seconds} s while ingesting ({name})")
    result = wrk(url, ctx.sizes.scrape_seconds, headers)
    finished = time.monotonic()
    accepted_after = exporter.metrics().accepted
    window = [lag for t, lag in backlog.lags if started <= t <= finished]
    result.update({
        "ingest_lines_per_second": (accepted_after - accepted_before) / (finished - started),
        "serve_cpu_seconds": exporter.cpu_seconds() - cpu_before,
        "seconds": finished - started,
        "lag_checks": len(window),
        "checks_with_no_backlog": sum(1 for lag in window if lag is not None and lag <= 0),
    })
    return result


def busy_note(result: dict) -> str:
    note = f"ingest meanwhile {result['ingest_lines_per_second'] / 1000:.0f}k lines/s"
    if result["checks_with_no_backlog"]:
        note += f", caught up at {result['checks_with_no_backlog']}/{result['lag_checks']} checks"
    errors = result["socket_errors"] + result["non_2xx"]
    if errors:
        note += f", {errors} errors"
    return note


def run(ctx: Context) -> list[Row]:
    sizes = ctx.sizes
    if shutil.which("wrk") is None:
        ctx.say("scrape: wrk not installed (apt-get install wrk); skipped")
        return [Row("6", "/metrics p99, 50 connections, while ingesting", "ms", [], "p99 ≤ 10 ms", None, note="wrk not installed")]
    block = ctx.path("agents-block.jsonl")
    ctx.say(f"scrape: generating a {sizes.scrape_block_lines:,}-line log with {sizes.scrape_agents} agents")
    subprocess.run([ctx.bench, "generate-agents", "--lines", str(sizes.scrape_block_lines), "--agents",
                    str(sizes.scrape_agents), "--seed", "3", "--output", block], check=True)
    log = ctx.path("scrape.jsonl")
    db = ctx.path("scrape.sqlite")
    processes.remove_database(db)
    shutil.copyfile(block, log)
    # Ingest without scrapes is the most it can do under them; 300k lines/s when not measured.
    expected = 1.2 * (ctx.e2e_rate or 300_000)
    raw: dict = {}
    try:
        with processes.Exporter(ctx.exporter, log, db) as exporter:
            exposition = exporter.wait_until(lambda e: e.caught_up and e.accepted >= sizes.scrape_block_lines, timeout=600)
            body = exporter.get()
            raw["model_samples"] = exposition.model_samples
            raw["body_bytes"] = len(body.encode())
            raw["gzip_body_bytes"] = gzip_size(exporter.port)
            url = f"http://127.0.0.1:{exporter.port}/metrics"
            ctx.say(f"scrape: {exposition.model_samples} model sample lines, {len(body) // 1024} KiB; wrk idle {sizes.scrape_idle_seconds} s")
            raw["idle"] = wrk(url, sizes.scrape_idle_seconds)

            backlog = Backlog(exporter, block, log, sizes.scrape_block_lines)
            backlog.start()
            raw["ingesting"] = busy_wrk(ctx, exporter, backlog, url, "plain text", expected)
            # Scrapes slow ingest down: from here on, the rate measured under them, with a margin.
            expected = 1.5 * raw["ingesting"]["ingest_lines_per_second"]
            raw["ingesting_gzip"] = busy_wrk(ctx, exporter, backlog, url, "gzip", expected, ["Accept-Encoding: gzip"])
            if ctx.profile_serve and profile.available():
                # A window of its own under perf, so that perf's cost touches none of the figures above.
                recorder = threading.Thread(target=lambda: raw.__setitem__(
                    "profile_serve", profile.record_pid(ctx, exporter.pid, sizes.scrape_seconds, "serve")))
                backlog.fill(expected, sizes.scrape_seconds)
                ctx.say(f"scrape: perf record -g of serve during {sizes.scrape_seconds} s of wrk while ingesting")
                recorder.start()
                raw["ingesting_under_perf"] = busy_wrk(ctx, exporter, backlog, url, "plain text, under perf", expected)
                recorder.join()
            backlog.stop()
            raw["blocks_appended"] = backlog.appended
    finally:
        ctx.raw["scrape"] = raw
        for path in (log, block):
            if os.path.exists(path):
                os.unlink(path)
        processes.remove_database(db)

    samples = raw["model_samples"]
    series_note = f"{samples} model sample lines, {raw['body_bytes'] // 1024} KiB"
    busy, gzip, idle = raw["ingesting"], raw["ingesting_gzip"], raw["idle"]
    enough = samples >= 1000
    clean = busy["socket_errors"] + busy["non_2xx"] == 0
    extra = profile.rows(raw["profile_serve"], "perf serve under wrk + ingest") if "profile_serve" in raw else []
    return extra + [
        Row("6", "/metrics p50, 50 connections, while ingesting", "ms", [busy.get("p50_ms")], note=series_note),
        Row("6", "/metrics p99, 50 connections, while ingesting", "ms", [busy.get("p99_ms")], "p99 ≤ 10 ms",
            check(busy.get("p99_ms"), at_most=10) if enough and clean else False, note=busy_note(busy)),
        Row("6", "/metrics requests/s, while ingesting", "req/s", [busy.get("requests_per_second")]),
        Row("6", "  same with Accept-Encoding: gzip, p50 / p99", "ms", [gzip.get("p99_ms")],
            text=f"{gzip.get('p50_ms', 0):.2f} / {gzip.get('p99_ms', 0):.2f} ms",
            note=f"{gzip.get('requests_per_second') or 0:,.0f} req/s, {raw['gzip_body_bytes'] // 1024} KiB; " + busy_note(gzip)),
        Row("6", "  ingest idle, p50 / p99", "ms", [idle.get("p99_ms")],
            text=f"{idle.get('p50_ms', 0):.2f} / {idle.get('p99_ms', 0):.2f} ms",
            note=f"{idle.get('requests_per_second') or 0:,.0f} req/s"),
    ]
