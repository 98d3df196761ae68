"""The IPC subclass suggester itself: plain Python + numpy/scipy/scikit-learn, no Django (the benchmark
trains it on lists).

How it decides (every number below is configuration, see ``config/defaults.json``):

1. Two similarities between texts, added into one kernel:
   * the cosine of their TF-IDF vectors of character 1–2-grams (sublinear tf; Chinese needs no word
     segmentation for this, and English words are covered by the same n-grams). A patent's text is its
     title (repeated ``title_repeat`` times so it outweighs the abstract) followed by the start of its
     abstract;
   * ``use_weight`` × exp(``use_gamma`` × (cos − 1)) of their multilingual USE sentence vectors
     (`ipops.search.embed`, offline), which relates texts that share meaning but few characters.
2. Kernel ridge regression (``ridge``) from that kernel onto the 0/1 subclass columns of the held patents,
   all subclasses in one solve. The IPC scheme's own titles (``scheme_levels``: subclass and main-group
   titles in ``scheme_language`` as the platform holds them in its reference data, parenthesised
   references dropped) join the
   patents as extra labelled texts with weight ``scheme_weight``: they teach the vocabulary of subclasses
   the patents show rarely. Above ``kernel_max_patents`` held patents a seeded sample is used.
3. Calibration and decision, both chosen on the held patents only: out-of-fold scores (``cv_folds``-fold
   cross-validation; the scheme titles stay in every training part) fit a one-feature logistic regression
   that turns a score into the probability that the subclass is right (the *confidence* shown to users),
   and the global confidence threshold that maximises micro-F1 of the suggested sets is kept. A text is
   tagged with every subclass at or above that threshold (at most ``max_labels``), and always with its
   best one (``always_top1``).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from ipops.search.ipc_suggest.rerank import LabelStats, Reranker, candidate_features

ProgressFn = Callable[[int, int, str], None]  # (done, total, message)
EMBED_BATCH = 64
KERNEL_BLOCK = 2048  # rows of a kernel computed at a time (bounds the temporaries)


@dataclass(frozen=True)
class Params:
    ngram_min: int = 1
    ngram_max: int = 2
    max_features: int = 400_000
    title_repeat: int = 2
    abstract_chars: int = 600
    min_examples: int = 1
    max_train_patents: int = 200_000
    include_synthetic: bool = False
    industry_scheme: str = "plan_key"
    use_weight: float = 2.0
    use_gamma: float = 2.0
    ridge: float = 1.0
    kernel_max_patents: int = 10_000
    scheme_levels: tuple[str, ...] = ("subclass", "main_group")
    scheme_weight: float = 1.0
    scheme_language: str = "zh"
    cv_folds: int = 3
    cv_max_patents: int = 6_000
    rerank: bool = True
    rerank_candidates: int = 15
    rerank_neighbours: int = 20
    rerank_max_iter: int = 500
    rerank_leaf_nodes: int = 7
    rerank_learning_rate: float = 0.05
    rerank_min_leaf: int = 40
    rerank_models: int = 3
    threshold_grid: tuple[float, ...] = tuple(round(0.05 + 0.0125 * i, 4) for i in range(45))
    default_threshold: float = 0.3
    always_top1: bool = True
    max_labels: int = 6
    show_top: int = 10
    max_text_chars: int = 20_000

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Params:
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        if "threshold_grid" in known:
            known["threshold_grid"] = tuple(float(x) for x in known["threshold_grid"])
        if "scheme_levels" in known:
            known["scheme_levels"] = tuple(str(x) for x in known["scheme_levels"])
        return cls(**known)


def document_text(title: str, abstract: str = "", params: Params | None = None) -> str:
    """The text the model reads for a patent (also for a pasted text: then it is all 'title')."""
    p = params or Params()
    title = (title or "").strip()
    abstract = (abstract or "").strip()[: p.abstract_chars]
    return " ".join([title] * max(1, p.title_repeat) + ([abstract] if abstract else []))


_REFERENCE = re.compile(r"[（(][^（）()]*[）)]")


def scheme_text(title: str) -> str:
    """An IPC scheme title as a training text: without its parenthesised references (``（播种入A01C）``),
    which name other places, not this one."""
    previous = None
    while previous != title:
        previous, title = title, _REFERENCE.sub("", title)
    return " ".join(title.split())


class Embedder:
    """USE multilingual sentence vectors (512-d, L2-normalised) from `ipops.search.embed`, in batches. Its
    own single-threaded instance: on a busy machine two threads embed many times slower than one."""

    _embedder: Any = None

    @classmethod
    def encode(cls, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        from ipops.search.embed import UseEmbedder

        if cls._embedder is None:
            cls._embedder = UseEmbedder(threads=1)
        out = np.zeros((len(texts), cls._embedder.dim), dtype=np.float32)
        for start in range(0, len(texts), EMBED_BATCH):
            batch = [t[:500] or " " for t in texts[start : start + EMBED_BATCH]]
            out[start : start + len(batch)] = cls._embedder.encode(batch)
            if progress is not None:
                progress(len(batch))
        return out


def micro_f1(predicted: np.ndarray, truth: np.ndarray) -> float:
    tp = float(np.logical_and(predicted, truth).sum())
    fp = float(np.logical_and(predicted, ~truth).sum())
    fn = float(np.logical_and(~predicted, truth).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def decide(confidence: np.ndarray, threshold: float, always_top1: bool, max_labels: int) -> np.ndarray:
    """Boolean matrix of the suggested subclasses for rows of confidences."""
    chosen = confidence >= threshold
    if max_labels > 0 and confidence.shape[1] > max_labels:
        kth = np.partition(-confidence, max_labels - 1, axis=1)[:, max_labels - 1 : max_labels]
        chosen &= -confidence <= kth
    if always_top1 and confidence.shape[1]:
        chosen[np.arange(len(confidence)), confidence.argmax(axis=1)] = True
    return chosen


def _kernel(
    xa: sp.csr_matrix, ua: np.ndarray, xb: sp.csr_matrix, ub: np.ndarray, weight: float, gamma: float
) -> np.ndarray:
    """rows(a) × rows(b): TF-IDF cosine + weight × exp(gamma × (USE cosine − 1)), float32."""
    out = np.empty((xa.shape[0], xb.shape[0]), dtype=np.float32)
    ub32 = ub.astype(np.float32, copy=False)
    xbt = xb.T.tocsc()
    for start in range(0, xa.shape[0], KERNEL_BLOCK):
        stop = min(start + KERNEL_BLOCK, xa.shape[0])
        block = ua[start:stop].astype(np.float32, copy=False) @ ub32.T
        block -= 1.0
        block *= gamma
        np.exp(block, out=block)
        block *= weight
        block += (xa[start:stop] @ xbt).toarray()
        out[start:stop] = block
    return out


def _ridge_factor(kernel: np.ndarray, ridge: float, weights: np.ndarray) -> tuple[np.ndarray, bool]:
    """Cholesky factor of K + ridge × diag(1/w) (K is overwritten)."""
    kernel[np.diag_indices_from(kernel)] += ridge / weights.astype(np.float32)
    return sla.cho_factor(kernel, lower=True, overwrite_a=True, check_finite=False)


def _ridge_solve_loo(
    kernel: np.ndarray, targets: np.ndarray, ridge: float, weights: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Dual coefficients of the full model and the exact leave-one-out scores of its first ``n`` rows: for
    kernel ridge, the score row i gets from the model trained without it is y_i − α_i / (K + λW⁻¹)⁻¹_ii.
    The kernel is left as it was; one factorisation serves both."""
    import scipy.linalg.lapack as lapack

    factor = _ridge_factor(kernel.copy(), ridge, weights)
    dual = np.asarray(sla.cho_solve(factor, targets.astype(np.float32), check_finite=False), dtype=np.float32)
    inverse, info = lapack.spotri(factor[0], lower=1, overwrite_c=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"kernel inverse failed (LAPACK info {info})")
    diagonal = np.diagonal(inverse)[:n].astype(np.float32)
    loo = targets[:n] - dual[:n] / diagonal[:, None]
    return dual, np.asarray(loo, dtype=np.float32)


def _spread(probabilities: np.ndarray, order: np.ndarray, n_labels: int) -> np.ndarray:
    """texts × labels confidences from the candidates' probabilities (0 for subclasses not among them)."""
    out = np.zeros((len(order), n_labels), dtype=np.float32)
    np.put_along_axis(out, order, probabilities, axis=1)
    return out


def _ridge_solve(kernel: np.ndarray, targets: np.ndarray, ridge: float, weights: np.ndarray) -> np.ndarray:
    """Dual coefficients of weighted kernel ridge regression: (K + ridge × diag(1/w))⁻¹ Y (K is overwritten)."""
    factor = _ridge_factor(kernel, ridge, weights)
    return np.asarray(sla.cho_solve(factor, targets.astype(np.float32), check_finite=False), dtype=np.float32)


@dataclass
class Fitted:
    """What scores a text: the vectorizer, the training texts' TF-IDF rows and USE vectors (the kernel's
    other side) and the dual coefficients (training texts × labels)."""

    vectorizer: TfidfVectorizer
    basis_tfidf: sp.csr_matrix
    basis_vectors: np.ndarray  # float16, rows L2-normalised
    dual: np.ndarray  # float32
    labels: list[str]


@dataclass
class _TrainingSet:
    """What both training stages read: the kernel over patents then scheme titles, their targets and
    weights, the patents' own 0/1 subclass rows, the cross-validated patent rows and the scheme texts."""

    kernel: np.ndarray
    targets: np.ndarray
    weights: np.ndarray
    patent_targets: np.ndarray
    cv_rows: np.ndarray
    folds: int
    n: int
    extra: list[tuple[int, str]]


@dataclass
class IpcSuggester:
    params: Params
    fitted: Fitted | None = None
    calibration: tuple[float, float] = (1.0, 0.0)  # confidence = sigmoid(a × score + b)
    threshold: float = 0.3
    report: dict[str, Any] = field(default_factory=dict)
    reranker: Reranker | None = None

    @property
    def labels(self) -> list[str]:
        return self.fitted.labels if self.fitted else []

    # --- training ----------------------------------------------------------------------------------------

    def fit(
        self,
        texts: Sequence[str],
        label_sets: Sequence[Sequence[str]],
        scheme: Sequence[tuple[str, str]] = (),
        progress: ProgressFn | None = None,
    ) -> IpcSuggester:
        """Learn from patents (texts and their subclass sets) and, optionally, IPC scheme titles given as
        (subclass, title) pairs; a scheme title counts only for a subclass some patent carries."""
        p = self.params
        counts: dict[str, int] = {}
        for codes in label_sets:
            for code in set(codes):
                counts[code] = counts.get(code, 0) + 1
        labels = sorted(code for code, n in counts.items() if n >= p.min_examples)
        if not labels:
            raise ValueError("no classified patents to learn from")
        index = {code: j for j, code in enumerate(labels)}
        order = np.random.default_rng(0).permutation(len(texts))
        kept = np.sort(order[: p.kernel_max_patents])
        patent_texts = [texts[int(i)] for i in kept]
        Y = np.zeros((len(kept), len(labels)), dtype=np.float32)
        for row, i in enumerate(kept):
            for code in label_sets[int(i)]:
                if code in index:
                    Y[row, index[code]] = 1.0
        extra = [
            (index[code], text) for code, text in ((c, scheme_text(t)) for c, t in scheme) if code in index
        ]
        extra = [(j, text) for j, text in extra if text]
        n, m = len(kept), len(extra)
        all_texts = patent_texts + [text for _j, text in extra]
        targets = np.vstack([Y, np.zeros((m, len(labels)), dtype=np.float32)])
        for row, (j, _text) in enumerate(extra):
            targets[n + row, j] = 1.0
        weights = np.concatenate([np.ones(n), np.full(m, p.scheme_weight)]).astype(np.float32)

        cv_rows = np.sort(np.random.default_rng(1).permutation(n)[: p.cv_max_patents])
        n_cv = len(cv_rows)
        folds = min(p.cv_folds, n_cv) if n_cv >= 2 * max(p.cv_folds, 2) else 0
        total = len(all_texts) + folds + 3
        done = 0

        def tick(message: str, k: int = 1) -> None:
            nonlocal done
            done += k
            if progress is not None:
                progress(done, total, message)

        vectorizer = TfidfVectorizer(
            analyzer="char",
            ngram_range=(p.ngram_min, p.ngram_max),
            sublinear_tf=True,
            max_features=p.max_features,
            dtype=np.float32,
        )
        tfidf = vectorizer.fit_transform(all_texts).tocsr()
        vectors = Embedder.encode(all_texts, progress=lambda k: tick("embedding", k)).astype(np.float16)
        kernel = _kernel(tfidf, vectors, tfidf, vectors, p.use_weight, p.use_gamma)
        tick("kernel")

        data = _TrainingSet(kernel, targets, weights, Y, cv_rows, folds, n, extra)
        del kernel
        dual = self._fit_reranked(data, tick) if p.rerank else self._fit_calibrated(data, tick)
        del data
        self.report.update({"kernel_patents": n, "scheme_texts": m})
        self.fitted = Fitted(
            vectorizer=vectorizer, basis_tfidf=tfidf, basis_vectors=vectors, dual=dual, labels=labels
        )
        tick("done")
        return self

    def _choose_threshold(self, confidence: np.ndarray, truth: np.ndarray, folds: int, n_cv: int) -> None:
        p = self.params
        scores = {
            t: micro_f1(decide(confidence, t, p.always_top1, p.max_labels), truth) for t in p.threshold_grid
        }
        self.threshold = max(scores, key=lambda t: (scores[t], -t))
        self.report = {
            "cv_folds": folds,
            "cv_patents": n_cv,
            "cv_micro_f1": round(scores[self.threshold], 4),
            "cv_f1_by_threshold": {str(t): round(v, 4) for t, v in scores.items()},
        }

    def _no_cross_validation(self) -> None:
        self.threshold = self.params.default_threshold
        self.report = {"cv_folds": 0}

    def _fit_calibrated(self, data: _TrainingSet, tick: Callable[..., None]) -> np.ndarray:
        """One stage: Platt-calibrated kernel-ridge scores, threshold by ``cv_folds``-fold cross-validation."""
        p = self.params
        kernel, targets, weights, cv_rows, folds, n = (
            data.kernel,
            data.targets,
            data.weights,
            data.cv_rows,
            data.folds,
            data.n,
        )
        m = len(data.extra)
        n_cv = len(cv_rows)
        fold_of = np.empty(n_cv, dtype=np.int32)
        fold_of[np.random.default_rng(1).permutation(n_cv)] = np.arange(n_cv) % max(folds, 1)
        oof = np.zeros((n_cv, targets.shape[1]), dtype=np.float32)
        scheme_rows = np.arange(n, n + m)
        for fold in range(folds):
            train = np.concatenate([cv_rows[fold_of != fold], scheme_rows])
            test = cv_rows[fold_of == fold]
            dual = _ridge_solve(kernel[np.ix_(train, train)], targets[train], p.ridge, weights[train])
            oof[fold_of == fold] = kernel[np.ix_(test, train)] @ dual
            tick("cross-validating")
        if folds:
            truth = data.patent_targets[cv_rows].astype(bool)
            self.calibration = _calibrate(oof, truth)
            self._choose_threshold(_sigmoid(self.calibration, oof), truth, folds, n_cv)
        else:
            self._no_cross_validation()
        tick("calibrating")
        return _ridge_solve(kernel, targets, p.ridge, weights)

    def _fit_reranked(self, data: _TrainingSet, tick: Callable[..., None]) -> np.ndarray:
        """Two stages: kernel ridge, then the candidate re-ranker (`rerank`) trained on the held patents'
        exact leave-one-out scores; its threshold by ``cv_folds``-fold cross-validation over texts."""
        p = self.params
        kernel, Y, cv_rows, folds, n = data.kernel, data.patent_targets, data.cv_rows, data.folds, data.n
        dual, loo = _ridge_solve_loo(kernel, data.targets, p.ridge, data.weights, n)
        tick("cross-validating", folds)
        stats = LabelStats.build(Y, np.array([j for j, _t in data.extra], dtype=np.int64))
        self.reranker = Reranker(
            stats=stats,
            max_iter=p.rerank_max_iter,
            leaf_nodes=p.rerank_leaf_nodes,
            learning_rate=p.rerank_learning_rate,
            min_leaf=p.rerank_min_leaf,
            models=p.rerank_models,
        )
        features, order = candidate_features(
            loo[cv_rows],
            kernel[np.ix_(cv_rows, np.arange(n))],
            kernel[np.ix_(cv_rows, np.arange(n, len(kernel)))],
            stats,
            candidates=p.rerank_candidates,
            neighbours=p.rerank_neighbours,
            self_rows=cv_rows,
        )
        truth = np.take_along_axis(Y[cv_rows].astype(bool), order, axis=1)
        if folds:
            oof = self.reranker.out_of_fold(features, truth, folds)
            confidence = _spread(oof, order, data.targets.shape[1])
            self._choose_threshold(confidence, Y[cv_rows].astype(bool), folds, len(cv_rows))
        else:
            self._no_cross_validation()
        self.reranker.fit(features, truth)
        self.report["reranked_candidates"] = int(order.shape[1])
        tick("calibrating")
        return dual

    # --- use ---------------------------------------------------------------------------------------------

    def _kernel_rows(self, texts: Sequence[str]) -> Iterator[tuple[int, np.ndarray]]:
        """(first text, kernel rows of up to 1024 texts against the training texts)."""
        if self.fitted is None:
            raise ValueError("the model is not trained")
        f, p = self.fitted, self.params
        for start in range(0, len(texts), 1024):
            part = list(texts[start : start + 1024])
            tfidf = f.vectorizer.transform(part).tocsr().astype(np.float32)
            vectors = Embedder.encode(part)
            yield start, _kernel(tfidf, vectors, f.basis_tfidf, f.basis_vectors, p.use_weight, p.use_gamma)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """texts × labels matrix of raw kernel-ridge scores."""
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        for start, kernel in self._kernel_rows(texts):
            out[start : start + len(kernel)] = kernel @ self.fitted.dual  # type: ignore[union-attr]
        return out

    def confidences(self, texts: Sequence[str]) -> np.ndarray:
        """texts × labels matrix of confidences (0–1): the re-ranker's probabilities for each text's
        candidates (0 for the other subclasses), or the calibrated score without a re-ranker."""
        if self.reranker is None:
            return _sigmoid(self.calibration, self.scores(texts))
        p, stats = self.params, self.reranker.stats
        n = stats.patent_labels.shape[0]
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        for start, kernel in self._kernel_rows(texts):
            scores = kernel @ self.fitted.dual  # type: ignore[union-attr]
            features, order = candidate_features(
                scores,
                kernel[:, :n],
                kernel[:, n:],
                stats,
                candidates=p.rerank_candidates,
                neighbours=p.rerank_neighbours,
            )
            probabilities = self.reranker.probabilities(features)
            out[start : start + len(kernel)] = _spread(probabilities, order, len(self.labels))
        return out

    def suggest(self, texts: Sequence[str]) -> list[list[tuple[str, float, bool]]]:
        """Per text: its best subclasses by confidence, (code, confidence, suggested?), at most
        max(show_top, number suggested); `suggested` marks the set the platform tags the text with."""
        p = self.params
        confidence = self.confidences(texts)
        chosen = decide(confidence, self.threshold, p.always_top1, p.max_labels)
        out = []
        for row, picked in zip(confidence, chosen, strict=True):
            order = np.argsort(-row, kind="stable")[: max(p.show_top, int(picked.sum()))]
            out.append([(self.labels[j], float(row[j]), bool(picked[j])) for j in order])
        return out

    # --- storage -----------------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        import joblib

        buffer = io.BytesIO()
        joblib.dump(self, buffer, compress=3)
        return buffer.getvalue()

    @staticmethod
    def from_bytes(data: bytes) -> IpcSuggester:
        import joblib

        model = joblib.load(io.BytesIO(data))
        if not isinstance(model, IpcSuggester):
            raise ValueError("not an IPC suggestion model")
        return model


def _sigmoid(calibration: tuple[float, float], x: np.ndarray) -> np.ndarray:
    a, b = calibration
    return np.asarray(1.0 / (1.0 + np.exp(-(a * x + b))), dtype=np.float32)


def _calibrate(scores: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Platt scaling of the score, fitted on the (subclass, patent) pairs that had a chance."""
    flat, target = scores.ravel(), truth.ravel()
    candidates = flat >= min(0.05, float(np.quantile(flat, 0.99)))
    x, y = flat[candidates], target[candidates]
    if len(np.unique(y)) < 2:
        return (1.0, 0.0)
    rng = np.random.default_rng(0)
    if len(x) > 500_000:
        pick = rng.choice(len(x), 500_000, replace=False)
        x, y = x[pick], y[pick]
    lr = LogisticRegression(C=100.0)
    lr.fit(x.reshape(-1, 1), y)
    a, b = float(lr.coef_[0, 0]), float(lr.intercept_[0])
    if not (math.isfinite(a) and math.isfinite(b)) or a <= 0:
        return (1.0, 0.0)
    return (a, b)
