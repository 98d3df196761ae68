"""Benchmark of batch value scoring (`ipops.valuation.batch.score_table`) and the high-value flags
(`ipops.valuation.high_value.high_value_table`) over a Parquet snapshot of N synthetic patents
(default 1,000,000), with the per-patent Python path (`batch.score_row`, the same rules one row at a time)
on a 10,000-patent slice as the baseline, in the same run.

Data: written straight to Parquet from the generator's source, `bench/cnipa_synth.py`'s real CNIPA sample
(`tests/fixtures/cnipa/cnipa_export_199.csv`): each synthetic patent takes the IPC set (分类号) of a random
real row, as `cnipa_synth` does; ids are random UUIDs, publication numbers new, application dates uniform over
2000-2025, one in three an invention (the generator's share), legal status drawn 50 % granted, 15 %
published, 20 % lapsed, 15 % unknown. No database is involved: the files hold the snapshot's columns that
scoring reads (`patents`: id, pub_number, kind, patent_type, legal_status, app_date, app_year, main_ipc,
main_subclass; `classifications`: patent_id, scheme, code) and DuckDB views named as `ipops.corpus.query`
names them are created over the files, so the same SQL runs as on the real snapshot. SYNTHETIC data.

    .venv/bin/python bench/bench_valuation.py [--n 1000000] [--slice 10000] [--scenario finance]

Prints: generation time, vectorised time for N (score, then high-value flags), the loop on the slice, the
vectorised time on the same slice, the loop extrapolated to N, and the ratios; the slice's results are
compared row by row (score within 0.01).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from ipops.valuation import catalogue  # noqa: E402
from ipops.valuation.batch import BREADTH_SQL, score_row, score_table  # noqa: E402
from ipops.valuation.high_value import high_value_table  # noqa: E402
from ipops.valuation.indicators import life_cycle_stages  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "cnipa" / "cnipa_export_199.csv"
AS_OF = date(2026, 6, 1)


def ipc_sets() -> list[list[str]]:
    """The real sample's IPC sets, "E01B3/32(2006.01)I" → "E01B 3/32"."""
    with SAMPLE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    sets = []
    for row in rows:
        codes = []
        for raw in row["分类号"].split(";"):
            code = raw.split("(")[0].strip().replace(" ", "")
            if len(code) >= 4:
                codes.append(f"{code[:4]} {code[4:]}" if len(code) > 4 else code)
        if codes:
            sets.append(codes)
    return sets


def generate(n: int, folder: Path, seed: int = 20260601) -> None:
    rng = np.random.default_rng(seed)
    sets = ipc_sets()
    ids = [
        str(uuid.UUID(bytes=bytes(b), version=4)) for b in rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    ]
    pick = rng.integers(0, len(sets), size=n)
    days = rng.integers(0, (date(2025, 12, 31) - date(2000, 1, 1)).days, size=n)
    app_date = pa.array(np.datetime64("2000-01-01") + days.astype("timedelta64[D]"), pa.date32())
    invention = np.arange(n) % 3 == 0
    status = rng.choice(np.array(["granted", "published", "lapsed", ""]), size=n, p=[0.5, 0.15, 0.2, 0.15])
    main = [sets[i][0] for i in pick]
    patents = pa.table(
        {
            "id": pa.array(ids),
            "pub_number": pa.array(
                [f"CN{(1 if inv else 2)}{i:08d}{'A' if inv else 'U'}" for i, inv in enumerate(invention)]
            ),
            "kind": pa.array(np.where(invention, "A", "U")),
            "patent_type": pa.array(np.where(invention, "invention", "utility_model")),
            "legal_status": pa.array(status),
            "app_date": app_date,
            "app_year": pa.compute.year(app_date).cast(pa.int16()),
            "main_ipc": pa.array(main),
            "main_subclass": pa.array([m[:4] for m in main]),
        }
    )
    pq.write_table(patents, folder / "patents.parquet", row_group_size=131_072)
    counts = np.array([len(sets[i]) for i in pick])
    codes = [c for i in pick for c in sets[i]]
    classifications = pa.table(
        {
            "patent_id": pa.array(np.repeat(np.array(ids, dtype=object), counts)),
            "scheme": pa.array(["ipc"] * len(codes)),
            "code": pa.array(codes),
        }
    )
    pq.write_table(classifications, folder / "classifications.parquet", row_group_size=131_072)


def connect(folder: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    for name in ("patents", "classifications"):
        path = str(folder / f"{name}.parquet").replace("'", "''")
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")  # noqa: S608 (our temp path)
    return con


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--slice", type=int, default=10_000)
    parser.add_argument("--scenario", default="finance")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-valuation-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        generate(args.n, folder)
        print(f"generated {args.n:,} synthetic patents as Parquet in {time.perf_counter() - started:.1f} s")
        con = connect(folder)
        # 1. vectorised over N, life-cycle fits included
        started = time.perf_counter()
        table = score_table(con, scenario=args.scenario, as_of=AS_OF)
        vector_n = time.perf_counter() - started
        print(
            f"vectorised score_table, {table.num_rows:,} patents: {vector_n:.2f} s ({table.num_rows / vector_n:,.0f} patents/s)"
        )
        started = time.perf_counter()
        flags = high_value_table(con, as_of=AS_OF, awarded=[])
        high = time.perf_counter() - started
        print(f"high_value_table, {flags.num_rows:,} patents: {high:.2f} s")
        # 2. the slice: the same rows for the loop and for the vectorised query
        stages = life_cycle_stages(con, AS_OF, catalogue.scoring_rules()["computed"])
        slice_dir = folder / "slice"
        slice_dir.mkdir()
        sliced = f"COPY (SELECT * FROM patents ORDER BY id LIMIT {int(args.slice)}) TO '{slice_dir / 'patents.parquet'}' (FORMAT parquet)"  # noqa: S608 (our temp path)
        con.execute(sliced)
        classes = (
            f"COPY (SELECT c.* FROM classifications c JOIN read_parquet('{slice_dir / 'patents.parquet'}') p "  # noqa: S608 (our temp path)
            f"ON p.id = c.patent_id) TO '{slice_dir / 'classifications.parquet'}' (FORMAT parquet)"
        )
        con.execute(classes)
        small = connect(slice_dir)
        started = time.perf_counter()
        vector_slice = score_table(small, scenario=args.scenario, as_of=AS_OF, stages=stages)
        vector_small = time.perf_counter() - started
        rules, indicators, scenario = (
            catalogue.scoring_rules(),
            catalogue.indicators(),
            catalogue.scenario(args.scenario),
        )
        rows = small.execute(BREADTH_SQL).fetchall()
        columns = [d[0] for d in small.description]
        started = time.perf_counter()
        loop = [
            score_row(
                dict(zip(columns, r, strict=True)),
                scenario=scenario,
                indicators=indicators,
                rules=rules,
                stages=stages,
                as_of=AS_OF,
            )
            for r in rows
        ]
        loop_time = time.perf_counter() - started
        mismatches = sum(
            1
            for one, batch in zip(loop, vector_slice.to_pylist(), strict=True)
            if (one["score"] is None) != (batch["score"] is None)
            or (one["score"] is not None and abs(float(one["score"]) - batch["score"]) > 0.011)
        )
        per_patent = loop_time / len(rows)
        print(
            f"per-patent Python loop, {len(rows):,} patents: {loop_time:.2f} s ({per_patent * 1e6:.0f} µs/patent)"
        )
        print(
            f"vectorised on the same {len(rows):,}: {vector_small:.3f} s; ratio loop/vectorised on the slice {loop_time / vector_small:.1f}x"
        )
        print(
            f"loop extrapolated to {args.n:,}: {per_patent * args.n:.0f} s; ratio to the vectorised run {per_patent * args.n / vector_n:.1f}x"
        )
        print(f"slice results differing (score > 0.01 apart): {mismatches}")
        print(
            f"target < 30 s for 1,000,000: {'met' if vector_n < 30 and args.n >= 1_000_000 else 'see figures'}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
