"""Cost approach (STANDARDS.md §5): V = C · (1 − d) · (1 − f) · (1 − e).

C: replacement cost (yuan); d = used / (used + remaining) years (physical-style depreciation of the
technology); f, e: functional and economic obsolescence as fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from ipops.valuation.formulas.errors import ValuationInputError
from ipops.valuation.formulas.money import ONE, decimal, fen, rate


@dataclass(frozen=True)
class CostResult:
    value: Decimal
    depreciation: Decimal


def depreciation(used_years: Any, remaining_years: Any) -> Decimal:
    used = decimal(used_years, "used_years")
    remaining = decimal(remaining_years, "remaining_years")
    if used < 0 or remaining < 0:
        raise ValuationInputError("used_years", _("Years used and remaining cannot be negative."))
    if used + remaining == 0:
        raise ValuationInputError("remaining_years", _("Years used and remaining cannot both be zero."))
    return used / (used + remaining)


def cost_value(
    *,
    replacement_cost: Any,
    used_years: Any,
    remaining_years: Any,
    functional_obsolescence: Any = 0,
    economic_obsolescence: Any = 0,
) -> CostResult:
    cost = decimal(replacement_cost, "replacement_cost")
    if cost <= 0:
        raise ValuationInputError("replacement_cost", _("The replacement cost must be more than zero."))
    d = depreciation(used_years, remaining_years)
    f = rate(functional_obsolescence, "functional_obsolescence")
    e = rate(economic_obsolescence, "economic_obsolescence")
    return CostResult(value=fen(cost * (ONE - d) * (ONE - f) * (ONE - e)), depreciation=d)
