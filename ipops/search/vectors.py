"""The vector index: patent ids and their vectors; exact search (one matrix product) below
`hnsw_threshold` vectors, hnswlib's approximate graph above it."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

IDS = "ids.json"
MATRIX = "vectors.npy"
HNSW = "hnsw.bin"


class VectorIndex:
    def __init__(
        self,
        ids: list[str],
        matrix: np.ndarray,
        *,
        hnsw_threshold: int = 100_000,
        ef: int = 64,
        graph: object | None = None,
        labels: list[str] | None = None,
        m: int = 16,
        ef_construction: int = 100,
    ) -> None:
        self.ids = ids
        self.labels = labels if labels is not None else [""] * len(ids)  # "A01M|G06F": IPC subclasses
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        self.row = {pid: i for i, pid in enumerate(ids)}
        self.hnsw_threshold = hnsw_threshold
        self.ef = ef
        self.m = m
        self.ef_construction = ef_construction
        self.graph = graph
        if self.graph is None and len(ids) >= hnsw_threshold:
            self.graph = self._build_graph()

    @property
    def exact(self) -> bool:
        return self.graph is None

    def __len__(self) -> int:
        return len(self.ids)

    def _build_graph(self) -> object:
        import hnswlib

        graph = hnswlib.Index(space="ip", dim=self.matrix.shape[1])
        graph.init_index(max_elements=max(len(self.ids), 1), ef_construction=self.ef_construction, M=self.m)
        graph.set_num_threads(os.cpu_count() or 1)
        graph.add_items(self.matrix, np.arange(len(self.ids)))
        graph.set_ef(self.ef)
        return graph

    def search(
        self, vector: np.ndarray, k: int = 10, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """The k nearest patents by cosine (vectors are normalised), best first."""
        if not self.ids:
            return []
        if self.graph is not None and allowed is None:
            import hnswlib  # noqa: F401

            graph = self.graph
            n = min(k, len(self.ids))
            graph.set_ef(max(self.ef, n))  # type: ignore[attr-defined]
            labels, distances = graph.knn_query(vector.reshape(1, -1), k=n)  # type: ignore[attr-defined]
            return [(self.ids[int(i)], float(1.0 - d)) for i, d in zip(labels[0], distances[0], strict=True)]
        scores = self.matrix @ vector.astype(np.float32)
        if allowed is not None:
            mask = np.zeros(len(self.ids), bool)
            for pid in allowed:
                if pid in self.row:
                    mask[self.row[pid]] = True
            scores = np.where(mask, scores, -np.inf)
        n = min(k, len(self.ids))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[int(i)], float(scores[i])) for i in top if np.isfinite(scores[i])]

    def scores_for(self, vector: np.ndarray, ids: Sequence[str]) -> dict[str, float]:
        rows = [self.row[p] for p in ids if p in self.row]
        if not rows:
            return {}
        values = self.matrix[rows] @ vector.astype(np.float32)
        return {self.ids[r]: float(v) for r, v in zip(rows, values, strict=True)}

    def subclasses_of(self, pid: str) -> list[str]:
        row = self.row.get(pid)
        return self.labels[row].split("|") if row is not None and self.labels[row] else []

    def vector_of(self, pid: str) -> np.ndarray | None:
        row = self.row.get(pid)
        return None if row is None else self.matrix[row]

    # --- changes and files ------------------------------------------------------------------------
    def updated(
        self, changed: dict[str, np.ndarray], labels: dict[str, str], deleted: set[str]
    ) -> VectorIndex:
        """A new index with rows replaced or added and rows removed (the graph is rebuilt if any)."""
        keep = [i for i, pid in enumerate(self.ids) if pid not in deleted and pid not in changed]
        ids = [self.ids[i] for i in keep] + list(changed)
        new_labels = [self.labels[i] for i in keep] + [labels.get(pid, "") for pid in changed]
        parts = [self.matrix[keep]]
        if changed:
            parts.append(np.stack(list(changed.values())).astype(np.float32))
        matrix = np.concatenate(parts) if parts else np.zeros((0, self.matrix.shape[1]), np.float32)
        return VectorIndex(
            ids,
            matrix,
            hnsw_threshold=self.hnsw_threshold,
            ef=self.ef,
            labels=new_labels,
            m=self.m,
            ef_construction=self.ef_construction,
        )

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        tmp_ids, tmp_matrix = folder / (IDS + ".tmp"), folder / ("tmp-" + MATRIX)
        tmp_ids.write_text(json.dumps({"ids": self.ids, "labels": self.labels}))
        np.save(tmp_matrix, self.matrix.astype(np.float16))
        if self.graph is not None:
            self.graph.save_index(str(folder / (HNSW + ".tmp")))  # type: ignore[attr-defined]
            os.replace(folder / (HNSW + ".tmp"), folder / HNSW)
        elif (folder / HNSW).exists():
            (folder / HNSW).unlink()
        os.replace(tmp_matrix, folder / MATRIX)
        os.replace(tmp_ids, folder / IDS)

    @classmethod
    def load(
        cls,
        folder: Path,
        *,
        hnsw_threshold: int = 100_000,
        ef: int = 64,
        dim: int = 512,
        m: int = 16,
        ef_construction: int = 100,
    ) -> VectorIndex:
        if not (folder / IDS).exists():
            return cls([], np.zeros((0, dim), np.float32), hnsw_threshold=hnsw_threshold, ef=ef)
        stored = json.loads((folder / IDS).read_text())
        ids, labels = stored["ids"], stored["labels"]
        matrix = np.load(folder / MATRIX).astype(np.float32)
        graph = None
        if (folder / HNSW).exists() and len(ids) >= hnsw_threshold:
            import hnswlib

            graph = hnswlib.Index(space="ip", dim=matrix.shape[1])
            graph.load_index(str(folder / HNSW), max_elements=len(ids))
            graph.set_ef(ef)
        return cls(
            ids,
            matrix,
            hnsw_threshold=hnsw_threshold,
            ef=ef,
            graph=graph,
            labels=labels,
            m=m,
            ef_construction=ef_construction,
        )
