"""State changes of the patent registry: imports (started here, run by the job), saved column mappings."""

from __future__ import annotations

import shutil
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipops.accounts.roles import Role
from ipops.core import audit
from ipops.core.jobs import start_job
from ipops.core.models import Job
from ipops.core.permissions import require_role
from ipops.patents.importers.base import FIELDS
from ipops.patents.importers.pipeline import FORMATS
from ipops.patents.models import ColumnMapping

IMPORT_JOB = "patents.import"
LEGAL_EVENTS_JOB = "patents.legal_events"
LEGAL_EVENTS_FORMAT = "legal-events"  # a legal-status feed (ipops.patents.legal_events), not patent records


def import_folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports" / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_upload(upload: UploadedFile) -> Path:
    """Store an uploaded file under the data directory (streamed in chunks) and return its path."""
    name = Path(upload.name or "upload").name
    path = import_folder() / name
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def keep_local_file(source: Path) -> Path:
    path = import_folder() / source.name
    shutil.copyfile(source, path)
    return path


def start_import(
    *,
    actor: Any,
    path: Path,
    file_name: str,
    file_format: str = "",
    mapping: str = "",
    dataset: str = "",
    status_as_of: date | None = None,
    enqueue: bool = True,
) -> Job:
    """Queue an import of a stored file (operators only). The job does the work and its audit entry.

    `file_format` "legal-events": a legal-status feed onto the patents held (`ipops.patents.legal_events`)."""
    require_role(actor, Role.OPERATOR, what="import patents")
    if file_format == LEGAL_EVENTS_FORMAT:
        params = {"path": str(path), "file_name": file_name}
        return start_job(actor=actor, kind=LEGAL_EVENTS_JOB, params=params, enqueue=enqueue)
    if file_format and file_format not in FORMATS:
        raise ValidationError(
            {
                "file_format": _("Choose one of: %(formats)s.")
                % {"formats": ", ".join((*FORMATS, LEGAL_EVENTS_FORMAT))}
            }
        )
    if file_format == "mapped" and not mapping:
        raise ValidationError({"mapping": _("A mapped import needs a column mapping.")})
    if status_as_of is not None and not dataset.strip():
        raise ValidationError(
            {
                "status_as_of": _(
                    "Name the source too: the date is kept with the source the records come from."
                )
            }
        )
    if status_as_of is not None and status_as_of > timezone.localdate():
        raise ValidationError({"status_as_of": _("The date is in the future.")})
    params = {
        "path": str(path),
        "file_name": file_name,
        "format": file_format,
        "mapping": mapping,
        "dataset": dataset,
        "status_as_of": status_as_of.isoformat() if status_as_of else "",
    }
    return start_job(actor=actor, kind=IMPORT_JOB, params=params, enqueue=enqueue)


@transaction.atomic
def save_mapping(*, actor: Any, name: str, mapping: dict[str, str], description: str = "") -> ColumnMapping:
    """Create or replace a named column mapping (operators)."""
    require_role(actor, Role.OPERATOR, what="save column mappings")
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise ValidationError({"mapping": _("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)}})
    if "title" not in mapping or not ({"pub_number", "app_number"} & set(mapping)):
        raise ValidationError(
            {
                "mapping": _(
                    "A mapping must give the title and the publication number or the application number."
                )
            }
        )
    existing = ColumnMapping.objects.filter(name=name).first()
    before = audit.snapshot(existing) if existing else None
    saved, _created = ColumnMapping.objects.update_or_create(
        name=name, defaults={"mapping": mapping, "description": description, "created_by": actor}
    )
    audit.record(
        action="patents.mapping_save", actor=actor, target=saved, before=before, after=audit.snapshot(saved)
    )
    return saved
