"""Income approach (STANDARDS.md §5).

- Period: n = min(remaining legal term, economic life), in years; a part year at the end counts its share
  of that year's cash flow, discounted at t = n.
- Revenue: S_t = S_1 · (1 + g)^(t − 1).
- Discount rate build-up: r = risk-free + Σ premia (technical, market, funding, management); r must exceed g.
- Relief from royalty: V = Σ_t S_t · royalty · (1 − tax) / (1 + r)^t.
- Excess earnings: V = Σ_t (S_t · margin · (1 − tax) − S_t · contributory charge rate) / (1 + r)^t.
- Profit share: V = Σ_t S_t · margin · (1 − tax) · K / (1 + r)^t with K = K_low + (K_high − K_low) · Δ,
  Δ = value score / 100.

All in Decimal; the value is rounded to the fen at the end. `*_array` variants evaluate the same formulas
on numpy arrays of draws for the Monte Carlo range (floats there: a statistical spread, never stored).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.utils.translation import gettext_lazy as _

from ipops.valuation.formulas.errors import ValuationInputError
from ipops.valuation.formulas.money import ONE, ZERO, decimal, fen, rate

PREMIA: tuple[str, ...] = ("technical", "market", "funding", "management")


@dataclass(frozen=True)
class Period:
    years: Decimal  # n
    whole: int  # full years
    fraction: Decimal  # share of the last, part year (0 when none)
    notes: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class IncomeResult:
    value: Decimal
    period: Period
    cash_flows: list[Decimal]  # undiscounted, per year (the part year already scaled)
    discount_rate: Decimal
    notes: list[Any] = field(default_factory=list)


def period(remaining_legal_years: Any, economic_life_years: Any) -> Period:
    legal = decimal(remaining_legal_years, "remaining_legal_years")
    economic = decimal(economic_life_years, "economic_life_years")
    if legal <= 0:
        raise ValuationInputError(
            "remaining_legal_years", _("The patent has no remaining legal term: it cannot earn income.")
        )
    if economic <= 0:
        raise ValuationInputError("economic_life_years", _("The economic life must be more than zero years."))
    notes: list[Any] = []
    if economic > legal:
        notes.append(
            _(
                "The economic life (%(economic)s years) is longer than the remaining legal term (%(legal)s "
                "years): income is counted only until the patent expires."
            )
            % {"economic": economic, "legal": legal.quantize(Decimal("0.01"))}
        )
    years = min(legal, economic)
    whole = int(years)
    return Period(years=years, whole=whole, fraction=years - whole, notes=notes)


def discount_rate(risk_free: Any, premia: Mapping[str, Any], *, max_premium: Any = "0.15") -> Decimal:
    """r = risk-free + Σ premia; each premium a fraction in [0, max_premium]."""
    cap = decimal(max_premium, "max_premium")
    r = rate(risk_free, "risk_free_rate", high=Decimal("0.2"))
    unknown = sorted(set(premia) - set(PREMIA))
    if unknown:
        raise ValuationInputError(
            "risk_premia", _("Unknown risk premia: %(names)s") % {"names": ", ".join(unknown)}
        )
    for name in PREMIA:
        r += rate(premia.get(name, 0), f"risk_premia.{name}", high=cap)
    return r


def _revenue_inputs(revenue: Any, growth: Any, discount: Any) -> tuple[Decimal, Decimal, Decimal]:
    s1 = decimal(revenue, "revenue")
    if s1 <= 0:
        raise ValuationInputError("revenue", _("Revenue must be more than zero."))
    g = rate(growth, "growth", low=Decimal("-0.5"), high=ONE)
    r = rate(discount, "discount_rate", high=ONE)
    if r <= g:
        raise ValuationInputError(
            "discount_rate",
            _("The discount rate (%(r)s) must be higher than the growth rate (%(g)s).") % {"r": r, "g": g},
        )
    return s1, g, r


def _discounted(
    per_revenue: Decimal, s1: Decimal, g: Decimal, r: Decimal, p: Period
) -> tuple[Decimal, list[Decimal]]:
    """Σ_t S_t · per_revenue / (1 + r)^t over the period, and the yearly cash flows."""
    flows: list[Decimal] = []
    total = ZERO
    for t in range(1, p.whole + 1):
        flow = s1 * (ONE + g) ** (t - 1) * per_revenue
        flows.append(flow)
        total += flow / (ONE + r) ** t
    if p.fraction > 0:
        flow = s1 * (ONE + g) ** p.whole * per_revenue * p.fraction
        flows.append(flow)
        total += flow / (ONE + r) ** p.years
    return total, flows


def relief_from_royalty(
    *,
    revenue: Any,
    growth: Any,
    royalty_rate: Any,
    tax_rate: Any,
    discount_rate: Any,
    remaining_legal_years: Any,
    economic_life_years: Any,
) -> IncomeResult:
    s1, g, r = _revenue_inputs(revenue, growth, discount_rate)
    royalty = rate(royalty_rate, "royalty_rate", high=Decimal("0.5"))
    tax = rate(tax_rate, "tax_rate")
    p = period(remaining_legal_years, economic_life_years)
    total, flows = _discounted(royalty * (ONE - tax), s1, g, r, p)
    return IncomeResult(
        value=fen(total), period=p, cash_flows=[fen(f) for f in flows], discount_rate=r, notes=p.notes
    )


def excess_earnings(
    *,
    revenue: Any,
    growth: Any,
    margin: Any,
    contributory_charge_rate: Any,
    tax_rate: Any,
    discount_rate: Any,
    remaining_legal_years: Any,
    economic_life_years: Any,
) -> IncomeResult:
    s1, g, r = _revenue_inputs(revenue, growth, discount_rate)
    m = rate(margin, "margin")
    charge = rate(contributory_charge_rate, "contributory_charge_rate")
    tax = rate(tax_rate, "tax_rate")
    per_revenue = m * (ONE - tax) - charge
    if per_revenue <= 0:
        raise ValuationInputError(
            "contributory_charge_rate",
            _("The contributory asset charges take the whole after-tax profit: no excess earnings are left."),
        )
    p = period(remaining_legal_years, economic_life_years)
    total, flows = _discounted(per_revenue, s1, g, r, p)
    return IncomeResult(
        value=fen(total), period=p, cash_flows=[fen(f) for f in flows], discount_rate=r, notes=p.notes
    )


def profit_share_k(k_low: Any, k_high: Any, value_score: Any) -> Decimal:
    """K = K_low + (K_high − K_low) · Δ with Δ = value score / 100."""
    low = rate(k_low, "profit_share.low")
    high = rate(k_high, "profit_share.high")
    if high < low:
        raise ValuationInputError("profit_share", _("The high end of the profit share is below the low end."))
    score = decimal(value_score, "value_score")
    if not 0 <= score <= 100:
        raise ValuationInputError("value_score", _("The value score must be between 0 and 100."))
    return low + (high - low) * score / 100


def profit_share(
    *,
    revenue: Any,
    growth: Any,
    margin: Any,
    share: Any,
    tax_rate: Any,
    discount_rate: Any,
    remaining_legal_years: Any,
    economic_life_years: Any,
) -> IncomeResult:
    s1, g, r = _revenue_inputs(revenue, growth, discount_rate)
    m = rate(margin, "margin")
    k = rate(share, "profit_share")
    tax = rate(tax_rate, "tax_rate")
    p = period(remaining_legal_years, economic_life_years)
    total, flows = _discounted(m * (ONE - tax) * k, s1, g, r, p)
    return IncomeResult(
        value=fen(total), period=p, cash_flows=[fen(f) for f in flows], discount_rate=r, notes=p.notes
    )


def discounted_array(
    per_revenue: np.ndarray, revenue: np.ndarray, growth: np.ndarray, discount: np.ndarray, p: Period
) -> np.ndarray:
    """The same sum as `_discounted` for arrays of draws (float64)."""
    total = np.zeros_like(revenue, dtype=np.float64)
    for t in range(1, p.whole + 1):
        total += revenue * (1.0 + growth) ** (t - 1) * per_revenue / (1.0 + discount) ** t
    if p.fraction > 0:
        total += (
            revenue
            * (1.0 + growth) ** p.whole
            * per_revenue
            * float(p.fraction)
            / (1.0 + discount) ** float(p.years)
        )
    return total
