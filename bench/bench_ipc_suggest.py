"""Quality of IPC subclass suggestion (`ipops.search.ipc_suggest`) against a reference, measured in one run.

Data, read in place from ../shared/data (never copied into the project):

* ``cn_patents_ipc_lxingy3/patents_folds123.csv``: 5,876 CN titles with their full IPC subclass sets, folds
  1–3. The platform holds two folds (titles + subclass sets); the third fold's titles are the texts to tag;
  the held-out fold rotates and the mean is reported. Measure: micro-F1 of the suggested subclass set against
  the true set (all true subclasses count, also those the held folds never show).
* ``cn_a01_agri_abstracts_littlewilliam``: 5,689 agriculture patents (title, abstract, one subclass). A
  seeded 80 % are held (title + abstract), the other 20 % are tagged. Measure: top-1 accuracy of the best
  suggested subclass, from the title alone and from title + abstract.

Reference (printed first, same folds): TF-IDF of character 1–4-grams + one-vs-rest linear SVM (scikit-learn
``OneVsRestClassifier(LinearSVC())``), its decision threshold chosen on a 15 % validation split of the held
patents, best subclass always emitted. Ours: `IpcSuggester` with the shipped defaults
(``ipops/search/ipc_suggest/config/defaults.json``) trained exactly as `train_ipc_suggester` trains it,
given the same texts and subclass sets the database would give it, and the same IPC scheme titles
(``ipc_scheme_zh_cnipa2026``, read by the reader `load_reference` uses, as the database holds them); plus an
ablation without the scheme titles.

    .venv/bin/python bench/bench_ipc_suggest.py [--folds 1,2,3] [--skip-agri] [--no-ablation]
"""

from __future__ import annotations

import argparse
import csv
import json
import lzma
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ipops.reference.loaders import read_ipc_zh  # noqa: E402
from ipops.search.ipc_suggest.model import IpcSuggester, Params, decide, document_text, micro_f1  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
LXINGY3 = DATA / "cn_patents_ipc_lxingy3" / "patents_folds123.csv"
AGRI = DATA / "cn_a01_agri_abstracts_littlewilliam" / "a01_patents_half_utf8.jsonl.xz"
IPC_ZH = DATA / "ipc_scheme_zh_cnipa2026" / "ipc_zh_flat.tsv.gz"
DEFAULTS = ROOT / "ipops" / "search" / "ipc_suggest" / "config" / "defaults.json"


def shipped_params() -> Params:
    return Params.from_dict(json.loads(DEFAULTS.read_text(encoding="utf-8")))


def scheme(params: Params) -> list[tuple[str, str]]:
    """What `training.scheme_data` reads from the database once `load_reference` has loaded this file."""
    if not params.scheme_levels or not params.scheme_language.lower().startswith("zh"):
        return []
    rows = [r for r in read_ipc_zh(IPC_ZH) if r.ipc.kind in params.scheme_levels and r.title]
    return [(r.ipc.code[:4], r.title) for r in sorted(rows, key=lambda r: r.ipc.code)]


class Baseline:
    """The reference: TF-IDF char 1–4 + OvR LinearSVC, threshold on a 15 % validation split."""

    def __init__(self) -> None:
        self.threshold = 0.0

    def _fit(self, texts: list[str], Y: np.ndarray) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.svm import LinearSVC

        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 4), sublinear_tf=True)
        X = self.vectorizer.fit_transform(texts)
        self.present = Y.sum(axis=0) > 0
        self.clf = OneVsRestClassifier(LinearSVC()).fit(X, Y[:, self.present].astype(np.int64))

    def scores(self, texts: list[str]) -> np.ndarray:
        out = np.full((len(texts), len(self.present)), -10.0)
        out[:, self.present] = self.clf.decision_function(self.vectorizer.transform(texts))
        return out

    def fit(self, texts: list[str], Y: np.ndarray) -> Baseline:
        order = np.random.default_rng(42).permutation(len(texts))
        cut = int(len(texts) * 0.85)
        train, valid = order[:cut], order[cut:]
        self._fit([texts[i] for i in train], Y[train])
        s = self.scores([texts[i] for i in valid])
        grid = np.round(np.arange(-1.0, 0.51, 0.05), 2)
        f1 = [micro_f1(decide(s, t, True, 0), Y[valid].astype(bool)) for t in grid]
        self.threshold = float(grid[int(np.argmax(f1))])
        self._fit(texts, Y)
        return self

    def predict(self, texts: list[str]) -> np.ndarray:
        return decide(self.scores(texts), self.threshold, True, 0)


def binarise(sets: list[list[str]], labels: list[str]) -> np.ndarray:
    index = {code: j for j, code in enumerate(labels)}
    Y = np.zeros((len(sets), len(labels)), dtype=np.int8)
    for i, codes in enumerate(sets):
        for code in codes:
            if code in index:
                Y[i, index[code]] = 1
    return Y


def set_f1(predicted: list[set[str]], truth: list[set[str]]) -> float:
    tp = sum(len(p & t) for p, t in zip(predicted, truth, strict=True))
    fp = sum(len(p - t) for p, t in zip(predicted, truth, strict=True))
    fn = sum(len(t - p) for p, t in zip(predicted, truth, strict=True))
    return 2 * tp / (2 * tp + fp + fn)


def ours_sets(model: IpcSuggester, texts: list[str]) -> list[set[str]]:
    return [{code for code, _, picked in row if picked} for row in model.suggest(texts)]


def lxingy3(folds: list[int], ablation: bool) -> dict[str, list[float]]:
    rows = list(csv.DictReader(LXINGY3.open(encoding="utf-8")))
    results: dict[str, list[float]] = {"baseline": [], "ours": [], "ours_no_scheme": []}
    params = shipped_params()
    for fold in folds:
        held = [r for r in rows if int(r["fold"]) != fold]
        queries = [r for r in rows if int(r["fold"]) == fold]
        held_texts = [r["patent_title"] for r in held]
        held_sets = [r["true_subclasses_all"].split("|") for r in held]
        truth = [set(r["true_subclasses_all"].split("|")) for r in queries]
        query_texts = [r["patent_title"] for r in queries]
        labels = sorted({c for s in held_sets for c in s})

        t = time.perf_counter()
        base = Baseline().fit(held_texts, binarise(held_sets, labels))
        predicted = base.predict(query_texts)
        base_sets = [{labels[j] for j in np.flatnonzero(row)} for row in predicted]
        results["baseline"].append(set_f1(base_sets, truth))
        t_base = time.perf_counter() - t

        variants = [("ours", params)]
        if ablation:
            variants.append(("ours_no_scheme", replace(params, scheme_levels=())))
        line = f"fold {fold}: {len(held)} held, {len(queries)} queries | baseline F1 {results['baseline'][-1]:.4f} "
        line += f"(thr {base.threshold:+.2f}, {t_base:.0f} s)"
        for name, p in variants:
            t = time.perf_counter()
            model = IpcSuggester(params=p).fit(
                [document_text(x, params=p) for x in held_texts], held_sets, scheme=scheme(p)
            )
            sets = ours_sets(model, [document_text(x, params=p) for x in query_texts])
            results[name].append(set_f1(sets, truth))
            line += f" | {name} F1 {results[name][-1]:.4f} (thr {model.threshold:.2f}, "
            line += f"cv {model.report.get('cv_micro_f1')}, {time.perf_counter() - t:.0f} s)"
        print(line, flush=True)
    return results


def agri() -> dict[str, float]:
    with lzma.open(AGRI, "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    order = np.random.default_rng(2026).permutation(len(records))
    cut = int(len(records) * 0.8)
    held = [records[i] for i in order[:cut]]
    queries = [records[i] for i in order[cut:]]
    params = shipped_params()
    held_texts = [document_text(r["title"], r["abstract"], params) for r in held]
    held_sets = [[r["ipc_subclass"]] for r in held]
    truth = [r["ipc_subclass"] for r in queries]
    labels = sorted({r["ipc_subclass"] for r in held})

    out: dict[str, float] = {}
    base = Baseline().fit(held_texts, binarise(held_sets, labels))
    for mode, texts in (
        ("title", [r["title"] for r in queries]),
        ("title+abstract", [document_text(r["title"], r["abstract"], params) for r in queries]),
    ):
        best = base.scores(texts).argmax(axis=1)
        out[f"baseline top-1 ({mode})"] = float(
            np.mean([labels[j] == t for j, t in zip(best, truth, strict=True)])
        )
    t = time.perf_counter()
    model = IpcSuggester(params=params).fit(held_texts, held_sets, scheme=scheme(params))
    for mode, texts in (
        ("title", [document_text(r["title"], params=params) for r in queries]),
        ("title+abstract", [document_text(r["title"], r["abstract"], params) for r in queries]),
    ):
        top = [row[0][0] for row in model.suggest(texts)]
        out[f"ours top-1 ({mode})"] = float(np.mean([a == b for a, b in zip(top, truth, strict=True)]))
    out["ours training seconds"] = time.perf_counter() - t
    print(f"agri: {len(held)} held, {len(queries)} queries")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", default="1,2,3")
    parser.add_argument("--skip-agri", action="store_true")
    parser.add_argument("--no-ablation", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    folds = [int(f) for f in args.folds.split(",") if f.strip()]  # --folds "" runs the agriculture part only
    res = lxingy3(folds, ablation=not args.no_ablation) if folds else {}
    if folds:
        print(f"\nlxingy3 titles, micro-F1 of the suggested set, mean over held-out folds {folds}:")
    base = float(np.mean(res["baseline"])) if folds else 1.0
    for name, scores in res.items():
        if scores:
            mean = float(np.mean(scores))
            print(
                f"  {name:<12} {mean:.4f}  (folds: {', '.join(f'{s:.4f}' for s in scores)}; vs baseline {mean - base:+.4f}, ×{mean / base:.3f})"
            )
    if not args.skip_agri:
        print()
        for key, value in agri().items():
            print(f"  {key:<32} {value:.4f}")
    print(f"\ntotal {time.perf_counter() - started:.0f} s; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
