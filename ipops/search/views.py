"""Pages: keyword search (members), "find patents for my need" (members; enterprises save needs), saved
needs, and the operators' rebuild button. Thin: the engine answers, services change state."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ipops.accounts.roles import Role
from ipops.core.excel import xlsx_response
from ipops.core.http import AuthedRequest
from ipops.core.pagination import PAGE_SIZES, query_without_page
from ipops.core.permissions import has_role
from ipops.patents.filters import region_label
from ipops.patents.models import LegalStatus, Patent, PatentType
from ipops.patents.views import applicant_names, member_required
from ipops.search import engine, need_tags, present, services
from ipops.search.forms import NeedFilterForm, NeedForm, SearchForm
from ipops.search.keyword import Filters

EXPORT_LIMIT = 5000
MATCH_TOP = 30
FACET_LABELS = {
    "type": _("Patent type"),
    "ipc": _("IPC subclass"),
    "applicant": _("Applicant"),
    "region": _("Region"),
    "year": _("Year"),
    "status": _("Legal status"),
}
FACET_PARAM = {
    "type": "patent_type",
    "ipc": "ipc",
    "applicant": "applicant",
    "region": "region",
    "status": "legal_status",
}


class LazyHits(Sequence[Any]):
    """A result list the paginator can slice: each slice is one index query (offset + limit)."""

    def __init__(
        self, query: str, filters: Filters, sort: str, total: int, first: engine.SearchResult
    ) -> None:
        self.query, self.filters, self.sort, self.total, self.first = query, filters, sort, total, first

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, item: Any) -> Any:
        if not isinstance(item, slice):
            return self[item : item + 1][0]
        start, stop = item.start or 0, min(item.stop or self.total, self.total)
        if start == 0 and stop <= len(self.first.hits):
            hits = self.first.hits[:stop]
        else:
            hits = engine.keyword_search(
                self.query,
                filters=self.filters,
                sort=self.sort,
                limit=stop - start,
                offset=start,
                facets=False,
            ).hits
        return present.patents_in_order([pid for pid, _s in hits])


def _page_size(request: AuthedRequest) -> int:
    try:
        size = int(request.GET.get("size", 25))
    except ValueError:
        return 25
    return size if size in PAGE_SIZES else 25


def _export_rows(patents: Sequence[Patent]) -> Iterator[list[Any]]:
    for p in patents:
        yield [
            p.number,
            p.title,
            p.get_patent_type_display() if p.patent_type else "",
            p.app_date,
            p.main_ipc,
            applicant_names(p),
            p.get_legal_status_display() if p.legal_status else "",
        ]


def _vectors_pending(request: AuthedRequest) -> dict[str, Any]:
    """While the embed job fills the vectors of a large import: how many patents wait for theirs, and (for
    operators) the job to follow or, when none is queued or running (a restart stopped it), a resume button."""
    pending = engine.vectors_pending()
    if not pending:
        return {}
    context: dict[str, Any] = {"vectors_pending": pending}
    if has_role(request.user, Role.OPERATOR):
        context |= {"embed_job": services.active_embed_job(), "can_rebuild": True}
    return context


def _index_missing(request: AuthedRequest, template: str, context: dict[str, Any]) -> HttpResponseBase:
    return render(
        request,
        template,
        context | {"index_missing": True, "can_rebuild": has_role(request.user, Role.OPERATOR)},
    )


@require_safe
@member_required
def search(request: AuthedRequest) -> HttpResponseBase:
    form = SearchForm(request.GET)
    context: dict[str, Any] = {"form": form, "query": query_without_page(request)} | _vectors_pending(request)
    if not form.is_valid() or not form.cleaned_data["q"].strip():
        if form.is_valid() and "q" in request.GET:
            context["notes"] = [_('Type some words to search for, e.g. 锂电池 隔膜 or title:"solar cell".')]
        return render(request, "search/search.html", context)
    q, filters, sort = form.cleaned_data["q"], form.filters(), form.cleaned_data.get("sort") or "relevance"
    size = _page_size(request)
    try:
        first = engine.keyword_search(q, filters=filters, sort=sort, limit=size)
    except engine.IndexMissingError:
        return _index_missing(request, "search/search.html", context)
    if request.GET.get("export") == "xlsx" and first.total:
        hits = engine.keyword_search(q, filters=filters, sort=sort, limit=EXPORT_LIMIT, facets=False).hits
        return xlsx_response(
            actor=request.user,
            action="search.export",
            filters=form.as_params(),
            filename="patent-search.xlsx",
            sheet_title=_("Search results"),
            headers=[
                _("Number"),
                _("Title"),
                _("Patent type"),
                _("Application date"),
                _("Main IPC"),
                _("Applicants"),
                _("Legal status"),
            ],
            rows=_export_rows(present.patents_in_order([pid for pid, _s in hits])),
            tmp_dir=settings.DATA_DIR / "tmp",
        )
    page = Paginator(LazyHits(q, filters, sort, first.total, first), size).get_page(request.GET.get("page"))
    rows = [
        {
            "patent": p,
            "title": present.highlight(p.title, first.terms),
            "snippet": present.snippet(p.abstract or p.first_claim, first.terms),
            "applicants": applicant_names(p),
        }
        for p in page.object_list
    ]
    facets = []
    base = request.GET.copy()
    base.pop("page", None)
    for name, buckets in first.facets.items():
        entries = []
        for value, count in buckets:
            params = base.copy()
            if name == "year":
                params["year_from"] = params["year_to"] = value
            else:
                params[FACET_PARAM[name]] = value
            entries.append(
                {
                    "value": value,
                    "label": _facet_label(name, value),
                    "count": count,
                    "url": "?" + params.urlencode(),
                }
            )
        if entries:
            facets.append({"name": name, "label": FACET_LABELS[name], "entries": entries})
    context |= {
        "page": page,
        "rows": rows,
        "result": first,
        "notes": first.notes,
        "facets": facets,
        "searched": True,
    }
    return render(request, "search/search.html", context)


def _facet_label(name: str, value: str) -> str:
    if name == "region":
        return region_label(value)
    if name == "type":
        return str(dict(PatentType.choices).get(value, value))
    if name == "status":
        return str(dict(LegalStatus.choices).get(value, value))
    return value


def _matches(description: str) -> tuple[list[present.MatchRow], dict[str, float]]:
    ranked = engine.match(description, top=MATCH_TOP)
    rows = present.match_rows(description, ranked.matches, get_language() or settings.LANGUAGE_CODE)
    return rows, ranked.profile


@member_required
def need_match(request: AuthedRequest) -> HttpResponseBase:
    """GET ?description=…: matches for a need and the tags it would be saved with (a read); POST: save the
    need (enterprises)."""
    can_save = services.can_post_needs(request.user)
    if request.method == "POST":
        form = NeedForm(request.POST)
        if form.is_valid():
            try:
                need = services.save_need(
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
            else:
                messages.success(request, _("The need is saved."))
                return redirect("search:need_detail", pk=need.pk)
        return render(request, "search/need_match.html", {"form": form, "can_save": can_save})
    form = NeedForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "can_save": can_save} | _vectors_pending(request)
    if form.is_bound and form.is_valid():
        try:
            rows, profile = _matches(form.cleaned_data["description"])
        except engine.IndexMissingError:
            return _index_missing(request, "search/need_match.html", context)
        tags = need_tags.tags_for(
            title=form.cleaned_data["title"], description=form.cleaned_data["description"], profile=profile
        )
        context |= {"groups": present.grouped(rows), "tags": tags, "matched": True}
    return render(request, "search/need_match.html", context)


@require_safe
@member_required
def need_list(request: AuthedRequest) -> HttpResponseBase:
    visible = services.needs_visible_to(request.user)
    language = get_language() or settings.LANGUAGE_CODE
    form = NeedFilterForm(request.GET or None, industries=services.industry_choices(visible, language))
    needs = visible
    filters: dict[str, str] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
        needs = services.needs_tagged(visible, **filters)
    needs = needs.select_related("organisation", "created_by").prefetch_related("tags")
    if request.GET.get("export") == "xlsx" and not form.errors:
        return xlsx_response(
            actor=request.user,
            action="search.need_export",
            filters=filters,
            filename="needs.xlsx",
            sheet_title=_("Technology needs"),
            headers=[
                _("Title"),
                _("Description"),
                _("Organisation"),
                _("Posted by"),
                _("Posted"),
                _("IPC subclasses"),
                _("Industries and technology fields"),
                _("Tagged by"),
            ],
            rows=(
                [
                    n.title,
                    n.description,
                    str(n.organisation),
                    str(n.created_by),
                    n.created_at.date(),
                    " ".join(n.subclasses),
                    "; ".join(t.name(language) for t in n.industry_tags),
                    str(n.get_tagged_by_display()),
                ]
                for n in needs.iterator(chunk_size=500)
            ),
            tmp_dir=settings.DATA_DIR / "tmp",
        )
    page = Paginator(needs, _page_size(request)).get_page(request.GET.get("page"))
    return render(
        request,
        "search/need_list.html",
        {
            "page": page,
            "form": form,
            "filtered": bool(filters),
            "query": query_without_page(request),
            "can_save": services.can_post_needs(request.user),
            "any_need": visible.exists(),
        },
    )


@require_safe
@member_required
def need_detail(request: AuthedRequest, pk: Any) -> HttpResponseBase:
    need = get_object_or_404(services.needs_visible_to(request.user), pk=pk)
    context: dict[str, Any] = {
        "need": need,
        "can_delete": services.can_post_needs(request.user)
        and need.organisation_id == request.user.organisation_id,
    }
    try:
        rows, _profile = _matches(need.description)
        context["groups"] = present.grouped(rows)
    except engine.IndexMissingError:
        context["index_missing"] = True
    return render(request, "search/need_detail.html", context)


@require_POST
@member_required
def need_delete(request: AuthedRequest, pk: Any) -> HttpResponseBase:
    need = get_object_or_404(services.needs_visible_to(request.user), pk=pk)
    services.delete_need(actor=request.user, need=need)
    messages.success(request, _("The need is deleted."))
    return redirect("search:need_list")


@require_POST
@member_required
def rebuild(request: AuthedRequest) -> HttpResponseBase:
    job = services.start_refresh(actor=request.user, full=True)
    messages.success(request, _("The search index is being rebuilt; follow its progress on the job page."))
    return redirect("core:job_detail", pk=job.pk)


@require_POST
@member_required
def embed(request: AuthedRequest) -> HttpResponseBase:
    """Operators: start (resume) the job that embeds the patents still without semantic vectors."""
    job = services.start_embed(actor=request.user)
    messages.success(
        request, _("The patents without semantic vectors are being embedded; follow the job's progress.")
    )
    return redirect("core:job_detail", pk=job.pk)
