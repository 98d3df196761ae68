"""Write clean records to the store in batches: insert new, update changed, leave unchanged alone.

Runs inside the import job's transaction. Records are keyed on the publication number, or on the
application number when the source has none; when both are present they are cross-checked.

The rows are written with parameterised SQL rather than model instances (an import writes millions of
rows; building and compiling a model instance per row costs as much as normalising it): on SQLite one
`executemany` INSERT per table and batch, on PostgreSQL one binary `COPY … FROM STDIN` (psycopg 3). What
is written is what the ORM would write: UUID keys (32 hex digits on SQLite, uuid on PostgreSQL), created_at
and updated_at, `extra` as JSON text (jsonb on PostgreSQL), NULL for a missing publication number. New keys
are time-ordered UUIDs (version 7), so new rows land at the end of the key indexes. Changed records are
updated with one `executemany` UPDATE per batch. Applicants are found as `ipops.patents.applicants.resolve`
finds them (operators' merge and split decisions first).

A `CleanRecord` is first turned into a `Prepared` record: the column values as the database stores them,
in plain tuples (cheap to send between processes). `Shape.prepare` does that; it needs no database
connection, so a worker process can do it too.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from ipops.patents.applicants import resolve
from ipops.patents.importers.base import Problem, SourceRow
from ipops.patents.importers.blocks import BlockSource
from ipops.patents.importers.normalise import (
    HASH_VERSION,
    RECORD_FIELDS,
    CleanRecord,
    legacy_content_hash,
    normalise_row,
)
from ipops.patents.models import Applicant, Classification, Dataset, ImportBatch, Patent, PatentApplicant

PATENT_FIELDS = [*RECORD_FIELDS, "extra"]
EXTRA = PATENT_FIELDS.index("extra")
UPDATE_FIELDS = [*PATENT_FIELDS, "content_hash", "dataset", "last_import", "updated_at"]
PATENT_INSERT = ["id", "created_at", "updated_at", *PATENT_FIELDS, "content_hash", "dataset", "last_import"]
PATENT_UPDATE = [*PATENT_FIELDS, "content_hash", "dataset", "last_import", "updated_at"]
APPLICANT_INSERT = ["id", "created_at", "updated_at", "name", "key", "kind", "country", "region_code"]
LINK_INSERT = ["patent", "applicant", "position", "raw_name"]
CLASS_INSERT = ["patent", "scheme", "code", "subclass", "version", "is_main", "position"]
Origin = SourceRow | BlockSource | CleanRecord | None  # what a record was made from
IN_CHUNK = 1000  # parameters of one IN (…) list
IPC, LOCARNO = str(Classification.Scheme.IPC), str(Classification.Scheme.LOCARNO)


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def columns_of(model: type[Model], names: Iterable[str]) -> list[str]:
    return [str(getattr(model._meta.get_field(name), "column")) for name in names]  # noqa: B009


class Prepared(NamedTuple):
    """A record ready to be written: its identity and its rows' values as the database stores them."""

    line: int
    key: str  # "pub:…" or "app:…"
    core_digest: bytes  # 16 bytes of the core hash: two rows of a file with the same are duplicates
    content_hash: str
    pub_number: str | None
    app_number: str
    values: tuple[Any, ...]  # PATENT_FIELDS, content_hash, dataset, last_import
    applicants: tuple[tuple[str, str, str, str], ...]  # (key, name, kind, raw name)
    classes: tuple[tuple[str, str, str, str, bool, int], ...]  # (scheme, code, subclass, version, main, pos)


@dataclass(frozen=True)
class Shape:
    """How the database stores values (no connection needed: picklable, usable in a worker process)."""

    postgres: bool
    dataset_id: Any
    batch_id: Any

    def prepare(self, record: CleanRecord) -> Prepared:
        fields = record.fields
        get = fields.get
        day = self.day
        values = (
            get("country") or "",
            get("pub_number"),  # NULL, not "", when absent
            get("app_number") or "",
            get("kind") or "",
            get("patent_type") or "",
            get("title") or "",
            get("title_en") or "",
            get("abstract") or "",
            get("first_claim") or "",
            day(get("app_date")),
            day(get("pub_date")),
            day(get("grant_date")),
            get("main_ipc") or "",
            get("locarno") or "",
            get("applicants_text") or "",
            get("inventors") or "",
            get("address") or "",
            get("applicant_country") or "",
            get("province_code") or "",
            get("city_code") or "",
            get("district_code") or "",
            get("agency") or "",
            get("agency_code") or "",
            get("agents") or "",
            get("priority") or "",
            get("legal_status") or "",
            (get("extra") or {})
            if self.postgres
            else json.dumps(get("extra") or {}),  # as JSONField writes it
            record.content_hash,
            self.dataset_id,
            self.batch_id,
        )
        classes = [
            (IPC, code, subclass, version, is_main, n)
            for n, (code, subclass, version, is_main) in enumerate(record.ipc)
        ]
        if get("locarno"):
            classes.append((LOCARNO, fields["locarno"], "", "", True, len(record.ipc)))
        return Prepared(  # (by position: quicker)
            record.line,
            record.key,
            bytes.fromhex(record.core_hash[-32:]),
            record.content_hash,
            get("pub_number") or None,
            get("app_number") or "",
            values,
            tuple((a.key, a.name, a.kind, a.raw) for a in record.applicants),
            tuple(classes),
        )

    def day(self, value: date | None) -> Any:
        return value if self.postgres or value is None else value.isoformat()

    def key(self, value: uuid.UUID) -> Any:
        return value if self.postgres else value.hex


class Writer:
    """Rows into tables in the shape the database backend stores them; COPY on PostgreSQL."""

    def __init__(self, db: BaseDatabaseWrapper) -> None:
        self.db = db
        self.postgres = db.vendor == "postgresql"
        self.column_types: dict[str, dict[str, int]] = {}  # table → column → type oid (PostgreSQL)

    def key(self, value: uuid.UUID) -> Any:
        return value if self.postgres else value.hex

    def timestamp(self) -> Any:
        now = timezone.now()
        return now if self.postgres else self.db.ops.adapt_datetimefield_value(now)

    def insert(self, model: type[Model], names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        table, columns = quote(model._meta.db_table), columns_of(model, names)
        listed = ", ".join(map(quote, columns))
        with self.db.cursor() as cursor:
            if self.postgres:  # binary COPY: least work for the server and for the client
                types = self.types_of(cursor, model._meta.db_table)
                with (
                    self.db.wrap_database_errors,
                    cursor.cursor.copy(f"COPY {table} ({listed}) FROM STDIN (FORMAT BINARY)") as copy,
                ):
                    copy.set_types([types[column] for column in columns])
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(names))
                cursor.executemany(f"INSERT INTO {table} ({listed}) VALUES ({marks})", rows)  # noqa: S608

    def types_of(self, cursor: Any, table: str) -> dict[str, int]:
        if table not in self.column_types:
            cursor.execute(
                "SELECT attname, atttypid::int FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [quote(table)],
            )
            self.column_types[table] = dict(cursor.fetchall())
        return self.column_types[table]

    def json_param(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """Patent values with `extra` as a query parameter (COPY takes the dict, a query a Jsonb)."""
        if not self.postgres:
            return values
        from psycopg.types.json import Jsonb

        return (*values[:EXTRA], Jsonb(values[EXTRA]), *values[EXTRA + 1 :])

    def update(
        self, model: type[Model], names: Sequence[str], rows: list[tuple[Any, ...]], key: str = "id"
    ) -> None:
        """UPDATE … SET names WHERE key = the row's last value."""
        if not rows:
            return
        sets = ", ".join(f"{quote(column)} = %s" for column in columns_of(model, names))
        sql = f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote(key)} = %s"  # noqa: S608
        with self.db.cursor() as cursor:
            cursor.executemany(sql, rows)

    def select_in(self, sql: str, values: list[Any]) -> list[tuple[Any, ...]]:
        """`sql` with one `{marks}` placeholder for an IN list, run in chunks."""
        found: list[tuple[Any, ...]] = []
        with self.db.cursor() as cursor:
            for start in range(0, len(values), IN_CHUNK):
                chunk = values[start : start + IN_CHUNK]
                cursor.execute(sql.format(marks=", ".join(["%s"] * len(chunk))), chunk)
                found.extend(cursor.fetchall())
        return found

    def delete_in(self, model: type[Model], column: str, values: list[Any]) -> None:
        table = quote(model._meta.db_table)
        with self.db.cursor() as cursor:
            for start in range(0, len(values), IN_CHUNK):
                chunk = values[start : start + IN_CHUNK]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {table} WHERE {quote(column)} IN ({marks})", chunk)  # noqa: S608


@dataclass
class Counts:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0


@dataclass
class Loader:
    batch: ImportBatch
    dataset: Dataset | None
    batch_size: int = 2000
    counts: Counts = field(default_factory=Counts)
    pending: list[Prepared] = field(default_factory=list)
    # key → the line it was first seen on (5 bytes) and its core digest: compact, because it holds every
    # record of the file
    seen: dict[str, bytes] = field(default_factory=dict)
    # (name, key) → the applicant's id as the database stores it
    applicant_ids: dict[tuple[str, str], Any] = field(default_factory=dict)
    sources: list[Origin] = field(default_factory=list)  # of the pending records
    sequence: int = 0  # of the keys made so far (see new_keys)
    loading: float = 0.0  # seconds spent writing

    def __post_init__(self) -> None:
        self.writer = Writer(connection)
        self.shape = Shape(
            postgres=self.writer.postgres,
            dataset_id=None if self.dataset is None else self.writer.key(self.dataset.pk),
            batch_id=self.writer.key(self.batch.pk),
        )

    def add(
        self, record: CleanRecord | Prepared, source: SourceRow | BlockSource | None = None
    ) -> list[Problem]:
        """Queue a record; a repeat of an earlier row of the same file is reported, not loaded twice.

        `source`: the row a Prepared record was made from, or the block of the file it is in (to compare it
        with a record stored under an older hash version)."""
        origin: Origin
        if isinstance(record, CleanRecord):
            item, origin = self.shape.prepare(record), record
        else:
            item, origin = record, source
        earlier = self.seen.get(item.key)
        if earlier is not None:
            line = int.from_bytes(earlier[:5], "little")
            number = item.key.split(":", 1)[1]
            if earlier[5:] == item.core_digest:
                return [
                    Problem(
                        item.line,
                        "pub_number",
                        number,
                        _("Same as line %(line)d; loaded once.") % {"line": line},
                        "warning",
                    )
                ]
            self.counts.rejected += 1
            return [
                Problem(
                    item.line,
                    "pub_number",
                    number,
                    _("Line %(line)d has the same number with different content; this row was not loaded.")
                    % {"line": line},
                )
            ]
        self.seen[item.key] = item.line.to_bytes(5, "little") + item.core_digest
        self.pending.append(item)
        self.sources.append(origin)
        if len(self.pending) >= self.batch_size:
            return self.flush()
        return []

    def existing(
        self, records: list[Prepared]
    ) -> tuple[dict[str, tuple[Any, str, str]], dict[str, tuple[Any, str]]]:
        """Stored records with a publication number of the batch, and those without one that have one of
        its application numbers."""
        table = quote(Patent._meta.db_table)
        pubs = [r.pub_number for r in records if r.pub_number]
        apps = list({r.app_number for r in records if r.app_number})
        by_pub = {
            pub: (pk, app, digest)
            for pk, pub, app, digest in self.writer.select_in(
                f"SELECT id, pub_number, app_number, content_hash FROM {table} "  # noqa: S608
                "WHERE pub_number IN ({marks})",
                pubs,
            )
        }
        app_only = {
            app: (pk, digest)
            for pk, app, digest in self.writer.select_in(
                f"SELECT id, app_number, content_hash FROM {table} "  # noqa: S608
                "WHERE pub_number IS NULL AND app_number IN ({marks})",
                apps,
            )
        }
        return by_pub, app_only

    @staticmethod
    def unchanged(record: Prepared, source: Origin, stored_hash: str) -> bool:
        if stored_hash == record.content_hash:
            return True
        if stored_hash.startswith(HASH_VERSION) or source is None:
            return False
        # stored by an import before HASH_VERSION: compare with that version's hash of the row
        if isinstance(source, BlockSource):
            source = source.row(record.line)
        clean = source if isinstance(source, CleanRecord) else normalise_row(source)[0]
        return clean is not None and stored_hash == legacy_content_hash(clean)

    def flush(self) -> list[Problem]:
        """Write the pending records."""
        started = time.perf_counter()
        try:
            return self.write_pending()
        finally:
            self.loading += time.perf_counter() - started

    def write_pending(self) -> list[Problem]:
        records, self.pending = self.pending, []
        sources, self.sources = self.sources, []
        if not records:
            return []
        problems: list[Problem] = []
        existing_by_pub, existing_app_only = self.existing(records)

        new: list[tuple[Prepared, Any]] = []
        changed: list[tuple[Prepared, Any]] = []
        keys = iter(self.new_keys(len(records)))
        for record, source in zip(records, sources, strict=True):
            pub, app = record.pub_number, record.app_number
            found = existing_by_pub.get(pub) if pub else None
            if found is not None:
                pk, stored_app, digest = found
                if app and stored_app and app != stored_app:
                    self.counts.rejected += 1
                    problems.append(
                        Problem(
                            record.line,
                            "app_number",
                            app,
                            _("The stored record %(pub)s has application number %(stored)s, not this one.")
                            % {"pub": pub, "stored": stored_app},
                        )
                    )
                    continue
            elif app and app in existing_app_only:  # known by its application number: now published
                pk, digest = existing_app_only.pop(app)
            else:
                new.append((record, next(keys)))
                continue
            if self.unchanged(record, source, digest):
                self.counts.unchanged += 1
            else:
                changed.append((record, pk))

        self.resolve_applicants([r for r, _pk in new + changed])
        now = self.writer.timestamp()
        if new:
            self.writer.insert(Patent, PATENT_INSERT, [(pk, now, now, *record.values) for record, pk in new])
            self.counts.created += len(new)
        if changed:
            self.writer.update(
                Patent, PATENT_UPDATE, [(*self.writer.json_param(r.values), now, pk) for r, pk in changed]
            )
            changed_ids = [pk for _r, pk in changed]
            self.writer.delete_in(PatentApplicant, "patent_id", changed_ids)
            self.writer.delete_in(Classification, "patent_id", changed_ids)
            self.counts.updated += len(changed)
        self.write_links(new + changed)
        return problems

    def new_keys(self, n: int) -> list[Any]:
        """n new UUIDs as the database stores them, time-ordered (version 7: milliseconds, then a counter,
        then 48 random bits), so that new rows go to the end of the key indexes (the table's and the links'
        patent indexes) instead of anywhere in them: a million-row import stays in the page cache."""
        millis = time.time_ns() // 1_000_000
        randoms = os.urandom(6 * n)
        keys = []
        for start in range(0, 6 * n, 6):
            self.sequence = sequence = (self.sequence + 1) & 0x3FFFFFF  # 26 bits: 12 in rand_a, 14 in rand_b
            value = (
                millis << 80
                | 0x7 << 76
                | (sequence >> 14) << 64
                | 0b10 << 62
                | (sequence & 0x3FFF) << 48
                | int.from_bytes(randoms[start : start + 6], "big")
            )
            keys.append(uuid.UUID(int=value) if self.writer.postgres else f"{value:032x}")
        return keys

    def resolve_applicants(self, records: list[Prepared]) -> None:
        """The applicant of every (name, key) of the records: as `applicants.resolve` finds it (an operator's
        spelling or key decision, else the matching key), else a new applicant for the key."""
        known = self.applicant_ids
        wanted = {(name, key): (key, name, kind) for r in records for key, name, kind, _raw in r.applicants}
        wanted = {pair: a for pair, a in wanted.items() if pair not in known}
        if not wanted:
            return
        for pair, pk in resolve(wanted).items():
            known[pair] = self.writer.key(pk)
        unknown = [(pair, a) for pair, a in wanted.items() if pair not in known]
        if not unknown:
            return
        # one new applicant per key, named as the key's last spelling in the batch
        new = {key: (name, kind) for _pair, (key, name, kind) in unknown}
        ids = dict(zip(new, self.new_keys(len(new)), strict=True))
        now = self.writer.timestamp()
        self.writer.insert(
            Applicant,
            APPLICANT_INSERT,
            [(ids[key], now, now, name, key, kind, "", "") for key, (name, kind) in new.items()],
        )
        for pair, (key, _name, _kind) in unknown:
            known[pair] = ids[key]

    def write_links(self, items: list[tuple[Prepared, Any]]) -> None:
        ids = self.applicant_ids
        links = [
            (pk, ids[name, key], position, raw)
            for record, pk in items
            for position, (key, name, _kind, raw) in enumerate(record.applicants)
        ]
        classes = [(pk, *row) for record, pk in items for row in record.classes]
        self.writer.insert(PatentApplicant, LINK_INSERT, links)
        self.writer.insert(Classification, CLASS_INSERT, classes)
