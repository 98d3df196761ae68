"""Operators merge applicant entities that are one real applicant, or split one that is two."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ipops.accounts.roles import Role
from ipops.core.http import AuthedRequest
from ipops.core.permissions import role_required
from ipops.patents import applicants
from ipops.patents.models import Applicant


def merge_candidates(applicant: Applicant, limit: int = 10) -> list[dict[str, Any]]:
    """Other applicants whose names share the first characters, with the matcher's evidence."""
    stem = applicant.name[:4]
    if len(stem) < 2:
        return []
    others = Applicant.objects.filter(name__icontains=stem).exclude(pk=applicant.pk).order_by("name")[:limit]
    return [{"applicant": o, "evidence": applicants.merge_evidence(applicant, o)} for o in others]


@require_POST
@role_required(Role.OPERATOR)
def merge(request: AuthedRequest, pk: Any) -> HttpResponse:
    target = get_object_or_404(Applicant, pk=pk)
    sources = list(Applicant.objects.filter(pk__in=request.POST.getlist("sources")))
    try:
        applicants.merge_applicants(
            actor=request.user, target=target, sources=sources, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Merged: the patents of %(n)d applicant(s) now belong here.") % {"n": len(sources)}
        )
    return redirect("patents:applicant_detail", pk=target.pk)


@require_POST
@role_required(Role.OPERATOR)
def split(request: AuthedRequest, pk: Any) -> HttpResponse:
    applicant = get_object_or_404(Applicant, pk=pk)
    try:
        new = applicants.split_applicant(
            actor=request.user,
            applicant=applicant,
            spellings=request.POST.getlist("spellings"),
            name=request.POST.get("name", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("patents:applicant_detail", pk=applicant.pk)
    messages.success(request, _("Split: the chosen spellings now form their own applicant."))
    return redirect("patents:applicant_detail", pk=new.pk)
