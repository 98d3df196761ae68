"""Pages of the core app: audit log (auditors), jobs (their owners), error pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ipops.accounts.roles import Role
from ipops.core.filters import AuditFilterForm
from ipops.core.http import AuthedRequest
from ipops.core.jobs import (
    get_visible_job,
    live_progress,
    open_result,
    result_path,
    start_job,
    visible_jobs,
)
from ipops.core.models import AuditEntry, Job
from ipops.core.pagination import paginate, query_without_page
from ipops.core.permissions import role_required


@require_safe
@role_required(Role.AUDITOR)
def audit_log(request: AuthedRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    entries = AuditEntry.objects.all()
    if form.is_bound and form.is_valid():
        entries = form.filter(entries)
    elif form.is_bound:
        entries = AuditEntry.objects.none()
    page = paginate(request, entries)
    return render(
        request, "core/audit_log.html", {"form": form, "page": page, "query": query_without_page(request)}
    )


@require_safe
@role_required(Role.AUDITOR)
def audit_entry(request: AuthedRequest, seq: int) -> HttpResponse:
    entry = get_object_or_404(AuditEntry, seq=seq)
    return render(request, "core/audit_entry.html", {"entry": entry})


@require_POST
@role_required(Role.AUDITOR)
def audit_export(request: AuthedRequest) -> HttpResponse:
    form = AuditFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The filter is not valid: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("core:audit_log")
    job = start_job(actor=request.user, kind="audit.export_xlsx", params=form.as_params())
    messages.info(request, _("The export is running; the file will be ready on this page."))
    return redirect("core:job_detail", pk=job.pk)


@require_safe
@login_required
def job_list(request: AuthedRequest) -> HttpResponse:
    jobs = visible_jobs(request.user).select_related("created_by", "organisation")
    status = request.GET.get("status", "")
    if status in Job.Status.values:
        jobs = jobs.filter(status=status)
    page = paginate(request, jobs)
    return render(
        request,
        "core/job_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Job.Status.choices,
            "query": query_without_page(request),
        },
    )


def job_context(job: Job) -> dict[str, Any]:
    progress = live_progress(job)
    total = progress.get("total") or 0
    percent = int(100 * progress["done"] / total) if total else (100 if job.is_finished else 0)
    return {
        "job": job,
        "progress": progress,
        "percent": min(percent, 100),
        "has_file": bool(result_path(job)),
    }


@require_safe
@login_required
def job_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    job = get_visible_job(request.user, pk)
    template = "core/_job_progress.html" if request.htmx else "core/job_detail.html"
    return render(request, template, job_context(job))


@require_safe
@login_required
def job_download(request: AuthedRequest, pk: Any) -> HttpResponseBase:
    job = get_visible_job(request.user, pk)
    try:
        path = open_result(actor=request.user, job=job)
    except FileNotFoundError:
        raise Http404(_("This job has no file to download.")) from None
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "csrf_failure.html", {"reason": reason}, status=403)
