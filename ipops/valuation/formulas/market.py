"""Market approach (STANDARDS.md §5): V = Σ_j w_j · P_j · Π_k a_jk.

P_j is the price of comparable deal j (yuan), w_j its weight (the weights sum to 1; equal when none are
given), a_jk its adjustment factors (date, technology, remaining life, scope, territory, exclusivity…),
each a positive multiplier (1.10 = the subject is worth 10 % more than the comparable on that count).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from ipops.valuation.formulas.errors import ValuationInputError
from ipops.valuation.formulas.money import ONE, ZERO, decimal, fen

ADJUSTMENTS: tuple[str, ...] = ("date", "technology", "remaining_life", "scope", "territory", "exclusivity")
MAX_FACTOR = Decimal(3)


@dataclass(frozen=True)
class Comparable:
    price: Decimal
    weight: Decimal
    factor: Decimal  # Π adjustments
    adjusted: Decimal  # price × factor, to the fen
    label: str = ""


def comparables(raw: Sequence[Mapping[str, Any]]) -> list[Comparable]:
    if not raw:
        raise ValuationInputError("comparables", _("Give at least one comparable deal."))
    given = [item.get("weight") for item in raw]
    if any(w is not None for w in given) and any(w is None for w in given):
        raise ValuationInputError("comparables", _("Give a weight for every comparable deal, or for none."))
    weights = (
        [decimal(w, f"comparables[{i}].weight") for i, w in enumerate(given)]
        if given[0] is not None
        else [ONE / len(raw)] * len(raw)
    )
    if any(w < 0 for w in weights) or abs(sum(weights, ZERO) - ONE) > Decimal("0.000001"):
        raise ValuationInputError("comparables", _("The weights of the comparable deals must sum to 1."))
    out: list[Comparable] = []
    for i, item in enumerate(raw):
        price = decimal(item.get("price"), f"comparables[{i}].price")
        if price <= 0:
            raise ValuationInputError(f"comparables[{i}].price", _("A deal price must be more than zero."))
        factor = ONE
        adjustments = item.get("adjustments") or {}
        unknown = sorted(set(adjustments) - set(ADJUSTMENTS))
        if unknown:
            raise ValuationInputError(
                f"comparables[{i}].adjustments",
                _("Unknown adjustments: %(names)s") % {"names": ", ".join(unknown)},
            )
        for name, value in adjustments.items():
            a = decimal(value, f"comparables[{i}].adjustments.{name}")
            if a <= 0 or a > MAX_FACTOR:
                raise ValuationInputError(
                    f"comparables[{i}].adjustments.{name}",
                    _("An adjustment factor must be more than 0 and at most 3."),
                )
            factor *= a
        out.append(
            Comparable(
                price=price,
                weight=weights[i],
                factor=factor,
                adjusted=fen(price * factor),
                label=str(item.get("label", "")),
            )
        )
    return out


def market_value(raw: Sequence[Mapping[str, Any]]) -> tuple[Decimal, list[Comparable]]:
    deals = comparables(raw)
    return fen(sum((d.weight * d.price * d.factor for d in deals), ZERO)), deals
