"""What every measure shares: binaries, the scratch directory, sizes, and the data sets
(generated here, never committed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field

from . import processes


@dataclass
class Sizes:
    lines: int = 1_000_000          # (1)-(3): the 1M-line log
    runs: int = 3                   # repeats of (1)-(3) and of the restart
    big_lines: int = 10_000_000     # (4), (7): the 10M-line log; 0 skips them
    freshness_seconds: float = 60
    freshness_rate: int = 10_000
    scrape_seconds: int = 20
    scrape_idle_seconds: int = 10
    scrape_block_lines: int = 1_000_000
    scrape_agents: int = 50
    soak_seconds: float = 3600      # the soak (scripts/bench --only soak; never by default)
    soak_rate: int = 2_000
    soak_rotate: float = 300
    soak_retention: str = "10m"
    soak_interval: float = 30

    @classmethod
    def quick(cls) -> "Sizes":
        return cls(lines=100_000, runs=1, big_lines=0, freshness_seconds=5, scrape_seconds=3,
                   scrape_idle_seconds=2, scrape_block_lines=50_000)


@dataclass
class Context:
    repo: str
    workdir: str
    exporter: str
    bench: str
    sizes: Sizes
    quick: bool
    profile_serve: bool = False               # profile `serve` in the scrape item too
    raw: dict = field(default_factory=dict)   # per-measure details, written to the JSON
    e2e_rate: float | None = None             # median end-to-end lines/s, once measured
    e2e: tuple[str, str, int] | None = None   # (log, database, accepted calls) of the last ingest run
    _log: str | None = None
    _big: tuple[str, str, dict] | None = None

    def path(self, name: str) -> str:
        return os.path.join(self.workdir, name)

    def say(self, message: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    def generate(self, lines: int, path: str, seed: int) -> str:
        if os.path.exists(path):
            os.unlink(path)
        self.say(f"generating {lines:,} lines -> {path}")
        subprocess.run([self.exporter, "generate", "--lines", str(lines), "--seed", str(seed), "--output", path], check=True)
        return path

    def log(self) -> str:
        """The log of (1)-(3), generated once per suite run."""
        if self._log is None:
            self._log = self.generate(self.sizes.lines, self.path("calls-e2e.jsonl"), seed=1)
        return self._log

    def big_database(self) -> tuple[str, str, dict]:
        """The big log and the database it was ingested into, with that ingest's figures
        (used by (4), whose measure it is, and by (7), which needs the database)."""
        if self._big is None:
            log = self.generate(self.sizes.big_lines, self.path("calls-big.jsonl"), seed=2)
            db = self.path("big.sqlite")
            self.say(f"ingesting {self.sizes.big_lines:,} lines (RSS sampled every 100 ms)")
            result = processes.run_ingest(self.exporter, log, db)
            self._big = (log, db, result)
        return self._big

    def disk_free_gib(self) -> float:
        usage = shutil.disk_usage(self.workdir)
        return usage.free / 2**30
