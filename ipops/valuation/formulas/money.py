"""Money and rates as Decimal: parsing user input, rounding to the fen."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from ipops.valuation.formulas.errors import ValuationInputError

FEN = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)


def fen(amount: Decimal) -> Decimal:
    """Round yuan to the fen, half up (¥0.005 → ¥0.01)."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def decimal(value: Any, field: str) -> Decimal:
    """A finite Decimal from an int, a Decimal or a numeric string (floats go through their text form)."""
    if isinstance(value, bool) or value is None:
        raise ValuationInputError(field, _("A number is required."))
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValuationInputError(field, _("Not a number: %(value)s") % {"value": value}) from None
    if not number.is_finite():
        raise ValuationInputError(field, _("Not a finite number."))
    return number


def rate(value: Any, field: str, *, low: Decimal = ZERO, high: Decimal = ONE) -> Decimal:
    """A rate as a fraction in [low, high] (0.05 = 5 %)."""
    number = decimal(value, field)
    if number < low or number > high:
        raise ValuationInputError(
            field,
            _("Must be a fraction between %(low)s and %(high)s (for example 0.05 for 5 %%).")
            % {"low": low, "high": high},
        )
    return number
