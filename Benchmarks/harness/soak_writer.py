"""The soak's gateway: appends `model-exporter generate` lines at a steady rate (each line's
`ts` about its append time, so retention by age deletes them on schedule) and rotates the log
as logrotate does (`rotate 1` + `create`): every ROTATE seconds the old PATH.1 is deleted,
PATH is renamed to PATH.1 and a new PATH is created for the next writes. Every 0.25 s, and at
the end, it replaces STATUS.json with the lines written so far (in all files) and when the
last of them was written (CLOCK_MONOTONIC, as the harness reads it), the rotations done and
the lines in the current file.

    python3 -m harness.soak_writer EXPORTER PATH RATE SECONDS ROTATE STATUS.json
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import localproc

from .writer import pace


def main(exporter: str, path: str, rate: float, seconds: float, rotate: float, status_path: str) -> None:
    total = int(rate * seconds) + 1
    # The generator's lines carry timestamps from `--start` on, 1/rate apart: written at that
    # rate from now, each line's ts is (within a tick) the moment it is appended.
    generator = subprocess.Popen([exporter, "generate", "--lines", str(total), "--seed", "13", "--rate", str(rate),
                                  "--start", f"{time.time():.3f}", "--output", "-"], stdout=subprocess.PIPE)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    start = time.monotonic()
    state = {"written": 0, "rotations": 0, "file_lines": 0, "status_at": 0.0, "written_at": start}

    def publish(done: bool) -> None:
        temporary = status_path + ".tmp"
        with open(temporary, "w") as f:
            json.dump({"written": state["written"], "rotations": state["rotations"], "file_lines": state["file_lines"],
                       "at": state["written_at"], "done": done}, f)
        os.replace(temporary, status_path)

    def write(first: int, count: int) -> None:
        nonlocal fd
        now = time.monotonic()
        if rotate > 0 and now - start >= (state["rotations"] + 1) * rotate:
            try:
                os.unlink(path + ".1")
            except FileNotFoundError:
                pass
            os.rename(path, path + ".1")
            new = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            os.close(fd)
            fd = new
            state["rotations"] += 1
            state["file_lines"] = 0
        data = b"".join(generator.stdout.readline() for _ in range(count))
        if data.count(b"\n") != count:
            raise SystemExit(f"soak writer: the generator ended after {first} lines")
        os.write(fd, data)
        state["written"] = first + count
        state["written_at"] = time.monotonic()
        state["file_lines"] += count
        if now - state["status_at"] >= 0.25:
            state["status_at"] = now
            publish(False)

    try:
        pace(rate, seconds, write)
    finally:
        os.close(fd)
        localproc.stop(generator, timeout=5)
        publish(True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
