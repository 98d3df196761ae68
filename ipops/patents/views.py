"""The big-data centre's patent browser: the patent list (filters, sort, Excel export), a patent's record,
and an applicant's page with the spellings matched to it. Read-only; patent data is public bibliographic data,
open to every signed-in member of an approved organisation."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ipops.accounts.roles import Role
from ipops.core.excel import xlsx_response
from ipops.core.http import AuthedRequest
from ipops.core.pagination import paginate, query_without_page
from ipops.core.permissions import deny, has_role, is_member_of_active
from ipops.patents.applicant_views import merge_candidates
from ipops.patents.filters import DEFAULT_SORT, PatentFilterForm, ordering, region_label, region_path
from ipops.patents.models import Applicant, Classification, Patent, PatentApplicant

F = TypeVar("F", bound=Callable[..., HttpResponseBase])


def require_active_member(user: Any, what: str) -> None:
    """Patent data is open to members of approved organisations; anyone else is refused (audited)."""
    if not is_member_of_active(user):
        raise deny(user, what)


def member_required(view: F) -> F:
    """View decorator: anonymous users go to log in; members of no approved organisation get 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        require_active_member(request.user, f"{request.method} {request.path}")
        return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


# --- shared read helpers (the API uses them too) ---------------------------------------------------------


def with_applicants(queryset: QuerySet[Patent]) -> QuerySet[Patent]:
    """Patents with their source and their applicant entities in one extra query."""
    links = PatentApplicant.objects.select_related("applicant").order_by("position")
    return queryset.select_related("dataset").prefetch_related(Prefetch("applicant_links", queryset=links))


def applicant_names(patent: Patent) -> str:
    """The applicant entities' names (prefetched), else the applicants as published."""
    names = [link.applicant.name for link in patent.applicant_links.all()]
    return "; ".join(names) if names else patent.applicants_text


def source_label(patent: Patent) -> str:
    dataset = patent.dataset
    if dataset is None:
        return ""
    return f"{dataset.name} ({_('synthetic')})" if dataset.synthetic else dataset.name


def ipc_titles(codes: Iterable[str], language: str) -> dict[str, str]:
    """IPC titles in the language from the reference tables (a code without its own title gets its
    group's or subclass's); {} when the reference data is not there, so pages show codes only."""
    wanted = [c for c in dict.fromkeys(codes) if c]
    if not wanted:
        return {}
    try:
        from ipops.reference.services import ipc_titles as lookup
    except ImportError:
        return {}
    return lookup(wanted, language)


def classification_rows(patent: Patent, language: str) -> list[dict[str, Any]]:
    """The patent's classifications, each IPC symbol with its title and its subclass's title."""
    classifications = list(patent.classifications.all())
    ipc = [c.code for c in classifications if c.scheme == Classification.Scheme.IPC]
    titles = ipc_titles([*ipc, *(code[:4] for code in ipc)], language)
    rows = []
    for c in classifications:
        is_ipc = c.scheme == Classification.Scheme.IPC
        rows.append(
            {
                "scheme": c.scheme,
                "scheme_label": c.get_scheme_display(),
                "code": c.code,
                "version": c.version,
                "is_main": c.is_main,
                "title": titles.get(c.code, "") if is_ipc else "",
                "subclass_title": titles.get(c.code[:4], "") if is_ipc and len(c.code) > 4 else "",
            }
        )
    return rows


def technology_field(main_ipc: str, language: str) -> str:
    """WIPO's technology field of the main IPC, when the reference data has it ("" otherwise)."""
    if not main_ipc:
        return ""
    try:
        from ipops.reference.services import technology_field_for
    except ImportError:
        return ""
    try:
        found = technology_field_for(main_ipc)
    except ValueError:  # IpcError: a main IPC the importer kept as given
        return ""
    return found.name(language) if found is not None else ""


# --- pages -------------------------------------------------------------------------------------------------


def export_headers() -> list[str]:
    return [
        _("Number"),
        _("Title"),
        _("Patent type"),
        _("Application date"),
        _("Publication date"),
        _("Main IPC"),
        _("Applicants"),
        _("Region"),
        _("Legal status"),
        _("Source"),
    ]


def export_rows(patents: QuerySet[Patent]) -> Iterator[list[Any]]:
    for p in patents.iterator(chunk_size=500):
        yield [
            p.number,
            p.title,
            p.get_patent_type_display() if p.patent_type else "",
            p.app_date,
            p.pub_date,
            p.main_ipc,
            applicant_names(p),
            region_path(p.province_code, p.city_code, p.district_code),
            p.get_legal_status_display() if p.legal_status else "",
            source_label(p),
        ]


@require_safe
@member_required
def patent_list(request: AuthedRequest) -> HttpResponseBase:
    form = PatentFilterForm(request.GET)
    patents = with_applicants(Patent.objects.all())
    patents = form.filter(patents) if form.is_valid() else patents.none()
    if request.GET.get("export") == "xlsx" and form.is_valid():
        return xlsx_response(
            actor=request.user,
            action="patent.export",
            filters=form.as_params(),
            filename="patents.xlsx",
            sheet_title=_("Patents"),
            headers=export_headers(),
            rows=export_rows(patents),
            tmp_dir=settings.DATA_DIR / "tmp",
        )
    page = paginate(request, patents)
    return render(
        request,
        "patents/patent_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "has_patents": page.paginator.count > 0 or Patent.objects.exists(),
            "can_import": has_role(request.user, Role.OPERATOR),
        },
    )


@require_safe
@member_required
def patent_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    patent = get_object_or_404(
        Patent.objects.select_related("dataset", "last_import", "last_import__created_by"), pk=pk
    )
    language = get_language() or settings.LANGUAGE_CODE
    links = patent.applicant_links.select_related("applicant").order_by("position")
    return render(
        request,
        "patents/patent_detail.html",
        {
            "patent": patent,
            "applicant_links": links,
            "classifications": classification_rows(patent, language),
            "technology_field": technology_field(patent.main_ipc, language),
            "legal_events": patent.legal_events.all(),
            "extra": sorted(patent.extra.items()) if isinstance(patent.extra, dict) else [],
            "regions": [
                (label, region_label(code))
                for label, code in (
                    (_("Province"), patent.province_code),
                    (_("City"), patent.city_code),
                    (_("District"), patent.district_code),
                )
                if code
            ],
        },
    )


@require_safe
@member_required
def applicant_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    applicant = get_object_or_404(Applicant.objects.select_related("organisation"), pk=pk)
    linked = PatentApplicant.objects.filter(applicant=applicant).values("patent_id")
    patents = with_applicants(Patent.objects.filter(pk__in=linked)).order_by(*ordering(DEFAULT_SORT))
    spellings = (
        PatentApplicant.objects.filter(applicant=applicant)
        .values("raw_name")
        .annotate(count=Count("id"))
        .order_by("-count", "raw_name")
    )
    page = paginate(request, patents)
    return render(
        request,
        "patents/applicant_detail.html",
        {
            "applicant": applicant,
            "region": region_label(applicant.region_code),
            "page": page,
            "query": query_without_page(request),
            "spellings": spellings,
            "may_merge": has_role(request.user, Role.OPERATOR),
            "candidates": merge_candidates(applicant) if has_role(request.user, Role.OPERATOR) else [],
        },
    )
