"""The patent list's filter: one form filters the page, its Excel export and the API alike."""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from django import forms
from django.db.models import F, OrderBy, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ipops.core.forms import StyledFormMixin
from ipops.patents.models import Classification, Dataset, LegalStatus, Patent, PatentApplicant, PatentType

GBT2260_DIR = Path(__file__).resolve().parents[1] / "reference" / "data" / "gbt2260"


@functools.lru_cache(maxsize=1)
def region_names() -> dict[str, str]:
    """GB/T 2260 code → name (province, city and district), from the bundled tables; empty without them."""
    names: dict[str, str] = {}
    for table in ("province.csv", "city.csv", "area.csv"):
        try:
            with (GBT2260_DIR / table).open(encoding="utf-8", newline="") as handle:
                names.update((row["code"], row["name"]) for row in csv.DictReader(handle))
        except (OSError, KeyError):
            continue
    return names


def region_label(code: str) -> str:
    """``江苏省 (320000)``; the bare code when its name is not known."""
    if not code:
        return ""
    name = region_names().get(code)
    return f"{name} ({code})" if name else code


def region_path(province: str, city: str, district: str) -> str:
    """``江苏省 南通市 海安市``: the names of the codes a record has (codes where no name is known)."""
    names = region_names()
    return " ".join(names.get(code, code) for code in (province, city, district) if code)


# An IPC symbol or the start of one: section, class, subclass, then main group and subgroup (digits may be
# partial: "E01B 3/" or "E01B 3/3" are prefixes of "E01B 3/32").
IPC_PREFIX_RE = re.compile(
    r"^(?P<section>[A-H])(?:(?P<klass>\d{2})(?:(?P<subclass>[A-Z])"
    r"(?:\s*(?P<main>\d{1,4})(?:\s*/\s*(?P<sub>\d{0,6}))?)?)?)?$"
)


def ipc_prefix(raw: str) -> str | None:
    """The canonical prefix an IPC filter means (``e01b3`` → ``E01B 3/``), None when it is not one."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", raw).upper().strip())
    match = IPC_PREFIX_RE.match(text)
    if match is None:
        return None
    parts = match.groupdict()
    prefix = parts["section"] + (parts["klass"] or "") + (parts["subclass"] or "")
    if parts["main"]:
        prefix += f" {int(parts['main'])}/"
        sub = parts["sub"] or ""
        if len(sub) > 2:
            sub = sub.rstrip("0").ljust(2, "0")  # "320" is subgroup 32, as the canonical code writes it
        prefix += sub
    return prefix


SORTS: dict[str, Any] = {
    "-pub_date": _("Publication date, newest first"),
    "pub_date": _("Publication date, oldest first"),
    "-app_date": _("Application date, newest first"),
    "app_date": _("Application date, oldest first"),
    "number": _("Number, ascending"),
    "-number": _("Number, descending"),
}
DEFAULT_SORT = "-pub_date"


def ordering(sort: str) -> list[OrderBy]:
    """The ORDER BY of a sort key; records without the date come last either way, ties by number."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    number = Coalesce("pub_number", "app_number")
    first = number if key == "number" else F(key)
    first_order = first.desc(nulls_last=True) if descending else first.asc(nulls_last=True)
    return [first_order, number.asc(), F("id").asc()]


class DatasetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({_('synthetic')})" if obj.synthetic else str(obj.name)


class PatentFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Title, number or applicant")}),
    )
    patent_type = forms.ChoiceField(
        label=_("Patent type"),
        required=False,
        choices=[("", _("All types")), *[(v, lbl) for v, lbl in PatentType.choices if v]],
    )
    ipc = forms.CharField(
        label=_("IPC"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": _("E01B or E01B 3/")}),
    )
    applicant = forms.CharField(label=_("Applicant"), required=False, max_length=200)
    region = forms.CharField(label=_("Region"), required=False, max_length=6, widget=forms.Select)
    year_from = forms.IntegerField(
        label=_("Application year from"), required=False, min_value=1900, max_value=2100
    )
    year_to = forms.IntegerField(
        label=_("Application year to"), required=False, min_value=1900, max_value=2100
    )
    legal_status = forms.ChoiceField(
        label=_("Legal status"),
        required=False,
        choices=[("", _("All statuses")), *[(v, lbl) for v, lbl in LegalStatus.choices if v]],
    )
    dataset = DatasetChoiceField(
        label=_("Source"), required=False, queryset=Dataset.objects.all(), empty_label=_("All sources")
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=list(SORTS.items()))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provinces = (
            Patent.objects.exclude(province_code="")
            .order_by("province_code")
            .values_list("province_code", flat=True)
            .distinct()
        )
        region = self.fields["region"]
        region.widget.choices = [("", _("All regions")), *[(c, region_label(c)) for c in provinces]]

    def clean_ipc(self) -> str:
        raw = self.cleaned_data.get("ipc") or ""
        if not raw.strip():
            return ""
        prefix = ipc_prefix(raw)
        if prefix is None:
            raise forms.ValidationError(
                _("Enter an IPC subclass such as E01B, or the start of a symbol such as E01B 3/.")
            )
        return prefix

    def clean_region(self) -> str:
        code = (self.cleaned_data.get("region") or "").strip()
        if code and not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(_("Choose a region, or give a six-digit province or city code."))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("year_from"), data.get("year_to")
        if start is not None and end is not None and start > end:
            raise forms.ValidationError(_("The first year is after the last year."))
        return data

    def filter(self, queryset: QuerySet[Patent]) -> QuerySet[Patent]:
        data = self.cleaned_data
        if data.get("q"):
            text = data["q"].strip()
            named = PatentApplicant.objects.filter(
                Q(applicant__name__icontains=text) | Q(raw_name__icontains=text)
            ).values("patent_id")
            queryset = queryset.filter(
                Q(title__icontains=text)
                | Q(title_en__icontains=text)
                | Q(pub_number__icontains=text)
                | Q(app_number__icontains=text)
                | Q(applicants_text__icontains=text)
                | Q(pk__in=named)
            )
        if data.get("patent_type"):
            queryset = queryset.filter(patent_type=data["patent_type"])
        if data.get("ipc"):
            prefix = data["ipc"]
            ipc = Classification.objects.filter(scheme=Classification.Scheme.IPC)
            # a whole subclass through the indexed column, anything else as the start of the symbol
            ipc = ipc.filter(subclass=prefix) if len(prefix) == 4 else ipc.filter(code__startswith=prefix)
            queryset = queryset.filter(Q(pk__in=ipc.values("patent_id")) | Q(main_ipc__startswith=prefix))
        if data.get("applicant"):
            name = data["applicant"].strip()
            links = PatentApplicant.objects.filter(
                Q(applicant__name__icontains=name) | Q(raw_name__icontains=name)
            ).values("patent_id")
            queryset = queryset.filter(Q(pk__in=links) | Q(applicants_text__icontains=name))
        if data.get("region"):
            code = data["region"]
            if code.endswith("0000"):
                queryset = queryset.filter(province_code=code)
            elif code.endswith("00"):
                queryset = queryset.filter(city_code=code)
            else:
                queryset = queryset.filter(district_code=code)
        if data.get("year_from") is not None:
            queryset = queryset.filter(app_date__gte=date(data["year_from"], 1, 1))
        if data.get("year_to") is not None:
            queryset = queryset.filter(app_date__lte=date(data["year_to"], 12, 31))
        if data.get("legal_status"):
            queryset = queryset.filter(legal_status=data["legal_status"])
        if data.get("dataset") is not None:
            queryset = queryset.filter(dataset=data["dataset"])
        return queryset.order_by(*ordering(data.get("sort") or DEFAULT_SORT))

    def as_params(self) -> dict[str, str]:
        """The cleaned filter as plain strings (for the export's audit entry)."""
        params = {}
        for name, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            params[name] = str(value.pk) if isinstance(value, Dataset) else str(value)
        return params
