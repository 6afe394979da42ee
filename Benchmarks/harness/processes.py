"""Running model-exporter: one-shot `ingest` with its memory sampled, and `serve` with scrapes.
Starting, stopping and killing children, free ports and polling are scripts/pylib/localproc.py's
(on sys.path through harness/__init__.py)."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import threading
import time

import localproc

from .exposition import Exposition


class BenchError(Exception):
    """A benchmark could not run; the message says what to look at."""


class ServeExited(BenchError, localproc.StopPolling):
    """`serve` exited while it was being scraped: ends a poll at once."""


def remove_database(path: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(path + suffix)
        except FileNotFoundError:
            pass


def database_bytes(path: str) -> int:
    return sum(os.path.getsize(path + s) for s in ("", "-wal") if os.path.exists(path + s))


class RSSSampler(threading.Thread):
    """Reads VmRSS of a process every `interval` seconds from /proc/PID/status."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.samples: list[tuple[float, int]] = []  # (monotonic seconds, VmRSS bytes)
        self.split: list[tuple[int, int]] = []      # (RssAnon, RssFile) bytes of each sample
        self.peak_hwm = 0
        self._halt = threading.Event()

    def run(self) -> None:
        path = f"/proc/{self.pid}/status"
        next_at = time.monotonic()
        while not self._halt.is_set():
            try:
                with open(path) as f:
                    text = f.read()
            except OSError:
                return
            now = time.monotonic()
            rss = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
            hwm = re.search(r"^VmHWM:\s+(\d+) kB", text, re.M)
            if rss:
                self.samples.append((now, int(rss.group(1)) * 1024))
                anon = re.search(r"^RssAnon:\s+(\d+) kB", text, re.M)
                file = re.search(r"^RssFile:\s+(\d+) kB", text, re.M)
                self.split.append((int(anon.group(1)) * 1024 if anon else 0, int(file.group(1)) * 1024 if file else 0))
            if hwm:
                self.peak_hwm = max(self.peak_hwm, int(hwm.group(1)) * 1024)
            next_at += self.interval
            self._halt.wait(max(0.0, next_at - time.monotonic()))

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=2)


class _LineReader(threading.Thread):
    """Collects a pipe's lines with their arrival time (the exporter logs on stderr)."""

    def __init__(self, stream, on_line=None):
        super().__init__(daemon=True)
        self.stream = stream
        self.lines: list[tuple[float, str]] = []
        self.on_line = on_line

    def run(self) -> None:
        for raw in self.stream:
            line = raw.decode(errors="replace").rstrip("\n")
            self.lines.append((time.monotonic(), line))
            if self.on_line:
                self.on_line(line)

    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)


def run_ingest(exporter: str, log: str, db: str, *, wrapper: list[str] | None = None, timeout: float = 3600,
               extra: list[str] | None = None) -> dict:
    """`model-exporter ingest --json` on a fresh database; adds the RSS samples and the
    backfill progress the exporter logs (percent of the log, every ~2 s) with their times."""
    remove_database(db)
    command = (wrapper or []) + [exporter, "ingest", "--calllog.path", log, "--storage.path", db, "--json", "--log.level", "info"] + (extra or [])
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = RSSSampler(process.pid)
    sampler.start()
    err = _LineReader(process.stderr)
    err.start()
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        localproc.kill(process)
        sampler.stop()
        raise BenchError(f"ingest of {log} did not finish in {timeout:.0f} s")
    finished = time.monotonic()
    sampler.stop()
    err.join(timeout=2)
    if process.returncode != 0:
        raise BenchError(f"ingest exited with {process.returncode}:\n{err.text()[-2000:]}")
    summary = None
    for line in out.decode().splitlines():
        if line.startswith("{"):
            summary = json.loads(line)
    if summary is None:
        raise BenchError(f"ingest printed no JSON summary:\n{out.decode()[-2000:]}")
    progress = []
    for at, line in err.lines:
        match = re.search(r"percent=(\d+)", line)
        if match and "catching up" in line:
            progress.append((at, int(match.group(1))))
        elif "caught up with the call log" in line:
            progress.append((at, 100))
    peak_index = max(range(len(sampler.samples)), key=lambda i: sampler.samples[i][1]) if sampler.samples else None
    summary.update({
        "wall_seconds": finished - started,
        "started": started,
        "finished": finished,
        "rss_samples": sampler.samples,
        "rss_hwm_bytes": sampler.peak_hwm,
        "rss_split_at_peak_sample": sampler.split[peak_index] if peak_index is not None else None,
        "progress": progress,
    })
    return summary


class Scraper:
    """GETs from the exporter on one kept-alive connection (one per thread)."""

    def __init__(self, port: int):
        self.port = port
        self._connection: http.client.HTTPConnection | None = None

    def get(self, path: str = "/metrics", timeout: float = 5) -> str:
        """One GET; reconnects once after a dropped connection."""
        for attempt in (0, 1):
            if self._connection is None:
                self._connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            try:
                self._connection.request("GET", path)
                response = self._connection.getresponse()
                body = response.read().decode()
                if response.status != 200:
                    raise BenchError(f"GET {path}: HTTP {response.status}")
                return body
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")


    def metrics(self) -> Exposition:
        return Exposition(self.get())

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


# What a scrape of a starting (or overloaded) `serve` may raise: retried by a poll.
SCRAPE_ERRORS = (OSError, http.client.HTTPException, BenchError)


class Exporter(localproc.Child):
    """`model-exporter serve` on 127.0.0.1 and a free port, started by the constructor, its
    output in DATABASE.serve.log; with a scrape connection for the calling thread. Leaving a
    `with` block stops it (SIGTERM, SIGKILL after 30 s)."""

    def __init__(self, binary: str, log: str, db: str, *, extra: list[str] | None = None):
        self.port = localproc.free_port()
        super().__init__("serve", [
            binary, "serve", "--calllog.path", log, "--storage.path", db,
            "--web.listen-address", f"127.0.0.1:{self.port}", "--log.level", "info"] + (extra or []),
            f"{db}.serve.log", stop_timeout=30)
        self.started = time.monotonic()
        self.start()
        self.scraper = Scraper(self.port)

    def get(self, path: str = "/metrics", timeout: float = 5) -> str:
        return self.scraper.get(path, timeout)

    def metrics(self) -> Exposition:
        return self.scraper.metrics()

    def alive(self) -> None:
        code = self.exited()
        if code is not None:
            raise ServeExited(f"serve exited with {code}:\n{self.log_tail(40)}")

    def wait_until(self, predicate, timeout: float, interval: float = 0.05,
                   what: str = "the expected state") -> Exposition:
        """Scrapes every `interval` seconds until `predicate(exposition)` holds (called as soon
        as the scrape answered) and returns that exposition; raises after `timeout` seconds,
        or at once if serve exits."""
        def probe():
            self.alive()
            exposition = self.metrics()
            return predicate(exposition), exposition

        done, value = localproc.poll(probe, timeout=timeout, interval=interval, tolerate=SCRAPE_ERRORS)
        if not done:
            last = value if isinstance(value, str) else "answered, not in that state"
            raise BenchError(f"serve did not reach {what} in {timeout:.0f} s (last scrape: {last}):\n{self.log_tail(40)}")
        return value

    def cpu_seconds(self) -> float:
        """User + system CPU of the process so far, from /proc/PID/stat."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> int | None:
        self.scraper.close()
        return super().stop()
