"""Pages of the IP asset registry (trademarks, copyrights, GIs): lists with filters and Excel export, records,
entry and edit forms, spreadsheet imports with their reports; and asset claims (patents included)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ipops.accounts.roles import Role
from ipops.assets import services
from ipops.assets.filters import FILTER_FORMS, ours
from ipops.assets.forms import (
    ASSET_FORMS,
    ClaimByNumberForm,
    ClaimFilterForm,
    ClaimForm,
    DecisionForm,
    ImportForm,
)
from ipops.assets.importing import LAYOUTS
from ipops.assets.kinds import SPECS, spec_for
from ipops.assets.models import AssetClaim, AssetImport, AssetKind
from ipops.core.excel import XLSX_MIME, write_xlsx, xlsx_response
from ipops.core.forms import add_service_errors
from ipops.core.http import AuthedRequest
from ipops.core.pagination import paginate, query_without_page
from ipops.core.permissions import deny, has_role, is_member_of_active, role_required

F = TypeVar("F", bound=Callable[..., HttpResponseBase])


def member_required(view: F) -> F:
    """Anonymous users go to log in; users who are not members of an approved organisation get 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_member_of_active(request.user):
            raise deny(request.user, f"{request.method} {request.path}")
        return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


def tmp_dir() -> Path:
    path = Path(settings.DATA_DIR) / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


BOOKKEEPING = ("organisation", "created_by", "created_at", "updated_at")


def field_rows(asset: models.Model) -> list[tuple[Any, Any]]:
    """(label, shown value) for every field of a record, as its detail page shows them: the asset's own
    fields first, then who entered it for whom and when."""
    fields = [f for f in asset._meta.fields if f.name not in ("id", "nice_key")]
    fields.sort(key=lambda f: f.name in BOOKKEEPING)
    rows: list[tuple[Any, Any]] = []
    for field in fields:
        value = getattr(asset, field.name)
        if field.choices:
            value = getattr(asset, f"get_{field.name}_display")()
        elif isinstance(value, bool):
            value = _("yes") if value else _("no")
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        rows.append((field.verbose_name, value))
    return rows


# --- overview and lists ------------------------------------------------------------------------------------


@require_safe
@member_required
def index(request: AuthedRequest) -> HttpResponse:
    org = request.user.organisation
    cards = [
        {
            "spec": spec,
            "total": spec.model.objects.count(),
            "ours": spec.model.objects.filter(ours(kind, request.user.organisation_id)).count(),
        }
        for kind, spec in SPECS.items()
    ]
    return render(
        request,
        "assets/index.html",
        {
            "cards": cards,
            "can_enter": services.may_enter(request.user),
            "can_claim": services.may_claim(request.user),
            "my_pending": AssetClaim.objects.filter(
                organisation=org, status=AssetClaim.Status.PENDING
            ).count(),
            "claimed_patents": services.claimed_patents(org).count() if org is not None else 0,
            "all_pending": (
                AssetClaim.objects.filter(status=AssetClaim.Status.PENDING).count()
                if has_role(request.user, Role.OPERATOR)
                else None
            ),
        },
    )


@require_safe
@member_required
def asset_list(request: AuthedRequest, kind: str) -> HttpResponseBase:
    spec = spec_for(kind)
    form = FILTER_FORMS[kind](request.GET)
    assets = spec.model.objects.select_related(*spec.select_related)
    assets = form.filter(assets, request.user) if form.is_valid() else assets.none()
    if request.GET.get("export") == "xlsx" and form.is_valid():
        return xlsx_response(
            actor=request.user,
            action=f"{kind}.export",
            filters=form.as_params(),
            filename=spec.export_filename,
            sheet_title=str(spec.title),
            headers=[str(c.label) for c in spec.columns],
            rows=([c.value(a) for c in spec.columns] for a in assets.iterator(chunk_size=500)),
            tmp_dir=tmp_dir(),
        )
    page = paginate(request, assets)
    return render(
        request,
        "assets/asset_list.html",
        {
            "spec": spec,
            "form": form,
            "page": page,
            "headers": [c.label for c in spec.list_columns],
            "rows": [(a, [c.value(a) for c in spec.list_columns]) for a in page],
            "query": query_without_page(request),
            "can_enter": services.may_enter(request.user),
        },
    )


# --- one asset: record, claim, entry and edit ----------------------------------------------------------------


@member_required
def asset_detail(request: AuthedRequest, kind: str, pk: Any) -> HttpResponse:
    spec = spec_for(kind)
    asset = get_object_or_404(spec.model.objects.select_related(*spec.select_related, "created_by"), pk=pk)
    form = ClaimForm(request.POST or None)
    if request.method == "POST":
        if not services.may_claim(request.user):
            raise deny(request.user, "claim IP assets", target=asset)
        if form.is_valid():
            try:
                claim = services.create_claim(
                    actor=request.user,
                    asset=asset,
                    evidence=form.cleaned_data["evidence"],
                    explanation=form.cleaned_data["explanation"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Your claim has been filed; an operator will decide on it."))
                return redirect("assets:claim_detail", pk=claim.pk)
    return render(request, "assets/asset_detail.html", detail_context(request, spec, asset, form))


def detail_context(request: AuthedRequest, spec: Any, asset: Any, form: ClaimForm) -> dict[str, Any]:
    org_id: Any = request.user.organisation_id
    claims = services.claims_on(asset).select_related("organisation", "decided_by")
    if not has_role(request.user, Role.OPERATOR):
        claims = claims.filter(organisation_id=org_id)
    owners = services.confirmed_owners(asset)
    already = (
        any(o.pk == org_id for o in owners)
        or claims.filter(organisation_id=org_id, status=AssetClaim.Status.PENDING).exists()
    )
    return {
        "spec": spec,
        "asset": asset,
        "fields": field_rows(asset),
        "owners": owners,
        "claims": claims,
        "claim_form": form if services.may_claim(request.user) and (form.is_bound or not already) else None,
        "can_edit": services.may_edit(request.user, asset),
    }


@member_required
def asset_create(request: AuthedRequest, kind: str) -> HttpResponse:
    spec = spec_for(kind)
    if not services.may_enter(request.user):
        raise deny(request.user, f"enter a {kind}")
    form = ASSET_FORMS[kind](request.POST or None, actor=request.user, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            asset = services.create_asset(
                actor=request.user,
                kind=kind,
                values=form.service_values(),
                organisation=form.cleaned_data.get("organisation"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"assets:{spec.kind}_detail", pk=asset.pk)
    return render(request, "assets/asset_form.html", {"spec": spec, "form": form, "asset": None})


@member_required
def asset_edit(request: AuthedRequest, kind: str, pk: Any) -> HttpResponse:
    spec = spec_for(kind)
    asset = get_object_or_404(spec.model, pk=pk)
    if not services.may_edit(request.user, asset):
        raise deny(request.user, f"edit this {kind}", target=asset)
    form = ASSET_FORMS[kind](request.POST or None, instance=asset, actor=request.user, creating=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_asset(actor=request.user, asset=asset, values=form.service_values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"assets:{spec.kind}_detail", pk=asset.pk)
    return render(request, "assets/asset_form.html", {"spec": spec, "form": form, "asset": asset})


# --- imports ------------------------------------------------------------------------------------------------


def keep_upload(upload: UploadedFile) -> Path:
    """The upload as a temporary file under the data directory (the caller deletes it)."""
    with tempfile.NamedTemporaryFile(dir=tmp_dir(), prefix="asset-import-", delete=False) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return Path(handle.name)


@member_required
def asset_import(request: AuthedRequest, kind: str) -> HttpResponse:
    spec = spec_for(kind)
    if not services.may_enter(request.user):
        raise deny(request.user, f"import {kind} records")
    form = ImportForm(request.POST or None, request.FILES or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path = keep_upload(upload)
        try:
            record = services.import_assets(
                actor=request.user,
                kind=kind,
                path=path,
                file_name=upload.name or "upload",
                organisation=form.cleaned_data.get("organisation"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("assets:import_detail", pk=record.pk)
        finally:
            path.unlink(missing_ok=True)
    return render(
        request,
        "assets/import.html",
        {
            "spec": spec,
            "form": form,
            "layout": LAYOUTS[kind],
            "imports": services.visible_imports(request.user).filter(kind=kind)[:10],
        },
    )


@require_safe
@member_required
def import_template(request: AuthedRequest, kind: str) -> HttpResponseBase:
    """An empty workbook with the documented headers and one example row (no data: not an audited read)."""
    spec = spec_for(kind)
    layout = LAYOUTS[kind]
    path = tmp_dir() / f"template-{kind}-{timezone.now():%Y%m%d%H%M%S%f}.xlsx"
    write_xlsx(
        path,
        sheet_title=str(spec.title),
        headers=[c.header for c in layout.columns],
        rows=[[c.example for c in layout.columns]],
    )
    handle = path.open("rb")
    path.unlink()
    return FileResponse(
        handle, as_attachment=True, filename=f"{spec.slug}-template.xlsx", content_type=XLSX_MIME
    )


def visible_import_or_deny(request: AuthedRequest, pk: Any) -> Any:
    record = get_object_or_404(AssetImport.objects.select_related("organisation", "created_by"), pk=pk)
    if not services.visible_import(request.user, record):
        raise deny(request.user, "view another organisation's import", target=record)
    return record


@require_safe
@member_required
def import_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    record = visible_import_or_deny(request, pk)
    spec = spec_for(record.kind)
    page = paginate(request, record.problems, default_size=100)
    return render(
        request,
        "assets/import_detail.html",
        {"record": record, "spec": spec, "page": page, "query": query_without_page(request)},
    )


@require_safe
@member_required
def import_report(request: AuthedRequest, pk: Any) -> HttpResponseBase:
    record = visible_import_or_deny(request, pk)
    return xlsx_response(
        actor=request.user,
        action=f"{record.kind}.import_report",
        filters={"import": str(record.pk)},
        filename=f"import-report-{record.created_at:%Y%m%d-%H%M}.xlsx",
        sheet_title=_("Import report"),
        headers=[_("Line"), _("Column"), _("Value"), _("Problem")],
        rows=([p["line"], p["column"], p["value"], p["reason"]] for p in record.problems),
        tmp_dir=tmp_dir(),
    )


# --- claims -------------------------------------------------------------------------------------------------


def claim_rows(claims: Any) -> Any:
    for c in claims.iterator(chunk_size=500):
        yield [
            c.organisation.name,
            c.get_asset_type_display(),
            c.asset_number,
            str(c.asset),
            c.get_status_display(),
            c.evidence,
            c.explanation,
            c.created_at,
            c.decided_by or "",
            c.decided_at,
            c.note,
        ]


def claim_headers() -> list[str]:
    return [
        _("Claimant"),
        _("Asset type"),
        _("Number"),
        _("Asset"),
        _("Status"),
        _("Evidence"),
        _("Explanation"),
        _("Claimed"),
        _("Decided by"),
        _("Decided"),
        _("Note"),
    ]


def pending_first(claims: Any) -> Any:
    rank = Case(
        When(status=AssetClaim.Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return claims.annotate(pending_rank=rank).order_by("pending_rank", "-created_at")


@require_safe
@role_required(Role.OPERATOR)
def claim_list(request: AuthedRequest) -> HttpResponseBase:
    form = ClaimFilterForm(request.GET or None)
    claims = services.visible_claims(request.user)
    if form.is_bound:
        claims = form.filter(claims) if form.is_valid() else claims.none()
    claims = pending_first(claims)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            actor=request.user,
            action="asset_claim.export",
            filters=form.as_params() if form.is_bound and form.is_valid() else {},
            filename="asset-claims.xlsx",
            sheet_title=_("Asset claims"),
            headers=claim_headers(),
            rows=claim_rows(claims),
            tmp_dir=tmp_dir(),
        )
    return render(
        request,
        "assets/claim_list.html",
        {
            "form": form,
            "page": paginate(request, claims),
            "query": query_without_page(request),
            "pending": AssetClaim.objects.filter(status=AssetClaim.Status.PENDING).count(),
            "operator_view": True,
        },
    )


@require_safe
@member_required
def my_claims(request: AuthedRequest) -> HttpResponse:
    org_id: Any = request.user.organisation_id
    claims = pending_first(services.visible_claims(request.user).filter(organisation_id=org_id))
    return render(
        request,
        "assets/claim_list.html",
        {
            "page": paginate(request, claims),
            "query": query_without_page(request),
            "operator_view": False,
            "can_claim": services.may_claim(request.user),
        },
    )


@member_required
def claim_create(request: AuthedRequest) -> HttpResponse:
    if not services.may_claim(request.user):
        raise deny(request.user, "claim IP assets")
    form = ClaimByNumberForm(request.POST or None, initial={"asset_type": request.GET.get("type", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        asset = services.find_asset(data["asset_type"], data["number"])
        if asset is None:
            form.add_error("number", _("There is no asset of this type with this number in the registry."))
        else:
            try:
                claim = services.create_claim(
                    actor=request.user,
                    asset=asset,
                    evidence=data["evidence"],
                    explanation=data["explanation"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Your claim has been filed; an operator will decide on it."))
                return redirect("assets:claim_detail", pk=claim.pk)
    return render(request, "assets/claim_create.html", {"form": form})


@member_required
def claim_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    claim = get_object_or_404(AssetClaim, pk=pk)
    if not services.visible_claims(request.user).filter(pk=claim.pk).exists():
        raise deny(request.user, "view another organisation's claim", target=claim)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "")
        try:
            if action not in ("confirm", "reject"):
                raise ValidationError(_("Unknown action."))
            services.decide_claim(
                actor=request.user, claim=claim, confirm=action == "confirm", note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Saved: the claim is now “%(status)s”.") % {"status": claim.get_status_display()}
            )
            return redirect("assets:claim_detail", pk=claim.pk)
    asset = claim.asset
    return render(
        request,
        "assets/claim_detail.html",
        {
            "claim": claim,
            "asset": asset,
            "asset_url": asset_url(claim.asset_type, asset),
            "owners": services.confirmed_owners(asset),
            "form": form,
            "can_decide": has_role(request.user, Role.OPERATOR) and claim.status == AssetClaim.Status.PENDING,
        },
    )


def asset_url(kind: str, asset: Any) -> str:
    from django.urls import reverse

    if kind == AssetKind.PATENT:
        return reverse("patents:patent_detail", args=[asset.pk])
    return reverse(f"assets:{kind}_detail", args=[asset.pk])
