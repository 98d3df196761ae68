"""Training the suggester from the database, by command or as a background job with progress.

Training data: every patent with at least one IPC classification (its distinct subclasses are the labels),
read as title + start of abstract. Patents of synthetic datasets are left out unless ``include_synthetic``;
above ``max_train_patents`` a seeded random sample is taken. The IPC scheme titles the platform holds as
reference data (``load_reference``; the levels in ``scheme_levels``, the language ``scheme_language``) are
learnt from as well. The database is only read (the job holds no
write transaction); the model is written to the derived store (`store`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipops.core.jobs import JobError, Progress, job_handler, start_job
from ipops.core.models import Job
from ipops.core.permissions import require_role
from ipops.patents.models import Classification, Patent
from ipops.reference.models import IpcEntry
from ipops.search.ipc_suggest import store
from ipops.search.ipc_suggest.config import load_params
from ipops.search.ipc_suggest.model import IpcSuggester, Params, ProgressFn, document_text

TRAIN_JOB_KIND = "search.ipc_train"
CHUNK = 5000


class NothingToLearnError(ValueError):
    """The platform holds no patent with an IPC classification."""


def training_data(params: Params) -> tuple[list[str], list[list[str]]]:
    """(texts, subclass sets) of the classified patents the platform holds."""
    subclasses: dict[Any, set[str]] = {}
    classifications = Classification.objects.filter(scheme=Classification.Scheme.IPC).exclude(subclass="")
    if not params.include_synthetic:
        classifications = classifications.exclude(patent__dataset__synthetic=True)
    for patent_id, subclass in classifications.values_list("patent_id", "subclass").iterator(
        chunk_size=CHUNK
    ):
        subclasses.setdefault(patent_id, set()).add(subclass.upper())
    ids = sorted(subclasses, key=str)
    if len(ids) > params.max_train_patents:
        rng = np.random.default_rng(0)
        ids = [ids[i] for i in sorted(rng.choice(len(ids), params.max_train_patents, replace=False))]
    texts: list[str] = []
    labels: list[list[str]] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = Patent.objects.filter(Q(pk__in=chunk)).values_list("pk", "title", "abstract")
        for pk, title, abstract in rows:
            if (title or "").strip() or (abstract or "").strip():
                texts.append(document_text(title, abstract, params))
                labels.append(sorted(subclasses[pk]))
    return texts, labels


def scheme_data(params: Params) -> list[tuple[str, str]]:
    """(subclass, title) of the IPC scheme entries at the configured levels, in the configured language."""
    if not params.scheme_levels:
        return []
    field = "title_zh" if params.scheme_language.lower().startswith("zh") else "title_en"
    rows = (
        IpcEntry.objects.filter(kind__in=params.scheme_levels)
        .exclude(**{field: ""})
        .order_by("code")
        .values_list("code", field)
    )
    return [(code[:4], title) for code, title in rows.iterator(chunk_size=CHUNK)]


def train(progress: ProgressFn | None = None) -> dict[str, Any]:
    """Train on what the database holds now and save the model; returns its description."""
    params = load_params()
    started = time.perf_counter()
    texts, labels = training_data(params)
    if not texts:
        raise NothingToLearnError(
            _("No patent with an IPC classification to learn from: import patents first (import_patents).")
        )
    model = IpcSuggester(params=params).fit(texts, labels, scheme=scheme_data(params), progress=progress)
    meta = {
        "trained_at": timezone.now().isoformat(),
        "patents": len(texts),
        "subclasses": len(model.labels),
        "threshold": round(model.threshold, 4),
        "calibration": [round(x, 6) for x in model.calibration],
        "seconds": round(time.perf_counter() - started, 1),
        **model.report,
    }
    return store.save(model, meta)


@job_handler(TRAIN_JOB_KIND, title=gettext_lazy("Train the IPC suggestion model"), writes=False)
def train_job(job: Job, progress: Progress) -> dict[str, Any]:
    def report(done: int, total: int, message: str) -> None:
        if job.total != total:
            progress.set_total(total)
        progress.advance(done - job.done)

    try:
        meta = train(progress=report)
    except NothingToLearnError as exc:
        raise JobError(str(exc)) from exc
    progress.message(
        _("Trained on %(patents)d patents, %(subclasses)d subclasses.")
        % {"patents": meta["patents"], "subclasses": meta["subclasses"]}
    )
    from ipops.search import services  # the saved needs are tagged by this model: tag them again

    if services.after_training(job) is not None:
        progress.message(_("The saved needs are being tagged again with the new model."))
    return meta


def start_training(*, actor: Any, enqueue: bool = True) -> Job:
    """Platform operators retrain the model in the background (audited by `start_job`)."""
    from ipops.accounts.roles import Role

    require_role(actor, Role.OPERATOR, what="train the IPC suggestion model")
    return start_job(actor=actor, kind=TRAIN_JOB_KIND, enqueue=enqueue)


ProgressCallback = Callable[[int, int, str], None]
