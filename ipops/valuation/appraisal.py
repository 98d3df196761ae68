"""Money valuation of one patent (or a portfolio treated as one asset) from the user's inputs: every
approach that has its inputs, each with a Monte Carlo range, and their reconciliation.

Inputs (JSON, all money in yuan as strings or numbers, rates as fractions)::

    {"revenue": "5000000", "growth": "0.05", "royalty_rate": "0.03", "economic_life_years": 8,
     "tax_rate": "0.25",                                   # default from config/appraisal.json
     "risk_free_rate": "0.02", "risk_premia": {"technical": "0.04", ...},   # defaults likewise
     "margin": "0.20", "contributory_charge_rate": "0.05", # excess earnings (optional)
     "comparables": [{"price": "1200000", "weight": "0.5", "adjustments": {"date": "1.05"}}, ...],
     "cost": {"replacement_cost": "800000", "used_years": 3, "functional_obsolescence": "0.1"},
     "monte_carlo": {"spread": "0.2", "discount_spread": "0.02", "draws": 10000, "seed": 1}}

A patent that is not in force (lapsed, expired, invalidated, withdrawn, rejected, or past its term) is
valued at zero with the reason, whatever the inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import numpy as np
from django.utils.translation import gettext_lazy as _

from ipops.valuation.catalogue import appraisal_defaults
from ipops.valuation.formulas import cost as cost_formulas
from ipops.valuation.formulas import income, market, montecarlo, reconcile
from ipops.valuation.formulas.errors import ValuationInputError
from ipops.valuation.formulas.money import ZERO, decimal, fen

NOT_IN_FORCE = {
    "lapsed": _("The patent has lapsed (annual fees not paid): it is valued at zero."),
    "expired": _("The patent has expired: it is valued at zero."),
    "invalidated": _("The patent was invalidated: it is valued at zero."),
    "withdrawn": _("The application was withdrawn: it is valued at zero."),
    "rejected": _("The application was refused: it is valued at zero."),
}
KNOWN_INPUTS = {
    "revenue", "growth", "royalty_rate", "economic_life_years", "tax_rate", "risk_free_rate", "risk_premia",
    "margin", "contributory_charge_rate", "comparables", "cost", "monte_carlo", "discount_rate",
}  # fmt: skip


def zero_reason(legal_status: str, remaining_legal_years: Decimal | None) -> Any | None:
    if legal_status in NOT_IN_FORCE:
        return NOT_IN_FORCE[legal_status]
    if remaining_legal_years is not None and remaining_legal_years <= 0:
        return _("The patent's legal term has ended: it is valued at zero.")
    return None


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def appraise(
    inputs: Mapping[str, Any],
    *,
    legal_status: str,
    remaining_legal_years: Decimal | None,
    scenario: str,
    config: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """JSON-ready results: approaches (value, range, details), reconciled value and range, notes."""
    cfg = dict(config or appraisal_defaults())
    unknown = sorted(set(inputs) - KNOWN_INPUTS)
    if unknown:
        raise ValuationInputError("inputs", _("Unknown inputs: %(names)s") % {"names": ", ".join(unknown)})
    reason = zero_reason(legal_status, remaining_legal_years)
    if reason is not None:
        return {"value": "0.00", "p10": "0.00", "p50": "0.00", "p90": "0.00", "zero_reason": str(reason),
                "approaches": {}, "weights": {}, "notes": [str(reason)]}  # fmt: skip
    if remaining_legal_years is None:
        raise ValuationInputError(
            "remaining_legal_years", _("The patent's remaining legal term is unknown (no application date).")
        )
    notes: list[str] = []
    approaches: dict[str, dict[str, Any]] = {}
    mc = {**cfg["monte_carlo"], **(inputs.get("monte_carlo") or {})}
    draws, seed = int(mc["draws"]), int(mc["seed"])
    spread = decimal(mc["spread"], "monte_carlo.spread")
    tax = decimal(inputs.get("tax_rate", cfg["tax_rate"]), "tax_rate")

    if "revenue" in inputs:
        if "discount_rate" in inputs:
            r = decimal(inputs["discount_rate"], "discount_rate")
        else:
            r = income.discount_rate(
                inputs.get("risk_free_rate", cfg["risk_free_rate"]),
                {**cfg["risk_premia"], **(inputs.get("risk_premia") or {})},
                max_premium=cfg["max_premium_each"],
            )
        common = {
            "revenue": inputs["revenue"],
            "growth": inputs.get("growth", 0),
            "tax_rate": tax,
            "discount_rate": r,
            "remaining_legal_years": remaining_legal_years,
            "economic_life_years": inputs.get("economic_life_years", remaining_legal_years),
        }
        ranges = montecarlo.spread_inputs(
            {
                "revenue": decimal(common["revenue"], "revenue"),
                "growth": decimal(common["growth"], "growth"),
                "discount": r,
            },
            {
                "revenue": spread,
                "growth": ("abs", Decimal("0.01")),
                "discount": ("abs", mc["discount_spread"]),
            },
        )
        if "royalty_rate" in inputs:
            result = income.relief_from_royalty(royalty_rate=inputs["royalty_rate"], **common)
            montecarlo.check_discount_above_growth(ranges)
            royalty = decimal(inputs["royalty_rate"], "royalty_rate")
            spread_royalty = {**ranges, "royalty": montecarlo.Triangular.around(royalty, spread)}
            per = 1 - float(tax)
            span = montecarlo.simulate(
                lambda d: income.discounted_array(d["royalty"] * per, d["revenue"], d["growth"], d["discount"], result.period),
                spread_royalty, draws=draws, seed=seed,
            )  # fmt: skip
            approaches["relief_from_royalty"] = _income_entry(result, span)
            notes.extend(str(n) for n in result.notes)
        if "margin" in inputs and "contributory_charge_rate" in inputs:
            result = income.excess_earnings(
                margin=inputs["margin"], contributory_charge_rate=inputs["contributory_charge_rate"], **common
            )
            montecarlo.check_discount_above_growth(ranges)
            per_revenue = float(
                decimal(inputs["margin"], "margin") * (1 - tax)
                - decimal(inputs["contributory_charge_rate"], "c")
            )
            span = montecarlo.simulate(
                lambda d: income.discounted_array(np.full(draws, per_revenue), d["revenue"], d["growth"], d["discount"], result.period),
                ranges, draws=draws, seed=seed,
            )  # fmt: skip
            approaches["excess_earnings"] = _income_entry(result, span)
            if not approaches.get("relief_from_royalty"):
                notes.extend(str(n) for n in result.notes)
        if not approaches:
            raise ValuationInputError(
                "royalty_rate",
                _(
                    "With revenue, give a royalty rate (relief from royalty) or a margin and contributory charges (excess earnings)."
                ),
            )
    if inputs.get("comparables"):
        value, deals = market.market_value(inputs["comparables"])
        modes = {f"p{i}": d.price * d.factor for i, d in enumerate(deals)}
        span = montecarlo.simulate(
            lambda d: np.sum([float(deal.weight) * d[f"p{i}"] for i, deal in enumerate(deals)], axis=0),
            montecarlo.spread_inputs(modes, dict.fromkeys(modes, spread)), draws=draws, seed=seed,
        )  # fmt: skip
        approaches["market"] = {
            "value": str(value), **_range(span),
            "comparables": [{"label": d.label, "price": str(d.price), "weight": str(d.weight), "factor": str(d.factor), "adjusted": str(d.adjusted)} for d in deals],
        }  # fmt: skip
    if inputs.get("cost"):
        raw = dict(inputs["cost"])
        raw.setdefault("remaining_years", remaining_legal_years)
        result_cost = cost_formulas.cost_value(**raw)
        factor = result_cost.value / decimal(raw["replacement_cost"], "replacement_cost")
        span = montecarlo.simulate(
            lambda d: d["c"] * float(factor),
            montecarlo.spread_inputs({"c": decimal(raw["replacement_cost"], "replacement_cost")}, {"c": spread}),
            draws=draws, seed=seed,
        )  # fmt: skip
        approaches["cost"] = {
            "value": str(result_cost.value),
            **_range(span),
            "depreciation": str(result_cost.depreciation),
        }
    if not approaches:
        raise ValuationInputError(
            "inputs",
            _(
                "Enter the inputs of at least one approach: revenue and royalty rate, comparable deals, or the replacement cost."
            ),
        )
    weights_cfg = cfg["reconciliation"].get(scenario, cfg["reconciliation"]["default"])
    grouped = {
        "income": _mean_of(
            [approaches[a]["value"] for a in ("relief_from_royalty", "excess_earnings") if a in approaches]
        ),
        "market": Decimal(approaches["market"]["value"]) if "market" in approaches else None,
        "cost": Decimal(approaches["cost"]["value"]) if "cost" in approaches else None,
    }
    value, used = reconcile.reconcile(grouped, weights_cfg)
    bands = {}
    for band in ("p10", "p50", "p90"):
        per_group = {
            "income": _mean_of(
                [approaches[a][band] for a in ("relief_from_royalty", "excess_earnings") if a in approaches]
            ),
            "market": Decimal(approaches["market"][band]) if "market" in approaches else None,
            "cost": Decimal(approaches["cost"][band]) if "cost" in approaches else None,
        }
        bands[band] = str(reconcile.reconcile(per_group, weights_cfg)[0])
    return {
        "value": str(value), **bands, "zero_reason": None, "approaches": approaches,
        "weights": {k: str(v.quantize(Decimal("0.0001"))) for k, v in used.items()}, "notes": notes,
        "remaining_legal_years": _str(remaining_legal_years.quantize(Decimal("0.01"))),
    }  # fmt: skip


def _mean_of(values: list[str]) -> Decimal | None:
    if not values:
        return None
    return fen(sum((Decimal(v) for v in values), ZERO) / len(values))


def _range(span: montecarlo.Range) -> dict[str, str]:
    return {"p10": str(span.p10), "p50": str(span.p50), "p90": str(span.p90)}


def _income_entry(result: income.IncomeResult, span: montecarlo.Range) -> dict[str, Any]:
    return {
        "value": str(result.value),
        **_range(span),
        "years": str(result.period.years.quantize(Decimal("0.01"))),
        "discount_rate": str(result.discount_rate),
        "cash_flows": [str(f) for f in result.cash_flows],
    }
