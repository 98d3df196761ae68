"""Saved technology needs ("find patents for my need"): owned by the poster's organisation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ipops.core.models import BaseModel


class Need(BaseModel):
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
    subclasses = models.JSONField(_("IPC subclasses"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("technology need")
        verbose_name_plural = _("technology needs")

    def __str__(self) -> str:
        return self.title
