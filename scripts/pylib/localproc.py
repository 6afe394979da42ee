"""Local child processes, free ports on 127.0.0.1, and polling a condition with a deadline:
the one copy shared by the end-to-end drivers (scripts/e2e/*.py) and the benchmark harness
(Benchmarks/harness/, run by scripts/bench).

Where it lives, and how it is found: scripts/pylib/ is a plain directory of modules, not a
package, and nothing installs it. Whoever needs it puts this directory on sys.path and then
does `import localproc`:
  - every scripts/e2e/*.py driver inserts <repo>/scripts/pylib next to its own directory, in
    the lines just after its imports of the standard library;
  - Benchmarks/harness/__init__.py inserts it once for the whole harness package (so
    `python3 -m harness` needs no PYTHONPATH beyond Benchmarks/, and neither does the
    freshness writer it starts).
Standard library only: both sides run on the machine's python3 without a virtualenv.

No fixed sleeps: whatever waits for something to happen polls it with poll() and a deadline;
the poll interval inside poll() is the only sleep.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time


def free_port() -> int:
    """A port free on 127.0.0.1 right now. Servers that cannot listen on :0 and report the
    port need one chosen for them; the window between close and their bind is tiny."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StopPolling(Exception):
    """Raised by a probe (or a subclass of it) to end poll() at once: it always propagates,
    whatever poll() tolerates otherwise."""


def poll(probe, *, timeout: float | None = None, deadline: float | None = None, interval: float = 0.5,
         tolerate: tuple[type[BaseException], ...] = (Exception,)) -> tuple[bool, object]:
    """Calls probe() until it returns (True, value) or the deadline passes, and returns the last
    (done, value). The deadline is `timeout` seconds from now or `deadline`, a time.monotonic()
    value (one deadline may be shared by several polls); the probe runs at least once.

    A probe that raises one of `tolerate` counts as not done, with "Type: message" as its value
    (servers may still be starting); StopPolling and anything else propagates. Probes start
    every `interval` seconds (a slow probe is followed by the next one at once, not by a burst
    to catch up)."""
    if (timeout is None) == (deadline is None):
        raise TypeError("poll() takes exactly one of timeout and deadline")
    if deadline is None:
        deadline = time.monotonic() + timeout
    next_at = time.monotonic()
    while True:
        try:
            done, value = probe()
        except StopPolling:
            raise
        except tolerate as error:
            done, value = False, f"{type(error).__name__}: {error}"
        now = time.monotonic()
        if done or now >= deadline:
            return done, value
        next_at = max(next_at + interval, now)
        time.sleep(min(next_at, deadline) - now)


def stop(process: subprocess.Popen, timeout: float = 10) -> int:
    """SIGTERM, then SIGKILL if the process has not exited `timeout` seconds later; reaps it
    and returns its exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill(process)
    return process.wait()


def kill(process: subprocess.Popen) -> int:
    """SIGKILL (kill -9) and reap; returns the exit status (-9 unless it had exited already)."""
    if process.poll() is None:
        process.kill()
    return process.wait()


class Child:
    """A child process with stdout and stderr appended to a log file (inherited when log_path
    is None), in a session of its own: a Ctrl-C at the terminal reaches only the parent, which
    then stops its children in order instead of all of them dying at once. A context manager:
    leaving the block stops it."""

    def __init__(self, name: str, argv: list[str], log_path: str | None = None, *,
                 cwd: str | None = None, env: dict | None = None, stop_timeout: float = 10):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.cwd = cwd
        self.env = env
        self.stop_timeout = stop_timeout
        self.process: subprocess.Popen | None = None

    def start(self) -> "Child":
        log = open(self.log_path, "ab") if self.log_path else None
        try:
            self.process = subprocess.Popen(
                self.argv, stdout=log, stderr=subprocess.STDOUT if log else None, stdin=subprocess.DEVNULL,
                cwd=self.cwd, env=self.env, start_new_session=True)
        finally:
            if log:
                log.close()
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def exited(self) -> int | None:
        """The exit status, or None while it runs (or before it started)."""
        return None if self.process is None else self.process.poll()

    def wait(self, timeout: float | None = None) -> int | None:
        """Waits for it to exit by itself; the exit status, or None if it still runs after
        `timeout` seconds."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> int | None:
        """SIGTERM, SIGKILL after stop_timeout seconds; the exit status (None if never started)."""
        return None if self.process is None else stop(self.process, self.stop_timeout)

    def kill(self) -> int | None:
        """kill -9, for a test of a crash; the exit status (None if never started)."""
        return None if self.process is None else kill(self.process)

    def log_tail(self, lines: int = 80) -> str:
        if not self.log_path:
            return "(output not logged)"
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError as error:
            return f"(no log: {error})"
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> "Child":
        if self.process is None:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
