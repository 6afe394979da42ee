"""Soak (not in the default suite, not in CI): `serve` tails a log written at a steady rate
(default 2,000 lines/s of `model-exporter generate` calls, by harness/soak_writer.py) that is
renamed away every 5 minutes as logrotate does, with retention on (`--storage.retention`,
default 10m: rows start being deleted after ten minutes and the database should stop growing
there), for an hour by default. Every 30 s it samples the process (VmRSS and VmHWM from
/proc/PID/status, open descriptors from /proc/PID/fd), the database and WAL sizes, the calls
kept plus the calls retention rolled up (read from the database) and the accepted lines
/metrics shows, against the lines written. At the end, once the writer has stopped and serve
has caught up, nothing may be lost or doubled: accepted lines, the sum of model_requests_total
and kept + rolled-up calls must each equal the lines written.

    scripts/bench --only soak [--duration 3600] [--soak-rate 2000] [--soak-rotate 300]
                              [--soak-retention 10m] [--soak-interval 30]

Flat or bounded (the README's claim): over the steady part of the run (from retention + 60 s
on, when deleting has started), a figure is *flat* when its largest sample is at most 10%
above its smallest (2 descriptors for the descriptor count), *bounded* when the later half of
that part sets no high more than 5% above the earlier half's (2 descriptors), and *growing*
otherwise."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
import time

import localproc

from . import processes
from .context import Context
from .report import Row

MiB = 1024 * 1024


def _proc_status(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in bytes."""
    with open(f"/proc/{pid}/status") as f:
        text = f.read()
    rss = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
    hwm = re.search(r"^VmHWM:\s+(\d+) kB", text, re.M)
    return int(rss.group(1)) * 1024, int(hwm.group(1)) * 1024


def _stored(db: str, distinct: bool = False) -> tuple[int, int, int | None]:
    """(calls kept, calls rolled up by retention, distinct request ids among those kept when
    asked: a sort of every id, so only at the end), read in one read transaction of a separate
    connection (WAL: a reader never blocks serve's writes)."""
    connection = sqlite3.connect(db, timeout=10, isolation_level=None)
    try:
        connection.execute("BEGIN")
        kept = connection.execute("SELECT count(*) FROM calls").fetchone()[0]
        rolled = connection.execute("SELECT ifnull(sum(requests), 0) FROM rollups_hourly").fetchone()[0]
        ids = connection.execute("SELECT count(DISTINCT request_id) FROM calls").fetchone()[0] if distinct else None
        connection.execute("COMMIT")
        return kept, rolled, ids
    finally:
        connection.close()


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


def _writer_status(path: str) -> dict:
    try:
        with open(path) as f:
            return json.load(f)
    except (FileNotFoundError, ValueError):
        return {"written": 0, "rotations": 0, "done": False}


def verdict(values: list[float], slack: float, absolute: float = 0) -> str:
    """flat, bounded or growing (the module's docstring); values are the steady samples."""
    if len(values) < 2:
        return "too short"
    low, high = min(values), max(values)
    if high <= low * (1 + slack * 2) + absolute:
        return "flat"
    half = len(values) // 2
    if max(values[half:]) <= max(values[:half]) * (1 + slack) + absolute:
        return "bounded"
    return "growing"


COLUMNS = [("t s", "t", "{:.0f}"), ("written", "written", "{:,}"), ("accepted", "accepted", "{:,}"),
           ("lag", "lag", "{:,}"), ("kept", "kept", "{:,}"), ("rolled up", "rolled", "{:,}"),
           ("RSS MiB", "rss", "{:.1f}"), ("HWM MiB", "hwm", "{:.1f}"), ("fds", "fds", "{}"),
           ("db MiB", "db", "{:.1f}"), ("WAL MiB", "wal", "{:.1f}"), ("rot", "rotations", "{}"),
           ("cpu s", "cpu", "{:.0f}")]


def _format(sample: dict) -> list[str]:
    return [fmt.format(sample[key]) for _, key, fmt in COLUMNS]


def sample_table(samples: list[dict]) -> str:
    rows = [[title for title, _, _ in COLUMNS]] + [_format(s) for s in samples]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.rjust(widths[i]) for i, c in enumerate(r)) for r in rows)


def run(ctx: Context) -> list[Row]:
    sizes = ctx.sizes
    seconds, rate, rotate = sizes.soak_seconds, sizes.soak_rate, sizes.soak_rotate
    directory = ctx.path("soak")
    os.makedirs(directory, exist_ok=True)
    log = os.path.join(directory, "calls.jsonl")
    db = ctx.path("soak.sqlite")
    status = ctx.path("soak-writer.json")
    for path in (log, log + ".1", status):
        if os.path.exists(path):
            os.unlink(path)
    processes.remove_database(db)
    open(log, "w").close()
    retention_seconds = _duration(sizes.soak_retention)
    samples: list[dict] = []
    with processes.Exporter(ctx.exporter, log, db, extra=["--storage.retention", sizes.soak_retention]) as exporter:
        exporter.wait_until(lambda e: e.caught_up, timeout=60, what="catch-up on an empty log")
        ctx.say(f"soak: {rate:,} lines/s for {seconds:,.0f} s, rename rotation every {rotate:g} s, retention "
                f"{sizes.soak_retention}, a sample every {sizes.soak_interval:g} s; serve pid {exporter.pid}")
        env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        started = time.monotonic()

        def take(last: bool = False) -> dict:
            exporter.alive()
            scraped_at = time.monotonic()
            metrics = exporter.metrics()
            scraped_at = (scraped_at + time.monotonic()) / 2
            writer_state = _writer_status(status)
            # The status is up to 0.25 s old (or newer than the scrape): the lines written at
            # the scrape are its count moved along the steady rate to the scrape's moment, which
            # is exact to a writer tick (10 ms, 20 lines at 2,000/s) while the writer keeps pace.
            written_then = writer_state["written"]
            if not writer_state["done"] and "at" in writer_state:
                written_then = max(0, min(written_then + round(rate * (scraped_at - writer_state["at"])),
                                          round(rate * seconds)))
            rss, hwm = _proc_status(exporter.pid)
            kept, rolled, distinct = _stored(db, distinct=last)
            sample = {
                "t": time.monotonic() - started, "written": written_then, "accepted": metrics.accepted,
                "requests": metrics.requests, "rejected": int(metrics.value("model_exporter_rejected_lines_total")),
                "lag": written_then - metrics.accepted, "kept": kept, "rolled": rolled,
                "duplicates": kept - distinct if last else None, "rss": rss / MiB, "hwm": hwm / MiB,
                "fds": len(os.listdir(f"/proc/{exporter.pid}/fd")), "db": _size(db) / MiB, "wal": _size(db + "-wal") / MiB,
                "rotations": writer_state["rotations"],
                "seen_rotations": int(metrics.value("model_exporter_calllog_rotations_total")),
                "lag_bytes": int(metrics.value("model_exporter_calllog_lag_bytes")), "cpu": exporter.cpu_seconds(),
            }
            samples.append(sample)
            if len(samples) % 20 == 1:
                print(sample_table([sample]).splitlines()[0], flush=True)
            print(sample_table([sample]).splitlines()[1], flush=True)
            return sample

        take()
        with localproc.Child("soak writer", [sys.executable, "-m", "harness.soak_writer", ctx.exporter, log, str(rate),
                                             str(seconds), str(rotate), status], env=env) as writer:
            next_at = started
            while writer.exited() is None:
                next_at += sizes.soak_interval
                # Waits for the next sample time, or less if the writer stops first.
                localproc.poll(lambda: (writer.exited() is not None, None), deadline=next_at, interval=1.0, tolerate=())
                if writer.exited() is None:
                    take()
            if writer.exited() != 0:
                raise processes.BenchError(f"the soak writer failed (exit status {writer.exited()})")
        written = _writer_status(status)["written"]
        exporter.wait_until(lambda e: e.accepted >= written, timeout=120, what=f"{written:,} accepted lines")
        final = take(last=True)
    ctx.raw["soak"] = {"seconds": seconds, "rate": rate, "rotate_seconds": rotate, "retention": sizes.soak_retention,
                       "interval": sizes.soak_interval, "written": written, "samples": samples}
    print("\nsoak samples\n" + sample_table(samples), flush=True)

    lost_accepted = written - final["accepted"]
    lost_requests = written - final["requests"]
    lost_stored = written - (final["kept"] + final["rolled"])
    warmup = min(retention_seconds + 60, seconds / 2)
    steady = [s for s in samples if s["t"] >= warmup] or samples
    rows = []
    summary = [f"soak: {written:,} lines written in {seconds:,.0f} s ({written / seconds:,.0f}/s), "
               f"{final['rotations']} rotations (serve counted {final['seen_rotations']}), retention {sizes.soak_retention}; "
               f"steady from t = {warmup:.0f} s"]
    for label, key, unit, slack, absolute in [("RSS", "rss", "MiB", 0.05, 0), ("peak RSS (VmHWM)", "hwm", "MiB", 0.05, 0),
                                              ("open file descriptors", "fds", "", 0, 2),
                                              ("database size", "db", "MiB", 0.05, 0), ("WAL size", "wal", "MiB", 0.05, 1)]:
        values = [s[key] for s in steady]
        first, last, top = samples[0][key], samples[-1][key], max(s[key] for s in samples)
        result = verdict(values, slack, absolute)
        text = (f"{first:.1f} / {last:.1f} / {top:.1f}" if unit else f"{first:.0f} / {last:.0f} / {top:.0f}") + (f" {unit}" if unit else "")
        summary.append(f"  {label:24} first / last / max {text:28} steady {min(values):.1f}–{max(values):.1f}: {result}")
        rows.append(Row("soak", f"{label}: first / last / max", unit, [top], "flat or bounded", result in ("flat", "bounded"),
                        note=f"{result}; steady {min(values):.1f}–{max(values):.1f}", text=text))
    lag_max = max(s["lag"] for s in samples)
    summary.append(f"  lag (written − accepted at a scrape, ±20 lines): max {lag_max:,} lines ({lag_max / rate:.1f} s of writing)")
    summary.append(f"  lost: {lost_accepted:,} by accepted lines, {lost_requests:,} by sum of model_requests_total, "
                   f"{lost_stored:,} by kept + rolled-up calls ({final['kept']:,} + {final['rolled']:,}); "
                   f"{final['duplicates']:,} duplicate request ids kept, {final['rejected']:,} rejected lines")
    print("\n" + "\n".join(summary), flush=True)
    ctx.raw["soak"]["summary"] = summary
    lost = max(abs(lost_accepted), abs(lost_requests), abs(lost_stored))
    rows.append(Row("soak", "lines lost or doubled (accepted, requests, stored)", "lines", [lost], "0", lost == 0 and final["duplicates"] == 0,
                    note=f"{written:,} written; {lost_accepted}/{lost_requests}/{lost_stored}", text=f"{lost:,}"))
    rows.append(Row("soak", "lag at a sample, max", "lines", [lag_max], note=f"{lag_max / rate:.1f} s of writing", text=f"{lag_max:,}"))
    return rows


def _duration(text: str) -> float:
    """Seconds in a duration as serve takes it (90s, 15m, 2h, 30d, 1w); the warm-up needs it."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smhdw])", text.strip())
    if not match:
        raise ValueError(f"--soak-retention {text!r}: use a number and s, m, h, d or w (10m)")
    return float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[match.group(2)]
