"""The derived Parquet snapshot of the patent corpus: written only by `refresh`, read through `query`.

Layout under `settings.DATA_DIR / "derived" / "parquet"` (or `settings.IPOPS_DERIVED_PARQUET_DIR`)::

    _manifest.json                                   the commit point: which files make the snapshot
    patents/bucket=07/base-000012.parquet            one row per patent
    applicants/bucket=07/base-000012.parquet         one row per (patent, applicant) link
    classifications/bucket=07/base-000012.parquet    one row per classification of a patent
    patents/bucket=07/delta-000015.parquet           rows of patents changed since the base was written
    superseded/bucket=07/ids-000015.parquet          ids whose base rows no longer count

*Buckets.* A patent's bucket is the top 6 bits of its UUID (64 buckets). Patent ids are random UUID4s, so
that is a hash bucketing; unlike a hash computed in Python, it is also a contiguous id range, so a full
refresh reads each bucket with one primary-key range scan (`id >= lo AND id < hi`, same order on SQLite's
hex strings and PostgreSQL's uuid) and writes it straight out: memory stays flat whatever the corpus size.
Applicants and classifications are bucketed by their patent's id, so a patent and its rows stay together.

*Reading the database.* The ORM writes each query (`values_list` lookups, joins, bucket filter); rows are
fetched `CHUNK_SIZE` at a time from a chunked cursor (server-side on PostgreSQL, as `QuerySet.iterator`
uses) and Arrow converts whole columns, so memory holds one chunk and one row group, not the corpus.

*Base + delta.* 1,000 random changes land in all 64 buckets; rewriting every touched bucket would rewrite
the whole store. So an incremental refresh writes, per touched bucket, a small delta file (the current rows
of the bucket's changed and new patents, for each dataset) and the list of ids whose base rows are
superseded (changed or deleted). Readers (`query.connect`) take the base rows minus the superseded ids plus
the delta rows. When a bucket's delta reaches `compact_fraction` of its base, that bucket alone is
compacted into a new base. A full refresh writes bases only.

*Finding changes.* The manifest keeps a watermark: every change whose `updated_at` is at or below it is in
the snapshot. Candidates are the patents with `updated_at` above it, those linked to an applicant or a
dataset changed since, and those whose snapshot rows name an applicant that is gone (a merge moves links
with `QuerySet.update()` and deletes the merged applicant; applicant ids are compared every time). Import jobs write in one long transaction with timestamps taken before they commit,
so the watermark a refresh records is the earliest of its own start and the start of any job still
running, minus `WATERMARK_MARGIN` (clock skew, short request transactions). A candidate the snapshot
already holds with the same `updated_at` is unchanged (one that came through an applicant or a dataset is
compared row by row), so a patent seen twice in that overlap is written once, and a refresh with nothing
new writes nothing at all, not even the manifest.

*Deletions* leave no `updated_at` behind and can sit in any bucket, so comparing id sets only in the
buckets touched by updates would miss them. Each incremental refresh therefore scans all patent ids, bucket
by bucket (primary-key range, id only; the sets are compared in Arrow: under a second for 1M patents on
SQLite) and compares them with the snapshot's ids. The same scan finds inserts that committed too late for
the watermark.

*Atomicity.* Files are never overwritten: each refresh writes under new names (its generation number),
each file first as a hidden `.tmp` that is fsynced and renamed into place, then commits by atomically
replacing `_manifest.json`. Until that rename readers see the previous snapshot, and a refresh that fails
leaves it untouched (its new files are removed, or collected by the next refresh). Files a refresh replaces
are kept `RETIRE_SECONDS` for readers that opened the previous manifest, then deleted. One refresh runs at
a time (an exclusive lock file).

Contract with writers: whoever changes a patent's applicants or classifications also bumps the patent's
`updated_at` (the importer does; `QuerySet.update()` does not do it by itself). Changing the bucket count
or the schema (`SCHEMA_VERSION`) makes the next refresh a full one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connections
from django.db.models import Min, Model, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from ipops.core.models import Job
from ipops.patents.models import Applicant, Classification, Dataset, Patent, PatentApplicant

SCHEMA_VERSION = 1
FORMAT = "ipops-derived-parquet"
BUCKET_BITS = 6
BUCKETS = 1 << BUCKET_BITS
MANIFEST = "_manifest.json"
LOCK = ".refresh.lock"
SUPERSEDED = "superseded"
REFRESH_JOB_KIND = "corpus.refresh"

CHUNK_SIZE = 5000  # rows per database fetch (iterator chunk_size)
WATERMARK_MARGIN = timedelta(minutes=5)
RETIRE_SECONDS = 600
COMPACT_FRACTION = 0.1
# more candidates than this share of the snapshot (and than FULL_REFRESH_MIN): a full refresh is cheaper
FULL_REFRESH_FRACTION = 0.3
FULL_REFRESH_MIN = 10_000
ID_BATCH = 500  # ids per `__in` query

Row = tuple[Any, ...]
ProgressFn = Callable[[int, int, str], None]  # (done, total, message)


class RefreshBusyError(RuntimeError):
    """Another refresh holds the lock."""


class SnapshotMissingError(RuntimeError):
    """There is no snapshot yet (run `manage.py refresh_derived`)."""


def store_dir() -> Path:
    configured = getattr(settings, "IPOPS_DERIVED_PARQUET_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "derived" / "parquet"


# --- buckets ------------------------------------------------------------------------------------------


def bucket_of(patent_id: uuid.UUID | str) -> int:
    value = patent_id if isinstance(patent_id, uuid.UUID) else uuid.UUID(str(patent_id))
    return value.int >> (128 - BUCKET_BITS)


def bucket_bounds(bucket: int) -> tuple[uuid.UUID, uuid.UUID | None]:
    """The bucket's id range [lo, hi); hi is None for the last bucket."""
    shift = 128 - BUCKET_BITS
    lo = uuid.UUID(int=bucket << shift)
    hi = uuid.UUID(int=(bucket + 1) << shift) if bucket + 1 < BUCKETS else None
    return lo, hi


def bucket_name(bucket: int) -> str:
    return f"{bucket:02d}"


# --- the three datasets -------------------------------------------------------------------------------


def _uuid_strings(values: Sequence[Any]) -> pa.Array:
    """Canonical UUID text (8-4-4-4-12) from what the driver returns: 32-digit hex text (SQLite) or UUIDs."""
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, str) and len(sample) == 32:
        hexes = pa.array(values, pa.string())
        parts = [
            pc.utf8_slice_codeunits(hexes, a, b) for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))
        ]
        return pc.binary_join_element_wise(*parts, "-")
    return pa.array([None if v is None else str(v) for v in values], pa.string())


def _arrow(values: Sequence[Any], target: pa.DataType) -> pa.Array:
    """One fetched column as an Arrow array, converted as a whole (not value by value in Python).

    Drivers differ: SQLite gives naive UTC datetimes and 0/1 or bools, PostgreSQL aware datetimes; Arrow
    infers the type from the values and the cast brings every spelling to the dataset's type.
    """
    if pa.types.is_string(target) or pa.types.is_integer(target):
        return pa.array(values, target)
    raw = pa.array(values)
    if pa.types.is_string(raw.type) and pa.types.is_timestamp(target):
        raw = raw.cast(pa.timestamp("us"))
    return raw.cast(target)


def _is_temporal(kind: pa.DataType) -> bool:
    return bool(pa.types.is_date(kind) or pa.types.is_timestamp(kind))


@dataclass(frozen=True)
class Table:
    """One dataset: where its rows come from, its Arrow schema, how a fetched chunk becomes a batch."""

    name: str
    model: type[Model]
    key: str  # the patent id column (and lookup) the dataset is bucketed and replaced by
    columns: tuple[tuple[str, str], ...]  # (dataset column, values_list lookup), in fetch order
    schema: pa.Schema
    order: tuple[str, ...]  # database ordering = file ordering
    sort_keys: tuple[str, ...]  # the same ordering on Arrow columns
    row_group: int
    dictionary: tuple[str, ...]  # low-cardinality columns worth dictionary encoding
    uuids: tuple[str, ...]  # columns holding ids
    derive: Callable[[dict[str, pa.Array]], dict[str, pa.Array]] = lambda columns: {}

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(lookup for _name, lookup in self.columns)

    def select(self, vendor: str) -> list[str | Cast]:
        """The values_list arguments. SQLite's driver parses dates and datetimes one value at a time in
        Python (Django registers those converters); read as text, Arrow parses the whole column at once."""
        if vendor != "sqlite":
            return list(self.fields)
        return [
            Cast(lookup, TextField()) if _is_temporal(self.schema.field(name).type) else lookup
            for name, lookup in self.columns
        ]

    def queryset(self) -> QuerySet[Any]:
        return self.model._default_manager.order_by(*self.order)

    def to_batch(self, rows: Sequence[Row]) -> pa.RecordBatch:
        fetched = list(zip(*rows, strict=True)) if rows else [()] * len(self.columns)
        arrays: dict[str, pa.Array] = {}
        for (name, _lookup), values in zip(self.columns, fetched, strict=True):
            if name in self.uuids:
                arrays[name] = _uuid_strings(values)
            else:
                arrays[name] = _arrow(values, self.schema.field(name).type)
        arrays.update(self.derive(arrays))
        return pa.RecordBatch.from_arrays([arrays[f.name] for f in self.schema], schema=self.schema)

    def empty(self) -> pa.Table:
        return self.schema.empty_table()


def _derive_patents(c: dict[str, pa.Array]) -> dict[str, pa.Array]:
    code = pc.utf8_upper(pc.replace_substring(c["main_ipc"], " ", ""))
    return {
        "app_year": pc.year(c["app_date"]).cast(pa.int16()),
        "main_subclass": pc.if_else(
            pc.greater_equal(pc.utf8_length(code), 4), pc.utf8_slice_codeunits(code, 0, 4), ""
        ),
        "synthetic": pc.fill_null(c["synthetic"], False),  # no dataset: not known to be synthetic
    }


PATENTS = Table(
    name="patents",
    model=Patent,
    key="id",
    columns=(
        ("id", "id"),
        ("pub_number", "pub_number"),
        ("app_number", "app_number"),
        ("country", "country"),
        ("kind", "kind"),
        ("patent_type", "patent_type"),
        ("title", "title"),
        ("abstract", "abstract"),
        ("app_date", "app_date"),
        ("pub_date", "pub_date"),
        ("grant_date", "grant_date"),
        ("main_ipc", "main_ipc"),
        ("legal_status", "legal_status"),
        ("applicant_country", "applicant_country"),
        ("province_code", "province_code"),
        ("city_code", "city_code"),
        ("district_code", "district_code"),
        ("dataset", "dataset__name"),
        ("synthetic", "dataset__synthetic"),
        ("updated_at", "updated_at"),
    ),
    schema=pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),
            ("pub_number", pa.string()),
            ("app_number", pa.string()),
            ("country", pa.string()),
            ("kind", pa.string()),
            ("patent_type", pa.string()),
            ("title", pa.string()),
            ("abstract", pa.string()),
            ("app_date", pa.date32()),
            ("pub_date", pa.date32()),
            ("grant_date", pa.date32()),
            ("app_year", pa.int16()),
            ("main_ipc", pa.string()),
            ("main_subclass", pa.string()),
            ("legal_status", pa.string()),
            ("applicant_country", pa.string()),
            ("province_code", pa.string()),
            ("city_code", pa.string()),
            ("district_code", pa.string()),
            ("dataset", pa.string()),
            ("synthetic", pa.bool_()),
            ("updated_at", pa.timestamp("us", tz="UTC")),
        ]
    ),
    order=("id",),
    sort_keys=("id",),
    row_group=16_384,
    dictionary=(
        "country",
        "kind",
        "patent_type",
        "main_subclass",
        "legal_status",
        "applicant_country",
        "province_code",
        "city_code",
        "district_code",
        "dataset",
    ),
    uuids=("id",),
    derive=_derive_patents,
)

APPLICANTS = Table(
    name="applicants",
    model=PatentApplicant,
    key="patent_id",
    columns=(
        ("patent_id", "patent_id"),
        ("applicant_id", "applicant_id"),
        ("position", "position"),
        ("name", "applicant__name"),
        ("raw_name", "raw_name"),
        ("key", "applicant__key"),
        ("kind", "applicant__kind"),
        ("country", "applicant__country"),
        ("region_code", "applicant__region_code"),
    ),
    schema=pa.schema(
        [
            pa.field("patent_id", pa.string(), nullable=False),
            pa.field("applicant_id", pa.string(), nullable=False),
            ("position", pa.int16()),
            ("name", pa.string()),
            ("raw_name", pa.string()),
            ("key", pa.string()),
            ("kind", pa.string()),
            ("country", pa.string()),
            ("region_code", pa.string()),
        ]
    ),
    order=("patent_id", "position"),
    sort_keys=("patent_id", "position"),
    row_group=131_072,
    dictionary=("kind", "country", "region_code"),
    uuids=("patent_id", "applicant_id"),
)

CLASSIFICATIONS = Table(
    name="classifications",
    model=Classification,
    key="patent_id",
    columns=tuple(
        (name, name) for name in ("patent_id", "scheme", "code", "subclass", "version", "is_main", "position")
    ),
    schema=pa.schema(
        [
            pa.field("patent_id", pa.string(), nullable=False),
            ("scheme", pa.string()),
            ("code", pa.string()),
            ("subclass", pa.string()),
            ("version", pa.string()),
            ("is_main", pa.bool_()),
            ("position", pa.int16()),
        ]
    ),
    order=("patent_id", "position", "scheme", "code"),
    sort_keys=("patent_id", "position", "scheme", "code"),
    row_group=131_072,
    dictionary=("scheme", "subclass", "version"),
    uuids=("patent_id",),
)

TABLES: tuple[Table, ...] = (PATENTS, APPLICANTS, CLASSIFICATIONS)
TABLE_NAMES = tuple(t.name for t in TABLES)
SUPERSEDED_SCHEMA = pa.schema([pa.field("patent_id", pa.string(), nullable=False)])


# --- manifest -----------------------------------------------------------------------------------------


@dataclass
class BucketState:
    """The files of one bucket (paths relative to the store root) and its row counts."""

    base: dict[str, str]
    delta: dict[str, str] | None = None
    superseded: str | None = None
    rows: dict[str, int] = field(default_factory=dict)  # effective rows per dataset
    generation: int = 0  # the refresh that last wrote this bucket

    def files(self) -> list[str]:
        return [
            *self.base.values(),
            *(self.delta or {}).values(),
            *([self.superseded] if self.superseded else []),
        ]


@dataclass
class Manifest:
    generation: int
    mode: str
    watermark: datetime
    refreshed_at: datetime
    seconds: float
    buckets: dict[str, BucketState]
    written: dict[str, Any]
    retired: dict[str, str] = field(default_factory=dict)  # file -> when it left the snapshot
    schema_version: int = SCHEMA_VERSION
    bucket_count: int = BUCKETS
    source: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> dict[str, int]:
        return {name: sum(b.rows.get(name, 0) for b in self.buckets.values()) for name in TABLE_NAMES}

    def files(self) -> set[str]:
        return {f for b in self.buckets.values() for f in b.files()}

    def files_of(self, dataset: str) -> dict[str, list[str]]:
        """`base`, `delta` and `superseded` file lists of one dataset (superseded ids apply to all)."""
        states = [self.buckets[name] for name in sorted(self.buckets)]
        return {
            "base": [b.base[dataset] for b in states],
            "delta": [b.delta[dataset] for b in states if b.delta],
            "superseded": [b.superseded for b in states if b.superseded],
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "schema_version": self.schema_version,
            "bucket_count": self.bucket_count,
            "generation": self.generation,
            "mode": self.mode,
            "watermark": self.watermark.isoformat(),
            "refreshed_at": self.refreshed_at.isoformat(),
            "seconds": round(self.seconds, 3),
            "rows": self.rows,
            "written": self.written,
            "source": self.source,
            "buckets": {name: asdict(state) for name, state in sorted(self.buckets.items())},
            "retired": self.retired,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            generation=data["generation"],
            mode=data["mode"],
            watermark=datetime.fromisoformat(data["watermark"]),
            refreshed_at=datetime.fromisoformat(data["refreshed_at"]),
            seconds=data["seconds"],
            buckets={name: BucketState(**state) for name, state in data["buckets"].items()},
            written=data.get("written", {}),
            retired=data.get("retired", {}),
            schema_version=data["schema_version"],
            bucket_count=data["bucket_count"],
            source=data.get("source", {}),
        )


def read_manifest(root: Path | None = None) -> Manifest | None:
    path = (root or store_dir()) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return None
    if data.get("format") != FORMAT:
        raise ValueError(f"{path} is not an IPOps derived-store manifest")
    return Manifest.from_json(data)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # not every platform opens directories
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_manifest(root: Path, manifest: Manifest) -> None:
    path = root / MANIFEST
    tmp = root / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    _fsync_file(tmp)
    os.replace(tmp, path)
    _fsync_dir(root)


# --- writing files ------------------------------------------------------------------------------------


def temp_path(final: Path) -> Path:
    """Where a file is written before it is renamed into place."""
    return final.with_name(f".{final.name}.tmp")


def relative_file(dataset: str, bucket: int, kind: str, generation: int) -> str:
    return f"{dataset}/bucket={bucket_name(bucket)}/{kind}-{generation:06d}.parquet"


class _Writer:
    """Writes the files of one refresh; remembers them so that a failed refresh can remove them."""

    def __init__(self, root: Path, generation: int) -> None:
        self.root = root
        self.generation = generation
        self.created: list[Path] = []
        self.rows = 0
        self.files = 0

    def write(
        self,
        dataset: str,
        bucket: int,
        kind: str,
        schema: pa.Schema,
        batches: Iterable[pa.RecordBatch | pa.Table],
        *,
        row_group: int = 131_072,
        dictionary: Sequence[str] = (),
    ) -> tuple[str, int]:
        relative = relative_file(dataset, bucket, kind, self.generation)
        final = self.root / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_path(final)
        self.created.append(tmp)
        rows = 0
        pending: list[pa.RecordBatch] = []
        pending_rows = 0
        with pq.ParquetWriter(
            tmp, schema, compression="zstd", use_dictionary=list(dictionary) or False
        ) as writer:
            for item in batches:
                parts = item.to_batches() if isinstance(item, pa.Table) else [item]
                for batch in parts:
                    pending.append(batch)
                    pending_rows += batch.num_rows
                if pending_rows >= row_group:
                    writer.write_table(pa.Table.from_batches(pending, schema), row_group_size=row_group)
                    rows += pending_rows
                    pending, pending_rows = [], 0
            if pending_rows or not rows:
                writer.write_table(pa.Table.from_batches(pending, schema), row_group_size=row_group)
                rows += pending_rows
        _fsync_file(tmp)
        os.replace(tmp, final)
        self.created.append(final)
        self.rows += rows
        self.files += 1
        return relative, rows

    def write_table(self, table: Table, bucket: int, kind: str, data: Iterable[Any]) -> tuple[str, int]:
        return self.write(
            table.name,
            bucket,
            kind,
            table.schema,
            data,
            row_group=table.row_group,
            dictionary=table.dictionary,
        )

    def discard(self) -> None:
        for path in self.created:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)


# --- reading the database -----------------------------------------------------------------------------


def _bucket_q(lookup: str, bucket: int) -> Q:
    lo, hi = bucket_bounds(bucket)
    q = Q(**{f"{lookup}__gte": lo})
    if hi is not None:
        q &= Q(**{f"{lookup}__lt": hi})
    return q


def _fetch_batches(table: Table, where: Q, chunk_size: int) -> Iterator[pa.RecordBatch]:
    """The rows matching `where`, in the table's order, as Arrow batches of at most `chunk_size` rows.

    The ORM writes the query (the `values_list` lookups, joins and filters); the rows are fetched with
    `fetchmany` from a chunked cursor (server-side on PostgreSQL, as `QuerySet.iterator` does) and converted
    a column at a time by Arrow. `values_list(...).iterator()` gives the same rows but converts each value
    in Python first: measured at 1M patents, that alone put a full refresh over its time budget.
    """
    connection = connections[table.queryset().db]
    query = table.queryset().filter(where).values_list(*table.select(connection.vendor))
    sql, params = query.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            yield table.to_batch(rows)


def _fetch_ids(table: Table, ids: Sequence[str], chunk_size: int) -> pa.Table:
    """The current rows of the given patents (any order)."""
    batches = [
        batch
        for start in range(0, len(ids), ID_BATCH)
        for batch in _fetch_batches(
            table, Q(**{f"{table.key}__in": ids[start : start + ID_BATCH]}), chunk_size
        )
    ]
    return pa.Table.from_batches(batches, table.schema) if batches else table.empty()


def _db_ids(bucket: int, chunk_size: int) -> pa.Array:
    """Every patent id in the bucket's range, as canonical text."""
    query = Patent.objects.order_by().filter(_bucket_q("id", bucket)).values_list("id")
    sql, params = query.query.sql_with_params()
    parts: list[pa.Array] = []
    with connections[query.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size * 4):
            parts.append(_uuid_strings([row[0] for row in rows]))
    return pa.concat_arrays(parts) if parts else pa.array([], pa.string())


def _safe_watermark(started: datetime) -> datetime:
    """No change committed after this refresh reads can carry an `updated_at` at or below this time."""
    running = (
        Job.objects.filter(status=Job.Status.RUNNING, started_at__isnull=False)
        .exclude(kind=REFRESH_JOB_KIND)
        .aggregate(first=Min("started_at"))["first"]
    )
    earliest = min(started, running) if running else started
    return earliest - WATERMARK_MARGIN


# why a patent is a candidate: its own row changed, or an applicant or a dataset it refers to did
VIA_PATENT, VIA_APPLICANT, VIA_DATASET = 1, 2, 4


@dataclass
class Candidate:
    reasons: int = 0
    updated_at: datetime | None = None  # the patent's, when it is a candidate for its own change


def _candidates(watermark: datetime) -> dict[str, Candidate]:
    """Patents that may have changed since the watermark, and why (new ids are found by the id scan).

    Changed applicants and datasets are looked up first and their patents through the foreign-key
    indexes: a join filtered on the small table's updated_at can make SQLite scan the big one.
    """
    found: dict[str, Candidate] = {}
    own = Patent.objects.order_by().filter(updated_at__gt=watermark).values_list("id", "updated_at")
    for pk, updated_at in own.iterator(chunk_size=CHUNK_SIZE * 4):
        found[str(pk)] = Candidate(VIA_PATENT, updated_at)
    applicants = list(Applicant.objects.filter(updated_at__gt=watermark).values_list("id", flat=True))
    datasets = list(Dataset.objects.filter(updated_at__gt=watermark).values_list("id", flat=True))
    queries: list[tuple[int, QuerySet[Any]]] = []
    for start in range(0, len(applicants), ID_BATCH):
        links = PatentApplicant.objects.order_by().filter(
            applicant_id__in=applicants[start : start + ID_BATCH]
        )
        queries.append((VIA_APPLICANT, links.values_list("patent_id", flat=True)))
    if datasets:
        in_datasets = Patent.objects.order_by().filter(dataset_id__in=datasets)
        queries.append((VIA_DATASET, in_datasets.values_list("id", flat=True)))
    for reason, query in queries:
        for pk in query.iterator(chunk_size=CHUNK_SIZE * 4):
            found.setdefault(str(pk), Candidate()).reasons |= reason
    return found


def _orphaned(root: Path, manifest: Manifest) -> set[str]:
    """Patents whose snapshot rows name an applicant that no longer exists.

    Merging applicants moves links with `QuerySet.update()` and deletes the merged ones: no `updated_at`
    moves anywhere. Applicants are few (about one per 20 patents), so their ids are compared every time.
    """
    query = Applicant.objects.order_by().values_list("id")
    sql, params = query.query.sql_with_params()
    parts: list[pa.Array] = []
    with connections[query.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_SIZE * 4):
            parts.append(_uuid_strings([row[0] for row in rows]))
    known = pa.concat_arrays(parts) if parts else pa.array([], pa.string())
    lists = manifest.files_of(APPLICANTS.name)
    files = lists["base"] + lists["delta"]
    named = [pc.unique(_read(root, f, ["applicant_id"])["applicant_id"].combine_chunks()) for f in files]
    everyone = pc.unique(pa.concat_arrays(named)) if named else pa.array([], pa.string())
    gone = everyone.filter(pc.invert(pc.is_in(everyone, value_set=known)))
    found: set[str] = set()
    if len(gone):
        for relative in files:
            links = _read(root, relative, ["patent_id", "applicant_id"])
            found.update(
                links["patent_id"].filter(pc.is_in(links["applicant_id"], value_set=gone)).to_pylist()
            )
    return found


# --- reading the snapshot -----------------------------------------------------------------------------


def _read(root: Path, relative: str, columns: Sequence[str] | None = None) -> pa.Table:
    return pq.read_table(root / relative, columns=list(columns) if columns is not None else None)


def _is_in(table: pa.Table, column: str, ids: Iterable[str]) -> pa.ChunkedArray:
    return pc.is_in(table[column], value_set=pa.array(list(ids), pa.string()))


def _keep(table: pa.Table, column: str, ids: set[str]) -> pa.Table:
    return table.filter(_is_in(table, column, ids)) if ids else table.slice(0, 0)


def _drop(table: pa.Table, column: str, ids: set[str]) -> pa.Table:
    return table.filter(pc.invert(_is_in(table, column, ids))) if ids else table


def _sorted(table: pa.Table, spec: Table) -> pa.Table:
    return table.sort_by([(key, "ascending") for key in spec.sort_keys])


def _id_set(values: pa.Array | pa.ChunkedArray) -> set[str]:
    return set(values.to_pylist())


def _pairs(table: pa.Table, key: str, value: str) -> Iterator[tuple[Any, Any]]:
    return zip(table[key].to_pylist(), table[value].to_pylist(), strict=True)


def _by_patent(table: pa.Table, key: str) -> dict[str, list[Row]]:
    """Rows grouped by patent id, each group sorted (so that two groups compare by content)."""
    groups: dict[str, list[Row]] = {}
    for row in table.to_pylist():
        groups.setdefault(row[key], []).append(tuple(row.values()))
    for rows in groups.values():
        rows.sort(key=repr)
    return groups


# --- refresh ------------------------------------------------------------------------------------------


@dataclass
class RefreshResult:
    mode: str  # "full" or "incremental"
    reason: str
    generation: int
    seconds: float
    rows_written: int
    files_written: int
    buckets_touched: list[int]
    buckets_compacted: list[int]
    changed: int  # patents written because they changed or are new
    deleted: int
    rows: dict[str, int]  # rows in the snapshot afterwards, per dataset
    watermark: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Lock:
    def __init__(self, root: Path) -> None:
        self.path = root / LOCK
        self.fd: int | None = None

    def __enter__(self) -> _Lock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RefreshBusyError("another refresh of the derived store is running") from None
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)


def refresh(
    *,
    full: bool = False,
    root: Path | None = None,
    progress: ProgressFn | None = None,
    chunk_size: int = CHUNK_SIZE,
    compact_fraction: float = COMPACT_FRACTION,
    retire_seconds: float = RETIRE_SECONDS,
    full_above: int | None = None,
) -> RefreshResult:
    """Bring the snapshot up to date with the database: everything (`full`) or only what changed.

    An incremental refresh with more than `full_above` candidate patents (default: FULL_REFRESH_FRACTION
    of the snapshot, at least FULL_REFRESH_MIN) does a full one instead.
    """
    root = root or store_dir()
    root.mkdir(parents=True, exist_ok=True)
    with _Lock(root):
        return _Refresh(root, progress, chunk_size, compact_fraction, retire_seconds, full_above).run(full)


class _Refresh:
    def __init__(
        self,
        root: Path,
        progress: ProgressFn | None,
        chunk_size: int,
        compact_fraction: float,
        retire_seconds: float,
        full_above: int | None,
    ) -> None:
        self.full_above = full_above
        self.root = root
        self.progress = progress or (lambda done, total, message: None)
        self.chunk_size = chunk_size
        self.compact_fraction = compact_fraction
        self.retire_seconds = retire_seconds

    def run(self, full: bool) -> RefreshResult:
        clock = time.perf_counter()
        started = timezone.now()
        watermark = _safe_watermark(started)
        previous = read_manifest(self.root)
        reason = "requested" if full else ""
        if not full:
            if previous is None:
                full, reason = True, "no snapshot yet"
            elif previous.schema_version != SCHEMA_VERSION or previous.bucket_count != BUCKETS:
                full, reason = True, "schema or bucket count changed"
        candidates: dict[str, Candidate] = {}
        if not full and previous is not None:
            candidates = _candidates(previous.watermark)
            for pk in _orphaned(self.root, previous):
                candidates.setdefault(pk, Candidate()).reasons |= VIA_APPLICANT
            limit = self.full_above
            if limit is None:
                limit = max(FULL_REFRESH_MIN, int(FULL_REFRESH_FRACTION * previous.rows["patents"]))
            if len(candidates) > limit:
                full, reason = True, f"{len(candidates)} candidate changes"
        generation = (previous.generation if previous else 0) + 1
        writer = _Writer(self.root, generation)
        try:
            compacted: list[int] = []
            changed = deleted = 0
            if full:
                states = self.full(writer)
            else:
                assert previous is not None
                states, compacted, changed, deleted = self.incremental(writer, previous, candidates)
            touched = sorted(
                int(name)
                for name, state in states.items()
                if previous is None or state != previous.buckets.get(name)
            )
            if not full and not touched:  # nothing changed: the snapshot stands as it is
                assert previous is not None
                return RefreshResult(
                    mode="incremental",
                    reason="no changes",
                    generation=previous.generation,
                    seconds=time.perf_counter() - clock,
                    rows_written=0,
                    files_written=0,
                    buckets_touched=[],
                    buckets_compacted=[],
                    changed=0,
                    deleted=0,
                    rows=previous.rows,
                    watermark=previous.watermark.isoformat(),
                )
            manifest = Manifest(
                generation=generation,
                mode="full" if full else "incremental",
                watermark=watermark,
                refreshed_at=timezone.now(),
                seconds=time.perf_counter() - clock,
                buckets=states,
                written={"rows": writer.rows, "files": writer.files, "buckets": touched},
                retired=self.retire(previous, states),
                source=_source(),
            )
            if full:
                changed = manifest.rows["patents"]
            _write_manifest(self.root, manifest)
        except BaseException:
            writer.discard()
            raise
        self.collect(manifest)
        return RefreshResult(
            mode=manifest.mode,
            reason=reason,
            generation=generation,
            seconds=time.perf_counter() - clock,
            rows_written=writer.rows,
            files_written=writer.files,
            buckets_touched=touched,
            buckets_compacted=compacted,
            changed=changed,
            deleted=deleted,
            rows=manifest.rows,
            watermark=watermark.isoformat(),
        )

    # full: each bucket read with one range scan per dataset and written straight out
    def full(self, writer: _Writer) -> dict[str, BucketState]:
        states: dict[str, BucketState] = {}
        for bucket in range(BUCKETS):
            base: dict[str, str] = {}
            rows: dict[str, int] = {}
            for table in TABLES:
                where = _bucket_q(table.key, bucket)
                batches = _fetch_batches(table, where, self.chunk_size)
                base[table.name], rows[table.name] = writer.write_table(table, bucket, "base", batches)
            states[bucket_name(bucket)] = BucketState(base=base, rows=rows, generation=writer.generation)
            self.progress(bucket + 1, BUCKETS, f"bucket {bucket_name(bucket)}")
        return states

    def incremental(
        self, writer: _Writer, previous: Manifest, candidates: dict[str, Candidate]
    ) -> tuple[dict[str, BucketState], list[int], int, int]:
        by_bucket: dict[int, dict[str, Candidate]] = {}
        for pk, candidate in candidates.items():
            by_bucket.setdefault(bucket_of(pk), {})[pk] = candidate
        states: dict[str, BucketState] = {}
        compacted: list[int] = []
        changed_total = deleted_total = 0
        for bucket in range(BUCKETS):
            name = bucket_name(bucket)
            state = previous.buckets[name]
            outcome = self.bucket(writer, bucket, state, by_bucket.get(bucket, {}))
            if outcome is None:
                states[name] = state
            else:
                states[name], was_compacted, changed, deleted = outcome
                changed_total += changed
                deleted_total += deleted
                if was_compacted:
                    compacted.append(bucket)
            self.progress(bucket + 1, BUCKETS, f"bucket {name}")
        return states, compacted, changed_total, deleted_total

    def bucket(
        self, writer: _Writer, bucket: int, state: BucketState, candidates: dict[str, Candidate]
    ) -> tuple[BucketState, bool, int, int] | None:
        """Bring one bucket up to date; None when nothing in it changed (and nothing is written)."""
        root = self.root
        # what the snapshot holds: ids and updated_at of the live base rows and of the delta rows
        base_keys = _read(root, state.base["patents"], ["id", "updated_at"])
        superseded = (
            _id_set(_read(root, state.superseded, ["patent_id"])["patent_id"]) if state.superseded else set()
        )
        delta_keys = _read(root, state.delta["patents"], ["id", "updated_at"]) if state.delta else None
        delta_ids = _id_set(delta_keys["id"]) if delta_keys is not None else set()
        live = [_drop(base_keys, "id", superseded), *([delta_keys] if delta_keys is not None else [])]
        snapshot_keys = pa.concat_tables(live)
        snapshot_ids = snapshot_keys["id"].combine_chunks()

        # deletions and new ids: the bucket's ids in the database against the snapshot's
        db_ids = _db_ids(bucket, self.chunk_size)
        deleted = _id_set(snapshot_ids.filter(pc.invert(pc.is_in(snapshot_ids, value_set=db_ids))))
        inserted = _id_set(db_ids.filter(pc.invert(pc.is_in(db_ids, value_set=snapshot_ids))))

        # candidates in the snapshot: a moved updated_at is a change; one that comes through an applicant
        # or a dataset is compared in full (the patent's own updated_at did not move)
        held = dict(_pairs(_keep(snapshot_keys, "id", set(candidates)), "id", "updated_at"))
        changed: set[str] = set()
        deep: set[str] = set()
        for pk, updated_at in held.items():
            candidate = candidates[pk]
            if pk in deleted:
                continue
            if candidate.updated_at is not None and candidate.updated_at != updated_at:
                changed.add(pk)
            elif candidate.reasons & (VIA_APPLICANT | VIA_DATASET):
                deep.add(pk)
        if not (deleted or inserted or changed or deep):
            return None

        fresh = {t.name: _fetch_ids(t, sorted(inserted | changed | deep), self.chunk_size) for t in TABLES}
        present = _id_set(fresh["patents"]["id"])
        deleted |= (changed | deep) - present  # deleted since the id scan
        inserted &= present
        changed &= present
        deep &= present
        in_base = (changed | deep) - superseded - delta_ids
        delta = {t.name: _read(root, state.delta[t.name]) for t in TABLES} if state.delta else None
        if deep:
            stamps = dict(_pairs(fresh["patents"], "id", "updated_at"))
            changed |= {pk for pk in deep if stamps[pk] != held[pk]}
            for table, reason in ((PATENTS, VIA_DATASET), (APPLICANTS, VIA_APPLICANT)):
                ids = {pk for pk in deep - changed if candidates[pk].reasons & reason}
                if not ids:
                    continue
                old_table = _keep(_read(root, state.base[table.name]), table.key, ids & in_base)
                if delta:
                    old_table = pa.concat_tables([old_table, _keep(delta[table.name], table.key, ids)])
                old = _by_patent(old_table, table.key)
                new = _by_patent(_keep(fresh[table.name], table.key, ids), table.key)
                changed.update(pk for pk in ids if old.get(pk) != new.get(pk))
        if not (deleted or inserted or changed):
            return None

        replaced = changed | deleted  # their old rows go
        written = changed | inserted  # their current rows come
        base_ids = base_keys["id"].combine_chunks()
        gone = pa.array(sorted(superseded | replaced), pa.string())
        new_superseded = _id_set(gone.filter(pc.is_in(gone, value_set=base_ids)))  # only base rows need it
        new_delta: dict[str, pa.Table] = {}
        for table in TABLES:
            kept = _drop(delta[table.name], table.key, replaced) if delta else table.empty()
            new_delta[table.name] = _sorted(
                pa.concat_tables([kept, _keep(fresh[table.name], table.key, written)]), table
            )
        compact = len(new_superseded) + new_delta["patents"].num_rows > self.compact_fraction * len(base_ids)
        rows: dict[str, int] = {}
        if compact:
            base: dict[str, str] = {}
            for table in TABLES:
                old_base = _drop(_read(root, state.base[table.name]), table.key, new_superseded)
                merged = _sorted(pa.concat_tables([old_base, new_delta[table.name]]), table)
                base[table.name], rows[table.name] = writer.write_table(table, bucket, "base", [merged])
            new_state = BucketState(base=base, rows=rows, generation=writer.generation)
        else:
            delta_files: dict[str, str] = {}
            for table in TABLES:
                delta_files[table.name], delta_rows = writer.write_table(
                    table, bucket, "delta", [new_delta[table.name]]
                )
                keys = base_keys if table is PATENTS else _read(root, state.base[table.name], [table.key])
                dropped = int(pc.sum(_is_in(keys, table.key, new_superseded)).as_py() or 0)
                rows[table.name] = keys.num_rows - dropped + delta_rows
            superseded_file: str | None = None
            if new_superseded:
                ids = pa.table({"patent_id": sorted(new_superseded)}, schema=SUPERSEDED_SCHEMA)
                superseded_file, _count = writer.write(SUPERSEDED, bucket, "ids", SUPERSEDED_SCHEMA, [ids])
            new_state = BucketState(
                base=dict(state.base),
                delta=delta_files,
                superseded=superseded_file,
                rows=rows,
                generation=writer.generation,
            )
        return new_state, compact, len(written), len(deleted)

    # old files: kept a while for readers of the previous manifest, then deleted
    def retire(self, previous: Manifest | None, states: dict[str, BucketState]) -> dict[str, str]:
        if previous is None:
            return {}
        current = {f for state in states.values() for f in state.files()}
        now = timezone.now()
        retired = {f: at for f, at in previous.retired.items() if f not in current}
        retired.update({f: now.isoformat() for f in previous.files() - current})
        cutoff = now - timedelta(seconds=self.retire_seconds)
        return {f: at for f, at in retired.items() if datetime.fromisoformat(at) > cutoff}

    def collect(self, manifest: Manifest) -> None:
        """Delete every file the manifest neither uses nor keeps for a while (and leftovers of failures)."""
        keep = manifest.files() | set(manifest.retired)
        for dataset in (*TABLE_NAMES, SUPERSEDED):
            for path in (self.root / dataset).glob("bucket=*/*"):
                relative = path.relative_to(self.root).as_posix()
                if path.is_file() and relative not in keep:
                    path.unlink(missing_ok=True)


def _source() -> dict[str, str]:
    from django.db import connection

    return {"vendor": connection.vendor, "database": str(connection.settings_dict.get("NAME", ""))}


def store_size(root: Path | None = None) -> int:
    """Bytes of the files the current snapshot uses."""
    root = root or store_dir()
    manifest = read_manifest(root)
    if manifest is None:
        return 0
    return sum((root / f).stat().st_size for f in manifest.files())
