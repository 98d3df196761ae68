"""Pages for patent imports (operators): upload a file, follow the import job, download the error report."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from ipops.accounts.roles import Role
from ipops.core.forms import add_service_errors
from ipops.core.http import AuthedRequest
from ipops.core.pagination import paginate
from ipops.core.permissions import role_required
from ipops.patents import services
from ipops.patents.import_forms import ImportForm
from ipops.patents.importers.base import FIELDS
from ipops.patents.models import ImportBatch


@role_required(Role.OPERATOR)
def import_list(request: AuthedRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.start_import(
                actor=request.user,
                path=services.keep_upload(upload),
                file_name=upload.name,
                file_format=form.cleaned_data["file_format"],
                mapping=form.cleaned_data["mapping"],
                dataset=form.cleaned_data["dataset"],
                status_as_of=form.cleaned_data["status_as_of"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("core:job_detail", pk=job.pk)
    page = paginate(request, ImportBatch.objects.select_related("dataset", "created_by", "job"))
    return render(request, "patents/import_list.html", {"page": page, "form": form, "fields": FIELDS})
