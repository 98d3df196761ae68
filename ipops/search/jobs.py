"""The background jobs that refresh (or rebuild) the search stores and that embed the patents still without
a semantic vector (read-only on the database, apart from starting the one from the other), and the one that
tags the saved needs again after the IPC suggestion model is retrained."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipops.core.jobs import JobError, Progress, job_handler
from ipops.core.models import Job
from ipops.search import engine, services
from ipops.search.services import EMBED_JOB, REFRESH_JOB, RETAG_JOB


def _reporter(job: Job, progress: Progress) -> engine.ProgressFn:
    """The engine's progress as the job's: patents indexed, then (when a few texts are embedded inline) texts
    embedded, added to the same total so that the bar only moves forward; one message when embedding starts."""
    phase = [""]

    def report(done: int, total: int, message: str) -> None:
        if message == "embed" and phase[0] != "embed":
            phase[0] = "embed"
            progress.message(_("Embedding %(n)d texts not in the vector cache yet.") % {"n": total - done})
        if job.total != total:
            progress.set_total(total)
        progress.advance(done - job.done)

    return report


@job_handler(REFRESH_JOB, title=gettext_lazy("Refresh the search index and vectors"), writes=False)
def refresh_search_index(job: Job, progress: Progress) -> dict[str, Any]:
    """params: {"full": bool}. Progress counts patents, then the texts embedded inline (if any) on top.
    When more texts than `embed_inline_max` are not in the vector cache, the keyword index goes live without
    their vectors and the `search.embed` job is started to add them."""
    try:
        run = engine.rebuild if job.params.get("full") else engine.refresh
        result = run(progress=_reporter(job, progress))
    except engine.IndexBusyError as exc:
        raise JobError(_("Another rebuild of the search index is running.")) from exc
    progress.message(
        _(
            "%(mode)s: %(indexed)d patents indexed, %(deleted)d removed, %(embedded)d texts embedded, %(seconds).1f s."
        )
        % result.as_dict()
    )
    if result.pending:
        embed = services.after_index_refresh(job, pending=result.pending)
        progress.message(
            _("%(n)d patents wait for their semantic vectors; the embedding job %(job)s adds them.")
            % {"n": result.pending, "job": embed.pk if embed else _("already queued")}
        )
    return result.as_dict()


@job_handler(EMBED_JOB, title=gettext_lazy("Embed the patents still without semantic vectors"), writes=False)
def embed_search_vectors(job: Job, progress: Progress) -> dict[str, Any]:
    """Progress counts patents. Each batch is kept in the vector cache as it is embedded, so a job stopped
    by a restart and started again only embeds the rest. Patents changed while it runs are left to the next
    refresh; if some are still without a vector at the end, another embed job follows."""
    try:
        result = engine.embed_pending(progress=_reporter(job, progress))
    except engine.IndexMissingError as exc:
        raise JobError(_("The search index has not been built yet.")) from exc
    progress.message(
        _(
            "%(added)d patents got their semantic vectors (%(embedded)d texts embedded); %(pending)d still wait."
        )
        % result.as_dict()
    )
    if result.pending and result.added:
        services.after_index_refresh(job, pending=result.pending)
    return result.as_dict()


@job_handler(RETAG_JOB, title=gettext_lazy("Tag the saved technology needs again"))
def retag_needs(job: Job, progress: Progress) -> dict[str, Any]:
    """After the IPC suggestion model is retrained: every saved need's tags from its text, in one
    transaction. Progress counts needs."""

    def report(done: int, total: int) -> None:
        if job.total != total:
            progress.set_total(total)
        progress.advance(done - job.done)

    result = services.retag_needs(actor=job.created_by, progress=report)
    progress.message(_("%(changed)d of %(needs)d saved needs got new tags.") % result)
    return result
