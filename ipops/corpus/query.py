"""Read the derived Parquet snapshot with DuckDB.

`connect()` opens an in-memory DuckDB with three views over the files the current manifest lists (never a
glob: a refresh may be writing the next generation beside them): `patents`, `applicants` and
`classifications`, each with the hive partition column `bucket`. A view is the bucket's base rows minus
the ids superseded since, plus the delta rows (see `ipops.corpus.store`). A connection sees one snapshot;
open a new one per unit of work (files a refresh replaces are deleted `store.RETIRE_SECONDS` later).

The functions below take a `PatentFilter` (or a mapping of its fields): every value is bound as a query
parameter and the column names are fixed here, so no caller text ever becomes SQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import duckdb

from ipops.corpus.store import TABLES, Manifest, SnapshotMissingError, read_manifest, store_dir

__all__ = [
    "PatentFilter",
    "SnapshotMissingError",
    "connect",
    "count_by_year",
    "count_patents",
    "snapshot_info",
    "top_applicants",
    "top_subclasses",
]


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _scan(root: Path, files: Sequence[str]) -> str:
    paths = ", ".join(_literal(root / f) for f in files)
    return f"read_parquet([{paths}], hive_partitioning = true, hive_types = {{'bucket': INTEGER}})"


def view_sql(root: Path, manifest: Manifest, dataset: str, key: str) -> str:
    files = manifest.files_of(dataset)
    if not files["superseded"]:
        return f"SELECT * FROM {_scan(root, files['base'] + files['delta'])}"  # noqa: S608 (our own paths)
    superseded = _scan(root, files["superseded"])
    return (
        f"SELECT * FROM {_scan(root, files['base'])} "  # noqa: S608 (our own paths)
        f"WHERE {key} NOT IN (SELECT patent_id FROM {superseded}) "
        f"UNION ALL SELECT * FROM {_scan(root, files['delta'])}"
    )


def connect(root: Path | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the views `patents`, `applicants`, `classifications`."""
    root = root or store_dir()
    manifest = read_manifest(root)
    if manifest is None:
        raise SnapshotMissingError(f"no derived snapshot in {root}: run `manage.py refresh_derived`")
    con = duckdb.connect(":memory:")
    for table in TABLES:
        con.execute(f"CREATE VIEW {table.name} AS {view_sql(root, manifest, table.name, table.key)}")
    return con


def snapshot_info(root: Path | None = None) -> dict[str, Any] | None:
    """What the current snapshot reflects: generation, watermark, when and how it was refreshed, rows."""
    manifest = read_manifest(root)
    if manifest is None:
        return None
    return {
        "generation": manifest.generation,
        "mode": manifest.mode,
        "watermark": manifest.watermark,
        "refreshed_at": manifest.refreshed_at,
        "rows": manifest.rows,
        "schema_version": manifest.schema_version,
    }


@dataclass(frozen=True)
class PatentFilter:
    """Conditions on the `patents` view; unset fields do not filter."""

    year_from: int | None = None  # application year, inclusive
    year_to: int | None = None
    patent_types: tuple[str, ...] = ()  # any of
    legal_statuses: tuple[str, ...] = ()  # any of
    country: str | None = None
    applicant_country: str | None = None
    province_code: str | None = None
    city_code: str | None = None
    district_code: str | None = None
    ipc_prefix: str | None = None  # main IPC starts with, e.g. "G06F" or "G06F 16/"
    dataset: str | None = None
    synthetic: bool | None = None  # None: real and synthetic records alike

    @classmethod
    def of(cls, value: PatentFilter | Mapping[str, Any] | None) -> PatentFilter:
        if value is None:
            return cls()
        if isinstance(value, PatentFilter):
            return value
        known = {f.name for f in fields(cls)}
        unknown = set(value) - known
        if unknown:
            raise ValueError(f"unknown filter field(s): {', '.join(sorted(unknown))}")
        data = dict(value)
        for name in ("patent_types", "legal_statuses"):
            if isinstance(data.get(name), str):
                data[name] = (data[name],)
            elif data.get(name) is not None:
                data[name] = tuple(data[name])
        return cls(**data)

    def where(self, alias: str = "p") -> tuple[str, list[Any]]:
        """A WHERE clause (or "") over `alias`, and its parameters."""
        clauses: list[str] = []
        params: list[Any] = []
        simple = (
            ("{p}.app_year >= ?", self.year_from),
            ("{p}.app_year <= ?", self.year_to),
            ("{p}.country = ?", self.country),
            ("{p}.applicant_country = ?", self.applicant_country),
            ("{p}.province_code = ?", self.province_code),
            ("{p}.city_code = ?", self.city_code),
            ("{p}.district_code = ?", self.district_code),
            ("starts_with({p}.main_ipc, ?)", self.ipc_prefix),
            ("{p}.dataset = ?", self.dataset),
            ("{p}.synthetic = ?", self.synthetic),
        )
        for condition, value in simple:
            if value is not None:
                clauses.append(condition.format(p=alias))
                params.append(value)
        for column, values in (("patent_type", self.patent_types), ("legal_status", self.legal_statuses)):
            if values:
                clauses.append(f"{alias}.{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


Filters = PatentFilter | Mapping[str, Any] | None


@contextmanager
def _connection(con: duckdb.DuckDBPyConnection | None) -> Iterator[duckdb.DuckDBPyConnection]:
    if con is not None:
        yield con
        return
    own = connect()
    try:
        yield own
    finally:
        own.close()


def _limit(n: int) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ValueError("n must be a non-negative integer")
    return n


def count_patents(filters: Filters = None, *, con: duckdb.DuckDBPyConnection | None = None) -> int:
    where, params = PatentFilter.of(filters).where()
    with _connection(con) as db:
        row = db.execute(f"SELECT count(*) FROM patents p{where}", params).fetchone()  # noqa: S608
    return int(row[0]) if row else 0


def count_by_year(
    filters: Filters = None, *, con: duckdb.DuckDBPyConnection | None = None
) -> list[tuple[int, int]]:
    """(application year, patents) for every year that has any, oldest first; undated patents left out."""
    where, params = PatentFilter.of(filters).where()
    condition = f"{where} AND p.app_year IS NOT NULL" if where else " WHERE p.app_year IS NOT NULL"
    sql = f"SELECT p.app_year, count(*) FROM patents p{condition} GROUP BY 1 ORDER BY 1"  # noqa: S608
    with _connection(con) as db:
        return [(int(year), int(n)) for year, n in db.execute(sql, params).fetchall()]


def top_applicants(
    n: int = 10, filters: Filters = None, *, con: duckdb.DuckDBPyConnection | None = None
) -> list[tuple[str, str, int]]:
    """(applicant id, name, patents) of the n applicants with most matching patents; ties by name."""
    where, params = PatentFilter.of(filters).where()
    source = "applicants a" + (f" JOIN patents p ON p.id = a.patent_id{where}" if where else "")
    sql = (
        f"SELECT a.applicant_id, min(a.name) AS name, count(DISTINCT a.patent_id) AS patents "  # noqa: S608
        f"FROM {source} GROUP BY a.applicant_id ORDER BY patents DESC, name, a.applicant_id LIMIT ?"
    )
    with _connection(con) as db:
        rows = db.execute(sql, [*params, _limit(n)]).fetchall()
    return [(str(pk), str(name), int(count)) for pk, name, count in rows]


def top_subclasses(
    n: int = 10, filters: Filters = None, *, con: duckdb.DuckDBPyConnection | None = None
) -> list[tuple[str, int]]:
    """(IPC subclass of the main classification, patents) of the n commonest subclasses."""
    where, params = PatentFilter.of(filters).where()
    condition = f"{where} AND p.main_subclass <> ''" if where else " WHERE p.main_subclass <> ''"
    sql = (
        f"SELECT p.main_subclass, count(*) AS patents FROM patents p{condition} "  # noqa: S608
        "GROUP BY 1 ORDER BY patents DESC, 1 LIMIT ?"
    )
    with _connection(con) as db:
        rows = db.execute(sql, [*params, _limit(n)]).fetchall()
    return [(str(code), int(count)) for code, count in rows]
