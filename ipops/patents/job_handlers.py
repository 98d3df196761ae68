"""The patent import job and the legal-status import job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipops.core import audit
from ipops.core.jobs import JobError, Progress, job_handler, start_job
from ipops.core.models import Job
from ipops.corpus.store import REFRESH_JOB_KIND
from ipops.patents.importers.base import FileProblem
from ipops.patents.importers.pipeline import run_import
from ipops.patents.legal_events import run_legal_events_import
from ipops.patents.models import ImportBatch
from ipops.patents.services import IMPORT_JOB, LEGAL_EVENTS_JOB


def batch_summary(batch: ImportBatch) -> dict[str, Any]:
    """What an import job reports and audits: the batch and its counts."""
    counts = ("rows_read", "created", "updated", "unchanged", "rejected", "warnings")
    return {"batch": str(batch.pk), "format": batch.file_format, **{n: getattr(batch, n) for n in counts}}


@job_handler(IMPORT_JOB, title=gettext_lazy("Patent import"))
def import_patents(job: Job, progress: Progress) -> dict[str, Any]:
    params = job.params
    report_path = progress.output_path(f"import-report-{job.created_at:%Y%m%d-%H%M%S}.xlsx")

    def on_progress(done: int, total: int | None) -> None:
        if total is not None and total != progress.job.total:
            progress.job.total = total
        progress.job.done = done
        progress.flush()

    try:
        batch = run_import(
            path=Path(params["path"]),
            file_name=params.get("file_name") or Path(params["path"]).name,
            file_format=params.get("format") or None,
            mapping_name=params.get("mapping") or "",
            dataset_name=params.get("dataset") or "",
            status_as_of=params.get("status_as_of") or "",
            report_path=report_path,
            actor=job.created_by,
            job=job,
            on_progress=on_progress,
        )
    except FileProblem as exc:
        raise JobError(exc.message) from exc
    result = batch_summary(batch)
    audit.record(action="patents.import", actor=job.created_by, target=batch, after=result)
    progress.message(
        _(
            "%(rows_read)d rows read: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(rejected)d rejected, %(warnings)d warnings."
        )
        % result
    )
    if batch.created or batch.updated:
        transaction.on_commit(lambda: refresh_derived_stores(job))
    return result


@job_handler(LEGAL_EVENTS_JOB, title=gettext_lazy("Legal status import"))
def import_legal_events(job: Job, progress: Progress) -> dict[str, Any]:
    params = job.params
    report_path = progress.output_path(f"legal-status-report-{job.created_at:%Y%m%d-%H%M%S}.xlsx")

    def on_progress(done: int) -> None:
        progress.job.done = done
        progress.flush()

    try:
        batch = run_legal_events_import(
            path=Path(params["path"]),
            file_name=params.get("file_name") or Path(params["path"]).name,
            report_path=report_path,
            actor=job.created_by,
            job=job,
            on_progress=on_progress,
        )
    except FileProblem as exc:
        raise JobError(exc.message) from exc
    result = batch_summary(batch)
    audit.record(action="patents.legal_events_import", actor=job.created_by, target=batch, after=result)
    progress.message(
        _(
            "%(rows_read)d rows read: %(updated)d applications updated, %(unchanged)d unchanged, "
            "%(rejected)d rejected, %(warnings)d warnings."
        )
        % result
    )
    if batch.updated:
        transaction.on_commit(lambda: refresh_derived_stores(job))
    return result


def refresh_derived_stores(job: Job) -> None:
    """Once an import has committed, the derived stores follow: the corpus refresh job (whose end starts the
    search index refresh), unless one is already waiting to run."""
    waiting = Job.objects.filter(kind=REFRESH_JOB_KIND, status=Job.Status.QUEUED).exists()
    if not waiting:
        start_job(actor=job.created_by, kind=REFRESH_JOB_KIND, organisation=job.organisation)
