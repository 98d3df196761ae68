"""The public portal and the signed-in user's workspace."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ipops.accounts.models import Organisation
from ipops.accounts.roles import OrgKind, Role, Workspace
from ipops.core.http import AuthedRequest
from ipops.core.models import Job
from ipops.core.permissions import has_role


def home(request: HttpRequest) -> HttpResponse:
    active = Organisation.objects.filter(status=Organisation.Status.ACTIVE).exclude(kind=OrgKind.CENTRE)
    return render(request, "portal/home.html", {"organisation_count": active.count()})


@login_required
def workspace(request: AuthedRequest) -> HttpResponse:
    user = request.user
    org = user.organisation
    context: dict[str, Any] = {
        "org": org,
        "workspace": org.workspace if org else None,
        "Workspace": Workspace,
    }
    if org is not None and org.is_active:
        context["recent_jobs"] = list(Job.objects.filter(created_by=user)[:5])
        context["member_count"] = org.users.filter(is_active=True).count()
        if has_role(user, Role.OPERATOR):
            context["pending_orgs"] = Organisation.objects.filter(status=Organisation.Status.PENDING).count()
    context["roles"] = [label for code, label in Role.choices if code in user.role_set]
    return render(request, "portal/workspace.html", context)
