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
throughput is measured separately on real texts). `--hnsw-only N --hnsw-structured` builds the hnswlib graph
over N mixtures of the USE vectors of 11,366 distinct real titles (lxingy3 + agriculture, read from ../shared/data)
instead, to measure recall on vectors with topic structure like the platform's.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

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
from ipops.search.keyword import Filters, KeywordIndex, analyse_texts  # noqa: E402
from ipops.search.querylang import parse  # noqa: E402
from ipops.search.settings import config  # noqa: E402
from ipops.search.vectors import VectorIndex  # noqa: E402

FACET_COLUMNS = ("ptype", "year", "sub", "status")
PROVINCES = ("110000", "310000", "320000", "330000", "440000", "510000")
STATUSES = ("granted", "published", "lapsed")


def p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1] * 1000


def load_docs(rows: int, workdir: Path, csv_path: Path | None = None) -> list[SearchDoc]:
    path = csv_path or workdir / f"synth-{rows}.csv"
    if not path.exists():
        cnipa_synth.generate(rows, path)
    docs = []
    with open(path, encoding="utf-8") as f:
        for i, r in enumerate(csv.DictReader(f)):
            if i >= rows:
                break
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
    titles = sorted({d.title for d in docs})  # sorted: the same queries in every run (set order is not)
    out = []
    while len(out) < n:
        words = [w for w in text.words(rng.choice(titles)) if len(w) >= 2]
        if len(words) >= 2:
            a, b = rng.sample(words, 2)
            out.append((a, b))
    return out


def bench_tantivy(docs: list[SearchDoc], queries: list[tuple[str, str]], workdir: Path, repeat: int) -> dict:
    """Build as `engine.rebuild` does (its writer settings and analysis workers from the configuration;
    documents handed over in chunks of 2,000), commit once, then query."""
    cfg = config()
    folder = workdir / "tantivy"
    print(f"tantivy build: load {os.getloadavg()}", flush=True)
    start, c0, children0 = time.perf_counter(), _cpu(), _children_cpu()
    index = KeywordIndex.create(folder)
    writer = index.writer(int(cfg["index_heap_mb"]), int(cfg["index_threads"]))
    with ProcessPoolExecutor(max_workers=int(cfg["index_workers"])) as pool:
        index.add_chunks((docs[i : i + 2000] for i in range(0, len(docs), 2000)), writer, pool)
    added = time.perf_counter() - start
    writer.commit()
    writer.wait_merging_threads()
    index.index.reload()
    build = time.perf_counter() - start
    cpu, children = _cpu() - c0, _children_cpu() - children0
    segments = len(list(folder.glob("*.idx")))
    print(
        f"tantivy build: {build:.1f} s (documents added {added:.1f} s, commit + merges {build - added:.1f} s); "
        f"CPU main {cpu:.0f} s + analysis workers {children:.0f} s; {segments} segments; load {os.getloadavg()}",
        flush=True,
    )
    return {"build": build, **query_tantivy(index, queries, repeat)}


def query_tantivy(index: KeywordIndex, queries: list[tuple[str, str]], repeat: int) -> dict:
    """Wall time and CPU time (this process) of each query: parse, search top 20 with the filter, count,
    facets. The CPU time is what the query costs on an idle core, whatever the machine's load."""
    filters = Filters(patent_type="invention", year_from=2012, year_to=2020)
    times, cpus, totals = [], [], []
    for _ in range(repeat):
        for a, b in queries:
            t0, c0 = time.perf_counter(), time.process_time()
            node = parse(f"{a} {b}").node
            assert node is not None
            hits = index.search(index.to_query(node), filters=filters, limit=20, facets=True)
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
            totals.append(hits.total)
    return {
        "p95": p95(times),
        "p50": statistics.median(times) * 1000,
        "cpu_p95": p95(cpus),
        "cpu_p50": statistics.median(cpus) * 1000,
        "totals": totals,
    }


def baseline_words(docs: list[SearchDoc]) -> list[str]:
    """What the baselines index: the words of title, abstract and first claim (both cores)."""
    texts = [f"{d.title} {d.abstract} {d.claim}" for d in docs]
    batches = [texts[i : i + 2000] for i in range(0, len(texts), 2000)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        return [w for result in pool.map(analyse_texts, batches) for w, _g in result]


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


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


REAL_TITLES = (
    ROOT.parent / "shared" / "data" / "cn_patents_ipc_lxingy3" / "patents_folds123.csv",
    ROOT.parent
    / "shared"
    / "data"
    / "cn_a01_agri_abstracts_littlewilliam"
    / "a01_patents_half_utf8.jsonl.xz",
)


def agriculture_rows() -> list[dict[str, Any]]:
    """The real agriculture patents (title, abstract, …) of ../shared/data (benchmarks only)."""
    import json
    import lzma

    with lzma.open(REAL_TITLES[1], "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def real_title_vectors() -> np.ndarray:
    """USE vectors of the real patent titles of lxingy3 (5,876) and the agriculture set (5,689), embedded
    with the platform's embedder (read from ../shared/data; benchmarks only)."""
    from ipops.search.embed import UseEmbedder

    titles = [row["patent_title"] for row in csv.DictReader(REAL_TITLES[0].open(encoding="utf-8"))]
    titles += [row["title"] for row in agriculture_rows()]
    titles = list(dict.fromkeys(t.strip() for t in titles if t and t.strip()))
    model = UseEmbedder()
    t0 = time.perf_counter()
    out = np.vstack([model.encode(titles[i : i + 64]) for i in range(0, len(titles), 64)]).astype(np.float32)
    print(f"embedded {len(titles):,} real titles in {time.perf_counter() - t0:.0f} s", flush=True)
    return out


def mixtures(anchors: np.ndarray, n: int, rng: np.random.Generator, noise: float = 0.01) -> np.ndarray:
    """n unit vectors each w·a + (1 − w)·b + noise for two random real title vectors a, b (w uniform in
    0.5–1): points on and between the real vectors, so they keep the real topic structure."""
    out = np.empty((n, anchors.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        k = min(100_000, n - start)
        w = rng.uniform(0.5, 1.0, (k, 1)).astype(np.float32)
        a = anchors[rng.integers(0, len(anchors), k)]
        b = anchors[rng.integers(0, len(anchors), k)]
        block = w * a + (1 - w) * b + rng.standard_normal(a.shape, dtype=np.float32) * noise
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + k] = block
    return out


def bench_hnsw(
    n: int,
    m: int,
    ef_construction: int,
    efs: list[int],
    queries: int = 200,
    save: Path | None = None,
    structured: bool = False,
) -> None:
    """hnswlib over n unit 512-d vectors through `VectorIndex`: build time, CPU, memory, then for each search
    ef the top-10 p50/p95, top-1 = exact and recall@10 against exact search. Random vectors (the hardest
    case: no neighbourhood structure), queries that are perturbed corpus vectors (as `bench_vectors`) and
    fresh random unit vectors; or, with `structured`, vectors mixed from the USE vectors of real titles
    (`mixtures`), queries that are new mixtures (a new patent like those held) and the real titles' own
    vectors."""
    rng = np.random.default_rng(0)
    anchors = real_title_vectors() if structured else None
    if anchors is not None:
        matrix = mixtures(anchors, n, rng)
    else:
        matrix = rng.standard_normal((n, 512), dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    rss0 = _rss_mb()
    print(
        f"hnsw: {n:,} {'structured (real-title mixtures)' if structured else 'random'} vectors, M {m}, "
        f"ef_construction {ef_construction}; load {os.getloadavg()}",
        flush=True,
    )
    t0, c0 = time.perf_counter(), _cpu()
    index = VectorIndex(
        [str(i) for i in range(n)], matrix, hnsw_threshold=1, m=m, ef_construction=ef_construction
    )
    build, cpu = time.perf_counter() - t0, _cpu() - c0
    print(
        f"hnsw build {build:.1f} s (CPU {cpu:.0f} s), RSS +{_rss_mb() - rss0:,.0f} MB over the "
        f"{matrix.nbytes / 2**20:,.0f} MB matrix; load {os.getloadavg()}",
        flush=True,
    )
    if save is not None:
        index.graph.save_index(str(save))  # type: ignore[union-attr]
    if anchors is not None:
        kinds = (
            ("new mixtures", mixtures(anchors, queries, np.random.default_rng(1))),
            ("real title vectors", anchors[rng.integers(0, len(anchors), queries)].copy()),
        )
    else:
        near = (
            matrix[rng.integers(0, n, queries)] + rng.standard_normal((queries, 512), dtype=np.float32) * 0.01
        )
        kinds = (
            ("perturbed corpus vectors", near),
            ("fresh random vectors", rng.standard_normal((queries, 512), dtype=np.float32)),
        )
    for label, probes in kinds:
        probes /= np.linalg.norm(probes, axis=1, keepdims=True)
        truth = np.empty((queries, 10), dtype=np.int64)
        for start in range(0, queries, 50):
            scores = matrix @ probes[start : start + 50].T
            top = np.argpartition(-scores, 9, axis=0)[:10].T
            for j, row in enumerate(top):
                truth[start + j] = row[np.argsort(-scores[row, j])]
            del scores
        for ef in efs:
            index.ef = ef
            times, top1, recall = [], 0, 0.0
            for q, want in zip(probes, truth, strict=True):
                t1 = time.perf_counter()
                hits = index.search(q, 10)
                times.append(time.perf_counter() - t1)
                got = [int(pid) for pid, _s in hits]
                top1 += got[0] == want[0]
                recall += len(set(got) & set(want.tolist())) / 10
            print(
                f"  {label}, ef {ef}: top-10 p50 {statistics.median(times) * 1000:.2f} ms p95 {p95(times):.2f} ms; "
                f"top-1 = exact {top1}/{queries}; recall@10 {recall / queries:.3f}; load {os.getloadavg()}",
                flush=True,
            )


def _embed_timed(model: Any, texts: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds to embed `texts` in batches of 64 (as the index does)."""
    t0, c0 = time.perf_counter(), _cpu()
    for start in range(0, len(texts), 64):
        model.encode(texts[start : start + 64])
    return time.perf_counter() - t0, _cpu() - c0


def bench_embedding(docs: list[SearchDoc], n: int = 256) -> float:
    from ipops.search.embed import UseEmbedder

    model = UseEmbedder()
    texts = list(dict.fromkeys(d.semantic_text for d in docs))[:n]
    model.encode(texts[:8])
    wall, _cpu_s = _embed_timed(model, texts)
    return len(texts) / wall


def bench_real_embedding(n: int, threads: tuple[int, ...] = (1, 2)) -> None:
    """USE throughput on n real texts as the index embeds them (`SearchDoc.semantic_text`: title + "。" +
    the first 200 characters of the abstract) from the agriculture set (real titles and abstracts, read from
    ../shared/data), batches of 64, for each thread count; also titles alone."""
    from ipops.search.embed import UseEmbedder

    rows = agriculture_rows()[:n]
    full = [r["title"] + "。" + r["abstract"][:200] if r.get("abstract") else r["title"] for r in rows]
    titles = [r["title"] for r in rows]
    for count in threads:
        model = UseEmbedder(threads=count)
        model.encode(full[:8])
        for label, texts in (("title + abstract start", full), ("title only", titles)):
            wall, cpu = _embed_timed(model, texts)
            rate = len(texts) / wall
            print(
                f"USE, {count} thread(s), {label}: {len(texts):,} texts in {wall:.1f} s = {rate:.0f} texts/s "
                f"(CPU {cpu:.1f} s); 1M such texts ~ {1_000_000 / rate / 3600:.1f} h; load {os.getloadavg()}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--vectors", type=int, default=1_000_000, help="exact search over this many vectors")
    parser.add_argument("--hnsw", type=int, default=200_000, help="hnswlib graph over this many vectors")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-baselines", action="store_true", help="tantivy only")
    parser.add_argument(
        "--baseline-repeat", type=int, default=0, help="repeats for FTS5/PostgreSQL (default --repeat)"
    )
    parser.add_argument(
        "--csv", type=Path, default=None, help="an existing cnipa_synth CSV (first --rows rows)"
    )
    parser.add_argument("--skip-semantic", action="store_true", help="no embedding or vector part")
    parser.add_argument("--keep-index", type=Path, default=None, help="keep the tantivy index in this folder")
    parser.add_argument(
        "--query-only", type=Path, default=None, help="only query a kept index (same --rows/--csv)"
    )
    parser.add_argument("--hnsw-only", type=int, default=0, help="only bench_hnsw over this many vectors")
    parser.add_argument("--hnsw-m", type=int, default=int(config()["hnsw_m"]))
    parser.add_argument("--hnsw-efc", type=int, default=int(config()["hnsw_ef_construction"]))
    parser.add_argument("--hnsw-ef", default="64,128,256", help="search ef values to compare")
    parser.add_argument("--hnsw-save", type=Path, default=None)
    parser.add_argument(
        "--embed-only",
        type=int,
        default=0,
        help="only USE throughput on this many real texts (agriculture set)",
    )
    parser.add_argument(
        "--hnsw-structured",
        action="store_true",
        help="--hnsw-only over mixtures of real titles' USE vectors instead of random vectors",
    )
    args = parser.parse_args()
    if args.embed_only:
        bench_real_embedding(args.embed_only)
        return
    if args.hnsw_only:
        c0 = _cpu()
        bench_hnsw(
            args.hnsw_only,
            args.hnsw_m,
            args.hnsw_efc,
            [int(x) for x in args.hnsw_ef.split(",")],
            save=args.hnsw_save,
            structured=args.hnsw_structured,
        )
        print(f"process CPU {_cpu() - c0:.0f} s; load {os.getloadavg()}")
        return
    c0 = _cpu()
    print(f"load average at start {os.getloadavg()}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="ipops-search-speed-"))
    t0 = time.perf_counter()
    docs = load_docs(args.rows, work, args.csv)
    queries = make_queries(docs, args.queries)
    print(
        f"{len(docs):,} synthetic patents read in {time.perf_counter() - t0:.0f} s (not timed below), "
        f"{len(queries)} two-word AND queries x {args.repeat}, filter type+years, 4-6 facets",
        flush=True,
    )
    if args.query_only:  # a kept index: its queries, then the baselines (unless skipped)
        tv = query_tantivy(KeywordIndex(args.query_only), queries, args.repeat)
        print(
            f"tantivy (kept index): query p50 {tv['p50']:.1f} ms p95 {tv['p95']:.1f} ms (CPU p50 {tv['cpu_p50']:.1f} ms "
            f"p95 {tv['cpu_p95']:.1f} ms); median matches {statistics.median(tv['totals']):.0f}; load {os.getloadavg()}",
            flush=True,
        )
    else:
        tv = bench_tantivy(docs, queries, work, args.repeat)
        print(
            f"tantivy: build {tv['build']:.1f} s ({len(docs) / tv['build']:,.0f} docs/s, 1M extrapolated "
            f"{1_000_000 / (len(docs) / tv['build']) / 60:.1f} min); query p50 {tv['p50']:.1f} ms p95 {tv['p95']:.1f} ms "
            f"(CPU p50 {tv['cpu_p50']:.1f} ms p95 {tv['cpu_p95']:.1f} ms); "
            f"median matches {statistics.median(tv['totals']):.0f}; load {os.getloadavg()}",
            flush=True,
        )
        if args.keep_index:
            shutil.rmtree(args.keep_index, ignore_errors=True)
            shutil.move(str(work / "tantivy"), args.keep_index)
            print(f"index kept in {args.keep_index}")
        shutil.rmtree(work / "tantivy", ignore_errors=True)
    if not args.skip_baselines:
        brepeat = args.baseline_repeat or args.repeat
        words = baseline_words(docs)
        fts = bench_fts5(docs, words, queries, work, brepeat)
        print(
            f"SQLite FTS5 (x {brepeat}): build {fts['build']:.1f} s; query p50 {fts['p50']:.1f} ms p95 {fts['p95']:.1f} ms; "
            f"tantivy/FTS5 p95 ratio {tv['p95'] / fts['p95']:.3f}; load {os.getloadavg()}",
            flush=True,
        )
        (work / "fts5.sqlite3").unlink(missing_ok=True)
        if not args.skip_pg:
            pg = bench_pg(args.pg, docs, words, queries, brepeat)
            print(
                f"PostgreSQL FTS (x {brepeat}): build {pg['build']:.1f} s; query p50 {pg['p50']:.1f} ms p95 {pg['p95']:.1f} ms; "
                f"tantivy/PG p95 ratio {tv['p95'] / pg['p95']:.3f}; load {os.getloadavg()}",
                flush=True,
            )
    if args.skip_semantic:
        print(f"process CPU {_cpu() - c0:.0f} s (+ children {_children_cpu():.0f} s); load {os.getloadavg()}")
        return
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
