"""API endpoints of the valuation module: scenarios and indicators, valuations (create, list, read), the
high-value summary and an organisation's innovation score. Thin: permissions and work are in `services`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.translation import get_language
from ninja import Router, Schema
from ninja.pagination import paginate

from ipops.accounts.models import Organisation
from ipops.core.api import Pagination, caller
from ipops.core.permissions import deny, is_member_of_active
from ipops.corpus.query import SnapshotMissingError
from ipops.patents.models import Patent
from ipops.valuation import catalogue, services
from ipops.valuation.formulas.errors import ValuationInputError
from ipops.valuation.high_value import summary
from ipops.valuation.innovation import innovation_score
from ipops.valuation.models import Valuation

router = Router(tags=["valuation"])


def _invalid(exc: ValuationInputError) -> DjangoValidationError:
    return DjangoValidationError({exc.field: [str(exc.message)]})


class RubricLevel(Schema):
    level: int
    score: int
    description: str


class IndicatorOut(Schema):
    code: str
    dimension: str
    name: str
    computed_from: str | None
    rubric: list[RubricLevel]


class ScenarioOut(Schema):
    key: str
    name: str
    weights: dict[str, Decimal]


class CatalogueOut(Schema):
    indicators: list[IndicatorOut]
    scenarios: list[ScenarioOut]


@router.get(
    "/valuation/catalogue", response=CatalogueOut, summary="The 27 indicators with rubrics, and the scenarios"
)
def get_catalogue(request: HttpRequest) -> Any:
    if not is_member_of_active(caller(request)):
        raise deny(caller(request), "read the valuation catalogue")
    language = get_language() or "zh-hans"
    zh = language.startswith("zh")
    indicators = [
        {
            "code": i.code,
            "dimension": i.dimension,
            "name": i.name(language),
            "computed_from": i.computed,
            "rubric": [
                {"level": r["level"], "score": r["score"], "description": r["zh"] if zh else r["en"]}
                for r in i.rubric
            ],
        }
        for i in catalogue.indicators().values()
    ]
    scenarios = []
    for name in catalogue.scenario_names():
        s = catalogue.scenario(name)
        scenarios.append({"key": s.key, "name": s.name(language), "weights": dict(s.weights)})
    return {"indicators": indicators, "scenarios": scenarios}


class ValuationIn(Schema):
    pub_number: str
    scenario: str = catalogue.DEFAULT_SCENARIO
    indicators: dict[str, int] = {}
    inputs: dict[str, Any] = {}
    partial: bool = False
    note: str = ""


class ValuationOut(Schema):
    id: UUID
    subject_label: str
    patent_id: UUID | None
    scenario: str
    version: int
    score: Decimal | None
    grade: str
    value: Decimal | None
    value_low: Decimal | None
    value_mid: Decimal | None
    value_high: Decimal | None
    organisation_id: UUID
    created_by: str
    created_at: datetime
    results: dict[str, Any]

    @staticmethod
    def resolve_created_by(v: Valuation) -> str:
        return v.created_by.username


@router.post(
    "/valuation/valuations",
    response={201: ValuationOut},
    summary="Score (and value) a patent; saved as the next version",
)
def create_valuation(request: HttpRequest, body: ValuationIn) -> Any:
    user = caller(request)
    services.require_valuer(user, "value patents")
    number = body.pub_number.replace(" ", "").upper()
    patent = Patent.objects.filter(Q(pub_number=number) | Q(app_number=number)).first()
    if patent is None:
        raise Http404
    try:
        valuation = services.value_patent(
            actor=user,
            patent=patent,
            scenario=body.scenario,
            entered=body.indicators,
            inputs=body.inputs or None,
            partial=body.partial,
            note=body.note,
        )
    except ValuationInputError as exc:
        raise _invalid(exc) from exc
    return 201, valuation


@router.get(
    "/valuation/valuations",
    response=list[ValuationOut],
    summary="Valuations the caller may read, newest first",
)
@paginate(Pagination)
def list_valuations(request: HttpRequest) -> Any:
    user = caller(request)
    if not (services.can_value(user) or services.has_role(user, "auditor")):
        raise deny(user, "read valuations")
    return services.visible_valuations(user).select_related("created_by")


@router.get(
    "/valuation/valuations/{valuation_id}", response=ValuationOut, summary="One valuation with its results"
)
def get_valuation(request: HttpRequest, valuation_id: UUID) -> Any:
    user = caller(request)
    valuation = services.visible_valuations(user).select_related("created_by").filter(pk=valuation_id).first()
    if valuation is None:
        if Valuation.objects.filter(pk=valuation_id).exists():
            raise deny(user, "read a valuation of another organisation")
        raise Http404
    return valuation


class CategoryCounts(Schema):
    met: int
    undeterminable: int


class HighValueSummaryOut(Schema):
    patents: int
    high_value: int
    not_high_value: int
    unknown: int
    categories: dict[str, CategoryCounts]


@router.get(
    "/valuation/high-value",
    response=HighValueSummaryOut,
    summary="High-value invention patents in the snapshot, by category",
)
def high_value_summary(request: HttpRequest) -> Any:
    if not is_member_of_active(caller(request)):
        raise deny(caller(request), "read high-value patent statistics")
    try:
        return summary()
    except SnapshotMissingError as exc:
        raise DjangoValidationError(str(exc)) from exc


class InnovationIndicatorOut(Schema):
    code: str
    label: str
    value: str
    score: float | None
    weight: float
    source: str


class InnovationOut(Schema):
    organisation_id: str
    score: float | None
    coverage: float
    percentile: float | None
    peers: int
    peer_group: str
    indicators: list[InnovationIndicatorOut]


@router.get(
    "/valuation/organisations/{organisation_id}/innovation",
    response=InnovationOut,
    summary="An organisation's innovation-capability score",
)
def get_innovation(request: HttpRequest, organisation_id: UUID) -> Any:
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise Http404
    services.require_read_organisation(caller(request), organisation)
    try:
        return innovation_score(organisation)
    except SnapshotMissingError as exc:
        raise DjangoValidationError(str(exc)) from exc


class AwardIn(Schema):
    pub_number: str
    kind: str
    year: int
    note: str = ""


class AwardOut(Schema):
    id: UUID
    patent_id: UUID
    kind: str
    year: int
    note: str


@router.post(
    "/valuation/awards",
    response={201: AwardOut},
    summary="Enter a patent's national S&T award or China Patent Award (operators)",
)
def create_award(request: HttpRequest, body: AwardIn) -> Any:
    user = caller(request)
    services.require_role(user, "operator", what="enter patent awards")
    number = body.pub_number.replace(" ", "").upper()
    patent = Patent.objects.filter(Q(pub_number=number) | Q(app_number=number)).first()
    if patent is None:
        raise Http404
    try:
        award = services.record_award(
            actor=user, patent=patent, kind=body.kind, year=body.year, note=body.note
        )
    except ValuationInputError as exc:
        raise _invalid(exc) from exc
    return 201, award


class ProfileIn(Schema):
    industry: str = ""
    year: int | None = None
    employees: int | None = None
    rd_staff: int | None = None
    revenue: Decimal | None = None
    rd_spending: Decimal | None = None
    ip_management_certified: bool = False
    high_tech_enterprise: bool = False


@router.put(
    "/valuation/organisations/{organisation_id}/profile",
    response=ProfileIn,
    summary="Set an organisation's innovation profile",
)
def put_profile(request: HttpRequest, organisation_id: UUID, body: ProfileIn) -> Any:
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise Http404
    try:
        return services.save_innovation_profile(
            actor=caller(request), organisation=organisation, values=body.dict()
        )
    except ValuationInputError as exc:
        raise _invalid(exc) from exc
