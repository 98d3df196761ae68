"""Saved technology needs ("find patents for my need"): owned by the poster's organisation, tagged with the
IPC subclasses the platform suggests for their text and the industries those lead to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ipops.core.models import BaseModel

IPC_SCHEME = "ipc"  # NeedTag.scheme of an IPC subclass; industries carry their scheme's key ("wipo35", …)


def tag_key(scheme: str, code: str) -> str:
    """A tag as the needs filter and the audit entries name it ("plan_key:AI")."""
    return f"{scheme}:{code}"


def tag_name(name_zh: str, name_en: str, language: str) -> str:
    """A tag's name in `language`, the other language's when that one is empty."""
    return (name_en if language.startswith("en") else name_zh) or name_zh or name_en


class Need(BaseModel):
    class TaggedBy(models.TextChoices):
        IPC_MODEL = "ipc_model", _("IPC suggestion model")
        MATCHES = "matches", _("subclasses of the matching patents")
        NONE = "", _("not tagged")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="needs",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("posted by"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description of the need"))
    tagged_by = models.CharField(
        _("tagged by"), max_length=16, choices=TaggedBy.choices, default="", blank=True
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("technology need")
        verbose_name_plural = _("technology needs")

    def __str__(self) -> str:
        return self.title

    # the tags in their order; prefetch `tags` when listing many needs
    @property
    def ipc_tags(self) -> list[NeedTag]:
        return [t for t in self.tags.all() if t.scheme == IPC_SCHEME]

    @property
    def industry_tags(self) -> list[NeedTag]:
        return [t for t in self.tags.all() if t.scheme != IPC_SCHEME]

    @property
    def subclasses(self) -> list[str]:
        return [t.code for t in self.ipc_tags]


class NeedTag(models.Model):
    """One tag of a need: an IPC subclass (with the model's confidence when the model suggested it) or an
    industry of a scheme. Names are kept in both languages as they were when the need was tagged."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="tags")
    scheme = models.CharField(_("scheme"), max_length=32)
    code = models.CharField(_("code"), max_length=32)
    name_zh = models.CharField(max_length=300, blank=True, default="")
    name_en = models.CharField(max_length=300, blank=True, default="")
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["need", "scheme", "code"], name="search_needtag_unique")
        ]
        indexes = [models.Index(fields=["scheme", "code"], name="search_needtag_code")]

    def __str__(self) -> str:
        return self.key

    @property
    def key(self) -> str:
        return tag_key(self.scheme, self.code)

    def name(self, language: str) -> str:
        return tag_name(self.name_zh, self.name_en, language)

    @property
    def display_name(self) -> str:
        """The name in the language of the request being served."""
        return self.name(get_language() or settings.LANGUAGE_CODE)
