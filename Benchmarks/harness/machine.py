"""The machine and source tree a run was made on, recorded with every result."""

from __future__ import annotations

import os
import platform
import subprocess


def _first(path: str, prefix: str, separator: str = ":") -> str | None:
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(prefix) and separator in line:
                    return line.split(separator, 1)[1].strip().strip('"')
    except OSError:
        pass
    return None


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def describe(repo: str) -> dict:
    def run(*cmd: str) -> str | None:
        try:
            # rstrip only: `git status --porcelain` lines start with a meaningful space.
            return subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=30).stdout.rstrip() or None
        except (OSError, subprocess.TimeoutExpired):
            return None

    mem_kib = _first("/proc/meminfo", "MemTotal")
    status = run("git", "status", "--porcelain", "--untracked-files=no") or ""
    return {
        "nproc": os.cpu_count(),
        "cpu_model": _first("/proc/cpuinfo", "model name"),
        "kernel": platform.release(),
        "os": _first("/etc/os-release", "PRETTY_NAME", "=") or platform.platform(),
        "memory_gib": round(int(mem_kib.split()[0]) / 1048576, 1) if mem_kib else None,
        "load_average_start": load_average(),
        "swift": next(iter((run("swift", "--version") or "").splitlines()), None),
        "sqlite": run("sqlite3", "--version"),
        "git_commit": run("git", "rev-parse", "--short", "HEAD"),
        "git_dirty_files": len(status.splitlines()),
        # The figures are of the working tree: name what differs from the commit.
        "git_modified": [line[3:] for line in status.splitlines()],
        "git_untracked_sources": [line[3:] for line in (run("git", "status", "--porcelain", "--", "Sources") or "").splitlines()
                                  if line.startswith("??")],
    }
