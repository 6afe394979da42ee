"""Medians, ranges and percentiles for small samples, with no third-party packages."""

from __future__ import annotations

import math
import statistics


def summary(values: list[float]) -> dict:
    """Median with min and max: the suite's way of reporting repeated runs on a noisy machine."""
    values = [v for v in values if v is not None]
    if not values:
        return {"median": None, "min": None, "max": None, "runs": 0}
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100): a value that was observed, never interpolated."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]
