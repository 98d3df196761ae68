"""API endpoints of the patent browser (read-only): the filtered patent list, one patent, one applicant.

Open to members of approved organisations, as the pages are; the list takes the page's filters."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from ipops.core.api import Pagination, caller
from ipops.patents.filters import PatentFilterForm
from ipops.patents.models import Applicant, Patent, PatentApplicant
from ipops.patents.views import classification_rows, require_active_member, with_applicants

router = Router(tags=["patents"])


class DatasetOut(Schema):
    id: UUID
    name: str
    description: str
    licence: str
    synthetic: bool


class PatentApplicantOut(Schema):
    id: UUID
    name: str
    raw_name: str
    position: int


class PatentSummaryOut(Schema):
    id: UUID
    number: str
    country: str
    pub_number: str | None
    app_number: str
    kind: str
    patent_type: str
    title: str
    title_en: str
    app_date: date | None
    pub_date: date | None
    main_ipc: str
    applicants: list[PatentApplicantOut]
    applicant_country: str
    province_code: str
    city_code: str
    district_code: str
    legal_status: str
    dataset: DatasetOut | None
    synthetic: bool

    @staticmethod
    def resolve_applicants(patent: Patent) -> list[dict[str, Any]]:
        return [
            {
                "id": link.applicant_id,
                "name": link.applicant.name,
                "raw_name": link.raw_name,
                "position": link.position,
            }
            for link in patent.applicant_links.all()
        ]

    @staticmethod
    def resolve_synthetic(patent: Patent) -> bool:
        return bool(patent.dataset and patent.dataset.synthetic)


class ClassificationOut(Schema):
    scheme: str
    code: str
    version: str
    is_main: bool
    title: str
    subclass_title: str


class LegalEventOut(Schema):
    date: date
    code: str
    description: str
    source: str


class ImportOut(Schema):
    id: UUID
    file_name: str
    created_at: datetime


class PatentOut(PatentSummaryOut):
    abstract: str
    first_claim: str
    grant_date: date | None
    locarno: str
    applicants_text: str
    inventors: str
    address: str
    agency: str
    agency_code: str
    agents: str
    priority: str
    extra: dict[str, Any]
    classifications: list[ClassificationOut]
    legal_events: list[LegalEventOut]
    last_import: ImportOut | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_classifications(patent: Patent) -> list[dict[str, Any]]:
        return classification_rows(patent, get_language() or settings.LANGUAGE_CODE)

    @staticmethod
    def resolve_legal_events(patent: Patent) -> list[Any]:
        return list(patent.legal_events.all())


class SpellingOut(Schema):
    raw_name: str
    count: int


class ApplicantOut(Schema):
    id: UUID
    name: str
    kind: str
    country: str
    region_code: str
    organisation_id: UUID | None
    patent_count: int
    spellings: list[SpellingOut]


class PatentQuery(Schema):
    q: str = ""
    patent_type: str = ""
    ipc: str = ""
    applicant: str = ""
    region: str = ""
    year_from: int | None = None
    year_to: int | None = None
    legal_status: str = ""
    dataset: UUID | None = None
    sort: str = ""


@router.get(
    "/patents", response=list[PatentSummaryOut], summary="Patents, filtered and sorted as on the page"
)
@paginate(Pagination)
def list_patents(request: HttpRequest, filters: Query[PatentQuery]) -> Any:
    require_active_member(caller(request), "browse patents")
    form = PatentFilterForm({k: str(v) for k, v in filters.dict().items() if v not in (None, "")})
    if not form.is_valid():
        raise DjangoValidationError({k: v for k, v in form.errors.items()})
    return form.filter(with_applicants(Patent.objects.all()))


@router.get(
    "/patents/{patent_id}", response=PatentOut, summary="One patent with its applicants, classes and events"
)
def get_patent(request: HttpRequest, patent_id: UUID) -> Any:
    require_active_member(caller(request), "browse patents")
    queryset = with_applicants(Patent.objects.select_related("last_import")).prefetch_related(
        "classifications", "legal_events"
    )
    return get_object_or_404(queryset, pk=patent_id)


@router.get("/applicants/{applicant_id}", response=ApplicantOut, summary="One applicant and its spellings")
def get_applicant(request: HttpRequest, applicant_id: UUID) -> Any:
    require_active_member(caller(request), "browse patents")
    applicant = get_object_or_404(Applicant, pk=applicant_id)
    links = PatentApplicant.objects.filter(applicant=applicant)
    spellings = links.values("raw_name").annotate(count=Count("id")).order_by("-count", "raw_name")
    return {
        "id": applicant.pk,
        "name": applicant.name,
        "kind": applicant.kind,
        "country": applicant.country,
        "region_code": applicant.region_code,
        "organisation_id": applicant.organisation_id,
        "patent_count": links.values("patent_id").distinct().count(),
        "spellings": list(spellings),
    }
