"""Column mappings (operators): map a source file's columns to the platform's fields once, save by name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipops.accounts.roles import Role
from ipops.core.forms import StyledFormMixin, add_service_errors
from ipops.core.http import AuthedRequest
from ipops.core.permissions import role_required
from ipops.patents import services
from ipops.patents.importers.base import FIELDS
from ipops.patents.models import ColumnMapping


class MappingForm(StyledFormMixin, forms.Form):
    name = forms.SlugField(label=gettext_lazy("Mapping name"), max_length=100, allow_unicode=True)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field, meaning in FIELDS.items():
            self.fields[f"col_{field}"] = forms.CharField(
                label=f"{field} — {meaning}", max_length=200, required=False
            )
        self.style_columns()

    def style_columns(self) -> None:
        for name, field in self.fields.items():
            if name.startswith("col_"):
                field.widget.attrs["class"] = "form-control"
                field.widget.attrs["placeholder"] = _("their column name")

    def mapping(self) -> dict[str, str]:
        data = self.cleaned_data
        return {f: data[f"col_{f}"].strip() for f in FIELDS if data.get(f"col_{f}", "").strip()}


@role_required(Role.OPERATOR)
def mapping_list(request: AuthedRequest) -> HttpResponse:
    return render(request, "patents/mapping_list.html", {"mappings": ColumnMapping.objects.all()})


@role_required(Role.OPERATOR)
def mapping_edit(request: AuthedRequest, pk: Any = None) -> HttpResponse:
    existing = get_object_or_404(ColumnMapping, pk=pk) if pk else None
    initial: dict[str, Any] = {}
    if existing is not None:
        initial = {"name": existing.name, "description": existing.description}
        initial |= {f"col_{f}": c for f, c in existing.mapping.items()}
    form = MappingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_mapping(
                actor=request.user,
                name=form.cleaned_data["name"],
                mapping=form.mapping(),
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Mapping “%(name)s” saved; choose it on the import page.") % {"name": saved.name}
            )
            return redirect("patents:mapping_list")
    return render(request, "patents/mapping_edit.html", {"form": form, "existing": existing})
