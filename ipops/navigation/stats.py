"""Precision (查准率) from a reviewed random sample and recall (查全率) against a reference set, each with a
Wilson score interval (sound at small samples and at proportions near 0 or 1)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm


@dataclass(frozen=True)
class Estimate:
    """`hits` of `n`: the proportion and its (low, high) interval at `confidence`; None when n is 0."""

    hits: int
    n: int
    confidence: float
    value: float | None
    low: float | None
    high: float | None


def wilson(hits: int, n: int, confidence: float = 0.95, population: int | None = None) -> Estimate:
    """Wilson score interval for hits/n. With `population` (the hit-set size) the finite-population
    correction narrows the interval as the sample approaches the whole set (a full review is exact)."""
    if n < 0 or hits < 0 or hits > n:
        raise ValueError("need 0 <= hits <= n")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    if n == 0:
        return Estimate(hits, n, confidence, None, None, None)
    p = hits / n
    z = float(norm.ppf(0.5 + confidence / 2))
    if population is not None and population >= n:
        z *= math.sqrt((population - n) / (population - 1)) if population > 1 else 0.0
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low, high = max(0.0, centre - half), min(1.0, centre + half)
    return Estimate(hits, n, confidence, p, min(low, p), max(high, p))  # rounding never leaves p outside
