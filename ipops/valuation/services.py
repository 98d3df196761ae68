"""The actions that change valuation state (keyword-only, one transaction, one audit entry each), and the
permission rules every read goes through.

Who may value: members of banks, guarantors, insurers and appraisal institutions, and the centre's
operators. A valuation is read by the organisation that made it, the centre's operators and auditors.
Awards (high-value category 5) are entered by operators. An organisation's innovation profile is kept by
its administrators (or operators); its innovation score and portfolio are read by its own members and by
those who may value.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext_lazy as _

from ipops.accounts.models import Organisation, User
from ipops.accounts.roles import OrgKind, Role
from ipops.core import audit
from ipops.core.permissions import deny, has_role, is_member_of_active, require_member, require_role
from ipops.patents.models import Patent
from ipops.valuation import catalogue
from ipops.valuation.appraisal import appraise
from ipops.valuation.formulas import scoring
from ipops.valuation.formulas.errors import ValuationInputError
from ipops.valuation.indicators import IndicatorValue, computed_indicators, life_cycle_stages, remaining_years
from ipops.valuation.models import InnovationProfile, PatentAward, SubjectKind, Valuation

VALUER_KINDS = frozenset({OrgKind.BANK, OrgKind.GUARANTOR, OrgKind.INSURER, OrgKind.APPRAISAL})


def can_value(user: Any) -> bool:
    if has_role(user, Role.OPERATOR):
        return True
    return has_role(user, Role.ORG_ADMIN, Role.MEMBER) and user.organisation.kind in VALUER_KINDS


def require_valuer(user: Any, what: str) -> None:
    if not can_value(user):
        raise deny(user, what)


def visible_valuations(user: Any) -> QuerySet[Valuation]:
    """The valuations `user` may read."""
    if has_role(user, Role.OPERATOR, Role.AUDITOR):
        return Valuation.objects.all()
    if can_value(user):
        return Valuation.objects.filter(organisation_id=user.organisation_id)
    return Valuation.objects.none()


def can_read_organisation(user: Any, organisation: Organisation) -> bool:
    """Its own members, and those who may value (a bank looking at a firm applying for a loan)."""
    if can_value(user):
        return True
    return is_member_of_active(user) and user.organisation_id == organisation.pk


def require_read_organisation(user: Any, organisation: Organisation) -> None:
    if not can_read_organisation(user, organisation):
        raise deny(user, "read the organisation's IP evaluation", target=organisation)


# --- one patent --------------------------------------------------------------------------------------


def _life_cycle(as_of: date, rules: Mapping[str, Any]) -> dict[str, str] | None:
    from ipops.corpus.query import SnapshotMissingError, connect

    try:
        con = connect()
    except SnapshotMissingError:
        return None
    try:
        return life_cycle_stages(con, as_of, rules)
    finally:
        con.close()


def patent_indicators(
    patent: Patent, *, as_of: date | None = None, stages: Mapping[str, str] | None = None
) -> dict[str, IndicatorValue]:
    """The computed indicators of one patent (life cycle from the snapshot, when there is one)."""
    as_of = as_of or date.today()
    rules = catalogue.scoring_rules()["computed"]
    codes = [c.code for c in patent.classifications.all() if c.scheme == "ipc"]
    if not codes and patent.main_ipc:
        codes = [patent.main_ipc]
    main = patent.main_ipc.replace(" ", "").upper()[:4] if patent.main_ipc else ""
    return computed_indicators(
        patent_type=patent.patent_type,
        legal_status=patent.legal_status,
        app_date=patent.app_date,
        ipc_codes=codes,
        main_subclass=main,
        first_claim=patent.first_claim,
        legal_event_codes=[e.code for e in patent.legal_events.all()],
        stages=stages if stages is not None else _life_cycle(as_of, rules),
        as_of=as_of,
        rules=rules,
    )


def evaluate(
    patent: Patent,
    *,
    scenario: str | None,
    entered: Mapping[str, Any] | None = None,
    inputs: Mapping[str, Any] | None = None,
    partial: bool = False,
    entered_by: str = "",
    as_of: date | None = None,
    stages: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Score (and, with inputs, money value) of one patent, without saving: what the tool shows and what
    `value_patent` saves. `entered`: indicator → rubric level 1–5 (or {"level": n, "note": "..."})."""
    as_of = as_of or date.today()
    chosen = catalogue.scenario(scenario)
    known = catalogue.indicators()
    rules = catalogue.scoring_rules()
    values = patent_indicators(patent, as_of=as_of, stages=stages)
    for code, raw in (entered or {}).items():
        if code not in known:
            raise ValuationInputError(code, _("Unknown indicator."))
        level = raw.get("level") if isinstance(raw, Mapping) else raw
        note = str(raw.get("note", "")) if isinstance(raw, Mapping) else ""
        values[code] = IndicatorValue(
            code, scoring.level_score(level, code), str(level), "entered", by=entered_by, note=note
        )
    result = scoring.score(
        {c: v.score for c, v in values.items()}, chosen, known, rules["grades"], partial=partial
    )
    remaining = remaining_years(patent.patent_type, patent.app_date, as_of, rules["computed"])
    money = (
        appraise(
            inputs, legal_status=patent.legal_status, remaining_legal_years=remaining, scenario=chosen.key
        )
        if inputs
        else None
    )
    rows = []
    for code, indicator in known.items():
        value = values.get(code)
        rows.append(
            {
                "code": code,
                "dimension": indicator.dimension,
                "name_zh": indicator.name_zh,
                "name_en": indicator.name_en,
                "weight": str(chosen.weights.get(code, Decimal(0))),
                "in_scenario": code in chosen.weights,
                **(
                    value.as_json()
                    if value
                    else {"score": None, "value": "", "source": "not_available", "by": "", "note": ""}
                ),
            }
        )
    return {
        "scenario": chosen.key,
        "as_of": as_of.isoformat(),
        "score": str(result.total),
        "grade": result.grade,
        "dimensions": {k: (None if v is None else str(v)) for k, v in result.dimensions.items()},
        "coverage": str(result.coverage),
        "missing": list(result.missing),
        "indicators": rows,
        "remaining_legal_years": None if remaining is None else str(remaining),
        "money": money,
    }


def _next_version(organisation: Organisation, key: str, scenario: str) -> int:
    latest = Valuation.objects.filter(
        organisation=organisation, subject_key=key, scenario=scenario
    ).aggregate(v=Max("version"))["v"]
    return int(latest or 0) + 1


def value_patent(
    *,
    actor: User,
    patent: Patent,
    scenario: str | None = None,
    entered: Mapping[str, Any] | None = None,
    inputs: Mapping[str, Any] | None = None,
    partial: bool = False,
    note: str = "",
) -> Valuation:
    """Score and (with inputs) value one patent and save it as the next version for the actor's organisation."""
    require_valuer(actor, "value patents")
    organisation = actor.organisation
    assert organisation is not None  # a valuer belongs to an active organisation
    results = evaluate(
        patent, scenario=scenario, entered=entered, inputs=inputs, partial=partial, entered_by=actor.username
    )
    money = results["money"] or {}
    with transaction.atomic():
        key = f"patent:{patent.pk}"
        valuation = Valuation.objects.create(
            subject_kind=SubjectKind.PATENT,
            subject_key=key,
            subject_label=str(patent)[:300],
            patent=patent,
            scenario=results["scenario"],
            version=_next_version(organisation, key, results["scenario"]),
            inputs={"entered": dict(entered or {}), "money": dict(inputs or {}), "partial": partial},
            results=results,
            score=Decimal(results["score"]),
            grade=results["grade"],
            value_low=_money(money.get("p10")),
            value_mid=_money(money.get("p50")),
            value_high=_money(money.get("p90")),
            value=_money(money.get("value")),
            organisation=organisation,
            created_by=actor,
            note=note[:500],
        )
        valuation.patents.add(patent)
        audit.record(
            action="valuation.create", actor=actor, target=valuation, after=audit.snapshot(valuation)
        )
    return valuation


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


# --- awards and innovation profiles --------------------------------------------------------------------


def record_award(*, actor: User, patent: Patent, kind: str, year: int, note: str = "") -> PatentAward:
    """Enter a national S&T award or a China Patent Award of a patent (operators)."""
    require_role(actor, Role.OPERATOR, what="enter patent awards")
    if kind not in PatentAward.Kind.values:
        raise ValuationInputError("kind", _("Unknown award."))
    if not 1985 <= int(year) <= date.today().year:
        raise ValuationInputError("year", _("Not a plausible award year."))
    with transaction.atomic():
        award, _created = PatentAward.objects.get_or_create(
            patent=patent, kind=kind, year=int(year), defaults={"note": note[:300], "entered_by": actor}
        )
        audit.record(action="valuation.award", actor=actor, target=award, after=audit.snapshot(award))
    return award


PROFILE_FIELDS = (
    "industry", "year", "employees", "rd_staff", "revenue", "rd_spending", "ip_management_certified",
    "high_tech_enterprise",
)  # fmt: skip


def may_edit_profile(user: Any, organisation: Organisation) -> bool:
    if has_role(user, Role.OPERATOR):
        return True
    return has_role(user, Role.ORG_ADMIN) and user.organisation_id == organisation.pk


def save_innovation_profile(
    *, actor: User, organisation: Organisation, values: Mapping[str, Any]
) -> InnovationProfile:
    """Set the figures an organisation enters for its innovation score (its administrators, or operators)."""
    if not has_role(actor, Role.OPERATOR):
        require_member(actor, organisation, Role.ORG_ADMIN, what="edit the innovation profile")
    unknown = sorted(set(values) - set(PROFILE_FIELDS))
    if unknown:
        raise ValuationInputError("profile", _("Unknown fields: %(names)s") % {"names": ", ".join(unknown)})
    for name in ("employees", "rd_staff", "revenue", "rd_spending"):
        value = values.get(name)
        if value is not None and Decimal(str(value)) < 0:
            raise ValuationInputError(name, _("Cannot be negative."))
    with transaction.atomic():
        profile = InnovationProfile.objects.select_for_update().filter(organisation=organisation).first()
        before = audit.snapshot(profile) if profile else None
        if profile is None:
            profile = InnovationProfile(organisation=organisation, updated_by=actor)
        for name, value in values.items():
            setattr(profile, name, value)
        profile.updated_by = actor
        if (
            profile.rd_staff is not None
            and profile.employees is not None
            and profile.rd_staff > profile.employees
        ):
            raise ValuationInputError("rd_staff", _("R&D staff cannot exceed the employees."))
        profile.full_clean()
        profile.save()
        if before is None:
            audit.record(
                action="valuation.profile", actor=actor, target=profile, after=audit.snapshot(profile)
            )
        else:
            audit.record_update(action="valuation.profile", actor=actor, target=profile, before=before)
    return profile


# --- batch scores and organisation evaluations ----------------------------------------------------------


def start_batch_scoring(*, actor: User, scenario: str | None = None, enqueue: bool = True) -> Any:
    """Queue the job that scores every patent of the snapshot and writes an Excel file (valuers)."""
    from ipops.core.jobs import start_job
    from ipops.valuation.job_handlers import BATCH_JOB_KIND

    require_valuer(actor, "score all patents")
    chosen = catalogue.scenario(scenario)
    return start_job(actor=actor, kind=BATCH_JOB_KIND, params={"scenario": chosen.key}, enqueue=enqueue)


def value_organisation(*, actor: User, organisation: Organisation, scenario: str | None = None) -> Valuation:
    """Save the portfolio and innovation evaluation of an organisation as the next version (valuers)."""
    from ipops.valuation.portfolio import organisation_view

    require_valuer(actor, "evaluate organisations")
    own = actor.organisation
    assert own is not None
    view = organisation_view(organisation, scenario=scenario)
    innovation = view["innovation"]
    results = {
        "scenario": view["scenario"].key,
        "patents": view["patents"],
        "scored": view["scored"],
        "mean_score": view["mean"],
        "grades": view["grades"],
        "histogram": view["histogram"],
        "top": [{k: r[k] for k in ("pub_number", "score", "grade")} for r in view["top"]],
        "bottom": [{k: r[k] for k in ("pub_number", "score", "grade")} for r in view["bottom"]],
        "innovation": {
            "score": innovation.score,
            "coverage": innovation.coverage,
            "percentile": innovation.percentile,
            "peers": innovation.peers,
            "peer_group": innovation.peer_group,
            "indicators": innovation.indicators,
        },
    }
    with transaction.atomic():
        key = f"organisation:{organisation.pk}"
        valuation = Valuation.objects.create(
            subject_kind=SubjectKind.ORGANISATION,
            subject_key=key,
            subject_label=organisation.name[:300],
            subject_organisation=organisation,
            scenario=results["scenario"],
            version=_next_version(own, key, results["scenario"]),
            inputs={},
            results=results,
            score=None if innovation.score is None else Decimal(str(innovation.score)),
            organisation=own,
            created_by=actor,
        )
        audit.record(
            action="valuation.create", actor=actor, target=valuation, after=audit.snapshot(valuation)
        )
    return valuation
