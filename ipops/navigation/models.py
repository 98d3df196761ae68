"""Patent navigation projects (专利导航, GB/T 39551-2020): scope, team, search-strategy review (a reviewed
random sample for precision, a reference set for recall), analysis runs on a frozen scope, comments, and
the published report."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ipops.core.models import BaseModel


class ProjectKind(models.TextChoices):
    REGION = "region", _("Regional planning navigation")
    INDUSTRY = "industry", _("Industry planning navigation")
    ENTERPRISE = "enterprise", _("Enterprise operations navigation")
    RD = "rd", _("R&D activity navigation")
    TALENT = "talent", _("Talent management navigation")


class NavigationProject(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("operating organisation"),
        on_delete=models.PROTECT,
        related_name="navigation_projects",
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("navigation type"), max_length=16, choices=ProjectKind.choices)
    description = models.TextField(_("needs and goals"), blank=True)
    # Scope (what the hit set is): every part optional; together they narrow the set.
    industry_scheme = models.CharField(_("industry classification"), max_length=40, blank=True)
    industry_code = models.CharField(_("industry"), max_length=20, blank=True)
    ipc_codes = models.JSONField(_("IPC prefixes"), default=list, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    region_code = models.CharField(_("region (GB/T 2260)"), max_length=6, blank=True)
    year_from = models.PositiveSmallIntegerField(_("application year from"), null=True, blank=True)
    year_to = models.PositiveSmallIntegerField(_("application year to"), null=True, blank=True)
    strategy = models.TextField(_("search strategy"), blank=True)
    # Recall: publication numbers known to belong to the topic (normalised, upper case, no spaces).
    reference_numbers = models.JSONField(_("reference set"), default=list, blank=True)
    conclusions = models.TextField(_("analysts' conclusions"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_run = models.ForeignKey(
        "navigation.ProjectRun",
        verbose_name=_("published run"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_conclusions = models.TextField(_("published conclusions"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("navigation project")
        verbose_name_plural = _("navigation projects")

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def scope(self) -> dict[str, Any]:
        """The scope as plain data, as a run freezes it."""
        return {
            "industry_scheme": self.industry_scheme,
            "industry_code": self.industry_code,
            "ipc": list(self.ipc_codes),
            "keywords": list(self.keywords),
            "region": self.region_code,
            "year_from": self.year_from,
            "year_to": self.year_to,
        }


class ProjectMember(BaseModel):
    class Role(models.TextChoices):
        ANALYST = "analyst", _("Analyst")
        REVIEWER = "reviewer", _("Reviewer")

    project = models.ForeignKey(
        NavigationProject, verbose_name=_("project"), on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("project role"), max_length=16, choices=Role.choices)

    class Meta:
        ordering = ["role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user", "role"], name="navigation_member_unique")
        ]
        verbose_name = _("project team member")
        verbose_name_plural = _("project team members")

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class SampleItem(BaseModel):
    """One patent of the random sample drawn from the hit set, and a reviewer's verdict on it."""

    project = models.ForeignKey(
        NavigationProject, verbose_name=_("project"), on_delete=models.CASCADE, related_name="sample"
    )
    position = models.PositiveIntegerField(_("position"))
    patent_id = models.CharField(_("patent id"), max_length=36)
    pub_number = models.CharField(_("publication number"), max_length=40, blank=True)
    title = models.TextField(_("title"), blank=True)
    main_ipc = models.CharField(_("main IPC"), max_length=40, blank=True)
    relevant = models.BooleanField(_("relevant"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "position"], name="navigation_sample_unique")
        ]
        verbose_name = _("sample patent")
        verbose_name_plural = _("sample patents")

    def __str__(self) -> str:
        return self.pub_number or self.patent_id


class ProjectComment(BaseModel):
    project = models.ForeignKey(
        NavigationProject, verbose_name=_("project"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("comment"))

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")

    def __str__(self) -> str:
        return self.text[:50]


class ProjectRun(BaseModel):
    """One analysis run: the scope as it was when the run started, the job, and what it produced."""

    project = models.ForeignKey(
        NavigationProject, verbose_name=_("project"), on_delete=models.CASCADE, related_name="runs"
    )
    job = models.OneToOneField(
        "core.Job", verbose_name=_("job"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scope = models.JSONField(_("scope"), default=dict)
    strategy = models.TextField(_("search strategy"), blank=True)
    hits = models.PositiveIntegerField(_("hits"), null=True, blank=True)
    overview = models.JSONField(_("hit-set overview"), default=dict, blank=True)
    analyses = models.JSONField(_("analyses"), default=dict, blank=True)
    snapshot = models.JSONField(_("data snapshot"), default=dict, blank=True)
    files_dir = models.CharField(_("report files"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("analysis run")
        verbose_name_plural = _("analysis runs")

    def __str__(self) -> str:
        return f"{self.project} @ {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def succeeded(self) -> bool:
        return self.job is not None and self.job.status == "succeeded"
