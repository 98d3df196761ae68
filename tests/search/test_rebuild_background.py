"""Rebuilding and refreshing the stores: `rebuild_index` (and `--background`, what `make demo` runs, which
queues the work for the job worker and returns), incremental refreshes after patents change, the corpus
refresh starting the search refresh, embedding resuming from the cache. These tests change patents, so
they build their own stores (the read-only search tests share one per module)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ipops.core.jobs import execute_job
from ipops.core.models import Job
from ipops.patents.models import Patent
from ipops.search import engine, services
from ipops.search.embed import VectorCache, default_embedder

pytestmark = pytest.mark.django_db


def numbers(result: engine.SearchResult) -> set[str]:
    ids = [pid for pid, _s in result.hits]
    return set(Patent.objects.filter(pk__in=ids).values_list("pub_number", flat=True))


def run(*args: Any) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_background_rebuild_queues_the_index_and_the_ipc_suggester() -> None:
    out = io.StringIO()
    call_command("rebuild_index", background=True, stdout=out)
    queued = Job.objects.filter(status=Job.Status.QUEUED)
    assert sorted(queued.values_list("kind", flat=True)) == ["search.ipc_train", "search.refresh"]
    assert queued.get(kind="search.refresh").params["full"] is True
    assert "Queued" in out.getvalue()


def test_incremental_refresh_follows_inserts_changes_and_deletes(built: list[Patent]) -> None:
    target = built[0]
    new = Patent.objects.create(pub_number="CN999999999A", title="一种石墨烯散热涂料", content_hash="n")
    target.title = "一种量子点显示面板"
    target.save()
    gone = built[1]
    gone_number = gone.pub_number
    gone.delete()
    result = engine.refresh()
    assert result.mode == "incremental" and result.deleted == 1 and result.indexed >= 2
    assert numbers(engine.keyword_search("石墨烯", limit=10)) == {"CN999999999A"}
    assert numbers(engine.keyword_search("量子点", limit=10)) == {target.pub_number}
    assert gone_number not in numbers(engine.keyword_search(gone.title, limit=100))
    assert engine.stores().vectors.row.get(str(new.pk)) is not None
    assert str(gone.pk) not in engine.stores().vectors.row


def test_corpus_refresh_job_starts_the_search_refresh_job(built: list[Patent]) -> None:
    from ipops.corpus.store import REFRESH_JOB_KIND

    Patent.objects.create(pub_number="CN888888888A", title="一种海水淡化反渗透膜", content_hash="m")
    corpus_job = execute_job(str(Job.objects.create(kind=REFRESH_JOB_KIND, params={"full": True}).pk))
    assert corpus_job.status == Job.Status.SUCCEEDED, corpus_job.error
    job = Job.objects.get(kind=services.REFRESH_JOB, status=Job.Status.QUEUED)
    job = execute_job(str(job.pk))
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.done == job.total >= 1
    assert numbers(engine.keyword_search("反渗透膜", limit=10)) == {"CN888888888A"}


def test_rebuild_resumes_embedding_from_the_cache(corpus: list[Patent], tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.IPOPS_SEARCH_VECTOR_CACHE = tmp_path / "fresh-cache.sqlite3"
    half = [p.title for p in corpus[:20] if not p.abstract]
    VectorCache(tmp_path / "fresh-cache.sqlite3", default_embedder()).vectors(half)  # a run stopped half-way
    first = engine.rebuild()
    assert first.embedded == len(corpus) - len(set(half))
    again = engine.rebuild()
    assert again.embedded == 0 and again.indexed == len(corpus)


def test_rebuild_index_command(corpus: list[Patent]) -> None:
    out = run("rebuild_index")
    assert f"full: {len(corpus)} patents indexed" in out
    # patents changed within the watermark margin are indexed again, but nothing is embedded twice
    assert "0 removed, 0 texts embedded" in run("rebuild_index", "--incremental")
    with pytest.raises(CommandError):
        call_command("search", "电池", "--top", "0")
