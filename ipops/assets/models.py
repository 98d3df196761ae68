"""The non-patent part of the IP asset registry (trademarks, copyrights, geographical indications), claims
of assets by organisations (patents included), and the spreadsheet imports that brought assets in.

Every asset carries the organisation it was entered for (`organisation`, who may edit it) and who entered it
(`created_by`); the verified link to an owning organisation is `owner_organisation` / `holder_organisation`,
set by an operator or by a confirmed claim. Patents are not modified: their owning organisations are the
confirmed claims (`services.claimed_patents`).
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ipops.assets import validators
from ipops.assets.rules import default_trademark_expiry
from ipops.core.models import BaseModel


class AssetKind(models.TextChoices):
    PATENT = "patent", _("Patent")
    TRADEMARK = "trademark", _("Trademark")
    COPYRIGHT = "copyright", _("Copyright")
    GI = "gi", _("Geographical indication")


class RegisteredAsset(BaseModel):
    """What every registered non-patent asset has: its number (the key), who entered it and for whom."""

    KIND: ClassVar[str] = ""
    OWNER_NAME: ClassVar[str] = "owner_name"
    OWNER_ORG: ClassVar[str] = "owner_organisation"

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("entered for"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    number: Any
    status: Any

    @property
    def owner_display(self) -> str:
        return str(getattr(self, self.OWNER_NAME))

    @property
    def owner_org(self) -> Any:
        return getattr(self, self.OWNER_ORG)

    @property
    def owner_org_id(self) -> Any:
        return getattr(self, f"{self.OWNER_ORG}_id")

    @property
    def title_text(self) -> str:
        raise NotImplementedError

    def before_update(self, values: dict[str, Any]) -> None:
        """Called before new `values` are applied to a stored record (may adjust both)."""


def label(instance: models.Model, name: str) -> Any:
    field = instance._meta.get_field(name)
    return getattr(field, "verbose_name", name)


def check_date_order(
    instance: models.Model, errors: dict[str, list[Any]], pairs: list[tuple[str, str]]
) -> None:
    """For each (earlier, later) pair of date fields: the later date must not be before the earlier one."""
    for first_name, second_name in pairs:
        first: date | None = getattr(instance, first_name)
        second: date | None = getattr(instance, second_name)
        if first is not None and second is not None and second < first:
            errors.setdefault(second_name, []).append(
                ValidationError(
                    _("The %(later_name)s %(later)s is before the %(earlier_name)s %(earlier)s."),
                    params={
                        "later_name": label(instance, second_name),
                        "later": second.isoformat(),
                        "earlier_name": label(instance, first_name),
                        "earlier": first.isoformat(),
                    },
                    code="date_order",
                )
            )


class Trademark(RegisteredAsset):
    KIND = AssetKind.TRADEMARK

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied for")
        REGISTERED = "registered", pgettext_lazy("trademark status", "Registered")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")
        INVALIDATED = "invalidated", _("Invalidated")

    number = models.CharField(
        _("registration / application number"),
        max_length=16,
        unique=True,
        validators=[validators.validate_trademark_number],
        error_messages={
            "unique": _("This number is already in the registry. Open it and claim it if it is yours.")
        },
    )
    name = models.CharField(
        _("mark"), max_length=300, help_text=_("The mark's words, or a description of a figurative mark.")
    )
    nice_classes = models.JSONField(
        _("Nice classes"), default=list, validators=[validators.validate_nice_classes]
    )
    nice_key = models.CharField(max_length=200, editable=False, db_index=True, default="")
    goods_services = models.TextField(_("goods / services"), blank=True)
    owner_name = models.CharField(_("registrant"), max_length=300)
    owner_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("owner organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REGISTERED)
    app_date = models.DateField(_("application date"), null=True, blank=True)
    reg_date = models.DateField(_("registration date"), null=True, blank=True)
    expiry_date = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("Left empty, it is the end of the ten-year term from the registration date."),
    )
    is_well_known = models.BooleanField(_("well-known mark"), default=False)

    class Meta:
        ordering = ["number"]
        verbose_name = _("trademark")
        verbose_name_plural = _("trademarks")

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def title_text(self) -> str:
        return self.name

    @property
    def classes_text(self) -> str:
        return ", ".join(str(c) for c in self.nice_classes or [])

    def before_update(self, values: dict[str, Any]) -> None:
        """An expiry computed from the registration date is computed again from the new one, unless the new
        values give another expiry date."""
        if self.reg_date is None or self.expiry_date != default_trademark_expiry(self.reg_date):
            return
        if values.get("expiry_date") in (None, self.expiry_date):
            values.pop("expiry_date", None)
            self.expiry_date = None

    def clean(self) -> None:
        self.number = validators.normalise_trademark_number(self.number)
        errors: dict[str, list[Any]] = {}
        if not self.nice_classes:
            errors["nice_classes"] = [ValidationError(_("Give at least one Nice class."), code="required")]
        if self.status == self.Status.REGISTERED and self.reg_date is None:
            errors["reg_date"] = [
                ValidationError(_("A registered trademark has a registration date."), code="required")
            ]
        if self.reg_date is not None and self.expiry_date is None:
            self.expiry_date = default_trademark_expiry(self.reg_date)
        check_date_order(
            self, errors, [("app_date", "reg_date"), ("reg_date", "expiry_date"), ("app_date", "expiry_date")]
        )
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.nice_key = "".join(f"|{c}" for c in sorted(self.nice_classes or [])) + "|"
        super().save(*args, **kwargs)


class Copyright(RegisteredAsset):
    KIND = AssetKind.COPYRIGHT

    class Kind(models.TextChoices):
        """著作权法 art. 3: the kinds of works; software is registered separately (软件著作权)."""

        SOFTWARE = "software", _("Computer software")
        LITERARY = "literary", _("Literary work")
        ORAL = "oral", _("Oral work")
        MUSIC = "music", _("Musical work")
        DRAMATIC = "dramatic", _("Dramatic, quyi, dance or acrobatic work")
        ART = "art", _("Work of fine art")
        ARCHITECTURE = "architecture", _("Architectural work")
        PHOTOGRAPHY = "photography", _("Photographic work")
        AUDIOVISUAL = "audiovisual", _("Audiovisual work")
        GRAPHIC = "graphic", _("Drawing, map or diagram")
        MODEL = "model", _("Model work")
        OTHER = "other", _("Other work")

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied for")
        REGISTERED = "registered", pgettext_lazy("copyright status", "Registered")
        EXPIRED = "expired", _("Term ended")
        CANCELLED = "cancelled", _("Registration cancelled")

    kind = models.CharField(_("kind of work"), max_length=16, choices=Kind.choices)
    number = models.CharField(
        _("registration number"),
        max_length=40,
        unique=True,
        validators=[validators.validate_copyright_number],
        error_messages={
            "unique": _("This number is already in the registry. Open it and claim it if it is yours.")
        },
    )
    title = models.CharField(_("title"), max_length=300)
    version = models.CharField(
        _("version"), max_length=40, blank=True, help_text=_("Software only, e.g. V1.0.")
    )
    owner_name = models.CharField(_("copyright owner"), max_length=300)
    owner_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("owner organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    completion_date = models.DateField(_("completion date"), null=True, blank=True)
    first_publication_date = models.DateField(_("first publication date"), null=True, blank=True)
    reg_date = models.DateField(_("registration date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REGISTERED)

    class Meta:
        ordering = ["number"]
        verbose_name = _("copyright")
        verbose_name_plural = _("copyrights")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def title_text(self) -> str:
        return f"{self.title} {self.version}".strip()

    def clean(self) -> None:
        self.number = validators.normalise_copyright_number(self.number)
        self.version = validators.fold(self.version)
        errors: dict[str, list[Any]] = {}
        if self.version and self.kind != self.Kind.SOFTWARE:
            errors["version"] = [ValidationError(_("Only software has a version."), code="version")]
        if self.status == self.Status.REGISTERED and self.reg_date is None:
            errors["reg_date"] = [
                ValidationError(_("A registered copyright has a registration date."), code="required")
            ]
        check_date_order(
            self, errors, [("completion_date", "first_publication_date"), ("completion_date", "reg_date")]
        )
        if errors:
            raise ValidationError(errors)


class GeographicalIndication(RegisteredAsset):
    KIND = AssetKind.GI
    OWNER_NAME = "holder_name"
    OWNER_ORG = "holder_organisation"

    class Kind(models.TextChoices):
        PRODUCT = "product", _("GI product (地理标志产品)")
        CERTIFICATION_MARK = "certification_mark", _("GI certification mark (地理标志证明商标)")
        COLLECTIVE_MARK = "collective_mark", _("GI collective mark (集体商标)")
        AGRICULTURAL = "agricultural", _("Agricultural product GI (农产品地理标志)")

    class Status(models.TextChoices):
        PROTECTED = "protected", _("Protected")
        REVOKED = "revoked", _("Revoked")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("name"), max_length=200)
    product = models.CharField(_("product"), max_length=200)
    region_code = models.CharField(
        _("region code (GB/T 2260)"),
        max_length=6,
        blank=True,
        validators=[validators.validate_region_code],
        help_text=_("Six digits, e.g. 110105."),
    )
    kind = models.CharField(_("protection kind"), max_length=20, choices=Kind.choices)
    number = models.CharField(
        _("approval number"),
        max_length=100,
        unique=True,
        help_text=_("The approval notice, trademark registration or certificate number."),
        error_messages={
            "unique": _("This number is already in the registry. Open it and claim it if it is yours.")
        },
    )
    approval_date = models.DateField(_("approval date"), null=True, blank=True)
    holder_name = models.CharField(_("holder"), max_length=300)
    holder_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("holder organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROTECTED)

    class Meta:
        ordering = ["number"]
        verbose_name = _("geographical indication")
        verbose_name_plural = _("geographical indications")

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    @property
    def title_text(self) -> str:
        return self.name

    def clean(self) -> None:
        self.number = validators.normalise_approval_number(self.number)
        self.region_code = validators.fold(self.region_code)
        if len(self.number) == 1:
            raise ValidationError({"number": _("Give the approval number.")})


# The claim's asset: one nullable foreign key per kind (see AssetClaim).
CLAIM_FIELDS: dict[str, str] = {
    AssetKind.PATENT: "patent",
    AssetKind.TRADEMARK: "trademark",
    AssetKind.COPYRIGHT: "copyright",
    AssetKind.GI: "gi",
}


def _exactly_one_asset() -> Q:
    condition = Q()
    for kind, field in CLAIM_FIELDS.items():
        others = {f"{other}__isnull": True for other in CLAIM_FIELDS.values() if other != field}
        condition |= Q(asset_type=kind, **{f"{field}__isnull": False}, **others)
    return condition


class AssetClaim(BaseModel):
    """An organisation's claim that an asset is its own, decided by an operator.

    The asset is one nullable foreign key per kind, not a generic relation: real foreign keys keep
    referential integrity (PROTECT: a claimed asset cannot vanish), join and select_related like any
    relation, and let the database itself enforce "one pending claim per asset per organisation" with
    partial unique constraints; a check constraint makes exactly one of them set, matching `asset_type`.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("claimant"),
        on_delete=models.PROTECT,
        related_name="asset_claims",
    )
    asset_type = models.CharField(_("asset type"), max_length=16, choices=AssetKind.choices)
    patent = models.ForeignKey(
        "patents.Patent", null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    trademark = models.ForeignKey(
        Trademark, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    copyright = models.ForeignKey(
        Copyright, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    gi = models.ForeignKey(
        GeographicalIndication, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    evidence = models.TextField(_("evidence"))
    explanation = models.TextField(
        _("explanation"),
        blank=True,
        help_text=_("Needed when the asset is already confirmed for another organisation (co-ownership)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("asset claim")
        verbose_name_plural = _("asset claims")
        constraints = [
            models.CheckConstraint(condition=_exactly_one_asset(), name="asset_claim_exactly_one_asset"),
            *[
                models.UniqueConstraint(
                    fields=["organisation", field],
                    condition=Q(status="pending", **{f"{field}__isnull": False}),
                    name=f"asset_claim_one_pending_{field}",
                )
                for field in CLAIM_FIELDS.values()
            ],
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="asset_claim_status_idx")]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.asset}"

    @property
    def asset(self) -> Any:
        return getattr(self, CLAIM_FIELDS[self.asset_type])

    @property
    def asset_number(self) -> str:
        asset = self.asset
        return str(asset.number) if asset is not None else ""


class AssetImport(BaseModel):
    """One spreadsheet import of one kind of asset: its counts and every rejected row (the report)."""

    kind = models.CharField(
        _("asset type"),
        max_length=16,
        choices=[c for c in AssetKind.choices if c[0] != AssetKind.PATENT],
    )
    file_name = models.CharField(_("file"), max_length=300)
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("entered for"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("records created"), default=0)
    updated = models.PositiveIntegerField(_("records updated"), default=0)
    unchanged = models.PositiveIntegerField(_("records unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    ignored_columns = models.JSONField(_("columns not used"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("asset import")
        verbose_name_plural = _("asset imports")

    def __str__(self) -> str:
        return self.file_name


Asset = Trademark | Copyright | GeographicalIndication
ASSET_MODELS: dict[str, type[Trademark] | type[Copyright] | type[GeographicalIndication]] = {
    AssetKind.TRADEMARK: Trademark,
    AssetKind.COPYRIGHT: Copyright,
    AssetKind.GI: GeographicalIndication,
}
