from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ipops.core.forms import StyledFormMixin
from ipops.patents.models import LegalStatus, PatentType
from ipops.search.keyword import Filters
from ipops.search.querylang import MAX_QUERY_CHARS

SORTS = [("relevance", _("Relevance")), ("date", _("Newest first"))]


class SearchForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _('e.g. 锂电池 隔膜, title:"solar cell", ipc:H01M NOT 电解液')}
        ),
    )
    patent_type = forms.ChoiceField(
        label=_("Patent type"),
        required=False,
        choices=[("", _("All types")), *[(v, lbl) for v, lbl in PatentType.choices if v]],
    )
    ipc = forms.CharField(label=_("IPC subclass"), required=False, max_length=4)
    applicant = forms.CharField(label=_("Applicant"), required=False, max_length=300)
    region = forms.CharField(label=_("Region code"), required=False, max_length=6)
    year_from = forms.IntegerField(label=_("Year from"), required=False, min_value=1900, max_value=2100)
    year_to = forms.IntegerField(label=_("Year to"), required=False, min_value=1900, max_value=2100)
    legal_status = forms.ChoiceField(
        label=_("Legal status"),
        required=False,
        choices=[("", _("All statuses")), *[(v, lbl) for v, lbl in LegalStatus.choices if v]],
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def clean_q(self) -> str:
        # over-long queries are cut by the query parser with a note, not refused
        return str(self.cleaned_data.get("q") or "")[: MAX_QUERY_CHARS * 10]

    def filters(self) -> Filters:
        d: dict[str, Any] = self.cleaned_data
        return Filters(
            patent_type=d.get("patent_type") or "",
            legal_status=d.get("legal_status") or "",
            region=(d.get("region") or "").strip(),
            ipc=(d.get("ipc") or "").strip().upper(),
            applicant=(d.get("applicant") or "").strip(),
            year_from=d.get("year_from"),
            year_to=d.get("year_to"),
        )

    def as_params(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class NeedForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Short title"), required=False, max_length=200)
    description = forms.CharField(
        label=_("Describe the technology you need"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": _("e.g. 我们需要一种降低锂电池低温容量衰减的电解液添加剂")}
        ),
        error_messages={"required": _("Describe the technology you need in a sentence or two.")},
    )


class NeedFilterForm(StyledFormMixin, forms.Form):
    """Filter saved needs by the tags the platform gave them: an IPC subclass, an industry."""

    ipc = forms.RegexField(
        label=_("IPC subclass"),
        required=False,
        max_length=4,
        regex=r"^[A-Ha-h]\d\d[A-Za-z]$",
        error_messages={"invalid": _("An IPC subclass has four characters, e.g. G06F.")},
        widget=forms.TextInput(attrs={"placeholder": "G06F", "size": 6}),
    )
    # offered: the industries the visible needs carry; accepted: any "scheme:code" (none may carry it)
    industry = forms.RegexField(
        label=_("Industry or technology field"),
        required=False,
        max_length=70,
        regex=r"^[\w.-]{1,32}:[\w.-]{1,32}$",
        error_messages={"invalid": _("Choose an industry from the list.")},
        widget=forms.Select,
    )

    def __init__(self, *args: Any, industries: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry"].widget.choices = [("", _("All")), *industries]

    def clean_ipc(self) -> str:
        return str(self.cleaned_data.get("ipc") or "").upper()
