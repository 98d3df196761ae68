"""GB/T 42748-2023 value score.

Each of the 27 third-level indicators (legal 7, technical 10, economic 10; `config/indicators.json`) gets a
score from 0 to 100, computed from the data or entered by an evaluator as a rubric level (1–5 → 0, 25, 50,
75, 100). A scenario (`config/scenarios/<name>.json`) chooses the indicators and their weights w_i, which
must sum to 1. Then::

    dimension score D_d = Σ_{i in d} w_i · s_i / Σ_{i in d} w_i       (0–100)
    total          T   = Σ_i w_i · s_i                                 (0–100)
    grade          = the first grade whose cut-off ≤ T (`config/scoring.json`)

A scenario indicator without a score is an error (`ValuationInputError` listing them), unless the caller
asks for a partial score: the weights of the scored indicators are then rescaled to sum to 1 and the
result says which indicators were left out and what share of the weight they carried (`coverage`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from ipops.valuation.formulas.errors import ValuationInputError

DIMENSIONS: tuple[str, ...] = ("legal", "technical", "economic")
DIMENSION_LABELS = {"legal": _("Legal"), "technical": _("Technical"), "economic": _("Economic")}
LEVEL_SCORES: tuple[int, ...] = (0, 25, 50, 75, 100)
WEIGHT_TOLERANCE = Decimal("0.000001")
SCORE_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Indicator:
    code: str
    dimension: str
    name_zh: str
    name_en: str
    computed: str | None  # the data it is computed from, or None (entered only)
    rubric: tuple[dict[str, Any], ...] = ()

    def name(self, language: str) -> str:
        return self.name_zh if language.startswith("zh") else self.name_en


@dataclass(frozen=True)
class Scenario:
    key: str
    name_zh: str
    name_en: str
    weights: Mapping[str, Decimal]  # indicator code -> weight, summing to 1

    def name(self, language: str) -> str:
        return self.name_zh if language.startswith("zh") else self.name_en


@dataclass(frozen=True)
class Score:
    total: Decimal
    grade: str
    dimensions: dict[str, Decimal | None]
    used: dict[str, Decimal]  # indicator -> effective weight (rescaled when partial)
    missing: tuple[str, ...] = ()
    coverage: Decimal = Decimal(1)  # share of the scenario's weight that was scored
    notes: list[Any] = field(default_factory=list)


def parse_indicators(data: Mapping[str, Any]) -> dict[str, Indicator]:
    found: dict[str, Indicator] = {}
    for raw in data.get("indicators", []):
        if raw.get("dimension") not in DIMENSIONS:
            raise ValuationInputError(
                "indicators", _("Unknown dimension: %(d)s") % {"d": raw.get("dimension")}
            )
        rubric = tuple(raw.get("rubric", ()))
        if rubric and [r["score"] for r in rubric] != list(LEVEL_SCORES):
            raise ValuationInputError(raw["code"], _("A rubric has five levels scored 0, 25, 50, 75, 100."))
        found[raw["code"]] = Indicator(
            code=raw["code"],
            dimension=raw["dimension"],
            name_zh=raw["name_zh"],
            name_en=raw["name_en"],
            computed=raw.get("computed"),
            rubric=rubric,
        )
    return found


def parse_scenario(key: str, data: Mapping[str, Any], indicators: Mapping[str, Indicator]) -> Scenario:
    """A scenario from its file: every indicator known, every weight positive, weights summing to 1."""
    raw = data.get("weights")
    if not isinstance(raw, Mapping) or not raw:
        raise ValuationInputError(key, _("The scenario has no indicator weights."))
    unknown = sorted(set(raw) - set(indicators))
    if unknown:
        raise ValuationInputError(key, _("Unknown indicators: %(codes)s") % {"codes": ", ".join(unknown)})
    weights: dict[str, Decimal] = {}
    for code, value in raw.items():
        weight = Decimal(str(value))
        if not weight.is_finite() or weight <= 0:
            raise ValuationInputError(key, _("The weight of %(code)s must be positive.") % {"code": code})
        weights[code] = weight
    total = sum(weights.values(), Decimal(0))
    if abs(total - 1) > WEIGHT_TOLERANCE:
        raise ValuationInputError(key, _("The weights sum to %(total)s, not 1.") % {"total": total})
    return Scenario(
        key=key, name_zh=str(data.get("name_zh", key)), name_en=str(data.get("name_en", key)), weights=weights
    )


def level_score(level: Any, code: str) -> Decimal:
    """The score of a rubric level 1–5."""
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= len(LEVEL_SCORES):
        raise ValuationInputError(code, _("The level must be a whole number from 1 to 5."))
    return Decimal(LEVEL_SCORES[level - 1])


def grade_for(total: Decimal, grades: Sequence[Mapping[str, Any]]) -> str:
    """The first grade whose cut-off ("min") the total reaches; grades are listed from the highest."""
    for entry in grades:
        if total >= Decimal(str(entry["min"])):
            return str(entry["grade"])
    return str(grades[-1]["grade"]) if grades else ""


def validate_grades(grades: Sequence[Mapping[str, Any]]) -> None:
    cutoffs = [Decimal(str(g["min"])) for g in grades]
    if not cutoffs or cutoffs != sorted(cutoffs, reverse=True) or len(set(cutoffs)) != len(cutoffs):
        raise ValuationInputError("grades", _("Grade cut-offs must be listed from the highest, each lower."))
    if cutoffs[-1] != 0:
        raise ValuationInputError("grades", _("The lowest grade must start at 0."))


def score(
    scores: Mapping[str, Decimal | int | float | None],
    scenario: Scenario,
    indicators: Mapping[str, Indicator],
    grades: Sequence[Mapping[str, Any]],
    *,
    partial: bool = False,
) -> Score:
    """Dimension scores, total and grade from indicator scores (0–100; None = not available)."""
    given: dict[str, Decimal] = {}
    for code, value in scores.items():
        if value is None or code not in scenario.weights:
            continue
        number = Decimal(str(value))
        if not number.is_finite() or not 0 <= number <= 100:
            raise ValuationInputError(code, _("An indicator score must be between 0 and 100."))
        given[code] = number
    missing = tuple(code for code in scenario.weights if code not in given)
    if missing and not partial:
        names = ", ".join(f"{indicators[c].name_zh} ({c})" for c in missing)
        raise ValuationInputError(
            "indicators", _("These indicators of the scenario have no value: %(names)s") % {"names": names}
        )
    covered = sum((scenario.weights[c] for c in given), Decimal(0))
    if covered == 0:
        raise ValuationInputError("indicators", _("None of the scenario's indicators has a value."))
    used = {c: scenario.weights[c] / covered for c in given}
    total = sum((used[c] * s for c, s in given.items()), Decimal(0))
    dimensions: dict[str, Decimal | None] = {}
    for dimension in DIMENSIONS:
        codes = [c for c in given if indicators[c].dimension == dimension]
        weight = sum((used[c] for c in codes), Decimal(0))
        dimensions[dimension] = (
            (sum((used[c] * given[c] for c in codes), Decimal(0)) / weight).quantize(
                SCORE_PLACES, ROUND_HALF_UP
            )
            if weight
            else None
        )
    total = total.quantize(SCORE_PLACES, ROUND_HALF_UP)
    return Score(
        total=total,
        grade=grade_for(total, grades),
        dimensions=dimensions,
        used=used,
        missing=missing,
        coverage=covered.quantize(Decimal("0.0001"), ROUND_HALF_UP),
    )


# --- scores of the computed indicators (the same rules as the vectorised batch in `ipops.valuation.batch`)


def validity_score(legal_status: str, rules: Mapping[str, Any]) -> Decimal | None:
    value = rules["validity"].get(legal_status or "")
    return None if value is None else Decimal(str(value))


def field_count_score(subclasses: int, rules: Mapping[str, Any]) -> Decimal | None:
    if subclasses <= 0:
        return None
    table = rules["field_count"]
    return Decimal(str(table[min(subclasses, len(table)) - 1]))


def field_scope_score(classes: int, sections: int, rules: Mapping[str, Any]) -> Decimal | None:
    if classes <= 0:
        return None
    by_sections = rules["field_scope_sections"]
    if sections >= 2:
        key = str(min(sections, max(int(k) for k in by_sections)))
        return Decimal(str(by_sections[key]))
    table = rules["field_scope_classes"]
    return Decimal(str(table[min(classes, len(table)) - 1]))


def life_cycle_score(stage: str | None, rules: Mapping[str, Any]) -> Decimal | None:
    value = rules["life_cycle"].get(stage or "")
    return None if value is None else Decimal(str(value))


def remaining_life_score(remaining_years: Decimal | None, rules: Mapping[str, Any]) -> Decimal | None:
    if remaining_years is None:
        return None
    full = Decimal(str(rules["remaining_life_full_score_years"]))
    value = max(Decimal(0), min(Decimal(100), Decimal(100) * remaining_years / full))
    return value.quantize(SCORE_PLACES, ROUND_HALF_UP)


def claim_type_of(first_claim: str) -> str | None:
    """'method' or 'product' from the preamble of the first claim; None when there is no claim text."""
    text = (first_claim or "").strip()
    if not text:
        return None
    head = text[:60].lower()
    preamble = head.split("，")[0].split(",")[0].split("其特征")[0]
    if "方法" in preamble or "工艺" in preamble or "method" in preamble or "process" in preamble:
        return "method"
    return "product"


def claim_type_score(first_claim: str, rules: Mapping[str, Any]) -> Decimal | None:
    kind = claim_type_of(first_claim)
    return None if kind is None else Decimal(str(rules["claim_types"][kind]))
