"""Background jobs: start one (a service), run one (the worker), report progress while it runs.

A job handler runs inside one database transaction: when it raises, everything it wrote is rolled back and
the job keeps its error. Progress, which must be visible while that transaction is still open, goes to the
cache (file-based by default, Redis in production) and is copied onto the job row when the job ends.
Files a handler produces are written under a temporary name and kept only when the job succeeds.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ipops.core import audit
from ipops.core.models import Job

MAX_MESSAGES = 200
_after_finish: ContextVar[list[Callable[[], None]] | None] = ContextVar("after_finish", default=None)
logger = logging.getLogger(__name__)
PROGRESS_INTERVAL_S = 0.5


class JobError(Exception):
    """An expected failure whose message is meant for the user (no traceback is kept)."""


class Progress:
    """Handed to a handler: `advance`, `set_total`, `message`. Writes are throttled to the cache."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._last_flush = 0.0

    @staticmethod
    def cache_key(job_id: Any) -> str:
        return f"ipops:job-progress:{job_id}"

    def set_total(self, total: int) -> None:
        self.job.total = total
        self.flush(force=True)

    def advance(self, n: int = 1) -> None:
        self.job.done += n
        self.flush()

    def message(self, text: str) -> None:
        self.job.messages = [*self.job.messages, {"at": timezone.now().isoformat(), "text": str(text)}][
            -MAX_MESSAGES:
        ]
        self.flush(force=True)

    def flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_flush >= PROGRESS_INTERVAL_S:
            cache.set(
                self.cache_key(self.job.pk),
                {
                    "done": self.job.done,
                    "total": self.job.total,
                    "messages": self.job.messages,
                    "beat": timezone.now().isoformat(),  # the worker's heartbeat, read by fail_stale_jobs
                },
                timeout=24 * 3600,
            )
            self._last_flush = now

    def output_path(self, filename: str) -> Path:
        """Where the handler writes its result file; it becomes the job's file only on success."""
        folder = Path(settings.IPOPS_JOB_FILES_DIR) / str(self.job.pk)
        folder.mkdir(parents=True, exist_ok=True)
        self.job.result_file = filename
        return folder / f".partial-{filename}"


Handler = Callable[[Job, Progress], dict[str, Any]]


@dataclass(frozen=True)
class JobKind:
    handler: Handler
    title: Any
    writes: bool  # False: a read-only job runs outside a transaction (it never holds the write lock)
    private: bool  # True: only the job's owner sees it (e.g. audit-log exports, for separation of duties)


HANDLERS: dict[str, JobKind] = {}


def job_handler(
    kind: str, *, title: Any, writes: bool = True, private: bool = False
) -> Callable[[Handler], Handler]:
    """Register the function that does a kind of job. It returns the job's result (a JSON object)."""

    def register(func: Handler) -> Handler:
        HANDLERS[kind] = JobKind(handler=func, title=title, writes=writes, private=private)
        return func

    return register


def job_title(kind: str) -> Any:
    return HANDLERS[kind].title if kind in HANDLERS else kind


def live_progress(job: Job) -> dict[str, Any]:
    """done / total / messages: from the cache while the job runs, from the row once it has ended."""
    if not job.is_finished:
        cached = cache.get(Progress.cache_key(job.pk))
        if cached:
            return cached
    return {"done": job.done, "total": job.total, "messages": job.messages}


def result_path(job: Job) -> Path | None:
    if job.status != Job.Status.SUCCEEDED or not job.result_file:
        return None
    path = Path(settings.IPOPS_JOB_FILES_DIR) / str(job.pk) / job.result_file
    return path if path.exists() else None


def open_result(*, actor: Any, job: Job) -> Path:
    """The job's result file for its owner; the read is audited (exports can hold sensitive data)."""
    from ipops.core.permissions import deny

    if job.created_by_id != getattr(actor, "pk", None):
        raise deny(actor, "download another user's job result", target=job)
    path = result_path(job)
    if path is None:
        raise FileNotFoundError(job.result_file)
    with transaction.atomic():
        audit.record(
            action="job.download",
            actor=actor,
            organisation=job.organisation,
            target=job,
            after={"file": path.name},
        )
    return path


def start_job(
    *,
    actor: Any,
    kind: str,
    params: dict[str, Any] | None = None,
    organisation: Any = None,
    enqueue: bool = True,
) -> Job:
    """Create the job row (audited) and enqueue it for the worker once the transaction commits
    (`enqueue=False`: the caller runs it itself with `execute_job`, as command-line tools do)."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    from ipops.core.tasks import run_job

    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            params={**(params or {}), "language": translation.get_language() or settings.LANGUAGE_CODE},
            created_by=actor,
            organisation=organisation if organisation is not None else getattr(actor, "organisation", None),
        )
        audit.record(action="job.start", actor=actor, target=job, after=audit.snapshot(job))

        def enqueue_task() -> None:
            result = run_job.enqueue(str(job.pk))
            Job.objects.filter(pk=job.pk).update(task_id=str(result.id))

        if enqueue:
            transaction.on_commit(enqueue_task)
    return job


def after_finish(callback: Callable[[], None]) -> None:
    """Run `callback` once the running job's end is recorded (succeeded or failed): for maintenance the user
    need not wait for, such as folding a large import's write-ahead log into the SQLite file. Outside a job
    it runs at once. A failing callback is logged; it does not change the job's outcome."""
    pending = _after_finish.get()
    if pending is None:
        callback()
    else:
        pending.append(callback)


def execute_job(job_id: str) -> Job:
    """Run a queued job to its end (called by the worker). Never raises for a handler's failure."""
    job = Job.objects.get(pk=job_id)
    if job.status != Job.Status.QUEUED:
        return job
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
    job.status = Job.Status.RUNNING
    progress = Progress(job)
    kind = HANDLERS[job.kind]
    in_transaction = transaction.atomic() if kind.writes else nullcontext()
    pending: list[Callable[[], None]] = []
    token = _after_finish.set(pending)
    try:
        _run(job, kind, progress, in_transaction)
    finally:
        _after_finish.reset(token)
        for callback in pending:
            try:
                callback()
            except Exception:
                logger.exception("after-finish step of job %s failed", job.pk)
    return job


class _Heartbeat:
    """While a handler runs, a thread refreshes the job's heartbeat every `IPOPS_JOB_HEARTBEAT_S` seconds, so
    that `fail_stale_jobs` fails only jobs whose worker is gone, not long steps that report no progress (an
    HNSW graph over a million vectors, a big DuckDB query, a PDF)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self._beat, name=f"job-heartbeat-{progress.job.pk}", daemon=True
        )

    def _beat(self) -> None:
        interval = float(settings.IPOPS_JOB_HEARTBEAT_S)
        while not self.stop.wait(interval):
            self.progress.flush(force=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def _run(job: Job, kind: JobKind, progress: Progress, in_transaction: Any) -> None:
    try:
        with (
            _Heartbeat(progress),
            translation.override(job.params.get("language") or settings.LANGUAGE_CODE),
            in_transaction,
        ):
            result = kind.handler(job, progress)
            if job.result_file:
                folder = Path(settings.IPOPS_JOB_FILES_DIR) / str(job.pk)
                (folder / f".partial-{job.result_file}").replace(folder / job.result_file)
        job.status, job.result, job.error = Job.Status.SUCCEEDED, result or {}, ""
    except Exception as exc:
        job.status, job.result = Job.Status.FAILED, {}
        job.error = (
            str(exc) if isinstance(exc, JobError) else "".join(traceback.format_exception(exc))[-8000:]
        )
        if not isinstance(exc, JobError):
            job.error = f"{_('Unexpected error')}: {exc}\n\n{job.error}"
        partial = Path(settings.IPOPS_JOB_FILES_DIR) / str(job.pk) / f".partial-{job.result_file}"
        partial.unlink(missing_ok=True)
        job.result_file = ""
    job.finished_at = timezone.now()
    with transaction.atomic():
        before = {"status": Job.Status.RUNNING}
        job.save()
        audit.record(
            action="job.finish",
            actor=job.created_by,
            organisation=job.organisation,
            target=job,
            before=before,
            after={"status": job.status, "done": job.done, "total": job.total, "error": job.error[:500]},
        )
    cache.delete(Progress.cache_key(job.pk))


def visible_jobs(user: Any) -> QuerySet[Job]:
    """A user's own jobs; operators also see everyone's non-private jobs (only the owner downloads files)."""
    from ipops.accounts.roles import Role
    from ipops.core.permissions import has_role

    if not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    own = Job.objects.filter(created_by=user)
    if has_role(user, Role.OPERATOR):
        private = [kind for kind, spec in HANDLERS.items() if spec.private]
        return own | Job.objects.exclude(kind__in=private)
    return own


def fail_stale_jobs(*, silent_minutes: int) -> list[Job]:
    """Mark as failed the running jobs whose worker has reported nothing for `silent_minutes` (it died or was
    stopped). Their transaction was rolled back with the worker, so nothing they wrote was kept."""
    from datetime import datetime, timedelta

    limit = timezone.now() - timedelta(minutes=silent_minutes)
    failed = []
    for job in Job.objects.filter(status=Job.Status.RUNNING, started_at__lt=limit):
        beat = (cache.get(Progress.cache_key(job.pk)) or {}).get("beat")
        if beat and datetime.fromisoformat(beat) >= limit:
            continue
        language = job.params.get("language") or settings.LANGUAGE_CODE
        with transaction.atomic(), translation.override(language):  # in the language of whoever started it
            job.status, job.finished_at = Job.Status.FAILED, timezone.now()
            job.error = str(
                _(
                    "The worker stopped while running this job (no progress for %(n)d minutes); "
                    "nothing the job wrote was kept. Start it again."
                )
                % {"n": silent_minutes}
            )
            job.save(update_fields=["status", "finished_at", "error", "updated_at"])
            audit.record(
                action="job.abandoned",
                actor=None,
                organisation=job.organisation,
                target=job,
                before={"status": Job.Status.RUNNING},
                after={"status": job.status, "error": job.error},
            )
        failed.append(job)
    return failed


def get_visible_job(user: Any, pk: Any) -> Job:
    """The job if the user may see it; 404 when there is none, a (audited) refusal when it is not theirs."""
    from django.http import Http404

    from ipops.core.permissions import deny

    job = visible_jobs(user).filter(pk=pk).first()
    if job is None:
        if Job.objects.filter(pk=pk).exists():
            raise deny(user, "view another user's job")
        raise Http404
    return job
