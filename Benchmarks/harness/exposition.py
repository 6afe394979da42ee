"""Just enough of the Prometheus text format to read the figures the suite checks."""

from __future__ import annotations

import re

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)")


class Exposition:
    def __init__(self, text: str):
        self.values: dict[str, float] = {}
        self.sums: dict[str, float] = {}
        self.model_samples = 0
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            match = _SAMPLE.match(line)
            if not match:
                continue
            name, labels, raw = match.group(1), match.group(2), match.group(3)
            try:
                value = float(raw)
            except ValueError:
                continue
            if labels is None:
                self.values[name] = value
            self.sums[name] = self.sums.get(name, 0.0) + value
            if name.startswith("model_") and not name.startswith("model_exporter_"):
                self.model_samples += 1

    def value(self, name: str, default: float = 0.0) -> float:
        return self.values.get(name, self.sums.get(name, default))

    @property
    def accepted(self) -> int:
        return int(self.value("model_exporter_accepted_lines_total"))

    @property
    def requests(self) -> int:
        return int(self.sums.get("model_requests_total", 0))

    @property
    def caught_up(self) -> bool:
        return self.value("model_exporter_catchup_complete") == 1
