"""Benchmark of the derived Parquet store (`ipops.corpus.store`): full and incremental refresh.

Generates N synthetic patents (default 1,000,000) straight into a throw-away SQLite database under a
temporary IPOPS_DATA_DIR (migrated, bulk-inserted through the ORM, labelled by a Dataset with
synthetic=True), with realistic field sizes: 10-40 character titles, 150-300 character abstracts,
80-250 character first claims, 1-3 applicants from a pool of N/20 and 1-4 IPC codes per patent. Then, each
phase in its own process so that its peak RSS is its own:

  baseline     naive single-file export of the same data: for each dataset (patents, applicants,
               classifications) every row read with `values_list(...).iterator()` into one Python list,
               one Arrow table built from it in one go, one `pq.write_table` (zstd), one file each
  full         `refresh(full=True)`: 64 id-range buckets x 3 datasets, chunked reads
  update       1,000 random patents change (legal status and title; every tenth also gets new IPC
               classifications), the way the importer does it (bulk_update with updated_at = now)
  incremental  `refresh()` after the update: finds and writes only what changed
  noop         `refresh()` again with nothing changed: must write nothing
  verify       DuckDB counts over the snapshot equal the database's; a few queries timed

    .venv/bin/python bench/bench_parquet_refresh.py [--n 1000000] [--seed 20260601] [--keep DIR]

`--keep DIR` keeps (and on a later run reuses) the generated database in DIR instead of a temporary one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
UPDATES = 1000


def setup_django(data_dir: Path) -> None:
    os.environ["IPOPS_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["IPOPS_DEBUG"] = "0"  # DEBUG would keep every query in memory
    os.environ.setdefault("IPOPS_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- synthetic data -------------------------------------------------------------------------------------

COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性"
    "好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第"
    "向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管"
    "特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处"
    "装置方法系统模块单元组件结构连接固定设置控制信号数据检测电路传感器驱动电机壳体底座支架转轴齿轮弹簧阀门管道"
)


def make_text_pool(rng: random.Random, size: int) -> str:
    """A long pseudo-Chinese string with a skewed character frequency (real text compresses like this)."""
    alphabet = list(dict.fromkeys(COMMON)) + [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    weights = [1.0 / (rank + 10) for rank in range(len(alphabet))]
    chunk = "".join(rng.choices(alphabet, weights=weights, k=200_000))
    punct = "，。、；"
    parts = []
    for _ in range(size // 200_000):
        start = rng.randrange(0, 150_000)
        piece = list(chunk[start : start + 50_000] + chunk[:150_000])
        for _ in range(2000):
            piece[rng.randrange(len(piece))] = rng.choice(punct)
        rng.shuffle(piece)
        parts.append("".join(piece))
    return "".join(parts)


def generate(n: int, seed: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection, transaction

    from ipops.patents.models import Applicant, Classification, Dataset, Patent, PatentApplicant

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    pool = make_text_pool(rng, 8_000_000)

    def text(low: int, high: int) -> str:
        length = rng.randint(low, high)
        start = rng.randrange(0, len(pool) - length)
        return pool[start : start + length]

    dataset = Dataset.objects.create(
        name="bench-synthetic", description="bench/bench_parquet_refresh.py", synthetic=True
    )
    kinds = ["enterprise"] * 6 + ["university", "institute", "individual", "other"]
    regions = [f"1101{d:02d}" for d in range(1, 18)] + ["310115", "440305", "320583", "510107"]
    n_applicants = max(50, n // 20)
    applicants = [
        Applicant(
            name=text(6, 18) + "有限公司",
            key=f"bench-{i:08d}",
            kind=rng.choice(kinds),
            country="CN",
            region_code=rng.choice(regions),
        )
        for i in range(n_applicants)
    ]
    with transaction.atomic():
        Applicant.objects.bulk_create(applicants, batch_size=5000)
    applicant_ids = [a.id for a in applicants]
    applicant_names = [a.name for a in applicants]

    subclasses = [
        f"{s}{c:02d}{x}"
        for s, c, x in (
            (rng.choice("ABCDEFGH"), rng.randint(1, 99), rng.choice("BCDFGHJKLMNPQ")) for _ in range(600)
        )
    ]
    ipc_codes = [
        f"{rng.choice(subclasses)} {rng.randint(1, 99)}/{rng.choice(['00', '02', '10', '32', '455'])}"
        for _ in range(8000)
    ]
    kinds_types = [("A", "invention"), ("B", "invention"), ("U", "utility_model"), ("S", "design")]
    statuses = ["published", "granted", "granted", "lapsed", "expired", "withdrawn", "rejected", ""]
    batch_size = 10_000
    links_total = classes_total = 0
    for offset in range(0, n, batch_size):
        patents, links, classes = [], [], []
        for i in range(offset, min(n, offset + batch_size)):
            kind, patent_type = rng.choice(kinds_types)
            app_date = date(2000, 1, 1) + timedelta(days=rng.randrange(0, 25 * 365))
            pub_date = app_date + timedelta(days=rng.randint(180, 540))
            chosen = rng.sample(range(n_applicants), rng.choice((1, 1, 1, 2, 2, 3)))
            codes = rng.sample(ipc_codes, rng.randint(1, 4))
            region = rng.choice(regions)
            patent = Patent(
                country="CN",
                pub_number=f"CN{100_000_000 + i}{kind}",
                app_number=f"CN{app_date.year}1{i:07d}.{i % 10}",
                kind=kind,
                patent_type=patent_type,
                title=text(10, 40),
                abstract=text(150, 300),
                first_claim=text(80, 250),
                app_date=app_date,
                pub_date=pub_date,
                grant_date=pub_date + timedelta(days=200) if kind in "BU" else None,
                main_ipc=codes[0],
                applicants_text="；".join(applicant_names[a] for a in chosen),
                inventors="；".join(text(2, 3) for _ in range(rng.randint(1, 5))),
                address=text(15, 35),
                applicant_country="CN",
                province_code=region[:2] + "0000",
                city_code=region[:4] + "00",
                district_code=region,
                agency=text(6, 14) + "专利代理事务所",
                agency_code=f"{rng.randint(11000, 99999)}",
                agents=text(2, 3) + "；" + text(2, 3),
                legal_status=rng.choice(statuses),
                content_hash=f"{rng.getrandbits(256):064x}",
                dataset=dataset,
            )
            patents.append(patent)
            for position, a in enumerate(chosen):
                links.append(
                    PatentApplicant(
                        patent=patent,
                        applicant_id=applicant_ids[a],
                        position=position,
                        raw_name=applicant_names[a],
                    )
                )
            for position, code in enumerate(codes):
                classes.append(
                    Classification(
                        patent=patent,
                        code=code,
                        subclass=code[:4],
                        version="2006.01",
                        is_main=position == 0,
                        position=position,
                    )
                )
        with transaction.atomic():
            Patent.objects.bulk_create(patents, batch_size=2000)
            PatentApplicant.objects.bulk_create(links, batch_size=5000)
            Classification.objects.bulk_create(classes, batch_size=5000)
        links_total += len(links)
        classes_total += len(classes)
        if offset and offset % 100_000 == 0:
            print(f"  generated {offset:,} patents ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    connection.close()
    db_file = Path(os.environ["IPOPS_DATA_DIR"]) / "ipops.sqlite3"
    return {
        "patents": n,
        "applicant_links": links_total,
        "classifications": classes_total,
        "applicants": n_applicants,
        "seconds": time.perf_counter() - started,
        "db_mb": db_file.stat().st_size / 1e6,
    }


# --- phases ---------------------------------------------------------------------------------------------


def phase_baseline(out: Path) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ipops.corpus.store import TABLES

    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    rows_total, seconds, size = 0, {}, 0
    for spec in TABLES:
        begun = time.perf_counter()
        rows = list(spec.queryset().values_list(*spec.fields).iterator(chunk_size=5000))
        table = pa.Table.from_batches([spec.to_batch(rows)])
        del rows
        pq.write_table(table, out / f"{spec.name}.parquet", compression="zstd")
        rows_total += table.num_rows
        del table
        seconds[spec.name] = time.perf_counter() - begun
        size += (out / f"{spec.name}.parquet").stat().st_size
    return {
        "rows": rows_total,
        "seconds": time.perf_counter() - started,
        "per_dataset": seconds,
        "mb": size / 1e6,
    }


def phase_refresh(full: bool) -> dict[str, Any]:
    from ipops.corpus.store import refresh, store_size

    result = refresh(full=full)
    return {**result.as_dict(), "store_mb": store_size() / 1e6}


def phase_update(seed: int) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from ipops.patents.models import Classification, Patent

    started = time.perf_counter()
    rng = random.Random(seed + 1)
    ids = list(Patent.objects.order_by().values_list("id", flat=True))
    chosen = rng.sample(ids, UPDATES)
    del ids
    now = timezone.now()
    with transaction.atomic():
        patents = list(Patent.objects.filter(id__in=chosen))
        for patent in patents:
            patent.legal_status = "invalidated"
            patent.title = patent.title[:20] + "（更新）"
            patent.updated_at = now
        Patent.objects.bulk_update(patents, ["legal_status", "title", "updated_at"], batch_size=500)
        relinked = chosen[: UPDATES // 10]
        Classification.objects.filter(patent_id__in=relinked).delete()
        Classification.objects.bulk_create(
            [
                Classification(patent_id=pk, code="G06N 3/08", subclass="G06N", is_main=True, position=0)
                for pk in relinked
            ]
        )
    return {"updated": len(patents), "relinked": len(relinked), "seconds": time.perf_counter() - started}


def phase_verify() -> dict[str, Any]:
    from ipops.corpus import query
    from ipops.patents.models import Classification, Patent, PatentApplicant

    con = query.connect()
    counts = {
        name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]  # noqa: S608 (fixed names)
        for name in ("patents", "applicants", "classifications")
    }
    expected = {
        "patents": Patent.objects.count(),
        "applicants": PatentApplicant.objects.count(),
        "classifications": Classification.objects.count(),
    }
    invalidated = con.execute("SELECT count(*) FROM patents WHERE legal_status = 'invalidated'").fetchone()[0]
    timings = {}
    for label, call in (
        ("count_by_year", lambda: query.count_by_year(con=con)),
        (
            "count_by_year(province 110000, invention)",
            lambda: query.count_by_year(
                query.PatentFilter(province_code="110000", patent_types=("invention",)), con=con
            ),
        ),
        ("top_applicants(10)", lambda: query.top_applicants(10, con=con)),
    ):
        started = time.perf_counter()
        call()
        timings[label] = time.perf_counter() - started
    return {
        "counts": counts,
        "expected": expected,
        "match": counts == expected,
        "invalidated": invalidated,
        "query_seconds": timings,
    }


def run_phase(args: argparse.Namespace) -> None:
    setup_django(Path(args.data_dir))
    started_rss = peak_rss_mb()
    if args.phase == "gen":
        result = generate(args.n, args.seed)
    elif args.phase == "baseline":
        result = phase_baseline(Path(args.data_dir) / "baseline")
    elif args.phase == "full":
        result = phase_refresh(full=True)
    elif args.phase in ("incremental", "noop"):
        result = phase_refresh(full=False)
    elif args.phase == "update":
        result = phase_update(args.seed)
    else:
        result = phase_verify()
    result["peak_rss_mb"] = peak_rss_mb()
    result["rss_after_setup_mb"] = started_rss
    print(json.dumps(result, default=str))


def spawn(phase: str, data_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--phase", phase, "--data-dir", str(data_dir)]
    command += ["--n", str(args.n), "--seed", str(args.seed)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    sys.stderr.write(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20260601)
    parser.add_argument("--keep", help="keep (and reuse) the generated database in this directory")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args)
        return

    data_dir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ipops-bench-parquet-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    pristine = data_dir / "pristine.sqlite3"
    db_file = data_dir / "ipops.sqlite3"
    print(f"data dir {data_dir}  (n = {args.n:,}, seed {args.seed}, {os.cpu_count()} cpus)")
    try:
        if args.keep and pristine.exists():
            print("reusing the generated database", pristine)
            gen = json.loads((data_dir / "pristine.json").read_text())
        else:
            gen = spawn("gen", data_dir, args)
            if args.keep:
                shutil.copyfile(db_file, pristine)
                (data_dir / "pristine.json").write_text(json.dumps(gen))
        if args.keep:
            shutil.copyfile(pristine, db_file)
            for suffix in ("-wal", "-shm"):
                Path(f"{db_file}{suffix}").unlink(missing_ok=True)
            shutil.rmtree(data_dir / "derived", ignore_errors=True)
        print(
            f"generated {gen['patents']:,} patents, {gen['applicant_links']:,} applicant links, "
            f"{gen['classifications']:,} classifications in {gen['seconds']:.0f} s "
            f"(SQLite file {gen['db_mb']:.0f} MB)"
        )
        base = spawn("baseline", data_dir, args)
        per = ", ".join(f"{name} {sec:.1f} s" for name, sec in base["per_dataset"].items())
        print(
            f"baseline   naive export, one file per dataset: {base['seconds']:6.1f} s  "
            f"peak RSS {base['peak_rss_mb']:7.0f} MB  rows {base['rows']}  ({per}; {base['mb']:.0f} MB)"
        )
        full = spawn("full", data_dir, args)
        print(
            f"full       refresh(full=True): {full['seconds']:6.1f} s  peak RSS {full['peak_rss_mb']:7.0f} MB  "
            f"rows {full['rows_written']}  buckets {len(full['buckets_touched'])}  "
            f"files {full['files_written']}  store {full['store_mb']:.0f} MB"
        )
        print(f"           ratio full / baseline = {full['seconds'] / base['seconds']:.2f}")
        upd = spawn("update", data_dir, args)
        print(
            f"update     {upd['updated']} patents changed ({upd['relinked']} re-classified) in {upd['seconds']:.1f} s"
        )
        inc = spawn("incremental", data_dir, args)
        print(
            f"increm.    refresh(): {inc['seconds']:6.2f} s  peak RSS {inc['peak_rss_mb']:7.0f} MB  "
            f"rows {inc['rows_written']}  buckets {len(inc['buckets_touched'])} "
            f"(compacted {len(inc['buckets_compacted'])})  files {inc['files_written']}"
        )
        print(
            f"           ratio incremental / full = {inc['seconds'] / full['seconds']:.3f}, "
            f"incremental / baseline = {inc['seconds'] / base['seconds']:.3f}"
        )
        noop = spawn("noop", data_dir, args)
        print(
            f"no-op      refresh(): {noop['seconds']:6.2f} s  peak RSS {noop['peak_rss_mb']:7.0f} MB  "
            f"rows {noop['rows_written']}  buckets {len(noop['buckets_touched'])}  files {noop['files_written']}"
        )
        ver = spawn("verify", data_dir, args)
        print(
            f"verify     DuckDB counts {ver['counts']} == database: {ver['match']}; invalidated = {ver['invalidated']}"
        )
        for label, seconds in ver["query_seconds"].items():
            print(f"           {label}: {seconds * 1000:.0f} ms")
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
