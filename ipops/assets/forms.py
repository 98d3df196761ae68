"""Forms of the asset pages; they validate input, the services decide and change state."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ipops.accounts.models import Organisation
from ipops.accounts.roles import Role
from ipops.assets.models import AssetClaim, AssetKind, Copyright, GeographicalIndication, Trademark
from ipops.assets.validators import parse_nice_classes
from ipops.core.forms import StyledFormMixin
from ipops.core.permissions import has_role


class NiceClassesField(forms.CharField):
    """Nice classes typed as ``9, 35, 42`` (or with ; 、 spaces); cleaned to a sorted list of numbers."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        return parse_nice_classes(text) if text else []


def active_organisations() -> Any:
    return Organisation.objects.filter(status=Organisation.Status.ACTIVE).order_by("name")


class AssetForm(StyledFormMixin, forms.ModelForm):
    """Create or edit one asset. Operators also choose the organisation (on create) and the owner."""

    organisation = forms.ModelChoiceField(
        label=_("Entered for"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("The organisation this asset is entered for; empty: your own."),
    )

    def __init__(self, *args: Any, actor: Any, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        operator = has_role(actor, Role.OPERATOR)
        owner_field = self._meta.model.OWNER_ORG
        if operator:
            self.fields["organisation"].queryset = active_organisations()  # type: ignore[attr-defined]
            self.fields[owner_field].queryset = active_organisations()  # type: ignore[attr-defined]
        else:
            del self.fields[owner_field]
        if not (operator and creating):
            del self.fields["organisation"]
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = forms.DateInput(
                    attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"
                )

    def service_values(self) -> dict[str, Any]:
        """The cleaned values of the asset's own fields (what the service takes)."""
        names = [n for n in self._meta.fields or [] if n in self.fields]
        return {n: self.cleaned_data[n] for n in names}


class TrademarkForm(AssetForm):
    nice_classes = NiceClassesField(
        label=_("Nice classes"), max_length=200, help_text=_("Class numbers 1–45, e.g. 9, 35, 42.")
    )

    class Meta:
        model = Trademark
        fields = [
            "number",
            "name",
            "nice_classes",
            "goods_services",
            "owner_name",
            "owner_organisation",
            "status",
            "app_date",
            "reg_date",
            "expiry_date",
            "is_well_known",
        ]
        widgets = {"goods_services": forms.Textarea(attrs={"rows": 3})}


class CopyrightForm(AssetForm):
    class Meta:
        model = Copyright
        fields = [
            "kind",
            "number",
            "title",
            "version",
            "owner_name",
            "owner_organisation",
            "completion_date",
            "first_publication_date",
            "reg_date",
            "status",
        ]


class GeographicalIndicationForm(AssetForm):
    class Meta:
        model = GeographicalIndication
        fields = [
            "name",
            "product",
            "kind",
            "region_code",
            "number",
            "approval_date",
            "holder_name",
            "holder_organisation",
            "status",
        ]


ASSET_FORMS: dict[str, type[AssetForm]] = {
    AssetKind.TRADEMARK: TrademarkForm,
    AssetKind.COPYRIGHT: CopyrightForm,
    AssetKind.GI: GeographicalIndicationForm,
}


class ImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("File"))
    organisation = forms.ModelChoiceField(
        label=_("Entered for"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("The organisation these assets are entered for; empty: your own."),
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("CSV (UTF-8 or GBK) or XLSX; at most %(mb)d MB.") % {
            "mb": settings.IPOPS_MAX_UPLOAD_MB
        }
        if has_role(actor, Role.OPERATOR):
            self.fields["organisation"].queryset = active_organisations()  # type: ignore[attr-defined]
        else:
            del self.fields["organisation"]


class ClaimForm(StyledFormMixin, forms.Form):
    evidence = forms.CharField(
        label=_("Evidence"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What shows the asset is yours: certificate number, assignment record, contract …"),
    )
    explanation = forms.CharField(
        label=_("Explanation (co-ownership)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the asset is already confirmed for another organisation."),
    )


class ClaimByNumberForm(ClaimForm):
    """Claim any asset, patents included, by its number."""

    asset_type = forms.ChoiceField(label=_("Asset type"), choices=AssetKind.choices)
    number = forms.CharField(
        label=_("Number"),
        max_length=100,
        help_text=_("Patent publication or application number; trademark, copyright or GI number."),
    )
    field_order = ["asset_type", "number", "evidence", "explanation"]


class DecisionForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        help_text=_("Required when rejecting; the claimant sees it."),
    )


class ClaimFilterForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *AssetClaim.Status.choices]
    )
    asset_type = forms.ChoiceField(
        label=_("Asset type"), required=False, choices=[("", _("All asset types")), *AssetKind.choices]
    )
    q = forms.CharField(label=_("Claimant"), required=False, max_length=200)

    def filter(self, queryset: Any) -> Any:
        data = self.cleaned_data
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("asset_type"):
            queryset = queryset.filter(asset_type=data["asset_type"])
        if data.get("q"):
            queryset = queryset.filter(organisation__name__icontains=data["q"])
        return queryset

    def as_params(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "")}
