"""The suite's output: one row per figure, printed as a table and written as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from .stats import summary


@dataclass
class Row:
    """One reported figure: every run's value, their median and range, and the target."""

    section: str                 # the item: "1".."7", "+" for extra figures
    label: str
    unit: str                    # lines/s, rows/s, s, ms, MiB, %, req/s, x
    values: list[float] = field(default_factory=list)
    target: str = ""             # as printed, e.g. "≥ 500k lines/s"
    passed: bool | None = None   # None: no target, or not measured
    note: str = ""
    text: str | None = None      # replaces the median column (e.g. RSS at 25/50/75/100%)

    @property
    def stats(self) -> dict:
        return summary(self.values)

    def to_json(self) -> dict:
        data = asdict(self)
        data.update(self.stats)
        return data


def human(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit in ("lines/s", "rows/s"):
        if value >= 1e6:
            return f"{value / 1e6:.2f}M"
        return f"{value / 1e3:.0f}k"
    if unit == "req/s":
        return f"{value:,.0f}"
    if unit in ("s", "ms"):
        return f"{value:.3f}" if value < 0.1 else f"{value:.2f}"
    if unit == "MiB":
        return f"{value:.1f}"
    if unit == "%":
        return f"{value:.0f}"
    if unit == "x":
        return f"{value:.2f}"
    return f"{value:g}"


def check(value: float | None, *, at_least: float | None = None, at_most: float | None = None) -> bool | None:
    if value is None:
        return None
    if at_least is not None and value < at_least:
        return False
    if at_most is not None and value > at_most:
        return False
    return True


def table(rows: list[Row], header: str) -> str:
    columns = ["#", "measure", "median", "min–max", "runs", "target", "result", "notes"]
    body = []
    for row in rows:
        s = row.stats
        median = row.text if row.text is not None else f"{human(s['median'], row.unit)} {row.unit}".strip()
        spread = f"{human(s['min'], row.unit)}–{human(s['max'], row.unit)}" if s["runs"] > 1 and row.text is None else ""
        result = {True: "pass", False: "MISS", None: ""}[row.passed]
        if row.passed is None and row.target and not row.values:
            result = "skipped"
        body.append([row.section, row.label, median, spread, str(s["runs"] or ""), row.target, result, row.note])
    widths = [max([len(columns[i])] + [len(r[i]) for r in body]) for i in range(len(columns))]
    lines = [header, ""]
    lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(columns)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    for r in body:
        lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip())
    return "\n".join(lines)


def write_json(path: str, document: dict) -> None:
    with open(path, "w") as f:
        json.dump(document, f, indent=2, default=str)
        f.write("\n")
