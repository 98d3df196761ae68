"""Keyword first, vectors in the background: with more texts missing from the vector cache than
`embed_inline_max`, a rebuild or refresh publishes the keyword index at once (with the vectors of cached
texts) and the `search.embed` job adds the rest, resuming after a stop; one embed job at a time; the pages
say how many patents wait. A low budget comes from a configuration override, as a region would set it; the
embedder is the real one, wrapped to count what it embeds and to stop part-way like a restarted worker."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from django.test import Client

from ipops.core.jobs import execute_job
from ipops.core.models import Job
from ipops.patents.models import Patent
from ipops.search import embed, engine, services
from ipops.search.documents import iter_docs
from ipops.search.embed import Embedder, VectorCache
from tests.api_auth import bearer

pytestmark = pytest.mark.django_db
BUDGET = 5
BATCH = 8
CACHED = 10  # patents whose texts are in the cache before the rebuild (an earlier run)


class CountingEmbedder:
    """The real embedder, counting the texts it embeds; after `stop_after` batches it raises, as a worker
    stopped by a restart would."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.texts = 0
        self.batches = 0
        self.stop_after: int | None = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self.stop_after is not None and self.batches >= self.stop_after:
            raise RuntimeError("the worker was stopped")
        self.batches += 1
        self.texts += len(texts)
        return self.inner.encode(texts)


@pytest.fixture
def embedder(
    corpus: list[Patent], tmp_path: Path, settings, monkeypatch: pytest.MonkeyPatch
) -> CountingEmbedder:  # type: ignore[no-untyped-def]
    """A small inline budget, a fresh vector cache holding the texts of the first patents, and the
    counting embedder as the platform's embedder (the jobs and the queries use it)."""
    override = tmp_path / "region.json"
    override.write_text(json.dumps({"embed_inline_max": BUDGET, "embed_batch": BATCH}))
    settings.IPOPS_SEARCH_CONFIG = override
    settings.IPOPS_SEARCH_VECTOR_CACHE = tmp_path / "vector-cache.sqlite3"
    counting = CountingEmbedder(embed.default_embedder())
    monkeypatch.setattr(embed, "_DEFAULT", counting)
    docs = [d for chunk in iter_docs() for d in chunk]
    vcache = VectorCache(settings.IPOPS_SEARCH_VECTOR_CACHE, counting)
    vcache.vectors([d.semantic_text for d in docs[:CACHED]])
    vcache.close()
    counting.texts = counting.batches = 0
    return counting


def texts_of(patent_ids: set[str]) -> set[str]:
    return {d.semantic_text for chunk in iter_docs(sorted(patent_ids)) for d in chunk}


def cached_ids(corpus: list[Patent]) -> set[str]:
    docs = [d for chunk in iter_docs() for d in chunk]
    cached = {d.semantic_text for d in docs[:CACHED]}
    return {d.id for d in docs if d.semantic_text in cached}


def title_only(patents: list[Patent], ids: set[str]) -> list[Patent]:
    """Patents whose semantic text is their title alone (a query of the title has cosine 1 with them)."""
    titles = [p.title for p in patents]
    return [p for p in patents if str(p.pk) in ids and not p.abstract and titles.count(p.title) == 1]


def test_rebuild_above_the_budget_publishes_keywords_first_and_the_embed_job_adds_the_vectors(
    corpus: list[Patent], embedder: CountingEmbedder
) -> None:
    everyone = {str(p.pk) for p in corpus}
    cached = cached_ids(corpus)
    waiting = everyone - cached
    job = execute_job(str(services.start_refresh(actor=None, full=True, enqueue=False).pk))
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result["pending"] == len(waiting) and job.result["embedded"] == 0 and embedder.texts == 0

    # keyword search sees every patent at once; vectors cover the cached texts only
    current = engine.stores()
    assert current.keyword.ids() == everyone
    assert set(current.vectors.ids) == cached
    assert engine.vectors_pending() == len(waiting)
    later = title_only(corpus, waiting)[0]
    found = engine.keyword_search(f'title:"{later.title}"', limit=5)
    assert str(later.pk) in dict(found.hits)
    # matching by meaning answers from the patents with vectors; hybrid still finds it by its words
    assert str(later.pk) not in {m.id for m in engine.match(later.title, mode="semantic", top=50).matches}
    # (asked for every patent: a patent found by words alone may rank below those found both ways)
    hybrid = {m.id: m for m in engine.match(later.title, mode="hybrid", top=len(corpus)).matches}
    assert hybrid[str(later.pk)].keyword > 0 and hybrid[str(later.pk)].semantic == 0

    # the refresh job started exactly one embed job; running it completes the vectors
    embed_job = Job.objects.get(kind=services.EMBED_JOB)
    assert embed_job.status == Job.Status.QUEUED and embed_job.params.get("full") is None
    embed_job = execute_job(str(embed_job.pk))
    assert embed_job.status == Job.Status.SUCCEEDED, embed_job.error
    assert embed_job.done == embed_job.total == len(waiting)
    assert embed_job.result["added"] == len(waiting) and embed_job.result["pending"] == 0
    assert embedder.texts == len(texts_of(waiting))
    assert set(engine.stores().vectors.ids) == everyone and engine.vectors_pending() == 0
    top = engine.match(later.title, mode="semantic", top=3).matches
    assert top[0].id == str(later.pk)
    assert not Job.objects.filter(kind=services.EMBED_JOB, status=Job.Status.QUEUED).exists()


def test_a_stopped_embed_job_resumes_with_what_is_not_embedded_yet(
    corpus: list[Patent], embedder: CountingEmbedder
) -> None:
    assert engine.rebuild().pending > 0
    waiting_texts = texts_of({str(p.pk) for p in corpus} - cached_ids(corpus))
    embedder.stop_after = 2
    stopped = execute_job(str(services.start_embed(actor=None, enqueue=False).pk))
    assert stopped.status == Job.Status.FAILED and "the worker was stopped" in stopped.error
    assert embedder.texts == 2 * BATCH
    assert engine.vectors_pending() > 0  # nothing was added to the store by the stopped run

    embedder.stop_after, embedder.texts = None, 0
    resumed = execute_job(str(services.start_embed(actor=None, enqueue=False).pk))
    assert resumed.status == Job.Status.SUCCEEDED, resumed.error
    assert embedder.texts == resumed.result["embedded"] == len(waiting_texts) - 2 * BATCH
    assert engine.vectors_pending() == 0 and len(engine.stores().vectors) == len(corpus)


def test_a_refresh_above_the_budget_indexes_the_changes_and_leaves_their_vectors_to_the_embed_job(
    corpus: list[Patent], embedder: CountingEmbedder
) -> None:
    engine.rebuild()
    execute_job(str(services.start_embed(actor=None, enqueue=False).pk))
    changed = corpus[: BUDGET + 1]
    for i, p in enumerate(changed):
        p.title = f"一种用于第{i}号温室的石墨烯加热膜"
        p.abstract = ""
        p.save()
    embedder.texts = 0
    job = execute_job(str(services.start_refresh(actor=None, enqueue=False).pk))
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert embedder.texts == 0 and job.result["pending"] == len(changed)
    hits = dict(engine.keyword_search('title:"温室的石墨烯加热膜"', limit=20).hits)
    assert set(hits) == {str(p.pk) for p in changed}
    assert not {str(p.pk) for p in changed} & set(engine.stores().vectors.ids)  # no stale vectors kept
    embed_job = execute_job(str(Job.objects.get(kind=services.EMBED_JOB, status=Job.Status.QUEUED).pk))
    assert embed_job.result["added"] == len(changed) and embedder.texts == len(changed)
    assert engine.match(changed[2].title, mode="semantic", top=1).matches[0].id == str(changed[2].pk)


@pytest.fixture
def roomy_budget(corpus: list[Patent], embedder: CountingEmbedder, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A budget large enough to embed every missing text inline."""
    roomy = tmp_path / "roomy.json"
    roomy.write_text(json.dumps({"embed_inline_max": len(corpus), "embed_batch": BATCH}))
    settings.IPOPS_SEARCH_CONFIG = roomy


@pytest.mark.usefixtures("roomy_budget")
def test_within_the_budget_everything_is_embedded_inline_as_before(
    corpus: list[Patent], embedder: CountingEmbedder
) -> None:
    job = execute_job(str(services.start_refresh(actor=None, full=True, enqueue=False).pk))
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result["pending"] == 0 and job.done == job.total
    assert len(engine.stores().vectors) == len(corpus) and engine.vectors_pending() == 0
    assert not Job.objects.filter(kind=services.EMBED_JOB).exists()
    # the texts embedded inline count on top of the patents indexed: the job's bar only moves forward
    assert job.total == len(corpus) + embedder.texts and embedder.texts > 0


@pytest.mark.usefixtures("roomy_budget")
def test_inline_embedding_progress_goes_on_from_the_patents_indexed(
    corpus: list[Patent], embedder: CountingEmbedder
) -> None:
    seen: list[tuple[int, int]] = []
    engine.rebuild(progress=lambda done, total, _message: seen.append((done, total)))
    dones = [done for done, _total in seen]
    assert dones == sorted(dones) and seen[-1] == (len(corpus) + embedder.texts,) * 2
    assert max(total for _done, total in seen) == seen[-1][1]


def test_one_embed_job_at_a_time_started_by_operators_and_the_pages_say_what_waits(
    corpus: list[Patent], embedder: CountingEmbedder, region: dict, login: Callable
) -> None:
    pending = engine.rebuild().pending
    page = login("ent_user").get("/search/", {"q": "电池"}).content.decode()
    assert 'id="vectors-pending"' in page and str(pending) in page and 'id="embed-button"' not in page
    page = login("ent_user").get("/search/needs/").content.decode()
    assert 'id="vectors-pending"' in page
    api = Client().post(
        "/api/search/match",
        {"text": "电池"},
        content_type="application/json",
        headers=bearer(region, "ent_user"),
    )
    assert api.status_code == 200 and api.json()["vectors_pending"] == pending > 0
    page = login("operator").get("/search/", {"q": "电池"}).content.decode()
    assert 'id="embed-button"' in page  # no job queued or running (e.g. a restart stopped it): resume

    assert login("ent_admin").post("/search/embed/").status_code == 403
    assert not Job.objects.filter(kind=services.EMBED_JOB).exists()
    operator = login("operator")
    assert operator.post("/search/embed/").status_code == 302
    assert operator.post("/search/embed/").status_code == 302
    assert Job.objects.filter(kind=services.EMBED_JOB).count() == 1
    job = Job.objects.get(kind=services.EMBED_JOB)
    # a refresh leaving patents without vectors does not start a second one while it waits
    refresh = execute_job(str(services.start_refresh(actor=None, enqueue=False).pk))
    assert refresh.result["pending"] == pending
    assert services.start_embed(actor=None).pk == job.pk
    assert Job.objects.filter(kind=services.EMBED_JOB).count() == 1
    page = operator.get("/search/", {"q": "电池"}).content.decode()
    assert 'id="embed-job-link"' in page and 'id="embed-button"' not in page

    execute_job(str(job.pk))
    page = login("ent_user").get("/search/", {"q": "电池"}).content.decode()
    assert 'id="vectors-pending"' not in page
