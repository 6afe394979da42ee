"""How every end-to-end harness runs: to the end, stopping its processes whatever happens.

Processes, free ports and polling are scripts/pylib/localproc.py's (shared with the benchmark
harness); the drivers put scripts/pylib on sys.path before importing this module."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
import traceback

from localproc import Child, StopPolling


class Abort(StopPolling):
    """Stop the run; the failure was already counted. Raised in a probe, it ends localproc.poll()."""


class Servers:
    """A run's long-running children (exporters, Prometheus, Alertmanager): each started in the
    run's temporary directory with its log there, checked alive, stopped in reverse order."""

    def __init__(self, checks, tmp: str):
        self.checks = checks
        self.tmp = tmp
        self.children: list[Child] = []

    def __iter__(self):
        return iter(self.children)

    def start(self, name: str, argv: list[str]) -> Child:
        child = Child(name, argv, os.path.join(self.tmp, f"{name}.log"), cwd=self.tmp)
        self.children.append(child)
        return child.start()

    def alive(self) -> None:
        """Counts a failure and aborts the run if any of them has exited."""
        for child in self.children:
            code = child.exited()
            if code is not None:
                self.checks.fail(f"{child.name} keeps running", f"exited with status {code}")
                raise Abort()

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()

    def print_logs(self, lines: int = 80) -> None:
        for child in self.children:
            print(f"\n--- {child.name} log (tail) ---\n{child.log_tail(lines)}")


class BaseRun:
    """What every driver's Run starts from: its arguments, its checks, a temporary directory
    (prefix PREFIX) and the servers it starts there."""

    def __init__(self, args, checks, prefix: str):
        self.args = args
        self.checks = checks
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        self.servers = Servers(checks, self.tmp)

    def path(self, *parts: str) -> str:
        return os.path.join(self.tmp, *parts)


def run_to_the_end(name: str, make_run, keep: bool) -> int:
    """Makes and runs a harness's Run (run(), stop(), diagnostics(), checks, tmp) and returns the
    exit status. An Abort, SIGTERM, ^C or a harness bug is counted as a failure and still stops
    every process; diagnostics are printed on any failure, and the temporary directory is removed
    unless `keep`. Ends with "NAME: N passed, M failed"."""

    def terminate(signum, frame):
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, terminate)
    began = time.time()
    run = make_run()
    try:
        run.run()
    except Abort:
        pass
    except KeyboardInterrupt:
        run.checks.fail("run to the end", "interrupted")
    except Exception as error:  # noqa: BLE001 - a harness bug still stops every process
        run.checks.fail("run to the end", traceback.format_exc() or repr(error))
    finally:
        run.stop()
        if run.checks.failed:
            run.diagnostics()
            print(f"\n(files in {run.tmp}" + (", kept)" if keep else ", removed; --keep keeps them)"))
        if not keep:
            shutil.rmtree(run.tmp, ignore_errors=True)
    print(f"{name}: took {time.time() - began:.0f}s")
    print(f"{name}: {run.checks.passed} passed, {run.checks.failed} failed")
    return 1 if run.checks.failed else 0
