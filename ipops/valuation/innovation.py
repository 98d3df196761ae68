"""SME innovation-capability score of an organisation, from its IP and the figures it entered, with the
peer percentile among organisations of the same industry on the platform. Rules in
`config/innovation.json` (see its "_doc"); every indicator is explained with its value and weight.

An organisation's patents are those of the applicants linked to it (`Applicant.organisation`), read from the
snapshot's `applicants` and `patents` views in one query for all organisations at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from ipops.accounts.models import Organisation
from ipops.patents.models import Applicant
from ipops.valuation import conf
from ipops.valuation.models import InnovationProfile

LABELS = {
    "invention_patents": _("Granted invention patents"),
    "all_patents": _("All patents and applications"),
    "high_value_patents": _("High-value invention patents"),
    "quality": _("Mean value score of its patents"),
    "growth": _("Growth of applications"),
    "rd_intensity": _("R&D spending / revenue"),
    "rd_staff_share": _("R&D staff / employees"),
    "ip_management_certified": _("GB/T 29490 IP management certification"),
    "high_tech_enterprise": _("High-tech enterprise"),
}


@dataclass
class InnovationResult:
    organisation_id: str
    score: float | None
    coverage: float
    indicators: list[dict[str, Any]] = field(default_factory=list)
    percentile: float | None = None
    peers: int = 0
    peer_group: str = ""


def load_config() -> dict[str, Any]:
    data = conf.load("innovation.json")
    weights = data.get("weights", {})
    unknown = sorted(set(weights) - set(LABELS))
    if unknown:
        raise ImproperlyConfigured(f"innovation.json: unknown indicators {unknown}")
    total = sum((Decimal(str(w)) for w in weights.values()), Decimal(0))
    if abs(total - 1) > Decimal("0.000001"):
        raise ImproperlyConfigured("innovation.json: weights must sum to 1")
    return data


def count_score(n: float, full_at: float) -> float:
    return round(min(100.0, 100.0 * math.log10(1 + n) / math.log10(1 + full_at)), 2)


def ratio_score(ratio: float, full_at: float) -> float:
    return round(max(0.0, min(100.0, 100.0 * ratio / full_at)), 2)


def growth_score(first: int, last: int, years: int, slope: float) -> float | None:
    from ipops.analytics.formulas import cagr

    rate = cagr(first, last, years)
    if rate is None:
        return None
    return round(max(0.0, min(100.0, 50.0 + slope * rate)), 2)


def _ip_aggregates(
    con: duckdb.DuckDBPyConnection, as_of: date, cfg: Mapping[str, Any], *, own_snapshot: bool = True
) -> dict[str, dict[str, Any]]:
    """Per organisation: patents, granted inventions, yearly applications, high-value count, mean score."""
    from ipops.valuation.batch import score_table
    from ipops.valuation.high_value import high_value_table

    links = list(Applicant.objects.filter(organisation__isnull=False).values_list("pk", "organisation_id"))
    if not links:
        return {}
    owners = pa.table(
        {"applicant_id": pa.array([str(a) for a, _o in links]), "org": pa.array([str(o) for _a, o in links])}
    )
    from ipops.valuation.batch import cached_stages
    from ipops.valuation.catalogue import scoring_rules

    cursor = con.cursor()
    try:
        cursor.register("_owners", owners)
        ids = [r[0] for r in cursor.sql(
            "SELECT DISTINCT a.patent_id FROM applicants a JOIN _owners o ON o.applicant_id = a.applicant_id"
        ).fetchall()]  # fmt: skip
    finally:
        cursor.close()
    stages = cached_stages(con, as_of, scoring_rules()["computed"], own_snapshot=own_snapshot)
    scores = score_table(con, scenario=cfg.get("scenario"), as_of=as_of, stages=stages, patent_ids=ids)
    high = high_value_table(con, as_of=as_of, patent_ids=ids)
    growth = cfg["growth"]
    last_year = as_of.year - int(growth["lag_years"])
    first_year = last_year - int(growth["growth_years"])
    cursor = con.cursor()
    try:
        cursor.register("_owners", owners)
        cursor.register("_scores", scores)
        cursor.register("_high", high)
        rows = cursor.sql(
            f"""
            WITH mine AS (
                SELECT DISTINCT o.org, a.patent_id FROM applicants a JOIN _owners o ON o.applicant_id = a.applicant_id
            )
            SELECT m.org, count(*) AS patents,
                   count(*) FILTER (p.patent_type = 'invention' AND (p.legal_status = 'granted'
                        OR (p.legal_status = '' AND p.kind LIKE 'B%'))) AS inventions,
                   count(*) FILTER (h.is_high_value) AS high_value,
                   avg(s.score) AS quality,
                   count(*) FILTER (p.app_year = {first_year}) AS first_count,
                   count(*) FILTER (p.app_year = {last_year}) AS last_count
            FROM mine m JOIN patents p ON p.id = m.patent_id
            LEFT JOIN _scores s ON s.patent_id = m.patent_id LEFT JOIN _high h ON h.patent_id = m.patent_id
            GROUP BY m.org
            """  # noqa: S608 (years are integers we computed)
        ).fetchall()
    finally:
        cursor.close()
    columns = ("patents", "inventions", "high_value", "quality", "first_count", "last_count")
    return {str(r[0]): dict(zip(columns, r[1:], strict=True)) for r in rows}


def _score_one(
    org: Organisation, ip: Mapping[str, Any] | None, profile: InnovationProfile | None, cfg: Mapping[str, Any]
) -> InnovationResult:
    full = cfg["full_at"]
    growth = cfg["growth"]
    ip = ip or {
        "patents": 0,
        "inventions": 0,
        "high_value": 0,
        "quality": None,
        "first_count": 0,
        "last_count": 0,
    }
    values: dict[str, tuple[float | None, str, str]] = {}  # code -> (score, value shown, source)
    values["invention_patents"] = (
        count_score(ip["inventions"], full["invention_patents"]),
        str(ip["inventions"]),
        "computed",
    )
    values["all_patents"] = (count_score(ip["patents"], full["all_patents"]), str(ip["patents"]), "computed")
    values["high_value_patents"] = (
        count_score(ip["high_value"], full["high_value_patents"]),
        str(ip["high_value"]),
        "computed",
    )
    quality = ip["quality"]
    values["quality"] = (
        None if quality is None else round(float(quality), 2),
        "" if quality is None else f"{quality:.2f}",
        "computed",
    )
    g = growth_score(
        int(ip["first_count"]), int(ip["last_count"]), int(growth["growth_years"]), float(growth["slope"])
    )
    values["growth"] = (g, f"{ip['first_count']} → {ip['last_count']}", "computed")
    if profile and profile.revenue and profile.rd_spending is not None and profile.revenue > 0:
        ratio = float(profile.rd_spending / profile.revenue)
        values["rd_intensity"] = (ratio_score(ratio, float(full["rd_intensity"])), f"{ratio:.1%}", "entered")
    else:
        values["rd_intensity"] = (None, "", "not_entered")
    if profile and profile.employees and profile.rd_staff is not None:
        share = profile.rd_staff / profile.employees
        values["rd_staff_share"] = (
            ratio_score(share, float(full["rd_staff_share"])),
            f"{share:.1%}",
            "entered",
        )
    else:
        values["rd_staff_share"] = (None, "", "not_entered")
    for flag in ("ip_management_certified", "high_tech_enterprise"):
        if profile is None:
            values[flag] = (None, "", "not_entered")
        else:
            on = bool(getattr(profile, flag))
            values[flag] = (100.0 if on else 0.0, "✓" if on else "✗", "entered")
    weights = {k: float(v) for k, v in cfg["weights"].items()}
    scores = {k: v[0] for k, v in values.items() if v[0] is not None}
    covered = sum(w for k, w in weights.items() if k in scores)
    total = sum(w * scores[k] for k, w in weights.items() if k in scores)
    rows = [
        {
            "code": k,
            "label": str(LABELS[k]),
            "score": values[k][0],
            "value": values[k][1],
            "source": values[k][2],
            "weight": w,
        }
        for k, w in weights.items()
    ]
    return InnovationResult(
        organisation_id=str(org.pk),
        score=round(total / covered, 2) if covered else None,
        coverage=round(covered, 4),
        indicators=rows,
    )


def peer_key(org: Organisation, profile: InnovationProfile | None) -> str:
    return f"industry:{profile.industry}" if profile and profile.industry else f"kind:{org.kind}"


def innovation_score(
    organisation: Organisation, *, con: duckdb.DuckDBPyConnection | None = None, as_of: date | None = None
) -> InnovationResult:
    """The organisation's score, explained, and its percentile among its peers on the platform."""
    from ipops.corpus.query import connect

    cfg = load_config()
    as_of = as_of or date.today()
    own = con is None
    db = connect() if con is None else con
    try:
        aggregates = _ip_aggregates(db, as_of, cfg)
    finally:
        if own:
            db.close()
    profiles = {p.organisation_id: p for p in InnovationProfile.objects.all()}
    key = peer_key(organisation, profiles.get(organisation.pk))
    peers = [
        o
        for o in Organisation.objects.filter(status=Organisation.Status.ACTIVE)
        if peer_key(o, profiles.get(o.pk)) == key
    ]
    if organisation not in peers:
        peers.append(organisation)
    results = {str(o.pk): _score_one(o, aggregates.get(str(o.pk)), profiles.get(o.pk), cfg) for o in peers}
    mine = results[str(organisation.pk)]
    scored = [r.score for r in results.values() if r.score is not None]
    if mine.score is not None and scored:
        mine.percentile = round(100.0 * sum(1 for s in scored if s <= mine.score) / len(scored), 1)
    mine.peers = len(scored)
    mine.peer_group = key.split(":", 1)[1]
    return mine
