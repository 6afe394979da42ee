"""A simulated gateway appending call-log lines with current timestamps.

Each agent has a steady rate and a behaviour that the test switches at the start of an
incident. Shares (7.5% errors, 30% fallbacks) are exact, not random: request k is "bad" when
floor((k+1)·share) > floor(k·share), so any run of N consecutive requests holds N·share ± 1
bad ones. With 5-second rate windows that matters: a random 7.5% could read as 4% or 11%
in one window and make the test flaky.

Lines follow the format of Sources/MetricsCore/Generation/CallLogGenerator.swift, including
its fine-tuned model names, so live traffic continues the series of the generated history.
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass

BASELINE_MODEL = "open-mistral-7b"


def finetuned_model(agent: str) -> str:
    """CallLogGenerator.finetunedModel(for:): FNV-1a of the agent name."""
    h = 0xCBF29CE484222325
    for byte in agent.encode("utf-8"):
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "ft:open-mistral-7b:5010731d:20251031:" + format(h & 0xFFFFFFFF, "x").rjust(8, "0")


def rfc3339(ts: float) -> str:
    ms = int(round(ts * 1000))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def _hit(k: int, share: float) -> bool:
    return share > 0 and math.floor((k + 1) * share) > math.floor(k * share)


@dataclass(frozen=True)
class Behaviour:
    """How an agent's requests look. The default is healthy: every first attempt succeeds,
    latency well under a second, spend far below the cost thresholds."""

    silent: bool = False
    error_share: float = 0.0        # first attempts that fail
    error_type: str = "server_error"
    rescued: bool = True            # failed first attempts go to the fallback model and succeed
    latency_ms: float | None = None  # every request takes this long (None: 150-450 ms)
    cost_usd: float = 0.000005      # per request


HEALTHY = Behaviour()


class CallLogWriter:
    def __init__(self, path: str, rates: dict[str, float], tick_seconds: float = 0.05):
        self.path = path
        self.rates = dict(rates)
        self.tick = tick_seconds
        self._lock = threading.Lock()
        self._behaviour = {agent: HEALTHY for agent in rates}
        self._started: dict[str, float] = {}
        self._written = {agent: 0 for agent in rates}
        self.last_timestamp: dict[str, float] = {}
        self.lines_written = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="call-log-writer", daemon=True)
        self.error: BaseException | None = None

    def start(self) -> None:
        now = time.time()
        for agent in self.rates:
            self._started[agent] = now
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def set_behaviour(self, agent: str, behaviour: Behaviour) -> None:
        with self._lock:
            self._behaviour[agent] = behaviour

    def behaviour(self, agent: str) -> Behaviour:
        with self._lock:
            return self._behaviour[agent]

    def _run(self) -> None:
        try:
            with open(self.path, "a", encoding="utf-8") as log:
                while not self._stop.is_set():
                    chunk = self._due_lines(time.time())
                    if chunk:
                        log.write(chunk)
                        log.flush()
                    # Pacing, not synchronisation: lines carry their own scheduled timestamps.
                    self._stop.wait(self.tick)
        except BaseException as error:  # surfaced by the harness, which checks writer.error
            self.error = error

    def _due_lines(self, now: float) -> str:
        out = []
        with self._lock:
            for agent, rate in self.rates.items():
                behaviour = self._behaviour[agent]
                due = int((now - self._started[agent]) * rate)
                if behaviour.silent:
                    # Stay on schedule so that a later recovery does not burst.
                    self._written[agent] = max(self._written[agent], due)
                    continue
                while self._written[agent] < due:
                    k = self._written[agent]
                    ts = self._started[agent] + (k + 1) / rate
                    out.append(self._line(agent, k, ts, behaviour))
                    self._written[agent] = k + 1
                    self.last_timestamp[agent] = ts
        self.lines_written += len(out)
        return "".join(out)

    def _line(self, agent: str, k: int, ts: float, b: Behaviour) -> str:
        failed = _hit(k, b.error_share)
        # Healthy requests alternate between the A/B arms; failures happen on the fine-tuned
        # arm when rescued (the gateway falls back to the baseline), on the baseline otherwise.
        finetuned = (k % 2 == 0) if not failed else b.rescued
        model = finetuned_model(agent) if finetuned else BASELINE_MODEL
        fallback = failed and b.rescued
        success = not failed or b.rescued
        latency = b.latency_ms if b.latency_ms is not None else 150 + (k * 37) % 300
        input_tokens = 100 + (k * 53) % 900
        output_tokens = 20 + (k * 29) % 400 if success else 0
        record = {
            "ts": rfc3339(ts),
            "request_id": f"e2e-{agent}-{k}",
            "agent": agent,
            "model": model,
            "variant": "finetuned" if finetuned else "baseline",
            "success": success,
            "fallback": fallback,
            "fallback_model": BASELINE_MODEL if fallback else None,
            "error": b.error_type if failed else None,
            "latency_ms": round(latency, 1),
            "cost_usd": b.cost_usd,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            # Two answers in three streamed, their first token at 30% of the answer; a tenth
            # to half of the input from the prompt cache: the TTFT and cached-share panels and
            # columns have live data.
            "stream": success and k % 3 != 2,
            "cached_input_tokens": input_tokens * (1 + k % 5) // 10,
            "reasoning_tokens": output_tokens // 10,
            "cache_hit": False,
        }
        if record["stream"]:
            record["ttft_ms"] = round(latency * 0.3, 1)
        return json.dumps(record, separators=(",", ":")) + "\n"
