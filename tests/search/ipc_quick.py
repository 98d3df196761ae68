"""An IPC suggester trained quickly on the real lxingy3 sample (tests/fixtures/ipc_suggest, 400 titles), for
the tests of what uses a model (pages, API, needs) rather than of what the model learns."""

from __future__ import annotations

import csv
from pathlib import Path

from ipops.search.ipc_suggest.model import IpcSuggester, Params, document_text

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "ipc_suggest" / "lxingy3_sample.csv"
# A lighter re-ranker, set the way a region would set it (configuration); the tests of what the model
# learns use the shipped defaults.
QUICK_RERANK = {"rerank_max_iter": 60, "rerank_models": 1}


def fit_quick_sample() -> IpcSuggester:
    with open(SAMPLE, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    params = Params(cv_folds=2, **QUICK_RERANK)
    return IpcSuggester(params=params).fit(
        [document_text(r["patent_title"], params=params) for r in rows],
        [r["true_subclasses_all"].split("|") for r in rows],
    )
