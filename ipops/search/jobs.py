"""The background job that refreshes (or rebuilds) the search stores; read-only on the database."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipops.core.jobs import JobError, Progress, job_handler
from ipops.core.models import Job
from ipops.search import engine
from ipops.search.services import REFRESH_JOB


@job_handler(REFRESH_JOB, title=gettext_lazy("Refresh the search index and vectors"), writes=False)
def refresh_search_index(job: Job, progress: Progress) -> dict[str, Any]:
    """params: {"full": bool}. Progress counts patents. Embedding resumes from the vector cache, so a job
    stopped by a restart and started again only embeds what is not cached yet."""

    def report(done: int, total: int, message: str) -> None:
        if job.total != total:
            progress.set_total(total)
        progress.advance(done - job.done)

    try:
        run = engine.rebuild if job.params.get("full") else engine.refresh
        result = run(progress=report)
    except engine.IndexBusyError as exc:
        raise JobError(_("Another rebuild of the search index is running.")) from exc
    progress.message(
        _(
            "%(mode)s: %(indexed)d patents indexed, %(deleted)d removed, %(embedded)d texts embedded, %(seconds).1f s."
        )
        % result.as_dict()
    )
    return result.as_dict()
