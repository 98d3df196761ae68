"""Second stage of the IPC suggester: re-rank each text's best-scoring subclasses with a small gradient-boosted
classifier that sees more than the kernel-ridge score.

For every text the ``rerank_candidates`` subclasses with the highest kernel-ridge scores become candidates,
each described by the features in ``FEATURES``: its score, rank and distance to the best score, how often the
held patents carry it and how often it comes with the text's best subclass, how much the text's nearest held
patents carry it, and how close the text is to the subclass's own IPC scheme titles. The classifier learns
from the held patents' leave-one-out scores (exact for kernel ridge: the scores each patent would get from
the model trained without it), so it sees scores distributed as a new text's are, and gives the probability
that a candidate is one of the text's subclasses: the confidence users see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

FEATURES = (
    "score",
    "rank",
    "score_minus_best",
    "score_over_best",
    "best_score",
    "second_score",
    "log_patents_with_subclass",
    "share_with_best_subclass",
    "neighbour_kernel_sum",
    "neighbour_kernel_max",
    "scheme_title_kernel_max",
    "nearest_patent_kernel",
)
BLOCK = 1024  # texts handled at a time (bounds the texts × neighbours × subclasses temporaries)


@dataclass
class LabelStats:
    """What the features need to know about the held patents' subclasses."""

    patent_labels: sp.csr_matrix  # patents × subclasses, 0/1
    log_counts: np.ndarray  # log(1 + patents with the subclass)
    cooccurrence: (
        np.ndarray
    )  # [i, j] = share of patents with subclass i that also carry j (0 on the diagonal)
    scheme_order: np.ndarray  # scheme rows sorted by subclass
    scheme_starts: np.ndarray  # first position of each subclass's run in scheme_order
    scheme_subclasses: np.ndarray  # the subclass of each run

    @classmethod
    def build(cls, patent_targets: np.ndarray, scheme_labels: np.ndarray) -> LabelStats:
        counts = patent_targets.sum(axis=0)
        together = patent_targets.T @ patent_targets
        share = (together / np.maximum(counts[:, None], 1.0)).astype(np.float32)
        np.fill_diagonal(share, 0.0)
        order = np.argsort(scheme_labels, kind="stable")
        runs, starts = np.unique(scheme_labels[order], return_index=True)
        return cls(
            patent_labels=sp.csr_matrix(patent_targets.astype(np.float32)),
            log_counts=np.log1p(counts).astype(np.float32),
            cooccurrence=share,
            scheme_order=order,
            scheme_starts=starts,
            scheme_subclasses=runs,
        )


def candidate_features(
    scores: np.ndarray,
    kernel_patents: np.ndarray,
    kernel_scheme: np.ndarray,
    stats: LabelStats,
    *,
    candidates: int,
    neighbours: int,
    self_rows: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(features texts × candidates × len(FEATURES), candidate subclass columns texts × candidates).

    ``kernel_patents``/``kernel_scheme``: the texts' kernel rows against the held patents / scheme titles.
    ``self_rows``: for held patents described by their leave-one-out scores, each text's own patent row,
    left out of its neighbours."""
    texts, labels = scores.shape
    c = min(candidates, labels)
    k = min(neighbours, kernel_patents.shape[1] - (1 if self_rows is not None else 0))
    out = np.zeros((texts, c, len(FEATURES)), dtype=np.float32)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :c]
    for start in range(0, texts, BLOCK):
        stop = min(start + BLOCK, texts)
        s = scores[start:stop]
        cand = order[start:stop]
        rows = np.arange(stop - start)
        near = kernel_patents[start:stop].astype(np.float32, copy=True)
        if self_rows is not None:
            near[rows, self_rows[start:stop]] = -np.inf
        if k > 0:
            idx = np.argpartition(-near, k - 1, axis=1)[:, :k]
            sim = np.take_along_axis(near, idx, axis=1)
            carried = stats.patent_labels[idx.ravel()].toarray().reshape(len(rows), k, labels)
            weighted = carried * sim[:, :, None]
            nb_sum = np.take_along_axis(weighted.sum(axis=1), cand, axis=1)
            nb_max = np.take_along_axis(weighted.max(axis=1), cand, axis=1)
            nearest = sim.max(axis=1)
        else:
            nb_sum = nb_max = np.zeros(cand.shape, np.float32)
            nearest = np.zeros(len(rows), np.float32)
        scheme_max = np.zeros((len(rows), labels), dtype=np.float32)
        if len(stats.scheme_order):
            per_run = np.maximum.reduceat(
                kernel_scheme[start:stop][:, stats.scheme_order], stats.scheme_starts, axis=1
            )
            scheme_max[:, stats.scheme_subclasses] = per_run
        cand_scores = np.take_along_axis(s, cand, axis=1)
        best = cand_scores[:, :1]
        second = cand_scores[:, 1:2] if c > 1 else np.zeros_like(best)
        # the best candidate's partner is the second one; every other candidate's is the best
        partner = np.where(np.arange(c)[None, :] == 0, cand[:, 1:2] if c > 1 else cand[:, :1], cand[:, :1])
        block = out[start:stop]
        block[:, :, 0] = cand_scores
        block[:, :, 1] = np.arange(c)[None, :]
        block[:, :, 2] = cand_scores - best
        block[:, :, 3] = cand_scores / np.maximum(best, 1e-3)
        block[:, :, 4] = best
        block[:, :, 5] = second
        block[:, :, 6] = stats.log_counts[cand]
        block[:, :, 7] = stats.cooccurrence[partner, cand]
        block[:, :, 8] = nb_sum
        block[:, :, 9] = nb_max
        block[:, :, 10] = np.take_along_axis(scheme_max, cand, axis=1)
        block[:, :, 11] = nearest[:, None]
    return out, order


@dataclass
class Reranker:
    """The gradient-boosted candidate classifiers (scikit-learn ``HistGradientBoostingClassifier``, ``models``
    of them averaged) and the subclass statistics their features are computed from."""

    stats: LabelStats
    max_iter: int
    leaf_nodes: int
    learning_rate: float
    min_leaf: int
    models: int = 1
    model: Any = None

    def _new(self, seed: int) -> Any:
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            max_leaf_nodes=self.leaf_nodes,
            learning_rate=self.learning_rate,
            min_samples_leaf=self.min_leaf,
            l2_regularization=1.0,
            random_state=seed,
        )

    def out_of_fold(self, features: np.ndarray, truth: np.ndarray, folds: int) -> np.ndarray:
        """Probabilities for the candidates of each text from classifiers that did not see that text."""
        texts, c, _features = features.shape
        out = np.zeros((texts, c), dtype=np.float32)
        fold_of = np.empty(texts, dtype=np.int32)
        fold_of[np.random.default_rng(2).permutation(texts)] = np.arange(texts) % folds
        for fold in range(folds):
            train, test = fold_of != fold, fold_of == fold
            model = self._fit_one(features[train], truth[train])
            out[test] = _probabilities(model, features[test])
        return out

    def fit(self, features: np.ndarray, truth: np.ndarray) -> Reranker:
        self.model = self._fit_one(features, truth)
        return self

    def _fit_one(self, features: np.ndarray, truth: np.ndarray) -> Any:
        y = truth.reshape(-1)
        if y.all() or not y.any():  # one class only: a constant
            return float(y.mean())
        flat = features.reshape(-1, features.shape[2])
        return [self._new(seed).fit(flat, y) for seed in range(max(1, self.models))]

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return _probabilities(self.model, features)


def _probabilities(model: Any, features: np.ndarray) -> np.ndarray:
    texts, c, f = features.shape
    if isinstance(model, float):
        return np.full((texts, c), model, dtype=np.float32)
    flat = features.reshape(-1, f)
    mean = np.mean([m.predict_proba(flat)[:, 1] for m in model], axis=0)
    return np.asarray(mean, dtype=np.float32).reshape(texts, c)
