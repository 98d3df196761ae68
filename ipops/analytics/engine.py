"""Where the analyses run: the Parquet snapshot opened as Ibis tables on DuckDB (default) or PySpark.

One snapshot per run: the manifest is read once and its file lists fixed, so a refresh committing while
the analyses run changes nothing they see (replaced files are kept `store.RETIRE_SECONDS`). On DuckDB the
views are those of `ipops.corpus.query.connect`; on Spark the same rule (base rows minus superseded ids,
plus deltas) is written with DataFrames.

A *snapshot* argument is the store root (a directory with ``_manifest.json``; default `store_dir()`), or
a directory holding plain ``patents.parquet``, ``applicants.parquet`` and ``classifications.parquet`` with
the store's columns (the benchmark writes those straight from its generator).

DuckDB: ``IPOPS_ANALYTICS_DUCKDB_THREADS`` threads (default 2) and at most
``IPOPS_ANALYTICS_DUCKDB_MEMORY_LIMIT`` memory (default ``2GB``; DuckDB spills beyond it), one in-memory
database per run. Spark: master from the ``IPOPS_SPARK_MASTER`` setting (default ``local[2]``; a cluster
URL such as ``spark://host:7077`` in production), shuffle partitions from
``IPOPS_SPARK_SHUFFLE_PARTITIONS`` (default 8). One SparkSession per process, made on first use.
"""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
from django.conf import settings

from ipops.corpus.store import TABLES, SnapshotMissingError, read_manifest, store_dir

logger = logging.getLogger(__name__)

BACKENDS = ("duckdb", "spark")
DUCKDB_THREADS = 2
DUCKDB_MEMORY_LIMIT = "2GB"

COLUMNS = {
    "patents": (
        "id",
        "pub_number",
        "app_number",
        "country",
        "kind",
        "patent_type",
        "title",
        "abstract",
        "app_date",
        "pub_date",
        "grant_date",
        "app_year",
        "main_ipc",
        "legal_status",
        "province_code",
        "city_code",
        "district_code",
    ),
    "applicants": ("patent_id", "applicant_id", "name", "kind"),
    "classifications": ("patent_id", "scheme", "code", "subclass"),
}
KEYS = {table.name: table.key for table in TABLES}


class BackendError(ValueError):
    """An unknown backend name."""


@dataclass
class Tables:
    """The snapshot's three tables as Ibis expressions on one backend."""

    backend: str
    patents: ir.Table
    applicants: ir.Table
    classifications: ir.Table
    info: dict[str, Any]
    _close: Any = None
    _backend: Any = None

    _cached: list[Any] = field(default_factory=list)

    def materialise(self, expr: ir.Table) -> ir.Table:
        """`expr` computed once and kept for the rest of the run (the modules query the scoped tables a
        dozen times; recomputing their joins each time costs more than keeping them): a temporary table on
        DuckDB, a cached DataFrame on Spark (released by `close`)."""
        if self.backend == "duckdb" and self._backend is not None:
            return self._backend.create_table(f"ipops_scoped_{next(_view_counter)}", obj=expr, temp=True)
        if self.backend == "spark":
            cached = expr.cache()
            self._cached.append(cached)
            return cached
        return expr

    def with_row_key(self, expr: ir.Table, key: str = "id") -> ir.Table:
        """`expr` with a column ``rid`` that identifies its rows, for joins and groupings that would
        otherwise hash the 32-character patent ids again and again: the row number on DuckDB (computed
        once, when `expr` is materialised), the id itself on Spark (a row number there would pull every row
        into one partition). Only equality on ``rid`` is meaningful."""
        if self.backend == "duckdb":
            return expr.mutate(rid=ibis.row_number())
        return expr.mutate(rid=expr[key])

    def close(self) -> None:
        for cached in self._cached:
            try:
                cached.release()
            except Exception:  # releasing a cache must not hide the run's result
                logger.warning("could not release a cached table", exc_info=True)
        self._cached.clear()
        if self._close is not None:
            self._close()
            self._close = None


def _plain_files(root: Path) -> dict[str, list[str]] | None:
    found = {name: sorted(str(p) for p in root.glob(f"{name}*.parquet")) for name in COLUMNS}
    return found if all(found.values()) else None


def _snapshot_files(root: Path) -> tuple[dict[str, dict[str, list[str]]], dict[str, Any]]:
    """{dataset: {base, delta, superseded}} as absolute paths, and what the snapshot is."""
    manifest = read_manifest(root)
    if manifest is None:
        plain = _plain_files(root)
        if plain is None:
            raise SnapshotMissingError(f"no derived snapshot in {root}: run `manage.py refresh_derived`")
        files = {name: {"base": paths, "delta": [], "superseded": []} for name, paths in plain.items()}
        return files, {"generation": None, "watermark": None, "plain_files": True}
    files = {}
    for name in COLUMNS:
        listed = manifest.files_of(name)
        files[name] = {kind: [str(root / f) for f in paths] for kind, paths in listed.items()}
    return files, {
        "generation": manifest.generation,
        "watermark": manifest.watermark.isoformat(),
        "refreshed_at": manifest.refreshed_at.isoformat(),
        "plain_files": False,
    }


# --- DuckDB --------------------------------------------------------------------------------------------


def _duck_list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def _open_duckdb(files: dict[str, dict[str, list[str]]]) -> tuple[Any, Any, dict[str, ir.Table]]:
    import duckdb

    con = duckdb.connect(":memory:")
    threads = int(getattr(settings, "IPOPS_ANALYTICS_DUCKDB_THREADS", None) or DUCKDB_THREADS)
    memory = str(getattr(settings, "IPOPS_ANALYTICS_DUCKDB_MEMORY_LIMIT", None) or DUCKDB_MEMORY_LIMIT)
    con.execute(f"SET threads = {threads}")
    con.execute("SET memory_limit = '" + memory.replace("'", "''") + "'")
    # every result is ordered explicitly (full tie-breaks), so row order inside DuckDB need not be kept
    con.execute("SET preserve_insertion_order = false")
    for name, columns in COLUMNS.items():
        listed = files[name]
        cols = ", ".join(columns)
        sql = f"SELECT {cols} FROM read_parquet({_duck_list(listed['base'])})"  # noqa: S608 (our paths)
        if listed["superseded"]:
            sql += (
                f" WHERE {KEYS[name]} NOT IN (SELECT patent_id FROM "  # noqa: S608
                f"read_parquet({_duck_list(listed['superseded'])}))"
            )
        if listed["delta"]:
            sql += f" UNION ALL SELECT {cols} FROM read_parquet({_duck_list(listed['delta'])})"  # noqa: S608
        con.execute(f"CREATE VIEW {name} AS {sql}")
    backend = ibis.duckdb.from_connection(con)
    return con, backend, {name: backend.table(name) for name in COLUMNS}


# --- Spark ---------------------------------------------------------------------------------------------

_spark_lock = threading.Lock()
_spark_session: Any = None
_view_counter = itertools.count(1)


def _spark_partitions() -> int:
    return int(getattr(settings, "IPOPS_SPARK_SHUFFLE_PARTITIONS", None) or 8)


def spark_session() -> Any:
    """The process's SparkSession (made on first use from the settings)."""
    global _spark_session
    with _spark_lock:
        if _spark_session is None:
            from pyspark.sql import SparkSession

            master = getattr(settings, "IPOPS_SPARK_MASTER", None) or "local[2]"
            partitions = _spark_partitions()
            builder = (
                SparkSession.builder.master(master)
                .appName("ipops-analytics")
                .config("spark.sql.shuffle.partitions", str(partitions))
                .config("spark.default.parallelism", str(partitions))
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.ansi.enabled", "false")
                .config("spark.driver.extraJavaOptions", "-Dlog4j2.level=ERROR")
            )
            _spark_session = builder.getOrCreate()
            _spark_session.sparkContext.setLogLevel("ERROR")
            # py4j logs every connection it closes at INFO, also from __del__ at interpreter exit, when the
            # log stream may be closed already ("--- Logging error ---" at the end of a run)
            logging.getLogger("py4j").setLevel(logging.WARNING)
        return _spark_session


def stop_spark() -> None:
    global _spark_session
    with _spark_lock:
        if _spark_session is not None:
            _spark_session.stop()
            _spark_session = None


def _open_spark(files: dict[str, dict[str, list[str]]]) -> tuple[Any, dict[str, ir.Table]]:
    session = spark_session()
    backend = ibis.pyspark.connect(session)
    tables: dict[str, ir.Table] = {}
    views: list[str] = []
    for name, columns in COLUMNS.items():
        listed = files[name]
        frame = session.read.parquet(*listed["base"]).select(*columns)
        if listed["superseded"]:
            gone = session.read.parquet(*listed["superseded"]).select("patent_id").distinct()
            frame = frame.join(gone, frame[KEYS[name]] == gone["patent_id"], "left_anti")
        if listed["delta"]:
            frame = frame.unionByName(session.read.parquet(*listed["delta"]).select(*columns))
        view = f"ipops_{name}_{next(_view_counter)}"
        frame.createOrReplaceTempView(view)
        views.append(view)
        tables[name] = backend.table(view)

    def close() -> None:
        for view in views:
            session.catalog.dropTempView(view)

    return close, tables


def open_tables(backend: str = "duckdb", snapshot: Path | str | None = None) -> Tables:
    """The snapshot's tables on `backend` ('duckdb' or 'spark'). Close them when done."""
    if backend not in BACKENDS:
        raise BackendError(f"unknown backend {backend!r}: use one of {', '.join(BACKENDS)}")
    root = Path(snapshot) if snapshot else store_dir()
    files, info = _snapshot_files(root)
    ibis_backend = None
    if backend == "duckdb":
        con, ibis_backend, tables = _open_duckdb(files)
        closer = con.close
    else:
        closer, tables = _open_spark(files)
    return Tables(
        backend=backend,
        patents=tables["patents"],
        applicants=tables["applicants"],
        classifications=tables["classifications"],
        info=info,
        _close=closer,
        _backend=ibis_backend,
    )


def rows(expr: ir.Table) -> list[dict[str, Any]]:
    """An expression's rows as plain dicts (same Python types from either backend)."""
    return list(expr.to_pyarrow().to_pylist())
