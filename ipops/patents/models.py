"""Patent records, their applicants and classifications, and the imports that brought them in.

The relational store is the single source of truth; search, navigation and valuation read derived copies.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ipops.core.models import BaseModel


class PatentType(models.TextChoices):
    INVENTION = "invention", _("Invention")
    UTILITY_MODEL = "utility_model", _("Utility model")
    DESIGN = "design", _("Design")
    UNKNOWN = "", _("Unknown")


class LegalStatus(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    PUBLISHED = "published", _("Published, under examination")
    GRANTED = "granted", _("Granted, in force")
    LAPSED = "lapsed", _("Lapsed (fees not paid)")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REJECTED = "rejected", _("Rejected")
    INVALIDATED = "invalidated", _("Invalidated")


class ApplicantKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    UNIVERSITY = "university", _("University")
    INSTITUTE = "institute", _("Research institute")
    INDIVIDUAL = "individual", _("Individual")
    GOVERNMENT = "government", _("Government")
    OTHER = "other", _("Other")


class Dataset(BaseModel):
    """Where records came from: shown with every record (provenance), and whether it is synthetic."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    synthetic = models.BooleanField(_("synthetic data"), default=False)
    # when the legal statuses in this source were current (export or gazette date): what the platform knows
    # of a patent's validity holds up to that day, so "maintained more than 10 years" is counted up to it
    status_as_of = models.DateField(_("legal status current as of"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("dataset")

    def __str__(self) -> str:
        return self.name


class Applicant(BaseModel):
    """One real applicant (an entity), whatever spellings its patents use."""

    name = models.CharField(_("name"), max_length=300)
    key = models.CharField(_("matching key"), max_length=300, unique=True)
    kind = models.CharField(_("applicant type"), max_length=16, choices=ApplicantKind.choices, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    region_code = models.CharField(_("region code (GB/T 2260)"), max_length=6, blank=True, db_index=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("platform organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applicants",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("applicant")

    def __str__(self) -> str:
        return self.name


class ImportBatch(BaseModel):
    """One import of one file: what it did, and where its row-level error report is."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    job = models.OneToOneField("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dataset = models.ForeignKey(Dataset, null=True, blank=True, on_delete=models.PROTECT)
    file_name = models.CharField(_("file"), max_length=300)
    file_format = models.CharField(_("format"), max_length=20)
    mapping_name = models.CharField(_("mapping"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    warnings = models.PositiveIntegerField(_("warnings"), default=0)
    report_file = models.CharField(_("error report"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")

    def __str__(self) -> str:
        return self.file_name


class Patent(BaseModel):
    """A patent document (application and/or publication), keyed on its publication number, or on its
    application number when the source has none."""

    country = models.CharField(_("country"), max_length=2, default="CN")
    # NULL, not "", when absent: unique only among records that have one. Indexes on the number and region
    # columns are declared in Meta: `unique=True` / `db_index=True` on a CharField also make PostgreSQL
    # build a second, `varchar_pattern_ops` ("_like") index per column for LIKE 'x%', which nothing runs
    # on these columns (numbers are matched exactly or anywhere, regions exactly) and which every import
    # row paid for. main_ipc keeps db_index: the IPC filter matches it by prefix.
    pub_number = models.CharField(_("publication number"), max_length=32, null=True, blank=True)  # noqa: DJ001 (NULL: unique only among those with one)
    app_number = models.CharField(_("application number"), max_length=32, blank=True)
    kind = models.CharField(_("kind code"), max_length=4, blank=True)
    # Type and legal status have a handful of values each: an index would not narrow a search and would cost
    # every import row an index write, so they have none (filters on them scan with the other conditions).
    patent_type = models.CharField(_("patent type"), max_length=16, choices=PatentType.choices, blank=True)
    title = models.CharField(_("title"), max_length=500)
    title_en = models.CharField(_("English title"), max_length=500, blank=True)
    abstract = models.TextField(_("abstract"), blank=True)
    first_claim = models.TextField(_("first claim"), blank=True)
    app_date = models.DateField(_("application date"), null=True, blank=True, db_index=True)
    pub_date = models.DateField(_("publication date"), null=True, blank=True)
    grant_date = models.DateField(_("grant date"), null=True, blank=True)
    main_ipc = models.CharField(_("main IPC"), max_length=20, blank=True, db_index=True)
    locarno = models.CharField(_("Locarno class"), max_length=10, blank=True)
    applicants_text = models.TextField(_("applicants (as published)"), blank=True)
    inventors = models.TextField(_("inventors"), blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    applicant_country = models.CharField(_("applicant country"), max_length=2, blank=True)
    province_code = models.CharField(_("province"), max_length=6, blank=True)
    city_code = models.CharField(_("city"), max_length=6, blank=True)
    district_code = models.CharField(_("district"), max_length=6, blank=True)
    agency = models.CharField(_("patent agency"), max_length=300, blank=True)
    agency_code = models.CharField(_("agency code"), max_length=10, blank=True)
    agents = models.CharField(_("patent agents"), max_length=300, blank=True)
    priority = models.CharField(_("priority"), max_length=500, blank=True)
    legal_status = models.CharField(_("legal status"), max_length=16, choices=LegalStatus.choices, blank=True)
    extra = models.JSONField(_("other fields"), default=dict, blank=True)
    content_hash = models.CharField(max_length=64)
    dataset = models.ForeignKey(
        Dataset, verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT
    )
    last_import = models.ForeignKey(  # no index: import batches are kept, nothing looks patents up by batch
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    applicants = models.ManyToManyField(Applicant, through="PatentApplicant", related_name="patents")

    class Meta:
        ordering = ["-pub_date", "pub_number"]
        verbose_name = _("patent")
        constraints = [models.UniqueConstraint(fields=["pub_number"], name="patent_pub_number_unique")]
        indexes = [
            models.Index(fields=["updated_at"], name="patent_updated_idx"),
            models.Index(fields=["app_number"], name="patent_app_number_idx"),
            models.Index(fields=["province_code"], name="patent_province_idx"),
            models.Index(fields=["district_code"], name="patent_district_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.pub_number or self.app_number} {self.title}"

    @property
    def number(self) -> str:
        return self.pub_number or self.app_number or ""


class PatentApplicant(models.Model):
    # no index of its own: the unique (patent, position) constraint's index serves lookups by patent
    patent = models.ForeignKey(
        Patent, on_delete=models.CASCADE, related_name="applicant_links", db_index=False
    )
    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="patent_links")
    position = models.PositiveSmallIntegerField(default=0)
    raw_name = models.CharField(_("name as published"), max_length=300)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["patent", "position"], name="unique_patent_applicant_position")
        ]

    def __str__(self) -> str:
        return self.raw_name


class Classification(models.Model):
    class Scheme(models.TextChoices):
        IPC = "ipc", "IPC"
        LOCARNO = "locarno", "Locarno"
        CPC = "cpc", "CPC"

    patent = models.ForeignKey(Patent, on_delete=models.CASCADE, related_name="classifications")
    scheme = models.CharField(max_length=8, choices=Scheme.choices, default=Scheme.IPC)
    code = models.CharField(max_length=20)
    subclass = models.CharField(max_length=4, blank=True, db_index=True)
    version = models.CharField(max_length=10, blank=True)
    is_main = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        indexes = [models.Index(fields=["scheme", "code"], name="classification_code_idx")]

    def __str__(self) -> str:
        return self.code


class LegalEvent(models.Model):
    patent = models.ForeignKey(Patent, on_delete=models.CASCADE, related_name="legal_events")
    date = models.DateField(_("date"))
    code = models.CharField(_("event"), max_length=40)
    description = models.CharField(_("description"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.date} {self.code}"


class ColumnMapping(BaseModel):
    """A saved mapping of a source file's columns to the platform's patent fields."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    mapping = models.JSONField(_("mapping"), help_text=_('{"our_field": "their column", …}'))
    description = models.CharField(_("description"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("column mapping")

    def __str__(self) -> str:
        return self.name


class ApplicantAlias(BaseModel):
    """An operator's decision that outlives re-imports: a matching key (after a merge) or one spelling
    (after a split) that belongs to this applicant."""

    class Kind(models.TextChoices):
        KEY = "key", _("matching key")
        SPELLING = "spelling", _("spelling")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=300)
    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="aliases")
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="unique_applicant_alias")]
        verbose_name = _("applicant alias")

    def __str__(self) -> str:
        return f"{self.value} → {self.applicant}"
