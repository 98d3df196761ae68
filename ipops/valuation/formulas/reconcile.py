"""Reconciliation: V = Σ_a w_a · V_a over the approaches that gave a value, the weights of those approaches
rescaled to sum to 1 (an approach without inputs drops out and its weight goes to the others)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from ipops.valuation.formulas.errors import ValuationInputError
from ipops.valuation.formulas.money import ZERO, decimal, fen


def reconcile(
    values: Mapping[str, Decimal | None], weights: Mapping[str, Any]
) -> tuple[Decimal, dict[str, Decimal]]:
    """The reconciled value and the weights actually used."""
    present = {name: v for name, v in values.items() if v is not None}
    if not present:
        raise ValuationInputError(
            "approaches", _("No approach gave a value: enter the inputs of at least one.")
        )
    raw = {name: decimal(weights.get(name, 0), f"reconciliation.{name}") for name in present}
    if any(w < 0 for w in raw.values()):
        raise ValuationInputError("reconciliation", _("Reconciliation weights cannot be negative."))
    total = sum(raw.values(), ZERO)
    if total == 0:
        raise ValuationInputError(
            "reconciliation", _("The approaches that gave a value all have weight zero.")
        )
    used = {name: w / total for name, w in raw.items()}
    return fen(sum((used[n] * present[n] for n in present), ZERO)), used
