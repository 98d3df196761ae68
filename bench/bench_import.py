"""Benchmark of the patent import (`ipops.patents.importers`): end-to-end rows/s, peak memory, and the ratio to
a naive per-row ORM import.

Synthetic mode (default): `bench/cnipa_synth.py` expands the real 199-row CNIPA sample into N rows (default
1,000,000; labelled synthetic in an extra column). Then, each phase in its own process (so that its peak RSS
is its own) and each against a fresh throw-away database:

  import   the N rows through the import job exactly as `manage.py import_patents` runs it (parse, validate,
           normalise, write, report, audit; one transaction)
  slice    the same pipeline on the first 10,000 rows (`--slice`), for a like-for-like comparison
  naive    the first 10,000 rows the naive way: the un-cached `normalise_row`, then one
           `Patent.objects.create(...)` and one `create`/`get_or_create` per applicant link and per class,
           row by row, in one transaction

Gazette mode (`--gazette`): the real gazette day of 2019-07-09 (four GB18030 files, 36,956 records, read
from ../shared/data/cn_gazette_20190709_foristkirito/original/*.csv.xz and decompressed to the temp
directory), imported one file after the other into one fresh database through the bundled mappings
(`cnipa-gazette`, and `cnipa-gazette-design` for the design file); prints rows/s per file, created,
rejected and warnings by reason (from the row-level reports) and the normaliser cache hit rates.

The database is SQLite under a temporary IPOPS_DATA_DIR, or with `--postgres` a throw-away PostgreSQL
database (`--pg-name`, default ipops_bench, on postgres@127.0.0.1:5432) that the script creates and drops.

    .venv/bin/python bench/bench_import.py [--n 1000000] [--slice 10000] [--postgres] [--workers N]
    .venv/bin/python bench/bench_import.py --gazette [--postgres]

`--workers` sets IPOPS_IMPORT_WORKERS for the import phases (0: normalise in the main process).
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import logging
import lzma
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GAZETTE_DIR = ROOT.parent / "shared" / "data" / "cn_gazette_20190709_foristkirito" / "original"
GAZETTE_FILES = (
    ("CN_patent_utility_new_709.csv.xz", "cnipa-gazette"),
    ("CN_patent_invention_published_709.csv.xz", "cnipa-gazette"),
    ("CN_patent_invention_authorized_709.csv.xz", "cnipa-gazette"),
    ("CN_patent_appearance_designed_709.csv.xz", "cnipa-gazette-design"),
)
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


# --- inside a phase process ------------------------------------------------------------------------------


def setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["IPOPS_DEBUG"] = "0"  # DEBUG would keep every query's SQL in memory
    os.environ.setdefault("IPOPS_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds of this process and of its (finished) worker processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def backend_cpu_seconds() -> float | None:
    """CPU time of this connection's PostgreSQL server process (same machine), or None on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prepare() -> dict[str, Any]:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", without_patents=True, stdout=quiet)
    return {"prepare_s": round(time.perf_counter() - started, 1)}


class StatsHandler(logging.Handler):
    """Collects the statistics the import pipeline logs at its end (cache hit rates, phase timings)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.stats: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        stats = getattr(record, "import_stats", None)
        if stats is not None:
            self.stats.append(stats)


def reasons_of(report: Path | None) -> dict[str, dict[str, int]]:
    """Rejections and warnings of a row-level report, counted by column and reason (values masked)."""
    import openpyxl

    out: dict[str, collections.Counter[str]] = {
        "rejected": collections.Counter(),
        "warning": collections.Counter(),
    }
    if report is None:
        return {}
    rows = openpyxl.load_workbook(report, read_only=True).active.iter_rows(min_row=2, values_only=True)
    for _line, column, _value, reason, severity in rows:
        masked = re.sub(r"“[^”]*”", "“…”", str(reason))
        masked = re.sub(r"\d+", "N", masked)
        kind = "rejected" if severity == "rejected" else "warning"
        out[kind][f"{column or '-'}: {masked}"] += 1
    return {kind: dict(counter.most_common()) for kind, counter in out.items()}


def import_file(csv_path: Path, mapping: str = "", with_reasons: bool = False) -> dict[str, Any]:
    from django.utils import translation

    from ipops.accounts.models import User
    from ipops.core.jobs import execute_job, result_path
    from ipops.core.models import Job
    from ipops.patents import services

    handler = StatsHandler()
    logging.getLogger("ipops.patents").addHandler(handler)
    logging.getLogger("ipops.patents").setLevel(logging.INFO)
    operator = User.objects.get(username="operator")
    stored = services.keep_local_file(csv_path)  # what the command does too (a copy into uploads/); untimed
    with translation.override("en"):  # the job runs in the language it was started in
        job = services.start_import(
            actor=operator, path=stored, file_name=csv_path.name, mapping=mapping, enqueue=False
        )
    load_before = os.getloadavg()[0]
    backend_before = backend_cpu_seconds()
    cpu_before = cpu_seconds()
    from django.utils import timezone

    started, started_at = time.perf_counter(), timezone.now()
    job = execute_job(str(job.pk))
    total = time.perf_counter() - started
    # until the job's end is recorded (what the user waits for); then its after-finish maintenance (the
    # SQLite write-ahead-log checkpoint), reported on its own
    elapsed = (job.finished_at - started_at).total_seconds()
    cpu_after = cpu_seconds()
    backend_after = backend_cpu_seconds()
    stored.unlink(missing_ok=True)
    if job.status != Job.Status.SUCCEEDED:
        raise SystemExit(f"import failed: {job.error}")
    rows = job.result["rows_read"]
    result: dict[str, Any] = {
        "file": csv_path.name,
        **{k: v for k, v in job.result.items() if k != "batch"},
        "seconds": round(elapsed, 2),
        "rows_per_s": round(rows / elapsed),
        "after_finish_s": round(total - elapsed, 2),
        "cpu_main_s": round(cpu_after[0] - cpu_before[0], 1),
        "cpu_workers_s": round(cpu_after[1] - cpu_before[1], 1),
        "load_avg_1min_before": round(load_before, 2),
        "load_avg_1min_after": round(os.getloadavg()[0], 2),
        "workers": os.environ.get("IPOPS_IMPORT_WORKERS", "default"),
    }
    if backend_before is not None and backend_after is not None:
        result["postgres_backend_cpu_s"] = round(backend_after - backend_before, 1)
    # what two idle cores could do: the busiest of main process, workers and database server sets the pace
    busiest = max(result["cpu_main_s"], result["cpu_workers_s"], result.get("postgres_backend_cpu_s", 0))
    result["cpu_us_per_row"] = {
        k: round(result[k] / rows * 1e6)
        for k in ("cpu_main_s", "cpu_workers_s", "postgres_backend_cpu_s")
        if k in result
    }
    result["cpu_bound_rows_per_s"] = round(
        rows / max(busiest, (sum(result["cpu_us_per_row"].values()) * rows / 1e6) / 2)
    )
    if handler.stats:
        result["pipeline"] = handler.stats[-1]
    if with_reasons:
        result["reasons"] = reasons_of(result_path(job))
    return result


def naive_import(csv_path: Path) -> dict[str, Any]:
    """The import written the obvious way: normalise a row, create its objects, next row."""
    import uuid

    from django.db import transaction

    from ipops.patents.importers.base import Problem
    from ipops.patents.importers.loader import PATENT_FIELDS
    from ipops.patents.importers.normalise import normalise_row
    from ipops.patents.importers.tabular_parsers import TabularParser
    from ipops.patents.models import Applicant, Classification, ImportBatch, Patent, PatentApplicant

    cpu_before = cpu_seconds()
    backend_before = backend_cpu_seconds()
    started = time.perf_counter()
    rows = created = 0
    with transaction.atomic():
        batch = ImportBatch.objects.create(file_name=csv_path.name, file_format="cnipa")
        for item in TabularParser(csv_path).rows():
            rows += 1
            if isinstance(item, Problem):
                continue
            record, _problems = normalise_row(item)
            if record is None:
                continue
            values = {name: record.fields.get(name) for name in PATENT_FIELDS}
            for name in PATENT_FIELDS:
                if values[name] is None and name not in ("pub_number", "app_date", "pub_date", "grant_date"):
                    values[name] = {} if name == "extra" else ""
            patent = Patent.objects.create(
                id=uuid.uuid4(), content_hash=record.content_hash, last_import=batch, **values
            )
            for position, name in enumerate(record.applicants):
                applicant, _new = Applicant.objects.get_or_create(
                    key=name.key, defaults={"name": name.name, "kind": name.kind}
                )
                PatentApplicant.objects.create(
                    patent=patent, applicant=applicant, position=position, raw_name=name.raw
                )
            for position, (code, subclass, version, is_main) in enumerate(record.ipc):
                Classification.objects.create(
                    patent=patent,
                    code=code,
                    subclass=subclass,
                    version=version,
                    is_main=is_main,
                    position=position,
                )
            created += 1
    elapsed = time.perf_counter() - started
    backend_after = backend_cpu_seconds()
    result: dict[str, Any] = {
        "rows_read": rows,
        "created": created,
        "seconds": round(elapsed, 2),
        "rows_per_s": round(rows / elapsed),
        "cpu_main_s": round(cpu_seconds()[0] - cpu_before[0], 1),
    }
    if backend_before is not None and backend_after is not None:
        result["postgres_backend_cpu_s"] = round(backend_after - backend_before, 1)
    return result


def run_phase(args: argparse.Namespace) -> None:
    setup_django()
    result: dict[str, Any] = prepare()
    if args.phase == "import":
        result |= import_file(Path(args.csv))
    elif args.phase == "naive":
        result |= naive_import(Path(args.csv))
    elif args.phase == "gazette":
        result["files"] = [
            import_file(Path(path), mapping, with_reasons=True)
            for path, mapping in (item.split("=", 1) for item in args.csv.split(","))
        ]
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result["peak_rss_mb"] = round(own)
    result["peak_rss_children_mb"] = round(children)
    print("RESULT " + json.dumps(result, ensure_ascii=False))


# --- the orchestrating process ---------------------------------------------------------------------------


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def fresh_database(args: argparse.Namespace, tmp: Path, label: str) -> dict[str, str]:
    """Environment for a phase against a new, empty database."""
    data_dir = tmp / f"data-{label}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir()
    env = {**os.environ, "IPOPS_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    if args.postgres:
        pg_admin(f'DROP DATABASE IF EXISTS "{args.pg_name}" WITH (FORCE)')
        pg_admin(f'CREATE DATABASE "{args.pg_name}"')
        env["DATABASE_URL"] = f"{PG_SERVER}/{args.pg_name}"
    if args.workers is not None:
        env["IPOPS_IMPORT_WORKERS"] = str(args.workers)
    return env


def spawn(phase: str, csv_arg: str, env: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--phase", phase, "--csv", csv_arg]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"phase {phase} failed")
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def write_slice(source: Path, out: Path, n: int) -> None:
    with (
        source.open(encoding="utf-8", newline="") as handle,
        out.open("w", encoding="utf-8", newline="") as dest,
    ):
        reader, writer = csv.reader(handle), csv.writer(dest)
        writer.writerow(next(reader))
        for i, row in enumerate(reader):
            if i >= n:
                break
            writer.writerow(row)


def show(title: str, result: dict[str, Any]) -> None:
    print(f"\n== {title}")
    print(json.dumps(result, ensure_ascii=False, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000, help="synthetic rows (default 1,000,000)")
    parser.add_argument("--slice", type=int, default=10_000, help="rows of the naive baseline (10,000)")
    parser.add_argument("--postgres", action="store_true", help="a throw-away PostgreSQL database")
    parser.add_argument("--pg-name", default="ipops_bench", help="its name (created and dropped)")
    parser.add_argument("--gazette", action="store_true", help="the real gazette day instead")
    parser.add_argument("--workers", type=int, default=None, help="IPOPS_IMPORT_WORKERS for the import")
    parser.add_argument("--csv-in", type=Path, default=None, help="reuse a generated CSV instead")
    parser.add_argument("--skip-naive", action="store_true", help="only the import phases")
    parser.add_argument("--tmp", type=Path, default=None, help="parent of the temporary directory")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args)
        return

    tmp = Path(tempfile.mkdtemp(prefix="ipops-bench-import-", dir=args.tmp))
    print(f"database: {'PostgreSQL ' + args.pg_name if args.postgres else 'SQLite'}; temp dir {tmp}")
    print(f"cpus {os.cpu_count()}, load average {os.getloadavg()}")
    try:
        if args.gazette:
            files = []
            for name, mapping in GAZETTE_FILES:
                out = tmp / name.removesuffix(".xz")
                out.write_bytes(lzma.open(GAZETTE_DIR / name).read())  # noqa: SIM115
                files.append(f"{out}={mapping}")
            result = spawn("gazette", ",".join(files), fresh_database(args, tmp, "gazette"))
            total_rows = sum(f["rows_read"] for f in result["files"])
            total_s = sum(f["seconds"] for f in result["files"])
            result["total"] = {
                "rows_read": total_rows,
                "created": sum(f["created"] for f in result["files"]),
                "rejected": sum(f["rejected"] for f in result["files"]),
                "warnings": sum(f["warnings"] for f in result["files"]),
                "seconds": round(total_s, 2),
                "rows_per_s": round(total_rows / total_s),
            }
            show("gazette day 2019-07-09", result)
            return

        csv_path = args.csv_in or tmp / f"cnipa_synth_{args.n}.csv"
        if args.csv_in is None:
            started = time.perf_counter()
            sys.path.insert(0, str(ROOT / "bench"))
            from cnipa_synth import generate

            generate(args.n, csv_path)
            print(
                f"generated {args.n:,} rows ({csv_path.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - started:.0f} s"
            )
        full = spawn("import", str(csv_path), fresh_database(args, tmp, "import"))
        show(f"import of {args.n:,} rows", full)
        if args.skip_naive:
            return
        slice_path = tmp / f"slice_{args.slice}.csv"
        write_slice(csv_path, slice_path, args.slice)
        same_slice = spawn("import", str(slice_path), fresh_database(args, tmp, "slice"))
        show(f"import of the first {args.slice:,} rows", same_slice)
        naive = spawn("naive", str(slice_path), fresh_database(args, tmp, "naive"))
        show(f"naive per-row ORM import of the first {args.slice:,} rows", naive)
        print(
            f"\nSUMMARY {'PostgreSQL' if args.postgres else 'SQLite'}: {full['rows_per_s']:,} rows/s on "
            f"{args.n:,} rows (peak RSS {full['peak_rss_mb']} MB main, {full['peak_rss_children_mb']} MB "
            f"largest worker); {same_slice['rows_per_s']:,} rows/s on the {args.slice:,}-row slice; naive "
            f"{naive['rows_per_s']:,} rows/s; ratio {full['rows_per_s'] / naive['rows_per_s']:.1f}x "
            f"(slice vs naive {same_slice['rows_per_s'] / naive['rows_per_s']:.1f}x); target 10,000 rows/s "
            f"{'met' if full['rows_per_s'] >= 10_000 else 'NOT met'}"
        )
    finally:
        if args.postgres:
            pg_admin(f'DROP DATABASE IF EXISTS "{args.pg_name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
