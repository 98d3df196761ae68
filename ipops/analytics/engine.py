"""Where the analyses run: the Parquet snapshot opened as Ibis tables on DuckDB (default) or PySpark.

One snapshot per run: the manifest is read once and its file lists fixed, so a refresh committing while
the analyses run changes nothing they see (replaced files are kept `store.RETIRE_SECONDS`). On DuckDB the
views are those of `ipops.corpus.query.connect`; on Spark the same rule (base rows minus superseded ids,
plus deltas) is written with DataFrames.

A *snapshot* argument is the store root (a directory with ``_manifest.json``; default `store_dir()`), or
a directory holding plain ``patents.parquet``, ``applicants.parquet`` and ``classifications.parquet`` with
the store's columns (the benchmark writes those straight from its generator).

Spark: master from the ``IPOPS_SPARK_MASTER`` setting (default ``local[2]``; a cluster URL such as
``spark://host:7077`` in production), shuffle partitions from ``IPOPS_SPARK_SHUFFLE_PARTITIONS`` (default
8). One SparkSession per process, made on first use.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
from django.conf import settings

from ipops.corpus.store import TABLES, SnapshotMissingError, read_manifest, store_dir

BACKENDS = ("duckdb", "spark")

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

    def materialise(self, expr: ir.Table) -> ir.Table:
        """On DuckDB, `expr` computed once into a temporary table (the modules query the scoped patents a
        dozen times; re-running the scope's filters and semi-joins each time costs more than keeping it).
        On Spark the expression is returned as is (the cluster plans and caches its own way)."""
        if self.backend != "duckdb" or self._backend is None:
            return expr
        return self._backend.create_table(f"ipops_scoped_{next(_view_counter)}", obj=expr, temp=True)

    def close(self) -> None:
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
    threads = getattr(settings, "IPOPS_ANALYTICS_DUCKDB_THREADS", None)
    if threads:
        con.execute(f"SET threads = {int(threads)}")
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
            _spark_session = (
                SparkSession.builder.master(master)
                .appName("ipops-analytics")
                .config("spark.sql.shuffle.partitions", str(partitions))
                .config("spark.default.parallelism", str(partitions))
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.ansi.enabled", "false")
                .config("spark.driver.extraJavaOptions", "-Dlog4j2.level=ERROR")
                .getOrCreate()
            )
            _spark_session.sparkContext.setLogLevel("ERROR")
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
