"""Forms of the navigation pages; the services check every value again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ipops.core.forms import StyledFormMixin
from ipops.navigation.models import NavigationProject, ProjectKind, ProjectMember


def industry_choices() -> list[tuple[str, str]]:
    from django.utils.translation import get_language

    from ipops.reference.models import IndustryClass

    language = get_language() or "zh-hans"
    choices: list[tuple[str, str]] = [("", str(_("(none)")))]
    for industry in IndustryClass.objects.select_related("scheme").order_by("scheme__key", "code"):
        label = f"{industry.scheme.name(language)} · {industry.code} {industry.name(language)}"
        choices.append((f"{industry.scheme.key}:{industry.code}", label))
    return choices


class ProjectForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Navigation type"), choices=ProjectKind.choices)
    description = forms.CharField(
        label=_("Needs and goals"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    ipc_codes = forms.CharField(
        label=_("IPC codes"),
        required=False,
        help_text=_(
            "Separated by semicolons or new lines: G06N (subclass), G06N 3/ (main group), G06F 17/30."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        help_text=_("Any of them in the title or abstract; separated by semicolons."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    region_code = forms.CharField(
        label=_("Region (GB/T 2260 code)"),
        required=False,
        max_length=6,
        help_text=_("Province, city or district, e.g. 110105."),
    )
    year_from = forms.IntegerField(label=_("Application year from"), required=False)
    year_to = forms.IntegerField(label=_("Application year to"), required=False)
    strategy = forms.CharField(
        label=_("Search strategy"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How the scope was built: databases, queries, iterations, noise removed."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry"].choices = industry_choices()  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, project: NavigationProject) -> dict[str, Any]:
        return {
            "title": project.title,
            "kind": project.kind,
            "description": project.description,
            "industry": f"{project.industry_scheme}:{project.industry_code}" if project.industry_code else "",
            "ipc_codes": "; ".join(project.ipc_codes),
            "keywords": "; ".join(project.keywords),
            "region_code": project.region_code,
            "year_from": project.year_from,
            "year_to": project.year_to,
            "strategy": project.strategy,
        }

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        scheme, _sep, code = (data.pop("industry") or "").partition(":")
        data["industry_scheme"], data["industry_code"] = scheme, code
        return data


class MemberForm(StyledFormMixin, forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Project role"), choices=ProjectMember.Role.choices)


class SampleForm(StyledFormMixin, forms.Form):
    size = forms.IntegerField(label=_("Sample size"), min_value=1)


class ReferenceForm(StyledFormMixin, forms.Form):
    numbers = forms.CharField(
        label=_("Publication numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Patents known to belong to the topic, one per line or separated by semicolons."),
    )
    file = forms.FileField(label=_("or a text/CSV file of publication numbers"), required=False)


class CommentForm(StyledFormMixin, forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


class ConclusionsForm(StyledFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Conclusions and recommendations"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
