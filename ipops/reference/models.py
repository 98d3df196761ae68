"""Reference data: the IPC scheme with Chinese and English titles, and WIPO's 35 technology fields.

Loaded and refreshed from published tables by `manage.py load_reference`; nothing here is edited by users.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ipops.core.models import BaseModel


class IpcEntry(BaseModel):
    """One IPC symbol of the scheme: a section, class, subclass, main group or subgroup, and its titles."""

    class Kind(models.TextChoices):
        SECTION = "section", _("IPC section")
        CLASS = "class", _("IPC class")
        SUBCLASS = "subclass", _("IPC subclass")
        MAIN_GROUP = "main_group", _("IPC main group")
        SUBGROUP = "subgroup", _("IPC subgroup")

    code = models.CharField(_("IPC symbol"), max_length=20, unique=True)  # canonical: "E01B 3/32"
    kind = models.CharField(_("level in the scheme"), max_length=16, choices=Kind.choices)
    # Dots of a subgroup (0 for a main group); empty when the source does not say (the loaded ones don't).
    level = models.PositiveSmallIntegerField(_("indentation (dots)"), null=True, blank=True)
    # Structural parent: a subgroup's main group, a main group's subclass, … (canonical code).
    parent_code = models.CharField(_("parent symbol"), max_length=20, blank=True, db_index=True)
    title_zh = models.TextField(_("Chinese title"), blank=True)
    title_en = models.TextField(_("English title"), blank=True)
    # Whether the last load of each language listed the symbol (a listed symbol may lack a title).
    in_zh = models.BooleanField(_("in the Chinese scheme"), default=False)
    in_en = models.BooleanField(_("in the English scheme"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("IPC entry")
        verbose_name_plural = _("IPC entries")

    def __str__(self) -> str:
        return self.code

    def title(self, language: str) -> str:
        return self.title_zh if language.lower().startswith("zh") else self.title_en


class TechnologyField(BaseModel):
    """One of WIPO's 35 technology fields (Schmoch concordance), grouped into five sectors."""

    number = models.PositiveSmallIntegerField(
        _("field number"), unique=True, validators=[MinValueValidator(1), MaxValueValidator(35)]
    )
    sector_en = models.CharField(_("sector (English)"), max_length=100)
    sector_zh = models.CharField(_("sector (Chinese)"), max_length=100)
    name_en = models.CharField(_("technology field (English)"), max_length=100)
    name_zh = models.CharField(_("technology field (Chinese)"), max_length=100)

    class Meta:
        ordering = ["number"]
        verbose_name = _("technology field")
        verbose_name_plural = _("technology fields")

    def __str__(self) -> str:
        return f"{self.number}. {self.name_en}"

    def name(self, language: str) -> str:
        return self.name_zh if language.lower().startswith("zh") else self.name_en

    def sector(self, language: str) -> str:
        return self.sector_zh if language.lower().startswith("zh") else self.sector_en


class IpcTechnologyField(BaseModel):
    """An IPC prefix of WIPO's concordance: a subclass (``F21H``) or a main group (``H04N 3/``) and all
    below it belong to `field`. The longest matching prefix decides."""

    ipc_prefix = models.CharField(_("IPC prefix"), max_length=20, unique=True)
    field = models.ForeignKey(
        TechnologyField,
        verbose_name=_("technology field"),
        on_delete=models.CASCADE,
        related_name="ipc_prefixes",
    )

    class Meta:
        ordering = ["ipc_prefix"]
        verbose_name = _("IPC prefix of a technology field")
        verbose_name_plural = _("IPC prefixes of technology fields")

    def __str__(self) -> str:
        return f"{self.ipc_prefix} → {self.field.number}"


class IndustryScheme(BaseModel):
    """An industry classification linked to IPC: the national economy (GB/T 4754) per the official
    concordance table of 2018, the patent-intensive industries (2019), the strategic emerging industries, or
    the plan's key industries. ``is_starter`` marks a curated starter mapping that the official table should
    replace (`manage.py load_industries --official FILE --scheme KEY`)."""

    key = models.SlugField(_("scheme key"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    is_starter = models.BooleanField(_("starter mapping, to be replaced by the official table"), default=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("industry classification")
        verbose_name_plural = _("industry classifications")

    def __str__(self) -> str:
        return self.key

    def name(self, language: str) -> str:
        return self.name_zh if language.lower().startswith("zh") else self.name_en


class IndustryClass(BaseModel):
    """One industry of a scheme (a GB/T 4754 class, a patent-intensive industry, a key industry, …)."""

    scheme = models.ForeignKey(
        IndustryScheme,
        verbose_name=_("industry classification"),
        on_delete=models.CASCADE,
        related_name="classes",
    )
    code = models.CharField(_("industry code"), max_length=20)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent industry"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta:
        ordering = ["scheme", "code"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="industry_class_unique_code")]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"

    def name(self, language: str) -> str:
        return self.name_zh if language.lower().startswith("zh") or not self.name_en else self.name_en


class IpcConcordance(BaseModel):
    """An IPC prefix that belongs to an industry of a scheme. A prefix is a section (``G``), class
    (``G06``), subclass (``G06N``), main group with all its subgroups (``G06N 3/``) or one subgroup
    (``G06F 17/30``); the longest prefix that covers a symbol decides, and one prefix may belong to several
    industries (as in the official table)."""

    scheme = models.ForeignKey(
        IndustryScheme,
        verbose_name=_("industry classification"),
        on_delete=models.CASCADE,
        related_name="ipc_rows",
    )
    ipc_prefix = models.CharField(_("IPC prefix"), max_length=20)
    industry = models.ForeignKey(
        IndustryClass, verbose_name=_("industry"), on_delete=models.CASCADE, related_name="ipc_prefixes"
    )

    class Meta:
        ordering = ["scheme", "ipc_prefix"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "ipc_prefix", "industry"], name="ipc_concordance_unique"
            )
        ]
        verbose_name = _("IPC prefix of an industry")
        verbose_name_plural = _("IPC prefixes of industries")

    def __str__(self) -> str:
        return f"{self.ipc_prefix} → {self.industry.code}"
