"""Indicators computed from the data held, for one patent, each with its value, score, source and reason.

Computed here: validity (legal status), remaining legal term (→ remaining economic life, an upper bound),
IPC breadth (number of subclasses; classes and sections), technology life cycle (logistic fit of the main
IPC subclass's yearly applications in the snapshot, `ipops.analytics.formulas.logistic_fit`), claim type
(from the first claim, the only claim text held), re-examination/invalidation (legal events, when any are
held). Licence/transfer, pledge and litigation history come from the platform's market and finance records;
those modules do not exist yet, so they are reported as not available. Family and citations are not held.

An indicator the evaluator enters (rubric level) replaces the computed one; the source says who entered it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb
from django.utils.translation import gettext_lazy as _

from ipops.valuation.formulas import scoring

DAYS_PER_YEAR = Decimal("365.25")


@dataclass
class IndicatorValue:
    code: str
    score: Decimal | None  # 0–100, None = not available
    value: str  # what was found, in words or figures
    source: str  # "computed", "entered", "not_available"
    by: str = ""  # who entered it
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["score"] = None if self.score is None else str(self.score)
        return data


NOT_HELD = {
    "family": _("The platform holds no patent family data."),
    "citations": _("The platform holds no citation data."),
    "licensing_history": _("Not available: the platform does not keep licence and transfer records yet."),
    "financing_history": _("Not available: the platform does not keep pledge and insurance records yet."),
    "litigation_history": _("Not available: the platform does not keep litigation records yet."),
}


def expiry(patent_type: str, app_date: date | None, rules: Mapping[str, Any]) -> date | None:
    """The end of the legal term: application date + term of the type (designs filed from 2021-06-01: 15)."""
    if app_date is None or patent_type not in ("invention", "utility_model", "design"):
        return None
    terms = rules["term_years"]
    years = terms[patent_type]
    if patent_type == "design" and app_date >= date(2021, 6, 1):
        years = terms["design_from_2021_06_01"]
    try:
        return app_date.replace(year=app_date.year + int(years))
    except ValueError:  # 29 February
        return app_date.replace(year=app_date.year + int(years), day=28)


def remaining_years(
    patent_type: str, app_date: date | None, as_of: date, rules: Mapping[str, Any]
) -> Decimal | None:
    end = expiry(patent_type, app_date, rules)
    if end is None:
        return None
    return (Decimal((end - as_of).days) / DAYS_PER_YEAR).quantize(Decimal("0.01"), ROUND_HALF_UP)


def ipc_breadth(codes: list[str]) -> tuple[int, int, int]:
    """(subclasses, classes, sections) among IPC codes like "G06F 16/00"."""
    clean = [c.replace(" ", "").upper() for c in codes if c and len(c.replace(" ", "")) >= 4]
    return len({c[:4] for c in clean}), len({c[:3] for c in clean}), len({c[:1] for c in clean})


def life_cycle_stages(
    con: duckdb.DuckDBPyConnection, as_of: date, rules: Mapping[str, Any]
) -> dict[str, str]:
    """Life-cycle stage of every main IPC subclass with enough years of data in the snapshot. The last two
    years before `as_of` are left out (applications are published 18 months after filing)."""
    from ipops.analytics.formulas import logistic_fit

    rows = con.execute(
        "SELECT main_subclass, app_year, count(*) FROM patents WHERE main_subclass <> '' AND app_year IS NOT NULL "
        "AND app_year < ? GROUP BY 1, 2 ORDER BY 1, 2",
        [as_of.year - 1],
    ).fetchall()
    by_subclass: dict[str, list[tuple[int, int]]] = {}
    for subclass, year, count in rows:
        by_subclass.setdefault(str(subclass), []).append((int(year), int(count)))
    stages: dict[str, str] = {}
    minimum = int(rules.get("life_cycle_min_years", 5))
    for subclass, series in by_subclass.items():
        if len(series) < minimum:
            continue
        cumulative, running = [], 0
        for _year, count in series:
            running += count
            cumulative.append(running)
        fit = logistic_fit([y for y, _c in series], cumulative, min_points=minimum)
        if fit.converged and fit.stage:
            stages[subclass] = fit.stage
    return stages


def computed_indicators(
    *,
    patent_type: str,
    legal_status: str,
    app_date: date | None,
    ipc_codes: list[str],
    main_subclass: str,
    first_claim: str | None,
    legal_event_codes: list[str],
    stages: Mapping[str, str] | None,
    as_of: date,
    rules: Mapping[str, Any],
) -> dict[str, IndicatorValue]:
    """Every indicator the data can answer, scored by `config/scoring.json`; the others not available."""
    out: dict[str, IndicatorValue] = {}
    status_score = scoring.validity_score(legal_status, rules)
    out["validity"] = IndicatorValue(
        "validity",
        status_score,
        legal_status or "",
        "computed" if status_score is not None else "not_available",
        note="" if status_score is not None else str(_("The legal status is not known.")),
    )
    remaining = remaining_years(patent_type, app_date, as_of, rules)
    out["remaining_life"] = IndicatorValue(
        "remaining_life",
        scoring.remaining_life_score(remaining, rules),
        "" if remaining is None else str(remaining),
        "computed" if remaining is not None else "not_available",
        note=str(
            _(
                "Remaining legal term in years, the upper bound of the economic life; enter a level to replace it."
            )
        ),
    )
    subclasses, classes, sections = ipc_breadth(ipc_codes)
    out["field_count"] = IndicatorValue(
        "field_count",
        scoring.field_count_score(subclasses, rules),
        str(subclasses),
        "computed" if subclasses else "not_available",
    )
    out["field_scope"] = IndicatorValue(
        "field_scope",
        scoring.field_scope_score(classes, sections, rules),
        f"{classes}/{sections}",
        "computed" if classes else "not_available",
        note=str(_("IPC classes / sections")),
    )
    stage = (stages or {}).get(main_subclass)
    out["life_cycle"] = IndicatorValue(
        "life_cycle",
        scoring.life_cycle_score(stage, rules),
        stage or "",
        "computed" if stage else "not_available",
        note="" if stage else str(_("No growth curve could be fitted for the main IPC subclass.")),
    )
    if first_claim is not None:
        kind = scoring.claim_type_of(first_claim)
        out["claim_types"] = IndicatorValue(
            "claim_types",
            scoring.claim_type_score(first_claim, rules),
            kind or "",
            "computed" if kind else "not_available",
            note=str(_("From the first claim only: the other claims are not held.")),
        )
    if legal_event_codes:
        text = " ".join(legal_event_codes).lower()
        if "invalid" in text or "无效" in text:
            out["reexam_invalidation"] = IndicatorValue(
                "reexam_invalidation",
                None,
                ", ".join(legal_event_codes),
                "not_available",
                note=str(_("An invalidation procedure is recorded: enter its outcome.")),
            )
        else:
            out["reexam_invalidation"] = IndicatorValue(
                "reexam_invalidation", Decimal(75), ", ".join(legal_event_codes), "computed",
                note=str(_("Legal events held show no re-examination or invalidation.")),
            )  # fmt: skip
    for code, why in NOT_HELD.items():
        out[code] = IndicatorValue(code, None, "", "not_available", note=str(why))
    return out
