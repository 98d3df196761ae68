"""Filters of the asset lists: one form filters the page, its Excel export and the API alike."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ipops.assets.models import (
    ASSET_MODELS,
    CLAIM_FIELDS,
    AssetClaim,
    AssetKind,
    Copyright,
    GeographicalIndication,
    Trademark,
)
from ipops.assets.rules import nice_class_range
from ipops.core.forms import StyledFormMixin


def ours(kind: str, organisation_id: Any) -> Q:
    """Assets of an organisation: entered for it, owned by it, or confirmed to it by a claim."""
    confirmed = AssetClaim.objects.filter(
        organisation_id=organisation_id, asset_type=kind, status=AssetClaim.Status.CONFIRMED
    ).values(f"{CLAIM_FIELDS[kind]}_id")
    owner_field = ASSET_MODELS[kind].OWNER_ORG
    return (
        Q(organisation_id=organisation_id) | Q(**{f"{owner_field}_id": organisation_id}) | Q(pk__in=confirmed)
    )


SCOPES = [("", _("All organisations")), ("ours", _("My organisation's"))]


class AssetFilterForm(StyledFormMixin, forms.Form):
    kind: str = ""
    status_choices: Any = []

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Number, name or owner")}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    scope = forms.ChoiceField(label=_("Whose"), required=False, choices=SCOPES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *self.status_choices]  # type: ignore[attr-defined]

    def text_filter(self, text: str) -> Q:
        raise NotImplementedError

    def filter(self, queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
        data = self.cleaned_data
        if data.get("q"):
            queryset = queryset.filter(self.text_filter(data["q"].strip()))
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("scope") == "ours":
            queryset = queryset.filter(ours(self.kind, getattr(user, "organisation_id", None)))
        return queryset

    def as_params(self) -> dict[str, str]:
        """The cleaned filter as plain strings (for the audit entry of an export)."""
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "", False)}


class TrademarkFilterForm(AssetFilterForm):
    kind = AssetKind.TRADEMARK
    status_choices = Trademark.Status.choices

    nice_class = forms.IntegerField(label=_("Nice class"), required=False)
    well_known = forms.BooleanField(label=_("Well-known marks only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        low, high = nice_class_range()
        self.fields["nice_class"].widget.attrs.update({"min": low, "max": high})

    def clean_nice_class(self) -> int | None:
        value: int | None = self.cleaned_data.get("nice_class")
        low, high = nice_class_range()
        if value is not None and not low <= value <= high:
            raise forms.ValidationError(
                _("Choose a Nice class from %(low)d to %(high)d.") % {"low": low, "high": high}
            )
        return value

    def text_filter(self, text: str) -> Q:
        return Q(number__icontains=text) | Q(name__icontains=text) | Q(owner_name__icontains=text)

    def filter(self, queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
        queryset = super().filter(queryset, user)
        data = self.cleaned_data
        if data.get("nice_class") is not None:
            queryset = queryset.filter(nice_key__contains=f"|{data['nice_class']}|")
        if data.get("well_known"):
            queryset = queryset.filter(is_well_known=True)
        return queryset


class CopyrightFilterForm(AssetFilterForm):
    kind = AssetKind.COPYRIGHT
    status_choices = Copyright.Status.choices

    work_kind = forms.ChoiceField(
        label=_("Kind of work"), required=False, choices=[("", _("All kinds")), *Copyright.Kind.choices]
    )

    def text_filter(self, text: str) -> Q:
        return Q(number__icontains=text) | Q(title__icontains=text) | Q(owner_name__icontains=text)

    def filter(self, queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
        queryset = super().filter(queryset, user)
        if self.cleaned_data.get("work_kind"):
            queryset = queryset.filter(kind=self.cleaned_data["work_kind"])
        return queryset


class GeographicalIndicationFilterForm(AssetFilterForm):
    kind = AssetKind.GI
    status_choices = GeographicalIndication.Status.choices

    protection_kind = forms.ChoiceField(
        label=_("Protection kind"),
        required=False,
        choices=[("", _("All kinds")), *GeographicalIndication.Kind.choices],
    )
    region = forms.CharField(
        label=_("Region code"),
        required=False,
        max_length=6,
        help_text=_("A province (11), city (1101) or district (110105) code."),
    )

    def clean_region(self) -> str:
        code = (self.cleaned_data.get("region") or "").strip()
        if code and not re.fullmatch(r"\d{2}(\d{2}(\d{2})?)?", code):
            raise forms.ValidationError(_("Give two, four or six digits of a GB/T 2260 code."))
        return code

    def text_filter(self, text: str) -> Q:
        return (
            Q(number__icontains=text)
            | Q(name__icontains=text)
            | Q(product__icontains=text)
            | Q(holder_name__icontains=text)
        )

    def filter(self, queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
        queryset = super().filter(queryset, user)
        data = self.cleaned_data
        if data.get("protection_kind"):
            queryset = queryset.filter(kind=data["protection_kind"])
        if data.get("region"):
            queryset = queryset.filter(region_code__startswith=data["region"])
        return queryset


FILTER_FORMS: dict[str, type[AssetFilterForm]] = {
    AssetKind.TRADEMARK: TrademarkFilterForm,
    AssetKind.COPYRIGHT: CopyrightFilterForm,
    AssetKind.GI: GeographicalIndicationFilterForm,
}
