"""Search quality on real data: keyword-only, semantic-only and hybrid ranking (issue 4).

    .venv/bin/python bench/bench_search_quality.py [--protocol lxingy3|agri|both] [--grid]

lxingy3 (`cn_patents_ipc_lxingy3`, 5,876 titles, folds 1-3): the platform holds two folds, the third
fold's titles are the queries, rotated over the three folds; gain of a returned patent = Jaccard of its IPC
subclass set with the query's; nDCG@10 (ideal DCG from all held patents; queries with no patent of gain > 0
are left out). agri (`cn_a01_agri_abstracts_littlewilliam`, 5,689 titles + abstracts): a seeded 80/20
split, 20 % titles are the queries; precision@10 of returned patents in the query's subclass.

The held patents go through the same code as production (`SearchDoc` -> keyword index, vector cache ->
vector index, `hybrid.rank`), built in memory from the files rather than through the database import, to
keep the run short; vectors are cached by text hash under $IPOPS_BENCH_CACHE (default /tmp), so only the
first run embeds.
"""

from __future__ import annotations

import argparse
import csv
import json
import lzma
import math
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from ipops.search import hybrid  # noqa: E402
from ipops.search.documents import SearchDoc  # noqa: E402
from ipops.search.embed import VectorCache, default_embedder  # noqa: E402
from ipops.search.keyword import KeywordIndex  # noqa: E402
from ipops.search.settings import config  # noqa: E402
from ipops.search.vectors import VectorIndex  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
if not DATA.exists():
    DATA = Path("/work/shared/data")
CACHE = Path(os.environ.get("IPOPS_BENCH_CACHE", tempfile.gettempdir())) / "ipops-bench-vectors.sqlite3"


def lxingy3() -> list[dict]:
    with open(DATA / "cn_patents_ipc_lxingy3" / "patents_folds123.csv", encoding="utf-8") as f:
        return [
            {
                "id": r["publication_numbers"],
                "title": r["patent_title"],
                "abstract": "",
                "subs": sorted(set(r["true_subclasses_all"].split("|"))),
                "fold": int(r["fold"]),
            }
            for r in csv.DictReader(f)
        ]


def agri() -> list[dict]:
    rows = []
    with lzma.open(
        DATA / "cn_a01_agri_abstracts_littlewilliam" / "a01_patents_half_utf8.jsonl.xz", "rt"
    ) as f:
        for line in f:
            r = json.loads(line)
            abstract = r["abstract"].replace("$#!", "").replace("$＃!", "").strip()
            rows.append(
                {
                    "id": r["application_number"],
                    "title": r["title"],
                    "abstract": abstract,
                    "subs": [r["ipc_subclass"]],
                }
            )
    return rows


def build(held: list[dict], cache: VectorCache, cfg: dict) -> tuple[KeywordIndex, VectorIndex]:
    docs = [
        SearchDoc(id=r["id"], title=r["title"], abstract=r["abstract"], subclasses=r["subs"]) for r in held
    ]
    kw = KeywordIndex(None)
    kw.add(docs)
    matrix = cache.vectors([d.semantic_text for d in docs])
    vi = VectorIndex(
        [d.id for d in docs],
        matrix,
        hnsw_threshold=int(cfg["hnsw_threshold"]),
        labels=["|".join(d.subclasses) for d in docs],
    )
    return kw, vi


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def ndcg(gains: list[float], ideal: list[float]) -> float:
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else float("nan")


MODES = ("keyword", "semantic", "hybrid")


def run_lxingy3(cache: VectorCache, cfgs: list[dict]) -> list[dict[str, float]]:
    rows = lxingy3()
    results = [{m: [] for m in MODES} for _ in cfgs]
    for held_out in (1, 2, 3):
        held = [r for r in rows if r["fold"] != held_out]
        queries = [r for r in rows if r["fold"] == held_out]
        kw, vi = build(held, cache, cfgs[0])
        subs = {r["id"]: set(r["subs"]) for r in held}
        qvecs = cache.vectors([q["title"] for q in queries])
        for q, qv in zip(queries, qvecs, strict=True):
            qs = set(q["subs"])
            ideal = sorted((jaccard(qs, s) for s in subs.values()), reverse=True)[:10]
            if ideal[0] <= 0:
                continue
            found = hybrid.candidates(
                keyword_index=kw,
                vectors=vi,
                query_text=q["title"],
                query_vector=qv,
                k=int(cfgs[0]["candidates"]),
            )
            for ci, cfg in enumerate(cfgs):
                for mode in MODES:
                    ranked = hybrid.fuse(found, vectors=vi, config=cfg, mode=mode)
                    gains = [jaccard(qs, subs[m.id]) for m in ranked.matches]
                    results[ci][mode].append(ndcg(gains, ideal))
    return [{m: sum(v) / len(v) for m, v in r.items()} | {"queries": len(r["hybrid"])} for r in results]


def run_agri(cache: VectorCache, cfgs: list[dict], seed: int = 20261125) -> list[dict[str, float]]:
    rows = agri()
    rng = random.Random(seed)
    rng.shuffle(rows)
    cut = int(len(rows) * 0.8)
    held, queries = rows[:cut], rows[cut:]
    kw, vi = build(held, cache, cfgs[0])
    subs = {r["id"]: r["subs"][0] for r in held}
    qvecs = cache.vectors([q["title"] for q in queries])
    results = [{m: [] for m in MODES} for _ in cfgs]
    for q, qv in zip(queries, qvecs, strict=True):
        found = hybrid.candidates(
            keyword_index=kw, vectors=vi, query_text=q["title"], query_vector=qv, k=int(cfgs[0]["candidates"])
        )
        for ci, cfg in enumerate(cfgs):
            for mode in MODES:
                ranked = hybrid.fuse(found, vectors=vi, config=cfg, mode=mode)
                hits = [subs[m.id] == q["subs"][0] for m in ranked.matches]
                results[ci][mode].append(sum(hits) / 10)
    return [{m: sum(v) / len(v) for m, v in r.items()} | {"queries": len(queries)} for r in results]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--protocol", choices=("lxingy3", "agri", "both"), default="both")
    parser.add_argument(
        "--grid", default="", help='JSON list of config overrides to compare, e.g. [{"feedback_weight": 0}]'
    )
    args = parser.parse_args()
    base = config()
    cfgs = [base] + [base | o for o in (json.loads(args.grid) if args.grid else [])]
    cache = VectorCache(CACHE, default_embedder())
    for name, run in (("lxingy3", run_lxingy3), ("agri", run_agri)):
        if args.protocol not in (name, "both"):
            continue
        start = time.time()
        out = run(cache, cfgs)
        metric = "nDCG@10" if name == "lxingy3" else "P@10"
        for cfg, res in zip(cfgs, out, strict=True):
            label = {k: v for k, v in cfg.items() if base.get(k) != v} or "shipped defaults"
            print(
                f"{name} {metric} ({res['queries']} queries) {label}: keyword {res['keyword']:.4f}  "
                f"semantic {res['semantic']:.4f}  hybrid {res['hybrid']:.4f}"
            )
        print(f"  ({time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()
