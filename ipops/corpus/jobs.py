"""The background job that refreshes the derived store (read-only on the database: no transaction held)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipops.core.jobs import JobError, Progress, job_handler
from ipops.core.models import Job
from ipops.corpus.store import REFRESH_JOB_KIND, RefreshBusyError, refresh


@job_handler(REFRESH_JOB_KIND, title=gettext_lazy("Refresh the analytics store (Parquet)"), writes=False)
def refresh_derived_store(job: Job, progress: Progress) -> dict[str, Any]:
    """params: {"full": bool}. Progress counts buckets."""

    def report(done: int, total: int, message: str) -> None:
        if job.total != total:
            progress.set_total(total)
        progress.advance(done - job.done)

    try:
        result = refresh(full=bool(job.params.get("full")), progress=report)
    except RefreshBusyError as exc:
        raise JobError(_("Another refresh of the analytics store is running.")) from exc
    progress.message(
        _("%(mode)s refresh: %(rows)d rows written in %(buckets)d buckets, %(seconds).1f s.")
        % {
            "mode": result.mode,
            "rows": result.rows_written,
            "buckets": len(result.buckets_touched),
            "seconds": result.seconds,
        }
    )
    from ipops.search.services import after_corpus_refresh  # the search index follows (issue 4)

    after_corpus_refresh(job)
    return result.as_dict()
