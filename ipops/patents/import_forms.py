"""The import form (operators)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ipops.core.forms import StyledFormMixin
from ipops.patents.importers.pipeline import BUNDLED_MAPPINGS
from ipops.patents.models import ColumnMapping

FORMAT_CHOICES = [
    ("", _("Detect from the file")),
    ("cnipa", _("CNIPA search-system export (CSV/XLSX)")),
    ("uspto-xml", _("USPTO full-text XML")),
    ("mapped", _("Other CSV/XLSX with a column mapping")),
    (
        "legal-events",
        _("Legal status and events of patents held (CNIPA legal-status table, USPTO PEDS JSON lines)"),
    ),
]


def mapping_choices() -> list[tuple[str, str]]:
    saved = [(m.name, m.name) for m in ColumnMapping.objects.order_by("name")]
    bundled = [(p.stem, p.stem) for p in sorted(BUNDLED_MAPPINGS.glob("*.json"))]
    names = {n for n, _l in saved}
    return [("", "—"), *saved, *[b for b in bundled if b[0] not in names]]


class ImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("File"))
    file_format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, required=False)
    mapping = forms.ChoiceField(label=_("Column mapping"), required=False)
    dataset = forms.CharField(
        label=_("Source (shown with the records)"),
        max_length=200,
        required=False,
        help_text=_("For example: CNIPA export of 2026-11, district enterprises."),
    )
    status_as_of = forms.DateField(
        label=_("Legal status current as of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "The export or gazette date, when the file's legal statuses were current (kept with the source). "
            "High-value statistics count years in force only up to it."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["mapping"]).choices = mapping_choices()
        self.fields["file"].help_text = _("CSV (UTF-8 or GBK), XLSX or XML; at most %(mb)d MB.") % {
            "mb": settings.IPOPS_MAX_UPLOAD_MB
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("file_format") == "mapped" and not data.get("mapping"):
            self.add_error("mapping", _("Choose the column mapping for this file."))
        if data.get("mapping") and not data.get("file_format"):
            data["file_format"] = "mapped"
        return data
