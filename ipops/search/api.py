"""API endpoints of the search and matching module: keyword search (with facets), matching a need, saved
needs, and starting an index rebuild. Members of approved organisations search and match; enterprises
save needs; operators rebuild. Refusals and bad input answer in the platform's one error format."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from ipops.core.api import Pagination, caller
from ipops.search import engine, need_tags, present, services
from ipops.search.forms import NeedFilterForm, SearchForm
from ipops.search.ipc_api import router as ipc_router
from ipops.search.models import Need

router = Router(tags=["search"])
router.add_router("/", ipc_router)  # IPC suggestion endpoints (ipc_api.py, maintained with the suggester)
MAX_PAGE_SIZE = 100


class SearchQuery(Schema):
    q: str = ""
    patent_type: str = ""
    ipc: str = ""
    applicant: str = ""
    region: str = ""
    year_from: int | None = None
    year_to: int | None = None
    legal_status: str = ""
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20


class HitOut(Schema):
    id: str
    publication_number: str
    title: str
    abstract_snippet: str
    patent_type: str
    app_date: date | None
    main_ipc: str
    applicants: list[str]
    legal_status: str
    score: float


class FacetOut(Schema):
    value: str
    count: int


class SearchOut(Schema):
    query: str
    notes: list[str]
    count: int
    page: int
    page_size: int
    items: list[HitOut]
    facets: dict[str, list[FacetOut]]


def _index_missing() -> HttpError:
    return HttpError(503, _("The search index has not been built yet; an operator runs “rebuild index”."))


@router.get("/search/patents", response=SearchOut, summary="Keyword search with filters and facet counts")
def search_patents(request: HttpRequest, params: Query[SearchQuery]) -> Any:
    services.require_search(caller(request))
    form = SearchForm(params.dict())
    if not form.is_valid():
        raise ValidationError({k: v for k, v in form.errors.items()})
    size = max(1, min(params.page_size, MAX_PAGE_SIZE))
    page = max(1, params.page)
    try:
        result = engine.keyword_search(
            form.cleaned_data["q"],
            filters=form.filters(),
            sort=form.cleaned_data.get("sort") or "relevance",
            limit=size,
            offset=(page - 1) * size,
        )
    except engine.IndexMissingError as exc:
        raise _index_missing() from exc
    scores = dict(result.hits)
    items = []
    for p in present.patents_in_order([pid for pid, _s in result.hits]):
        items.append(
            {
                "id": str(p.pk),
                "publication_number": p.number,
                "title": p.title,
                "abstract_snippet": str(present.snippet(p.abstract or p.first_claim, result.terms)),
                "patent_type": p.patent_type,
                "app_date": p.app_date,
                "main_ipc": p.main_ipc,
                "applicants": [o["name"] for o in present.owners(p)],
                "legal_status": p.legal_status,
                "score": scores[str(p.pk)],
            }
        )
    return {
        "query": form.cleaned_data["q"],
        "notes": result.notes,
        "count": result.total,
        "page": page,
        "page_size": size,
        "items": items,
        "facets": {k: [{"value": v, "count": c} for v, c in b] for k, b in result.facets.items()},
    }


class MatchIn(Schema):
    text: str
    top: int = 10


class MatchOwnerOut(Schema):
    id: str
    name: str
    kind: str


class SubclassOut(Schema):
    code: str
    title: str


class ReasonOut(Schema):
    passage: str
    shared_words: list[str]
    shared_subclasses: list[SubclassOut]


class MatchOut(Schema):
    id: str
    publication_number: str
    title: str
    score: float
    keyword_score: float
    semantic_score: float
    owners: list[MatchOwnerOut]
    owner_group: str
    reason: ReasonOut


class TagOut(Schema):
    scheme: str  # "ipc", "wipo35" or the industry scheme's key
    code: str
    name: str
    confidence: float | None = None


def _tags_out(tags: Any) -> list[dict[str, Any]]:
    language = get_language() or settings.LANGUAGE_CODE
    return [
        {"scheme": t.scheme, "code": t.code, "name": t.name(language), "confidence": t.confidence}
        for t in tags
    ]


class MatchResultOut(Schema):
    subclasses: list[str]  # the subclasses the matching patents share
    tags: list[TagOut]  # what the need would be saved with (need_tags: the IPC model's set, then industries)
    tagged_by: str
    results: list[MatchOut]
    # patents not yet embedded: matching by meaning cannot return them until the background job adds them
    vectors_pending: int


def _match(text: str, top: int) -> dict[str, Any]:
    if not (text or "").strip():
        raise ValidationError({"text": _("Describe the technology you need in a sentence or two.")})
    try:
        ranked = engine.match(text, top=max(1, min(top, 50)))
    except engine.IndexMissingError as exc:
        raise _index_missing() from exc
    rows = present.match_rows(text, ranked.matches, get_language() or settings.LANGUAGE_CODE)
    tags = need_tags.tags_for(title="", description=text, profile=ranked.profile)
    return {
        "subclasses": need_tags.profile_subclasses(ranked.profile),
        "tags": _tags_out(tags.tags),
        "tagged_by": tags.tagged_by,
        "results": [r.as_json() for r in rows],
        "vectors_pending": engine.vectors_pending(),
    }


@router.post("/search/match", response=MatchResultOut, summary="Patents for a need written in plain words")
def match(request: HttpRequest, payload: MatchIn) -> Any:
    services.require_search(caller(request))
    return _match(payload.text, payload.top)


class NeedIn(Schema):
    title: str = ""
    description: str


class NeedOut(Schema):
    id: UUID
    organisation_id: UUID
    title: str
    description: str
    subclasses: list[str]
    tags: list[TagOut]
    tagged_by: str
    created_at: datetime

    @staticmethod
    def resolve_tags(obj: Need) -> list[dict[str, Any]]:
        return _tags_out(obj.tags.all())


class NeedFilter(Schema):
    ipc: str = ""  # an IPC subclass, e.g. G06F
    industry: str = ""  # "scheme:code" of an industry or technology field, as in a need's tags


@router.get("/search/needs", response=list[NeedOut], summary="Saved needs the caller may read")
@paginate(Pagination)
def list_needs(request: HttpRequest, filters: Query[NeedFilter]) -> Any:
    user = caller(request)
    services.require_search(user)
    visible = services.needs_visible_to(user)
    form = NeedFilterForm(filters.dict(), industries=[])  # the list of choices is for the page only
    if not form.is_valid():
        raise ValidationError({k: v for k, v in form.errors.items()})
    chosen = {k: v for k, v in form.cleaned_data.items() if v}
    return services.needs_tagged(visible, **chosen).prefetch_related("tags")


@router.post("/search/needs", response={201: NeedOut}, summary="Save a need (enterprise members)")
def create_need(request: HttpRequest, payload: NeedIn) -> Any:
    user = caller(request)
    if not services.can_post_needs(user):
        from ipops.core.permissions import deny

        raise deny(user, "save a technology need")
    return 201, services.save_need(actor=user, title=payload.title, description=payload.description)


@router.get("/search/needs/{need_id}", response=NeedOut, summary="One saved need")
def get_need(request: HttpRequest, need_id: UUID) -> Any:
    return get_object_or_404(services.needs_visible_to(caller(request)), pk=need_id)


@router.get("/search/needs/{need_id}/matches", response=MatchResultOut, summary="Current matches of a need")
def need_matches(request: HttpRequest, need_id: UUID, top: int = 10) -> Any:
    need: Need = get_object_or_404(services.needs_visible_to(caller(request)), pk=need_id)
    return _match(need.description, top)


@router.delete("/search/needs/{need_id}", response={204: None}, summary="Delete a saved need")
def delete_need(request: HttpRequest, need_id: UUID) -> Any:
    need = get_object_or_404(services.needs_visible_to(caller(request)), pk=need_id)
    services.delete_need(actor=caller(request), need=need)
    return 204, None


class RebuildOut(Schema):
    job_id: UUID


@router.post("/search/rebuild", response={202: RebuildOut}, summary="Rebuild the search index (operators)")
def rebuild(request: HttpRequest) -> Any:
    job = services.start_refresh(actor=caller(request), full=True)
    return 202, {"job_id": job.pk}
