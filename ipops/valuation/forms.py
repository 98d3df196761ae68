"""The online valuation tool's form: the patent, the scenario, a rubric level for every indicator the
evaluator enters, and the money inputs (all optional: a score alone is a valid result)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ipops.core.forms import StyledFormMixin
from ipops.valuation import catalogue

MONEY_FIELDS = (
    "revenue", "growth", "royalty_rate", "economic_life_years", "margin", "contributory_charge_rate",
)  # fmt: skip


class ValuationForm(StyledFormMixin, forms.Form):
    number = forms.CharField(label=_("Publication number"), max_length=40)
    scenario = forms.ChoiceField(label=_("Scenario"))
    partial = forms.BooleanField(
        label=_("Score with the indicators given (the others are left out and the weights rescaled)"),
        required=False,
    )
    revenue = forms.DecimalField(
        label=_("Revenue of the first year (yuan)"), required=False, max_digits=16, decimal_places=2
    )
    growth = forms.DecimalField(
        label=_("Yearly revenue growth (fraction, 0.05 = 5 %)"),
        required=False,
        max_digits=6,
        decimal_places=4,
    )
    royalty_rate = forms.DecimalField(
        label=_("Royalty rate (fraction)"), required=False, max_digits=6, decimal_places=4
    )
    economic_life_years = forms.DecimalField(
        label=_("Economic life (years)"), required=False, max_digits=5, decimal_places=2
    )
    margin = forms.DecimalField(
        label=_("Operating margin (fraction, excess earnings)"),
        required=False,
        max_digits=6,
        decimal_places=4,
    )
    contributory_charge_rate = forms.DecimalField(
        label=_("Contributory asset charges (fraction of revenue)"),
        required=False,
        max_digits=6,
        decimal_places=4,
    )
    replacement_cost = forms.DecimalField(
        label=_("Replacement cost (yuan)"), required=False, max_digits=16, decimal_places=2
    )
    used_years = forms.DecimalField(
        label=_("Years the technology has been used"), required=False, max_digits=5, decimal_places=2
    )
    comparable_price = forms.DecimalField(
        label=_("Price of a comparable deal (yuan)"), required=False, max_digits=16, decimal_places=2
    )
    comparable_factor = forms.DecimalField(
        label=_("Adjustment factor of the comparable deal (1.10 = subject worth 10 % more)"),
        required=False,
        max_digits=5,
        decimal_places=3,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = get_language() or "zh-hans"
        scenario_field: Any = self.fields["scenario"]
        scenario_field.choices = [
            (name, catalogue.scenario(name).name(language)) for name in catalogue.scenario_names()
        ]
        self.fields["scenario"].initial = catalogue.DEFAULT_SCENARIO
        self.indicator_fields: list[tuple[str, str]] = []
        for code, indicator in catalogue.indicators().items():
            name = f"level_{code}"
            choices = [("", _("— computed or not given —"))] + [
                (str(r["level"]), f"{r['level']}: {r['zh'] if language.startswith('zh') else r['en']}")
                for r in indicator.rubric
            ]
            self.fields[name] = forms.TypedChoiceField(
                label=indicator.name(language), choices=choices, required=False, coerce=int, empty_value=None
            )
            self.fields[name].widget.attrs["class"] = "form-select"
            self.indicator_fields.append((indicator.dimension, name))

    def entered(self) -> dict[str, int]:
        return {
            name.removeprefix("level_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("level_") and value is not None
        }

    def money_inputs(self) -> dict[str, Any]:
        data = self.cleaned_data
        inputs: dict[str, Any] = {k: str(data[k]) for k in MONEY_FIELDS if data.get(k) is not None}
        if data.get("replacement_cost") is not None:
            inputs["cost"] = {
                "replacement_cost": str(data["replacement_cost"]),
                "used_years": str(data.get("used_years") or Decimal(0)),
            }
        if data.get("comparable_price") is not None:
            inputs["comparables"] = [
                {
                    "price": str(data["comparable_price"]),
                    "adjustments": {"technology": str(data.get("comparable_factor") or Decimal(1))},
                }
            ]
        return inputs


class InnovationProfileForm(StyledFormMixin, forms.Form):
    industry = forms.CharField(
        label=_("Industry"),
        max_length=100,
        required=False,
        help_text=_("Peers are the organisations with the same industry."),
    )
    year = forms.IntegerField(label=_("Year of the figures"), required=False, min_value=1990, max_value=2100)
    employees = forms.IntegerField(label=_("Employees"), required=False, min_value=0)
    rd_staff = forms.IntegerField(label=_("R&D staff"), required=False, min_value=0)
    revenue = forms.DecimalField(
        label=_("Revenue (yuan)"), required=False, min_value=0, max_digits=16, decimal_places=2
    )
    rd_spending = forms.DecimalField(
        label=_("R&D spending (yuan)"), required=False, min_value=0, max_digits=16, decimal_places=2
    )
    ip_management_certified = forms.BooleanField(
        label=_("GB/T 29490 IP management certified"), required=False
    )
    high_tech_enterprise = forms.BooleanField(label=_("High-tech enterprise"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("rd_staff") is not None
            and data.get("employees") is not None
            and data["rd_staff"] > data["employees"]
        ):
            self.add_error("rd_staff", _("R&D staff cannot exceed the employees."))
        return data
