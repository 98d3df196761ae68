"""Search speed and scale (issue 4): keyword index build, keyword query p95 with filters and facets
against SQLite FTS5 and PostgreSQL full-text search on the same documents and queries, semantic top-10
p95 over many vectors (exact numpy and hnswlib), embedding throughput.

    .venv/bin/python bench/bench_search_speed.py [--rows 100000] [--vectors 1000000] [--hnsw 200000]
        [--pg postgres://postgres@127.0.0.1:5432/postgres]

Documents: the synthetic expansion of the real CNIPA export sample (`bench/cnipa_synth.py`), read straight
from the generated CSV into `SearchDoc`s (the production `KeywordIndex` code builds the index; only the
database read is skipped). The segmenter's memo is switched off while building, because the synthetic rows
re-use 199 real texts and the memo would make tokenising look free. All three engines get the same analysed
words (jieba search segmentation + character bigrams for tantivy; the same words for FTS5 and PostgreSQL,
which cannot segment Chinese themselves), the same queries (two words from real titles, AND), the same
filters (patent type + a year range) and facet counts (type, year, IPC subclass, legal status; top 10).
Vectors for the semantic part are random unit vectors (only the search cost is measured there; USE
throughput is measured separately on real texts).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

import cnipa_synth  # noqa: E402
import numpy as np  # noqa: E402

from ipops.search import text  # noqa: E402
from ipops.search.documents import SearchDoc  # noqa: E402
from ipops.search.keyword import Filters, KeywordIndex  # noqa: E402
from ipops.search.querylang import parse  # noqa: E402
from ipops.search.vectors import VectorIndex  # noqa: E402

FACET_COLUMNS = ("ptype", "year", "sub", "status")
PROVINCES = ("110000", "310000", "320000", "330000", "440000", "510000")
STATUSES = ("granted", "published", "lapsed")


def p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1] * 1000


def load_docs(rows: int, workdir: Path) -> list[SearchDoc]:
    path = workdir / f"synth-{rows}.csv"
    if not path.exists():
        cnipa_synth.generate(rows, path)
    docs = []
    with open(path, encoding="utf-8") as f:
        for i, r in enumerate(csv.DictReader(f)):
            codes = [c.split("(")[0].replace(" ", "").upper() for c in r["分类号"].split(";") if c.strip()]
            day = r["申请日"].replace(".", "")
            docs.append(
                SearchDoc(
                    id=f"{i:08d}",
                    pub_number=r["公开（公告）号"],
                    title=r["名称"],
                    abstract=r["摘要"],
                    claim=r["主权项"],
                    applicants=[a.strip() for a in r["申请（专利权）人"].split(";") if a.strip()],
                    subclasses=list(dict.fromkeys(c[:4] for c in codes)),
                    codes=codes,
                    patent_type="utility_model" if r["公开（公告）号"].endswith("U") else "invention",
                    legal_status=STATUSES[i % 3],
                    region=PROVINCES[i % len(PROVINCES)],
                    year=int(day[:4]),
                    date=int(day),
                )
            )
    return docs


def make_queries(docs: list[SearchDoc], n: int, seed: int = 1) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    titles = list({d.title for d in docs})
    out = []
    while len(out) < n:
        words = [w for w in text.words(rng.choice(titles)) if len(w) >= 2]
        if len(words) >= 2:
            a, b = rng.sample(words, 2)
            out.append((a, b))
    return out


def bench_tantivy(docs: list[SearchDoc], queries: list[tuple[str, str]], workdir: Path, repeat: int) -> dict:
    folder = workdir / "tantivy"
    memo = text._segment
    text._segment = memo.__wrapped__  # type: ignore[attr-defined,assignment]
    start = time.perf_counter()
    index = KeywordIndex.create(folder)
    writer = index.writer()
    with ProcessPoolExecutor(max_workers=2) as pool:  # as `rebuild_index` does from `parallel_from` patents
        for first in range(0, len(docs), 20_000):
            index.add(docs[first : first + 20_000], writer, pool)
    writer.commit()
    writer.wait_merging_threads()
    index.index.reload()
    build = time.perf_counter() - start
    text._segment = memo  # type: ignore[assignment]
    filters = Filters(patent_type="invention", year_from=2012, year_to=2020)
    times, totals = [], []
    for _ in range(repeat):
        for a, b in queries:
            t0 = time.perf_counter()
            node = parse(f"{a} {b}").node
            assert node is not None
            hits = index.search(index.to_query(node), filters=filters, limit=20, facets=True)
            times.append(time.perf_counter() - t0)
            totals.append(hits.total)
    return {"build": build, "p95": p95(times), "p50": statistics.median(times) * 1000, "totals": totals}


def analysed(doc: SearchDoc) -> str:
    return text.joined(text.words(f"{doc.title} {doc.abstract} {doc.claim}"))


def bench_fts5(
    docs: list[SearchDoc], words: list[str], queries: list[tuple[str, str]], workdir: Path, repeat: int
) -> dict:
    path = workdir / "fts5.sqlite3"
    path.unlink(missing_ok=True)
    db = sqlite3.connect(str(path))
    start = time.perf_counter()
    db.execute("CREATE VIRTUAL TABLE doc USING fts5(words, tokenize='unicode61')")
    db.execute("CREATE TABLE meta (rowid INTEGER PRIMARY KEY, ptype TEXT, year INT, sub TEXT, status TEXT)")
    db.executemany("INSERT INTO doc (rowid, words) VALUES (?, ?)", ((i, w) for i, w in enumerate(words)))
    db.executemany(
        "INSERT INTO meta VALUES (?, ?, ?, ?, ?)",
        ((i, d.patent_type, d.year, (d.subclasses or [""])[0], d.legal_status) for i, d in enumerate(docs)),
    )
    db.commit()
    build = time.perf_counter() - start
    where = "doc MATCH ? AND m.ptype = 'invention' AND m.year BETWEEN 2012 AND 2020"
    base = f"FROM doc JOIN meta m ON m.rowid = doc.rowid WHERE {where}"
    times = []
    for _ in range(repeat):
        for a, b in queries:
            q = f'"{a}" AND "{b}"'
            t0 = time.perf_counter()
            db.execute(f"SELECT doc.rowid, bm25(doc) AS s {base} ORDER BY s LIMIT 20", (q,)).fetchall()
            db.execute(f"SELECT count(*) {base}", (q,)).fetchall()
            for col in ("ptype", "year", "sub", "status"):
                db.execute(
                    f"SELECT m.{col}, count(*) c {base} GROUP BY m.{col} ORDER BY c DESC LIMIT 10",
                    (q,),
                ).fetchall()
            times.append(time.perf_counter() - t0)
    db.close()
    return {"build": build, "p95": p95(times), "p50": statistics.median(times) * 1000}


def bench_pg(
    dsn: str, docs: list[SearchDoc], words: list[str], queries: list[tuple[str, str]], repeat: int
) -> dict:
    import psycopg

    admin = psycopg.connect(dsn, autocommit=True)
    admin.execute("DROP DATABASE IF EXISTS ipops_h4a_bench")
    admin.execute("CREATE DATABASE ipops_h4a_bench")
    admin.close()
    target = dsn.rsplit("/", 1)[0] + "/ipops_h4a_bench"
    con = psycopg.connect(target)
    start = time.perf_counter()
    con.execute(
        "CREATE TABLE doc (id INT PRIMARY KEY, tsv TSVECTOR, ptype TEXT, year INT, sub TEXT, status TEXT)"
    )
    with con.cursor().copy("COPY doc (id, tsv, ptype, year, sub, status) FROM STDIN") as copy:
        for i, (d, w) in enumerate(zip(docs, words, strict=True)):
            copy.write_row((i, w, d.patent_type, d.year, (d.subclasses or [""])[0], d.legal_status))
    con.execute("UPDATE doc SET tsv = to_tsvector('simple', tsv::text)")
    con.execute("CREATE INDEX doc_tsv ON doc USING gin (tsv)")
    con.execute("ANALYZE doc")
    con.commit()
    build = time.perf_counter() - start
    src = "FROM doc, to_tsquery('simple', %s) q WHERE tsv @@ q AND ptype = 'invention' AND year BETWEEN 2012 AND 2020"
    top_sql = "SELECT id, ts_rank(tsv, q) r " + src + " ORDER BY r DESC LIMIT 20"
    count_sql = "SELECT count(*) " + src
    facet_sql = [f"SELECT {c}, count(*) n {src} GROUP BY {c} ORDER BY n DESC LIMIT 10" for c in FACET_COLUMNS]
    times = []
    for _ in range(repeat):
        for a, b in queries:
            arg = (f"'{a}' & '{b}'",)
            t0 = time.perf_counter()
            for sql in (top_sql, count_sql, *facet_sql):
                con.execute(sql, arg).fetchall()
            times.append(time.perf_counter() - t0)
    con.close()
    admin = psycopg.connect(dsn, autocommit=True)
    admin.execute("DROP DATABASE IF EXISTS ipops_h4a_bench")
    admin.close()
    return {"build": build, "p95": p95(times), "p50": statistics.median(times) * 1000}


def bench_vectors(n_exact: int, n_hnsw: int, queries: int = 200) -> dict:
    rng = np.random.default_rng(0)
    out = {}
    for label, n, threshold in (("exact", n_exact, n_exact + 1), ("hnsw", n_hnsw, 1)):
        if not n:
            continue
        matrix = rng.standard_normal((n, 512), dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        t0 = time.perf_counter()
        index = VectorIndex([str(i) for i in range(n)], matrix, hnsw_threshold=threshold)
        build = time.perf_counter() - t0
        probes = (
            matrix[rng.integers(0, n, queries)] + rng.standard_normal((queries, 512), dtype=np.float32) * 0.01
        )
        times, found = [], 0
        for i, q in enumerate(probes):
            t1 = time.perf_counter()
            hits = index.search(q / np.linalg.norm(q), 10)
            times.append(time.perf_counter() - t1)
            found += (
                hits[0][0] == index.ids[int(np.argmax(matrix @ (q / np.linalg.norm(q))))] if i < 20 else 0
            )
        out[label] = {
            "n": n,
            "build": build,
            "p95": p95(times),
            "p50": statistics.median(times) * 1000,
            "top1_agree_of_20": found,
        }
        del index, matrix
    return out


def bench_embedding(docs: list[SearchDoc], n: int = 256) -> float:
    from ipops.search.embed import UseEmbedder

    model = UseEmbedder()
    texts = list(dict.fromkeys(d.semantic_text for d in docs))[:n]
    model.encode(texts[:8])
    t0 = time.perf_counter()
    for start in range(0, len(texts), 64):
        model.encode(texts[start : start + 64])
    return len(texts) / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--vectors", type=int, default=1_000_000, help="exact search over this many vectors")
    parser.add_argument("--hnsw", type=int, default=200_000, help="hnswlib graph over this many vectors")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ipops-search-speed-"))
    docs = load_docs(args.rows, work)
    queries = make_queries(docs, args.queries)
    print(
        f"{len(docs):,} synthetic patents, {len(queries)} two-word AND queries x {args.repeat}, filter type+years, 4-6 facets"
    )
    tv = bench_tantivy(docs, queries, work, args.repeat)
    print(
        f"tantivy: build {tv['build']:.1f} s ({len(docs) / tv['build']:,.0f} docs/s, 1M extrapolated "
        f"{1_000_000 / (len(docs) / tv['build']) / 60:.1f} min); query p50 {tv['p50']:.1f} ms p95 {tv['p95']:.1f} ms; "
        f"median matches {statistics.median(tv['totals']):.0f}"
    )
    words = [analysed(d) for d in docs]
    fts = bench_fts5(docs, words, queries, work, args.repeat)
    print(
        f"SQLite FTS5: build {fts['build']:.1f} s; query p50 {fts['p50']:.1f} ms p95 {fts['p95']:.1f} ms; tantivy/FTS5 p95 ratio {tv['p95'] / fts['p95']:.3f}"
    )
    if not args.skip_pg:
        pg = bench_pg(args.pg, docs, words, queries, args.repeat)
        print(
            f"PostgreSQL FTS: build {pg['build']:.1f} s; query p50 {pg['p50']:.1f} ms p95 {pg['p95']:.1f} ms; tantivy/PG p95 ratio {tv['p95'] / pg['p95']:.3f}"
        )
    rate = bench_embedding(docs)
    print(
        f"USE embedding (title + abstract start, batches of 64, 2 threads): {rate:.0f} texts/s; 1M texts ~ {1_000_000 / rate / 3600:.1f} h"
    )
    for label, v in bench_vectors(args.vectors, args.hnsw).items():
        print(
            f"semantic {label}: {v['n']:,} vectors, build {v['build']:.1f} s, top-10 p50 {v['p50']:.2f} ms "
            f"p95 {v['p95']:.2f} ms, top-1 agrees with exact {v['top1_agree_of_20']}/20"
        )


if __name__ == "__main__":
    main()
