"""Pages for patent imports (operators): upload a file, follow the import job, download the error report."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from ipops.accounts.roles import Role
from ipops.core.http import AuthedRequest
from ipops.core.pagination import paginate
from ipops.core.permissions import role_required
from ipops.patents.models import ImportBatch


@role_required(Role.OPERATOR)
def import_list(request: AuthedRequest) -> HttpResponse:
    page = paginate(request, ImportBatch.objects.select_related("dataset", "created_by"))
    return render(request, "patents/import_list.html", {"page": page})
