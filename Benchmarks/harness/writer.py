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


def main(path: str, rate: float, seconds: float, record_path: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    records = []
    written = 0
    start = time.monotonic()
    tick = 0
    while True:
        now = time.monotonic()
        elapsed = now - start
        if elapsed >= seconds:
            break
        due = int(rate * elapsed) - written
        if due > 0:
            wall = time.time()
            data = "".join(line(written + i, wall) for i in range(due)).encode()
            os.write(fd, data)
            written += due
            records.append((time.monotonic(), written))
        tick += 1
        delay = start + tick * TICK - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    os.close(fd)
    with open(record_path, "w") as f:
        json.dump({"start": start, "end": time.monotonic(), "written": written, "records": records}, f)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
