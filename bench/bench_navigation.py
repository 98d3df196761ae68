"""Benchmark of the navigation analyses (`ipops.analytics.run.run_analyses`) over 1,000,000 patents.

Data: SYNTHETIC. Loading 1M rows through the importer takes minutes (see "Patent import throughput"), so
this script writes the snapshot's three Parquet files (``patents.parquet``, ``applicants.parquet``,
``classifications.parquet``, the derived store's columns; `ipops.analytics.engine` reads such a directory
as a snapshot) straight from a generator that re-samples the real CNIPA export sample
(tests/fixtures/cnipa): titles, abstracts, applicant names and IPC sets (parsed with the platform's IPC
parser) come from the 199 real rows; application years 2000–2019 follow an S-curve, region codes are drawn
from the bundled GB/T 2260 districts, 50,000 applicants with 1–3 per patent, 1–4 IPC codes per patent.

Measured in one run:
  duckdb   all modules, two scopes (everything; an IPC + years scope), best of --repeat runs
  pandas   a straightforward pandas implementation of the same modules (read the three files, filter,
           groupby/merge), same scopes: the baseline, ratio printed
  spark    the same analyses on PySpark local mode (IPOPS_SPARK_MASTER, default local[2]), the IPC scope
           only unless --spark-all (it is for scale-out, not for speed on one machine)
  pdf      render_pdf of the full report of the everything scope

    .venv/bin/python bench/bench_navigation.py [--n 1000000] [--repeat 3] [--no-spark] [--no-pdf] [--keep DIR]

Every run prints its wall-clock and CPU (user + system) time and the load average before and after it.

A throw-away SQLite database under a temporary IPOPS_DATA_DIR holds the industry concordance (the bundled
starter mapping) that industry positioning reads.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "fixtures" / "cnipa" / "cnipa_export_199.csv"
AREAS = ROOT / "ipops" / "reference" / "data" / "gbt2260" / "area.csv"


def setup_django(data_dir: Path) -> None:
    os.environ["IPOPS_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["IPOPS_DEBUG"] = "0"
    os.environ.setdefault("IPOPS_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from ipops.reference.industries import load_starters

    load_starters()


# --- data ----------------------------------------------------------------------------------------------


def generate(n: int, out: Path, seed: int = 7) -> dict[str, int]:
    from ipops.patents.normalize.ipc import IpcError, parse_ipc_list

    rng = np.random.default_rng(seed)
    with SAMPLE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    titles = pa.array([r["名称"] for r in rows])
    abstracts = pa.array([r["摘要"] for r in rows])
    names = [
        n.strip() for r in rows for n in r["申请（专利权）人"].replace("；", ";").split(";") if n.strip()
    ]
    ipc_sets: list[list[str]] = []
    for r in rows:
        try:
            codes = [c.code for c in parse_ipc_list(r["分类号"])]
        except IpcError:
            codes = []
        if codes:
            ipc_sets.append(codes)
    pool = sorted({c for s in ipc_sets for c in s})
    with AREAS.open(encoding="utf-8") as handle:
        districts = [row["code"] for row in csv.DictReader(handle)]

    ids = pa.array([f"{i:032x}" for i in range(n)])
    # S-curve of filings over 2000-2019
    years = np.arange(2000, 2020)
    weights = 1 / (1 + np.exp(-0.45 * (years - 2012)))
    weights = np.diff(np.concatenate([[0], weights]))
    weights = np.maximum(weights, 0.002)
    app_year = rng.choice(years, size=n, p=weights / weights.sum())
    day = rng.integers(0, 365, size=n)
    app_date = (app_year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + day
    pub_date = app_date + 548
    kind = rng.choice(np.array(["A", "B", "U", "S"]), size=n, p=[0.45, 0.15, 0.3, 0.1])
    types = np.where(kind == "U", "utility_model", np.where(kind == "S", "design", "invention"))
    zipf = np.minimum(rng.zipf(1.3, size=n), len(districts)) - 1
    district = np.array(districts)[zipf]
    district = np.where(rng.random(n) < 0.1, "", district)
    province = np.array([d[:2] + "0000" if d else "" for d in district])
    city = np.array([d[:4] + "00" if d else "" for d in district])
    title_idx = rng.integers(0, len(titles), size=n)
    set_idx = rng.integers(0, len(ipc_sets), size=n)
    per_patent = rng.integers(1, 5, size=n)
    class_patent = np.repeat(np.arange(n), per_patent)
    offsets = np.arange(len(class_patent)) - np.repeat(np.cumsum(per_patent) - per_patent, per_patent)
    own = [ipc_sets[s] for s in set_idx]
    codes = np.empty(len(class_patent), dtype=object)
    random_codes = rng.integers(0, len(pool), size=len(class_patent))
    for k, (p, o) in enumerate(zip(class_patent, offsets, strict=True)):
        mine = own[p]
        codes[k] = mine[o] if o < len(mine) else pool[random_codes[k]]
    main_ipc = np.array([s[0] for s in own], dtype=object)
    patents = pa.table(
        {
            "id": ids,
            "pub_number": pa.array([f"CN{100000000 + i}{k}" for i, k in enumerate(kind)]),
            "app_number": pa.array([f"CN{y}1{i:07d}" for i, y in enumerate(app_year)]),
            "country": pa.array(["CN"] * n),
            "kind": pa.array(kind),
            "patent_type": pa.array(types),
            "title": titles.take(pa.array(title_idx)),
            "abstract": abstracts.take(pa.array(rng.integers(0, len(abstracts), size=n))),
            "app_date": pa.array(app_date).cast(pa.date32()),
            "pub_date": pa.array(pub_date).cast(pa.date32()),
            "grant_date": pa.nulls(n, pa.date32()),
            "app_year": pa.array(app_year.astype(np.int16)),
            "main_ipc": pa.array(main_ipc.tolist()),
            "legal_status": pa.array([""] * n),
            "province_code": pa.array(province),
            "city_code": pa.array(city),
            "district_code": pa.array(district),
        }
    )
    n_applicants = max(n // 20, 10)
    applicant_names = [f"{names[i % len(names)]}{i // len(names) or ''}" for i in range(n_applicants)]
    links_per = rng.integers(1, 4, size=n)
    link_patent = np.repeat(np.arange(n), links_per)
    link_applicant = np.minimum(rng.zipf(1.2, size=len(link_patent)), n_applicants) - 1
    link_applicant = (link_applicant + link_patent * 7919 % 13) % n_applicants
    applicants = pa.table(
        {
            "patent_id": ids.take(pa.array(link_patent)),
            "applicant_id": pa.array([f"a{a:08d}" for a in link_applicant]),
            "name": pa.array(applicant_names).take(pa.array(link_applicant)),
            "kind": pa.array(np.where(link_applicant % 10 == 0, "university", "enterprise")),
        }
    )
    # a patent lists an applicant once
    applicants = (
        applicants.group_by(["patent_id", "applicant_id"])
        .aggregate([("name", "min"), ("kind", "min")])
        .rename_columns(["patent_id", "applicant_id", "name", "kind"])
    )
    classifications = pa.table(
        {
            "patent_id": ids.take(pa.array(class_patent)),
            "scheme": pa.array(["ipc"] * len(class_patent)),
            "code": pa.array(codes.tolist()),
            "subclass": pa.array([c[:4] for c in codes]),
        }
    )
    classifications = (
        classifications.group_by(["patent_id", "code"])
        .aggregate([("scheme", "min"), ("subclass", "min")])
        .rename_columns(["patent_id", "code", "scheme", "subclass"])
        .select(["patent_id", "scheme", "code", "subclass"])
    )
    out.mkdir(parents=True, exist_ok=True)
    for name, table in (
        ("patents", patents),
        ("applicants", applicants),
        ("classifications", classifications),
    ):
        pq.write_table(table, out / f"{name}.parquet", compression="zstd", row_group_size=131_072)
    return {
        "patents": patents.num_rows,
        "applicants": applicants.num_rows,
        "classifications": classifications.num_rows,
    }


# --- pandas baseline ------------------------------------------------------------------------------------


def pandas_modules(snapshot: Path, scope: Any, config: dict[str, Any]) -> dict[str, Any]:
    """The same modules, written plainly in pandas (read everything, filter, groupby/merge)."""
    import pandas as pd

    from ipops.analytics import formulas
    from ipops.reference.industries import industry_table

    p = pd.read_parquet(snapshot / "patents.parquet")
    a = pd.read_parquet(snapshot / "applicants.parquet")
    c = pd.read_parquet(snapshot / "classifications.parquet")
    c = c[c["scheme"] == "ipc"]
    mask = pd.Series(True, index=p.index)
    if scope.year_from is not None:
        mask &= p["app_year"] >= scope.year_from
    if scope.year_to is not None:
        mask &= p["app_year"] <= scope.year_to
    if scope.ipc:
        hit = pd.Series(False, index=c.index)
        for prefix in scope.ipc:
            hit |= c["code"].str.startswith(prefix)
        mask &= p["id"].isin(c.loc[hit, "patent_id"])
    sp = p[mask]
    ids = set(sp["id"])
    sc = c[c["patent_id"].isin(ids)]
    sa = a[a["patent_id"].isin(ids)]
    out: dict[str, Any] = {"total": len(sp), "by_type": sp["patent_type"].value_counts().to_dict()}
    out["trend"] = sp.groupby("app_year").size().to_dict()
    granted = sp[sp["kind"].isin(["B", "U", "S"])]
    out["grants"] = granted.groupby(pd.to_datetime(granted["pub_date"]).dt.year).size().to_dict()
    merged = sa.merge(sp[["id", "app_year"]], left_on="patent_id", right_on="id")
    out["applicants_per_year"] = merged.groupby("app_year")["applicant_id"].nunique().to_dict()
    years = sorted(out["trend"])
    cumulative = np.cumsum([out["trend"][y] for y in years])
    out["fit"] = formulas.logistic_fit(years, cumulative.tolist())
    per = sa.groupby("applicant_id").agg(patents=("patent_id", "nunique"), name=("name", "min"))
    out["concentration"] = formulas.concentration(per["patents"].tolist())
    out["top"] = per.sort_values(["patents", "name"], ascending=[False, True]).head(20)
    out["subclasses"] = sc.groupby("subclass")["patent_id"].nunique().sort_values(ascending=False)
    groups = sc["code"].str.split("/").str[0] + "/00"
    out["groups"] = sc.assign(group=groups).groupby("group")["patent_id"].nunique()
    pairs = sc[["patent_id", "subclass"]].drop_duplicates()
    edges = pairs.merge(pairs, on="patent_id")
    edges = edges[edges["subclass_x"] < edges["subclass_y"]]
    out["edges"] = edges.groupby(["subclass_x", "subclass_y"]).size().nlargest(100)
    ref = p[(p["app_year"] >= (scope.year_from or 0)) & (p["app_year"] <= (scope.year_to or 9999))]
    regional = sp[sp["province_code"] != ""].groupby("province_code").size()
    reference = ref[ref["province_code"] != ""].groupby("province_code").size()
    out["rta"] = {
        code: formulas.rta(n, int(reference.get(code, 0)), int(regional.sum()), int(reference.sum()))
        for code, n in regional.items()
    }
    breadth = sc.groupby("patent_id").agg(subclasses=("subclass", "nunique"), codes=("code", "nunique"))
    parties = sa.groupby("patent_id").size().rename("applicants")
    key = (
        sp.set_index("id").join(breadth).join(parties).fillna({"subclasses": 0, "codes": 0, "applicants": 0})
    )
    key["granted"] = key["kind"].isin(["B", "U", "S"]).astype(int)
    w = config["key_patent_weights"]
    score = sum(
        key[k] * (w[k] / key[k].max())
        for k in ("subclasses", "codes", "applicants", "granted")
        if key[k].max()
    )
    out["key"] = key.assign(score=score).nlargest(50, "score")
    mapping = industry_table(sorted(c["code"].unique()), config["industry_scheme"]).to_pandas()
    industries = sc.merge(mapping, left_on="code", right_on="ipc")[
        ["patent_id", "industry_code"]
    ].drop_duplicates()
    out["industries"] = industries.groupby("industry_code").size()
    return out


# --- run ------------------------------------------------------------------------------------------------


def cpu_seconds() -> float:
    """User + system CPU time of this process so far (all its threads: DuckDB's included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def children_cpu_seconds() -> float:
    """User + system CPU time of this process's live descendants (the Spark JVM), from /proc (0 elsewhere)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) / tick
    mine, found = {os.getpid()}, True
    while found:
        found = False
        for pid, parent in parents.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                found = True
    return sum(times[pid] for pid in mine if pid != os.getpid())


def load() -> str:
    return "/".join(f"{v:.2f}" for v in os.getloadavg())


def best_of(repeat: int, func: Any, label: str = "") -> tuple[float, Any]:
    """The best wall-clock time of `repeat` runs; each run's wall and CPU time and the load average before
    and after it are printed (the machine is shared: wall-clock figures alone are noisy)."""
    best, result = float("inf"), None
    for i in range(repeat):
        before, cpu = load(), cpu_seconds()
        started = time.perf_counter()
        result = func()
        wall = time.perf_counter() - started
        best = min(best, wall)
        if label:
            print(
                f"  {label} run {i + 1}: wall {wall:.2f} s, cpu {cpu_seconds() - cpu:.2f} s, "
                f"load {before} -> {load()}"
            )
    return best, result


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--spark-all", action="store_true")
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) this directory")
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF measurement")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ipops-nav-"))
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path) -> None:
    setup_django(work / "data")
    from ipops.analytics.conf import load_config
    from ipops.analytics.report import render_pdf
    from ipops.analytics.run import run_analyses
    from ipops.analytics.scope import Scope

    snapshot = args.keep or work / "snapshot"
    if not (snapshot / "patents.parquet").exists():
        started = time.perf_counter()
        counts = generate(args.n, snapshot)
        print(f"generated {counts} in {time.perf_counter() - started:.1f} s -> {snapshot}")
    config = load_config()
    scopes = {
        "everything": Scope(),
        "ipc+years": Scope.parse(ipc="G06F, H04L, E01B, B65G", years="2008-2019"),
    }
    results: dict[str, Any] = {}
    for label, scope in scopes.items():
        duck, result = best_of(
            args.repeat,
            lambda s=scope: run_analyses(s, snapshot=snapshot, config=config, check_ipc=False),
            f"[{label}] duckdb",
        )
        results[label] = result
        pandas_time, baseline = best_of(
            args.repeat, lambda s=scope: pandas_modules(snapshot, s, config), f"[{label}] pandas"
        )
        assert baseline["total"] == result["modules"]["overview"]["total"], "the baseline does the same work"
        trend = {
            r["year"]: r["applications"]
            for r in result["modules"]["trend"]["table"]["rows"]
            if r["applications"]
        }
        assert {int(k): int(v) for k, v in baseline["trend"].items()} == trend
        slowest = sorted(result["timings"].items(), key=lambda kv: -kv[1])[:3]
        print(
            f"[{label}] {result['modules']['overview']['total']:,} patents: duckdb {duck:.2f} s "
            f"(modules {result['timings']}), pandas {pandas_time:.2f} s, ratio duckdb/pandas "
            f"{duck / pandas_time:.2f} (pandas/duckdb {pandas_time / duck:.1f}x); slowest {slowest}"
        )
    if not args.no_spark:
        from ipops.analytics.engine import spark_session, stop_spark

        started = time.perf_counter()
        spark_session()
        print(f"spark session start {time.perf_counter() - started:.1f} s")
        for label, scope in scopes.items():
            if label == "everything" and not args.spark_all:
                continue
            started, cpu, jvm, before = time.perf_counter(), cpu_seconds(), children_cpu_seconds(), load()
            on_spark = run_analyses(scope, snapshot=snapshot, config=config, backend="spark", check_ipc=False)
            seconds = time.perf_counter() - started
            jvm = children_cpu_seconds() - jvm
            same = {k: v for k, v in on_spark.items() if k not in ("backend", "timings")} == {
                k: v for k, v in results[label].items() if k not in ("backend", "timings")
            }
            print(
                f"[{label}] spark local {seconds:.1f} s (cpu: python {cpu_seconds() - cpu:.1f} s, JVM {jvm:.1f} s; "
                f"load {before} -> {load()}; equal to duckdb: {same}; modules {on_spark['timings']})"
            )
        stop_spark()
    if args.no_pdf:
        return
    pdf_time, pdf = best_of(
        args.repeat,
        lambda: render_pdf(results["everything"], title="专利导航报告（基准测试）", conclusions="基准测试。"),
        "pdf",
    )
    print(f"pdf of the full report: {pdf_time:.2f} s, {len(pdf):,} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
