"""Monte Carlo range: draw the uncertain inputs from triangular distributions (low, mode, high), evaluate
the approach for every draw at once (numpy), report P10 / P50 / P90 rounded to the fen.

Seeded (`numpy.random.default_rng(seed)`), so the same inputs give the same range.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.utils.translation import gettext_lazy as _

from ipops.valuation.formulas.errors import ValuationInputError
from ipops.valuation.formulas.money import fen


@dataclass(frozen=True)
class Triangular:
    low: float
    mode: float
    high: float

    @classmethod
    def around(cls, mode: Decimal, spread: Decimal, *, absolute: bool = False) -> Triangular:
        """mode ± spread (relative to the mode, or absolute)."""
        m = float(mode)
        s = float(spread) if absolute else abs(m) * float(spread)
        return cls(m - s, m, m + s)

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if not self.low <= self.mode <= self.high:
            raise ValuationInputError("monte_carlo", _("A range must satisfy low ≤ most likely ≤ high."))
        if self.low == self.high:
            return np.full(n, self.mode)
        return rng.triangular(self.low, self.mode, self.high, n)


@dataclass(frozen=True)
class Range:
    p10: Decimal
    p50: Decimal
    p90: Decimal
    draws: int


def simulate(
    evaluate: Callable[[Mapping[str, np.ndarray]], np.ndarray],
    inputs: Mapping[str, Triangular],
    *,
    draws: int = 10_000,
    seed: int = 0,
) -> Range:
    if draws < 100:
        raise ValuationInputError("monte_carlo.draws", _("Use at least 100 draws."))
    rng = np.random.default_rng(seed)
    sample = {name: dist.draw(rng, draws) for name, dist in inputs.items()}
    values = evaluate(sample)
    p10, p50, p90 = np.percentile(values, [10, 50, 90])
    low, mid, high = (fen(Decimal(repr(float(v)))) for v in (p10, p50, p90))
    return Range(p10=low, p50=mid, p90=high, draws=draws)


def spread_inputs(modes: Mapping[str, Decimal], spreads: Mapping[str, Any]) -> dict[str, Triangular]:
    """Triangular ranges around each mode: relative spread, or ("abs", value) for an absolute one."""
    out: dict[str, Triangular] = {}
    for name, mode in modes.items():
        spread = spreads.get(name, 0)
        if isinstance(spread, tuple):
            out[name] = Triangular.around(mode, Decimal(str(spread[1])), absolute=True)
        else:
            out[name] = Triangular.around(mode, Decimal(str(spread)))
    return out


def check_discount_above_growth(inputs: Mapping[str, Triangular]) -> None:
    if "discount" in inputs and "growth" in inputs and inputs["discount"].low <= inputs["growth"].high:
        raise ValuationInputError(
            "monte_carlo",
            _("The lowest discount rate of the range must stay above the highest growth rate."),
        )
