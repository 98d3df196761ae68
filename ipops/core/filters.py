"""Filter forms for the core lists (audit log, jobs); the same form filters the page, the API and exports."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ipops.core.forms import StyledFormMixin
from ipops.core.models import AuditEntry


class AuditFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    user = forms.CharField(label=_("User"), required=False, max_length=150)
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=200)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=100)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def filter(self, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        data = self.cleaned_data
        if data.get("q"):
            queryset = queryset.filter(object_repr__icontains=data["q"]) | queryset.filter(
                request_id=data["q"]
            )
        if data.get("action"):
            queryset = queryset.filter(action__startswith=data["action"])
        if data.get("user"):
            queryset = queryset.filter(actor_username__icontains=data["user"])
        if data.get("organisation"):
            queryset = queryset.filter(organisation_name__icontains=data["organisation"])
        if data.get("object_type"):
            queryset = queryset.filter(object_type=data["object_type"])
        if data.get("since"):
            queryset = queryset.filter(occurred_at__date__gte=data["since"])
        if data.get("until"):
            queryset = queryset.filter(occurred_at__date__lte=data["until"])
        return queryset

    def as_params(self) -> dict[str, str]:
        """The cleaned filter as plain strings (for a job's parameters)."""
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "")}
