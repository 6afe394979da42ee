"""How every end-to-end harness runs: to the end, stopping its processes whatever happens."""

from __future__ import annotations

import shutil
import signal
import time
import traceback


class Abort(Exception):
    """Stop the run; the failure was already counted."""


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
        if not keep:
            shutil.rmtree(run.tmp, ignore_errors=True)
    print(f"{name}: took {time.time() - began:.0f}s")
    print(f"{name}: {run.checks.passed} passed, {run.checks.failed} failed")
    return 1 if run.checks.failed else 0
