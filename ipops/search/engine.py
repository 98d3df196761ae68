"""The search engine facade: where the derived stores live, how they are rebuilt and refreshed from the
database, and the two questions asked of them (keyword search, matching a need).

Layout under `settings.DATA_DIR / "derived" / "search"` (or `settings.IPOPS_SEARCH_DIR`)::

    state.json           watermark (every change at or before it is indexed), counts, model, generation
    keyword/             the tantivy index
    vectors/             ids + IPC labels (ids.json), vectors (float16 .npy), hnsw.bin above the threshold
    vector-cache.sqlite3 vectors by text hash (embedding resumes here after a restart)

`rebuild` builds everything anew (keyword index into a new folder, swapped in when complete). `refresh`
re-indexes the patents changed since the watermark and removes deleted ones; it is what the job that the
corpus refresh starts runs. One rebuild or refresh at a time (a lock file).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.utils import timezone

from ipops.patents.models import Patent
from ipops.search import hybrid, querylang
from ipops.search.documents import SearchDoc, iter_docs
from ipops.search.embed import Embedder, VectorCache, default_embedder
from ipops.search.keyword import Filters, Hits, KeywordIndex
from ipops.search.settings import config, index_dir
from ipops.search.vectors import VectorIndex

WATERMARK_MARGIN = timedelta(minutes=5)
ProgressFn = Callable[[int, int, str], None]


class IndexBusyError(RuntimeError):
    """Another rebuild or refresh holds the lock."""


class IndexMissingError(RuntimeError):
    """No index has been built yet (run `manage.py rebuild_index`)."""


@dataclass
class RefreshResult:
    mode: str
    indexed: int
    deleted: int
    embedded: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "indexed": self.indexed,
            "deleted": self.deleted,
            "embedded": self.embedded,
            "seconds": round(self.seconds, 2),
        }


@dataclass
class Stores:
    keyword: KeywordIndex
    vectors: VectorIndex
    generation: int


_LOADED: dict[str, Stores] = {}
_LOAD_LOCK = threading.Lock()


def _state_path(root: Path) -> Path:
    return root / "state.json"


def read_state(root: Path | None = None) -> dict[str, Any] | None:
    path = _state_path(root or index_dir())
    if not path.exists():
        return None
    state: dict[str, Any] = json.loads(path.read_text())
    return state


def _write_state(root: Path, state: dict[str, Any]) -> None:
    tmp = root / ".state.json.tmp"
    tmp.write_text(json.dumps(state, default=str))
    os.replace(tmp, _state_path(root))


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexBusyError(str(root)) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cache(root: Path | None = None, embedder: Embedder | None = None) -> VectorCache:
    """The vector cache (settings.IPOPS_SEARCH_VECTOR_CACHE may put it elsewhere, e.g. shared by tests)."""
    from django.conf import settings

    configured = getattr(settings, "IPOPS_SEARCH_VECTOR_CACHE", None)
    path = Path(configured) if configured else (root or index_dir()) / "vector-cache.sqlite3"
    return VectorCache(path, embedder or default_embedder())


def vector_options(cfg: dict[str, Any]) -> dict[str, int]:
    """The hnswlib settings of `config/ranking.json` as `VectorIndex` keyword arguments."""
    return {
        "hnsw_threshold": int(cfg["hnsw_threshold"]),
        "ef": int(cfg["hnsw_ef"]),
        "m": int(cfg["hnsw_m"]),
        "ef_construction": int(cfg["hnsw_ef_construction"]),
    }


def _labels(doc: SearchDoc) -> str:
    return "|".join(doc.subclasses)


def rebuild(
    *, progress: ProgressFn | None = None, embedder: Embedder | None = None, root: Path | None = None
) -> RefreshResult:
    """Build the keyword index and the vectors from the database (the vector cache is kept)."""
    root = root or index_dir()
    cfg = config()
    total_patents = Patent.objects.count()
    workers = int(cfg["index_workers"]) if total_patents >= int(cfg["parallel_from"]) else 1
    started = time.monotonic()
    watermark = timezone.now() - WATERMARK_MARGIN
    total = total_patents
    with _locked(root):
        building = root / "keyword.new"
        keyword = KeywordIndex.create(building)
        writer = keyword.writer(int(cfg["index_heap_mb"]), int(cfg["index_threads"]))
        vcache = cache(root, embedder)
        ids: list[str] = []
        labels: list[str] = []
        parts: list[np.ndarray] = []
        done = 0
        embedded_before = vcache.db.execute("SELECT count(*) FROM vec").fetchone()[0]
        pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None

        def chunks() -> Iterator[list[SearchDoc]]:
            nonlocal done
            for chunk in iter_docs():
                parts.append(vcache.vectors([d.semantic_text for d in chunk], batch=int(cfg["embed_batch"])))
                ids.extend(d.id for d in chunk)
                labels.extend(_labels(d) for d in chunk)
                done += len(chunk)
                if progress:
                    progress(done, total, "")
                yield chunk

        keyword.add_chunks(chunks(), writer, pool)
        if pool is not None:
            pool.shutdown()
        writer.commit()
        writer.wait_merging_threads()
        dim = vcache.embedder.dim
        matrix = np.concatenate(parts) if parts else np.zeros((0, dim), np.float32)
        vectors = VectorIndex(ids, matrix, labels=labels, **vector_options(cfg))
        vectors.save(root / "vectors")
        embedded = vcache.db.execute("SELECT count(*) FROM vec").fetchone()[0] - embedded_before
        vcache.close()
        del keyword, writer
        final = root / "keyword"
        old = root / "keyword.old"
        if old.exists():
            shutil.rmtree(old)
        if final.exists():
            os.replace(final, old)
        os.replace(building, final)
        if old.exists():
            shutil.rmtree(old)
        previous = read_state(root) or {}
        _write_state(
            root,
            {
                "watermark": watermark.isoformat(),
                "generation": int(previous.get("generation", 0)) + 1,
                "patents": len(ids),
                "model": vcache.embedder.name,
                "refreshed_at": timezone.now().isoformat(),
                "mode": "full",
            },
        )
    return RefreshResult("full", len(ids), 0, int(embedded), time.monotonic() - started)


def refresh(
    *, progress: ProgressFn | None = None, embedder: Embedder | None = None, root: Path | None = None
) -> RefreshResult:
    """Index what changed since the watermark (a full rebuild when there is no index yet)."""
    root = root or index_dir()
    state = read_state(root)
    if state is None or not (root / "keyword").exists():
        return rebuild(progress=progress, embedder=embedder, root=root)
    cfg = config()
    started = time.monotonic()
    new_watermark = timezone.now() - WATERMARK_MARGIN
    since = datetime.fromisoformat(state["watermark"])
    with _locked(root):
        keyword = KeywordIndex(root / "keyword")
        db_ids = {str(pk) for pk in Patent.objects.values_list("pk", flat=True).iterator(chunk_size=10_000)}
        held = keyword.ids()
        changed = [
            str(pk) for pk in Patent.objects.filter(updated_at__gte=since).values_list("pk", flat=True)
        ]
        changed = list(dict.fromkeys(changed + sorted(db_ids - held)))
        deleted = held - db_ids
        vcache = cache(root, embedder)
        vectors = VectorIndex.load(root / "vectors", dim=vcache.embedder.dim, **vector_options(cfg))
        new_vectors: dict[str, np.ndarray] = {}
        new_labels: dict[str, str] = {}
        docs_done = 0
        embedded_before = vcache.db.execute("SELECT count(*) FROM vec").fetchone()[0]
        all_docs: list[SearchDoc] = []
        for chunk in iter_docs(changed):
            matrix = vcache.vectors([d.semantic_text for d in chunk], batch=int(cfg["embed_batch"]))
            for d, v in zip(chunk, matrix, strict=True):
                new_vectors[d.id] = v
                new_labels[d.id] = _labels(d)
            all_docs.extend(chunk)
            docs_done += len(chunk)
            if progress:
                progress(docs_done, max(len(changed), 1), "")
        if all_docs or deleted:
            keyword.replace(all_docs, deleted)
            vectors.updated(new_vectors, new_labels, deleted).save(root / "vectors")
        embedded = vcache.db.execute("SELECT count(*) FROM vec").fetchone()[0] - embedded_before
        vcache.close()
        _write_state(
            root,
            state
            | {
                "watermark": new_watermark.isoformat(),
                "generation": int(state.get("generation", 0)) + (1 if (all_docs or deleted) else 0),
                "patents": len(db_ids),
                "refreshed_at": timezone.now().isoformat(),
                "mode": "incremental",
            },
        )
    return RefreshResult(
        "incremental", len(all_docs), len(deleted), int(embedded), time.monotonic() - started
    )


def stores(root: Path | None = None) -> Stores:
    """The current keyword index and vectors, loaded once per process and generation."""
    root = root or index_dir()
    state = read_state(root)
    if state is None or not (root / "keyword").exists():
        raise IndexMissingError(str(root))
    key = str(root)
    generation = int(state.get("generation", 0))
    with _LOAD_LOCK:
        loaded = _LOADED.get(key)
        if loaded is None or loaded.generation != generation:
            cfg = config()
            loaded = Stores(
                keyword=KeywordIndex(root / "keyword"),
                vectors=VectorIndex.load(root / "vectors", **vector_options(cfg)),
                generation=generation,
            )
            _LOADED[key] = loaded
        else:
            loaded.keyword.index.reload()
    return loaded


# --- questions --------------------------------------------------------------------------------------


@dataclass
class SearchResult:
    query: str
    notes: list[str]
    terms: list[str]
    total: int = 0
    hits: list[tuple[str, float]] = field(default_factory=list)
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def keyword_search(
    query: str,
    *,
    filters: Filters | None = None,
    sort: str = "relevance",
    limit: int = 20,
    offset: int = 0,
    facets: bool = True,
) -> SearchResult:
    parsed = querylang.parse(query)
    result = SearchResult(query=query, notes=parsed.notes, terms=parsed.terms)
    if parsed.node is None:
        return result
    current = stores()
    hits: Hits = current.keyword.search(
        current.keyword.to_query(parsed.node),
        filters=filters,
        limit=limit,
        offset=offset,
        sort="date" if sort == "date" else "relevance",
        facets=facets,
    )
    result.total, result.hits, result.facets = hits.total, hits.hits, hits.facets
    return result


MAX_NEED_CHARS = 2000


def match(text: str, *, top: int = 10, mode: str = "hybrid") -> hybrid.Ranked:
    """Patents for a need written in plain words (Chinese or English), best first."""
    text = (text or "").strip()[:MAX_NEED_CHARS]
    if not text:
        return hybrid.Ranked([], {})
    current = stores()
    vcache = cache()
    try:
        vector = vcache.embed_one(text) if mode != "keyword" else None
    finally:
        vcache.close()
    return hybrid.rank(
        keyword_index=current.keyword,
        vectors=current.vectors,
        query_text=text,
        query_vector=vector,
        config=config(),
        mode=mode,
        top=top,
    )
