"""The configured indicator catalogue, scenarios, scoring rules and appraisal defaults (validated)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from ipops.valuation import conf
from ipops.valuation.formulas.errors import ValuationInputError
from ipops.valuation.formulas.scoring import (
    Indicator,
    Scenario,
    parse_indicators,
    parse_scenario,
    validate_grades,
)

DEFAULT_SCENARIO = "finance"


def indicators() -> dict[str, Indicator]:
    try:
        found = parse_indicators(conf.load("indicators.json"))
    except ValuationInputError as exc:
        raise ImproperlyConfigured(f"indicators.json: {exc}") from exc
    if len(found) != 27:
        raise ImproperlyConfigured(
            f"indicators.json must list the 27 GB/T 42748 indicators, not {len(found)}"
        )
    return found


def scenario_names() -> list[str]:
    return conf.names_in("scenarios")


def scenario(name: str | None = None) -> Scenario:
    """A scenario by name; an unknown name is bad input (the message lists the known ones)."""
    key = name or DEFAULT_SCENARIO
    names = scenario_names()
    if key not in names:
        raise ValuationInputError(
            "scenario",
            _("Unknown scenario %(name)s; choose one of: %(names)s")
            % {"name": key, "names": ", ".join(names)},
        )
    try:
        return parse_scenario(key, conf.load(f"scenarios/{key}.json", whole=True), indicators())
    except ValuationInputError as exc:
        raise ImproperlyConfigured(f"scenarios/{key}.json: {exc}") from exc


def scoring_rules() -> dict[str, Any]:
    data = conf.load("scoring.json")
    try:
        validate_grades(data["grades"])
    except (KeyError, ValuationInputError) as exc:
        raise ImproperlyConfigured(f"scoring.json: {exc}") from exc
    return data


def appraisal_defaults() -> dict[str, Any]:
    data = conf.load("appraisal.json")
    for key in ("risk_free_rate", "tax_rate"):
        try:
            Decimal(str(data[key]))
        except Exception as exc:
            raise ImproperlyConfigured(f"appraisal.json: {key} must be a number") from exc
    return data
