"""Valuations (versioned, attributable), awards entered for the high-value flags, and the R&D figures an
organisation enters for its innovation-capability score. Money is Decimal yuan (two places), never float."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ipops.core.models import BaseModel


class SubjectKind(models.TextChoices):
    PATENT = "patent", _("Patent")
    PORTFOLIO = "portfolio", _("Portfolio of patents")
    ORGANISATION = "organisation", _("Organisation")


class Valuation(BaseModel):
    """One saved valuation: the scenario, every input (with who entered it), every result. A new valuation
    of the same subject and scenario gets the next version number; earlier versions are kept unchanged."""

    subject_kind = models.CharField(_("subject"), max_length=16, choices=SubjectKind.choices)
    subject_key = models.CharField(_("subject key"), max_length=80, db_index=True)
    subject_label = models.CharField(_("subject name"), max_length=300)
    patent = models.ForeignKey(
        "patents.Patent",
        verbose_name=_("patent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    patents = models.ManyToManyField(
        "patents.Patent", verbose_name=_("patents"), blank=True, related_name="+"
    )
    subject_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("valued organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scenario = models.CharField(_("scenario"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    inputs = models.JSONField(_("inputs"), default=dict)
    results = models.JSONField(_("results"), default=dict)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=8, blank=True)
    value_low = models.DecimalField(
        _("value P10 (yuan)"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    value_mid = models.DecimalField(
        _("value P50 (yuan)"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    value_high = models.DecimalField(
        _("value P90 (yuan)"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    value = models.DecimalField(
        _("reconciled value (yuan)"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("valued by"),
        on_delete=models.PROTECT,
        related_name="valuations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("valuation")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "subject_key", "scenario", "version"], name="unique_valuation_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_label} · {self.scenario} · v{self.version}"


class PatentAward(BaseModel):
    """A national science and technology award or a China Patent Award won by a patent (high-value
    category 5), entered by an operator."""

    class Kind(models.TextChoices):
        NATIONAL_ST = "national_st", _("National science and technology award")
        CHINA_PATENT_GOLD = "cpa_gold", _("China Patent Award, gold")
        CHINA_PATENT_SILVER = "cpa_silver", _("China Patent Award, silver")
        CHINA_PATENT_EXCELLENCE = "cpa_excellence", _("China Patent Award, excellence")

    patent = models.ForeignKey("patents.Patent", on_delete=models.CASCADE, related_name="awards")
    kind = models.CharField(_("award"), max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-year"]
        verbose_name = _("patent award")
        constraints = [models.UniqueConstraint(fields=["patent", "kind", "year"], name="unique_patent_award")]

    def __str__(self) -> str:
        return f"{self.patent} {self.kind} {self.year}"


class InnovationProfile(BaseModel):
    """What an organisation enters for its innovation-capability score: industry (peer group), staff, R&D
    staff and spending, certifications. Figures of one year; a new year replaces the old."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="innovation_profile"
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(_("year of the figures"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    rd_staff = models.PositiveIntegerField(_("R&D staff"), null=True, blank=True)
    revenue = models.DecimalField(_("revenue (yuan)"), max_digits=18, decimal_places=2, null=True, blank=True)
    rd_spending = models.DecimalField(
        _("R&D spending (yuan)"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    ip_management_certified = models.BooleanField(_("GB/T 29490 IP management certified"), default=False)
    high_tech_enterprise = models.BooleanField(_("high-tech enterprise"), default=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("innovation profile")

    def __str__(self) -> str:
        return str(self.organisation)
