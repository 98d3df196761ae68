"""Pages of the valuation module: the valuation list (Excel export), the online tool, the valuation report
(page and PDF), an organisation's portfolio and innovation score. Views are thin: reads go through the
permission helpers of `services`, writes through its service functions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_safe

from ipops.accounts.models import Organisation
from ipops.core.excel import xlsx_response
from ipops.core.http import AuthedRequest
from ipops.core.pagination import paginate, query_without_page
from ipops.core.permissions import deny, has_role
from ipops.corpus.query import SnapshotMissingError
from ipops.patents.models import Applicant, Patent
from ipops.valuation import catalogue, portfolio, services
from ipops.valuation.forms import InnovationProfileForm, ValuationForm
from ipops.valuation.formulas.errors import ValuationInputError
from ipops.valuation.formulas.scoring import DIMENSION_LABELS
from ipops.valuation.models import InnovationProfile, Valuation


def _valuation_or_404(user: Any, pk: Any) -> Valuation:
    valuation = (
        services.visible_valuations(user)
        .filter(pk=pk)
        .select_related("created_by", "organisation", "patent")
        .first()
    )
    if valuation is None:
        if Valuation.objects.filter(pk=pk).exists():
            raise deny(user, "read a valuation of another organisation")
        raise Http404
    return valuation


def _require_valuer_or_reader(user: Any) -> None:
    if not (services.can_value(user) or has_role(user, "auditor")):
        raise deny(user, "use the valuation tool")


APPROACH_LABELS = {
    "relief_from_royalty": _lazy("Income approach: relief from royalty"),
    "excess_earnings": _lazy("Income approach: excess earnings"),
    "market": _lazy("Market approach"),
    "cost": _lazy("Cost approach"),
}
APPROACH_GROUP = {"relief_from_royalty": "income", "excess_earnings": "income"}

EXPORT_HEADERS = (
    "subject",
    "scenario",
    "version",
    "score",
    "grade",
    "P10",
    "P50",
    "P90",
    "value",
    "by",
    "created",
)


def _export_rows(valuations: Any) -> Iterator[list[Any]]:
    for v in valuations:
        yield [
            v.subject_label, v.scenario, v.version, v.score, v.grade, v.value_low, v.value_mid, v.value_high, v.value,
            v.created_by.username, v.created_at.strftime("%Y-%m-%d %H:%M"),
        ]  # fmt: skip


@require_safe
@login_required
def valuation_list(request: AuthedRequest) -> HttpResponseBase:
    _require_valuer_or_reader(request.user)
    valuations = services.visible_valuations(request.user).select_related("created_by", "organisation")
    q = request.GET.get("q", "").strip()
    if q:
        valuations = valuations.filter(Q(subject_label__icontains=q) | Q(scenario=q))
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            actor=request.user,
            action="valuation.export",
            filters={"q": q},
            filename="valuations.xlsx",
            sheet_title=_("Valuations"),
            headers=[_(h) for h in EXPORT_HEADERS],
            rows=_export_rows(valuations),
            tmp_dir=settings.DATA_DIR / "tmp",
        )
    page = paginate(request, valuations)
    return render(
        request,
        "valuation/valuation_list.html",
        {
            "page": page,
            "query": query_without_page(request),
            "q": q,
            "can_value": services.can_value(request.user),
            "scenarios": [
                (name, catalogue.scenario(name).name(get_language() or "zh-hans"))
                for name in catalogue.scenario_names()
            ],
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def valuation_new(request: AuthedRequest) -> HttpResponseBase:
    services.require_valuer(request.user, "use the valuation tool")
    form = ValuationForm(request.POST or None, initial={"number": request.GET.get("number", "")})
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["number"].replace(" ", "").upper()
        patent = Patent.objects.filter(Q(pub_number=number) | Q(app_number=number)).first()
        if patent is None:
            form.add_error(
                "number",
                _("No patent with this number is held. Check the number, or ask the centre to import it."),
            )
        else:
            try:
                valuation = services.value_patent(
                    actor=request.user,
                    patent=patent,
                    scenario=form.cleaned_data["scenario"],
                    entered=form.entered(),
                    inputs=form.money_inputs() or None,
                    partial=form.cleaned_data["partial"],
                    note=form.cleaned_data["note"],
                )
            except ValuationInputError as exc:
                target = f"level_{exc.field}" if f"level_{exc.field}" in form.fields else None
                target = target or (exc.field if exc.field in form.fields else None)
                form.add_error(target, str(exc.message))
            else:
                return redirect("valuation:valuation_detail", pk=valuation.pk)
    groups = [
        (str(DIMENSION_LABELS[d]), [form[name] for dim, name in form.indicator_fields if dim == d])
        for d in ("legal", "technical", "economic")
    ]
    return render(request, "valuation/valuation_form.html", {"form": form, "groups": groups})


def _report_context(valuation: Valuation) -> dict[str, Any]:
    results = valuation.results
    language = get_language() or "zh-hans"
    rows = [
        {
            **r,
            "name": r["name_zh"] if language.startswith("zh") else r["name_en"],
            "dimension_label": str(DIMENSION_LABELS[r["dimension"]]),
        }
        for r in results.get("indicators", [])
        if r.get("in_scenario")
    ]
    labels = [str(DIMENSION_LABELS[d]) for d in ("legal", "technical", "economic")]
    dimensions = results.get("dimensions") or {}
    values = [float(dimensions.get(d) or 0) for d in ("legal", "technical", "economic")]
    chart = {"dimensions": labels, "values": values}
    money = results.get("money")
    approaches = [
        {
            "name": str(APPROACH_LABELS.get(name, name)),
            **data,
            "weight": (money or {}).get("weights", {}).get(APPROACH_GROUP.get(name, name)),
        }
        for name, data in ((money or {}).get("approaches") or {}).items()
    ]
    try:
        scenario_label = catalogue.scenario(valuation.scenario).name(language)
    except ValuationInputError:  # a scenario the region has since removed
        scenario_label = valuation.scenario
    return {
        "approaches": approaches,
        "scenario_label": scenario_label,
        "dimension_rows": [
            (label, dimensions.get(d))
            for label, d in zip(labels, ("legal", "technical", "economic"), strict=True)
        ],
        "valuation": valuation,
        "results": results,
        "rows": rows,
        "money": results.get("money"),
        "chart": chart,
        "chart_rows": list(zip(labels, values, strict=True)),
    }


@require_safe
@login_required
def valuation_detail(request: AuthedRequest, pk: Any) -> HttpResponseBase:
    valuation = _valuation_or_404(request.user, pk)
    versions = services.visible_valuations(request.user).filter(
        organisation=valuation.organisation, subject_key=valuation.subject_key, scenario=valuation.scenario
    )
    return render(
        request, "valuation/valuation_detail.html", {**_report_context(valuation), "versions": versions}
    )


@require_safe
@login_required
def valuation_pdf(request: AuthedRequest, pk: Any) -> HttpResponseBase:
    valuation = _valuation_or_404(request.user, pk)
    from ipops.analytics.report import html_to_pdf

    html = render_to_string("valuation/valuation_pdf.html", _report_context(valuation), request=request)
    pdf = html_to_pdf(html, base_url=str(settings.BASE_DIR))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="valuation-{valuation.pk}-v{valuation.version}.pdf"'
    )
    return response


@require_safe
@login_required
def organisation_list(request: AuthedRequest) -> HttpResponseBase:
    """Valuers pick a company; members of other organisations go straight to their own."""
    if not services.can_value(request.user):
        organisation = request.user.organisation
        if organisation is None or not services.can_read_organisation(request.user, organisation):
            raise deny(request.user, "read IP evaluations of organisations")
        return redirect("valuation:organisation_detail", pk=organisation.pk)
    q = request.GET.get("q", "").strip()
    linked = Applicant.objects.filter(organisation__isnull=False).values("organisation_id")
    organisations = Organisation.objects.filter(status=Organisation.Status.ACTIVE)
    if q:
        organisations = organisations.filter(Q(name__icontains=q) | Q(name_en__icontains=q))
    page = paginate(request, organisations.order_by("name"))
    return render(
        request,
        "valuation/organisation_list.html",
        {
            "page": page,
            "query": query_without_page(request),
            "q": q,
            "linked": {str(r["organisation_id"]) for r in linked},
        },
    )


@require_safe
@login_required
def organisation_detail(request: AuthedRequest, pk: Any) -> HttpResponseBase:
    organisation = get_object_or_404(Organisation, pk=pk)
    services.require_read_organisation(request.user, organisation)
    error = ""
    try:
        view = portfolio.organisation_view(organisation, scenario=request.GET.get("scenario") or None)
    except SnapshotMissingError:
        view = None  # the page says the snapshot is not built yet
    except ValuationInputError as exc:
        view = None
        error = str(exc.message)
    return render(
        request,
        "valuation/organisation_detail.html",
        {
            "organisation": organisation,
            "view": view,
            "error": error,
            "chart": json.dumps(view["histogram"]) if view else "null",
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def profile_edit(request: AuthedRequest, pk: Any) -> HttpResponseBase:
    """The figures an organisation enters for its innovation score (its administrators, or operators)."""
    organisation = get_object_or_404(Organisation, pk=pk)
    if not services.may_edit_profile(request.user, organisation):
        raise deny(request.user, "edit the innovation profile", target=organisation)
    profile = InnovationProfile.objects.filter(organisation=organisation).first()
    initial = {name: getattr(profile, name) for name in services.PROFILE_FIELDS} if profile else {}
    form = InnovationProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.save_innovation_profile(
            actor=request.user, organisation=organisation, values=form.cleaned_data
        )
        return redirect("valuation:organisation_detail", pk=organisation.pk)
    return render(request, "valuation/profile_form.html", {"form": form, "organisation": organisation})


@require_http_methods(["POST"])
@login_required
def batch_start(request: AuthedRequest) -> HttpResponseBase:
    try:
        job = services.start_batch_scoring(actor=request.user, scenario=request.POST.get("scenario") or None)
    except ValuationInputError as exc:
        messages.error(request, str(exc.message))
        return redirect("valuation:valuation_list")
    return redirect("core:job_detail", pk=job.pk)


@require_http_methods(["POST"])
@login_required
def organisation_save(request: AuthedRequest, pk: Any) -> HttpResponseBase:
    organisation = get_object_or_404(Organisation, pk=pk)
    try:
        valuation = services.value_organisation(
            actor=request.user, organisation=organisation, scenario=request.POST.get("scenario") or None
        )
    except (ValuationInputError, SnapshotMissingError) as exc:
        messages.error(request, str(getattr(exc, "message", exc)))
        return redirect("valuation:organisation_detail", pk=organisation.pk)
    return redirect("valuation:valuation_detail", pk=valuation.pk)
