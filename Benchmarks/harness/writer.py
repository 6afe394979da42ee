"""The freshness benchmark's gateway: appends call-log lines at a steady rate, each line's
`ts` the time it is written, and records after every write how many lines the file holds
and when (CLOCK_MONOTONIC, comparable with the poller in the other process).

    python3 -m harness.writer PATH RATE SECONDS RECORD.json
"""

from __future__ import annotations

import json
import os
import sys
import time

AGENTS = ["qa_agent", "content_agent", "legal_agent", "support_agent", "analyst_agent"]
TICK = 0.01


def line(sequence: int, now: float) -> str:
    ms = int(now * 1000)
    ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"
    agent = AGENTS[sequence % len(AGENTS)]
    return (f'{{"ts":"{ts}","request_id":"fresh-{sequence:x}","agent":"{agent}","model":"open-mistral-7b",'
            f'"variant":"baseline","success":true,"fallback":false,"fallback_model":null,"error":null,'
            f'"latency_ms":{300 + sequence % 700}.5,"cost_usd":0.0002,"input_tokens":{100 + sequence % 900},'
            f'"output_tokens":{20 + sequence % 400}}}\n')


def pace(rate: float, seconds: float, write) -> int:
    """Calls write(first, n) every ~10 ms with the n lines due at `rate` lines/s (lines first to
    first + n - 1), for `seconds`; returns the lines written. A late tick writes what it missed,
    so the rate holds on average. Shared with the soak's writer (harness/soak_writer.py)."""
    written = 0
    start = time.monotonic()
    tick = 0
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            break
        due = int(rate * elapsed) - written
        if due > 0:
            write(written, due)
            written += due
        tick += 1
        delay = start + tick * TICK - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    return written


def main(path: str, rate: float, seconds: float, record_path: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    records = []

    def write(first: int, count: int) -> None:
        wall = time.time()
        os.write(fd, "".join(line(first + i, wall) for i in range(count)).encode())
        records.append((time.monotonic(), first + count))

    start = time.monotonic()
    written = pace(rate, seconds, write)
    os.close(fd)
    with open(record_path, "w") as f:
        json.dump({"start": start, "end": time.monotonic(), "written": written, "records": records}, f)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
