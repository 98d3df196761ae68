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

Keyword first: both embed inline only when at most `embed_inline_max` texts are missing from the vector
cache. Above that they publish the keyword index with the vectors of the cached texts, note in the state how
many patents wait for vectors (`vectors_pending`), and leave the rest to `embed_pending` (the `search.embed`
job), which embeds outside the lock and adds the vectors under it at the end.
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
from ipops.search.embed import Embedder, VectorCache, default_embedder, text_hash
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
    pending: int = 0  # patents left without a vector (the embed job fills them)

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "indexed": self.indexed,
            "deleted": self.deleted,
            "embedded": self.embedded,
            "seconds": round(self.seconds, 2),
            "pending": self.pending,
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
def _locked(root: Path, *, wait: bool = False) -> Iterator[None]:
    """The index lock; `wait`: block until the rebuild or refresh holding it ends instead of failing."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
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


def _cached(vcache: VectorCache, docs: list[SearchDoc]) -> tuple[np.ndarray, list[tuple[int, bytes, str]]]:
    """The docs' vectors found in the cache (zero rows for the others) and, for each doc whose text is not
    cached, its position, text hash and text."""
    model = vcache.embedder.name
    hashes = [text_hash(model, d.semantic_text) for d in docs]
    found = vcache.lookup(hashes)
    matrix = np.zeros((len(docs), vcache.embedder.dim), np.float32)
    missing = []
    for i, (h, d) in enumerate(zip(hashes, docs, strict=True)):
        vector = found.get(h)
        if vector is None:
            missing.append((i, h, d.semantic_text))
        else:
            matrix[i] = vector
    return matrix, missing


class _Missing:
    """The texts not in the vector cache met while indexing: the rows (in the order met) of their patents,
    and the texts themselves while there are at most `budget` distinct ones (then they are embedded inline)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.rows: list[int] = []
        self.row_hashes: list[bytes] = []
        self.texts: dict[bytes, str] | None = {}

    def add(self, offset: int, missing: list[tuple[int, bytes, str]]) -> None:
        for i, h, text in missing:
            self.rows.append(offset + i)
            if self.texts is not None:
                self.row_hashes.append(h)
                self.texts.setdefault(h, text)
                if len(self.texts) > self.budget:
                    self.texts, self.row_hashes = None, []

    @property
    def inline(self) -> bool:
        return self.texts is not None

    def embed_into(
        self,
        matrix: np.ndarray,
        vcache: VectorCache,
        batch: int,
        progress: ProgressFn | None,
        *,
        offset: int = 0,
    ) -> None:
        """Embed the missing texts (a few: `inline`) and fill their rows of `matrix`. Progress goes on from
        `offset` (the patents already indexed), so a job's bar never moves backwards."""
        assert self.texts is not None
        if not self.texts:
            return
        total = offset + len(self.texts)
        report = (lambda done, _t: progress(offset + done, total, "embed")) if progress else None
        if progress:
            progress(offset, total, "embed")
        vectors = vcache.vectors(list(self.texts.values()), batch=batch, progress=report)
        by_hash = dict(zip(self.texts, vectors, strict=True))
        for row, h in zip(self.rows, self.row_hashes, strict=True):
            matrix[row] = by_hash[h]


def _budget(cfg: dict[str, Any]) -> int:
    return int(cfg["embed_inline_max"])


def _patent_ids() -> set[str]:
    """The ids of every patent in the database."""
    return {str(pk) for pk in Patent.objects.values_list("pk", flat=True).iterator(chunk_size=10_000)}


def _pending(db_ids: set[str], vectors: VectorIndex) -> int:
    return sum(1 for pid in db_ids if pid not in vectors.row)


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
        missing = _Missing(_budget(cfg))
        done = 0
        embedded_before = vcache.size()
        pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None

        def chunks() -> Iterator[list[SearchDoc]]:
            nonlocal done
            for chunk in iter_docs():
                matrix, absent = _cached(vcache, chunk)
                missing.add(len(ids), absent)
                parts.append(matrix)
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
        parts.clear()
        indexed = len(ids)
        if missing.inline:
            missing.embed_into(matrix, vcache, int(cfg["embed_batch"]), progress, offset=indexed)
        else:  # too many to embed now: the keyword index goes live first, the embed job adds the rest
            keep = np.ones(len(ids), bool)
            keep[missing.rows] = False
            matrix = matrix[keep]
            ids = [pid for pid, kept in zip(ids, keep, strict=True) if kept]
            labels = [label for label, kept in zip(labels, keep, strict=True) if kept]
        pending = indexed - len(ids)
        vectors = VectorIndex(ids, matrix, labels=labels, **vector_options(cfg))
        vectors.save(root / "vectors")
        embedded = vcache.size() - embedded_before
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
                "patents": indexed,
                "vectors_pending": pending,
                "model": vcache.embedder.name,
                "refreshed_at": timezone.now().isoformat(),
                "mode": "full",
            },
        )
    return RefreshResult("full", indexed, 0, int(embedded), time.monotonic() - started, pending)


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
        db_ids = _patent_ids()
        held = keyword.ids()
        changed = [
            str(pk) for pk in Patent.objects.filter(updated_at__gte=since).values_list("pk", flat=True)
        ]
        changed = list(dict.fromkeys(changed + sorted(db_ids - held)))
        deleted = held - db_ids
        vcache = cache(root, embedder)
        vectors = VectorIndex.load(root / "vectors", dim=vcache.embedder.dim, **vector_options(cfg))
        docs_done = 0
        embedded_before = vcache.size()
        all_docs: list[SearchDoc] = []
        parts: list[np.ndarray] = []
        missing = _Missing(_budget(cfg))
        for chunk in iter_docs(changed):
            matrix, absent = _cached(vcache, chunk)
            missing.add(len(all_docs), absent)
            parts.append(matrix)
            all_docs.extend(chunk)
            docs_done += len(chunk)
            if progress:
                progress(docs_done, max(len(changed), 1), "")
        matrix = np.concatenate(parts) if parts else np.zeros((0, vcache.embedder.dim), np.float32)
        del parts
        # a changed patent whose new text is not embedded loses its old vector (it waits for the embed job)
        waiting: set[str] = set()
        if missing.inline:
            missing.embed_into(matrix, vcache, int(cfg["embed_batch"]), progress, offset=docs_done)
        else:
            waiting = {all_docs[row].id for row in missing.rows}
        new_vectors = {d.id: v for d, v in zip(all_docs, matrix, strict=True) if d.id not in waiting}
        new_labels = {d.id: _labels(d) for d in all_docs if d.id not in waiting}
        if all_docs or deleted:
            keyword.replace(all_docs, deleted)
            vectors = vectors.updated(new_vectors, new_labels, deleted | waiting)
            vectors.save(root / "vectors")
        pending = _pending(db_ids, vectors)
        embedded = vcache.size() - embedded_before
        vcache.close()
        _write_state(
            root,
            state
            | {
                "watermark": new_watermark.isoformat(),
                "generation": int(state.get("generation", 0)) + (1 if (all_docs or deleted) else 0),
                "patents": len(db_ids),
                "vectors_pending": pending,
                "refreshed_at": timezone.now().isoformat(),
                "mode": "incremental",
            },
        )
    return RefreshResult(
        "incremental", len(all_docs), len(deleted), int(embedded), time.monotonic() - started, pending
    )


@dataclass
class EmbedResult:
    waiting: int  # patents without a vector when the run started
    embedded: int  # texts embedded by this run (the others were cached by a stopped run or a refresh)
    added: int  # vectors added to the store
    pending: int  # patents still without a vector (changed while it ran and not embedded yet)
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "waiting": self.waiting,
            "embedded": self.embedded,
            "added": self.added,
            "pending": self.pending,
            "seconds": round(self.seconds, 2),
        }


def embed_pending(
    *, progress: ProgressFn | None = None, embedder: Embedder | None = None, root: Path | None = None
) -> EmbedResult:
    """Embed the texts of the patents that have no vector yet, then add their vectors to the store.

    Embedding runs without the index lock (refreshes go on meanwhile) and each batch is committed to the
    vector cache, so a run that stops resumes where it stopped. At the end, under the lock (waiting for a
    running refresh), the vectors of the patents still without one are read from the cache and added, and
    the generation is bumped so searches see them. Progress counts patents."""
    root = root or index_dir()
    state = read_state(root)
    if state is None or not (root / "keyword").exists():
        raise IndexMissingError(str(root))
    cfg = config()
    started = time.monotonic()
    vcache = cache(root, embedder)
    try:
        held = VectorIndex.load(root / "vectors", dim=vcache.embedder.dim, hnsw_threshold=2**62)
        waiting = [
            str(pk)
            for pk in Patent.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=10_000)
            if str(pk) not in held.row
        ]
        del held
        embedded_before = vcache.size()
        batch = int(cfg["embed_batch"])
        done = 0
        if progress:
            progress(0, len(waiting), "")
        for chunk in iter_docs(waiting, chunk=batch * 4):
            vcache.vectors([d.semantic_text for d in chunk], batch=batch)
            done += len(chunk)
            if progress:
                progress(done, len(waiting), "")
        embedded = vcache.size() - embedded_before
        with _locked(root, wait=True):
            state = read_state(root) or state
            vectors = VectorIndex.load(root / "vectors", dim=vcache.embedder.dim, **vector_options(cfg))
            new_vectors: dict[str, np.ndarray] = {}
            new_labels: dict[str, str] = {}
            for chunk in iter_docs([pid for pid in waiting if pid not in vectors.row]):
                matrix, absent = _cached(vcache, chunk)
                skip = {i for i, _h, _t in absent}
                for i, d in enumerate(chunk):
                    if i not in skip:
                        new_vectors[d.id], new_labels[d.id] = matrix[i], _labels(d)
            if new_vectors:
                vectors = vectors.updated(new_vectors, new_labels, set())
                vectors.save(root / "vectors")
            pending = _pending(_patent_ids(), vectors)
            _write_state(
                root,
                state
                | {
                    "generation": int(state.get("generation", 0)) + (1 if new_vectors else 0),
                    "vectors_pending": pending,
                },
            )
    finally:
        vcache.close()
    return EmbedResult(len(waiting), int(embedded), len(new_vectors), pending, time.monotonic() - started)


def vectors_pending(root: Path | None = None) -> int:
    """How many patents of the index wait for their semantic vector (0 without an index)."""
    return int((read_state(root) or {}).get("vectors_pending", 0))


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
