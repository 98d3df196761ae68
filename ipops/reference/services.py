"""Looking up reference data (IPC titles, technology fields) and loading it.

Look-ups take any IPC spelling `ipops.patents.normalize.ipc.parse_ipc` reads and cost one query per call,
however many codes they are given (up to `MAX_CODES_PER_QUERY` candidate symbols; more are split).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from django.db import connection, transaction
from django.utils import timezone

from ipops.core import audit
from ipops.patents.normalize.ipc import IpcCode, IpcError, parse_ipc
from ipops.reference.loaders import LoadError, ReadNotes, TitleRow, read_ipc_en, read_ipc_zh, read_wipo35
from ipops.reference.models import IpcEntry, IpcTechnologyField, TechnologyField
from ipops.reference.wipo35 import FIELDS, SECTORS_ZH

MAX_CODES_PER_QUERY = 10_000
BATCH_SIZE = 2_000

T = TypeVar("T")


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _title_field(language: str) -> str:
    return "title_zh" if language.lower().startswith("zh") else "title_en"


def _parse_or_none(raw: str) -> IpcCode | None:
    try:
        return parse_ipc(raw, partial=True)
    except IpcError:
        return None


def ipc_titles(codes: Iterable[str], language: str) -> dict[str, str]:
    """The title of each code in `language` (``zh…`` for Chinese, anything else English), keyed by the
    code as given. Where a code has no title of its own, its main group's title stands in, then its
    subclass's; codes that cannot be parsed or have no title on that path are left out."""
    field = _title_field(language)
    paths: dict[str, list[str]] = {}
    for raw in dict.fromkeys(codes):
        ipc = _parse_or_none(raw)
        if ipc is not None:
            paths[raw] = list(
                dict.fromkeys(c for c in (ipc.code, ipc.main_group_code, ipc.subclass_code) if c)
            )
    wanted = {code for path in paths.values() for code in path}
    found: dict[str, str] = {}
    for chunk in _chunks(sorted(wanted), MAX_CODES_PER_QUERY):
        found.update(
            IpcEntry.objects.filter(code__in=chunk).exclude(**{field: ""}).values_list("code", field)
        )
    titles: dict[str, str] = {}
    for raw, path in paths.items():
        title = next((found[code] for code in path if code in found), None)
        if title is not None:
            titles[raw] = title
    return titles


def _prefixes(ipc: IpcCode) -> list[str]:
    """The concordance prefixes that could cover `ipc`, longest first."""
    candidates = [f"{ipc.subclass_code} {ipc.main_group}/" if ipc.main_group else "", ipc.subclass_code]
    return [c for c in candidates if c]


def technology_fields_for(codes: Iterable[str]) -> dict[str, TechnologyField]:
    """WIPO's technology field of each code (keyed by the code as given), by the longest concordance prefix
    that covers it; codes without a field, or that cannot be parsed, are left out."""
    paths: dict[str, list[str]] = {}
    for raw in dict.fromkeys(codes):
        ipc = _parse_or_none(raw)
        if ipc is not None and ipc.subclass_code:
            paths[raw] = _prefixes(ipc)
    wanted = {prefix for path in paths.values() for prefix in path}
    found: dict[str, TechnologyField] = {}
    for chunk in _chunks(sorted(wanted), MAX_CODES_PER_QUERY):
        for row in IpcTechnologyField.objects.filter(ipc_prefix__in=chunk).select_related("field"):
            found[row.ipc_prefix] = row.field
    fields: dict[str, TechnologyField] = {}
    for raw, path in paths.items():
        field = next((found[prefix] for prefix in path if prefix in found), None)
        if field is not None:
            fields[raw] = field
    return fields


def technology_field_for(ipc: str) -> TechnologyField | None:
    """WIPO's technology field of one IPC symbol (longest matching prefix), None when none covers it.
    Raises `IpcError` when `ipc` is not an IPC symbol."""
    code = parse_ipc(ipc, partial=True).code
    return technology_fields_for([code]).get(code)


# --- loading -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    """What one part of a load did. `created` + `refreshed` = records read; `removed` were listed before
    but not in the file any more (for titles: the title cleared, and the entry deleted unless the other
    language still lists the symbol). `notes` say what the reader repaired or passed over."""

    part: str
    path: str
    read: int
    created: int
    refreshed: int
    removed: int
    seconds: float
    notes: tuple[str, ...] = ()


NOTE_TEXT = {
    "untitled_dots": "rows whose title is only the subgroup's dots (title lost in the source): kept without a title",
    "cut_symbol": "rows whose title is only digits (a longer symbol cut in two in the source): skipped",
    "untitled": "rows with an empty title: kept without a title",
    "continued": "title lines continued on a following line: joined",
    "heading": "guidance headings repeating the next group's symbol: the group's own title kept",
}


def _note_lines(notes: ReadNotes) -> tuple[str, ...]:
    return tuple(
        f"{count:,} {NOTE_TEXT[kind]} (lines {', '.join(map(str, notes.lines[kind]))}{', …' if count > 5 else ''})"
        for kind, count in sorted(notes.counts.items())
    )


ENTRY_COLUMNS = ("code", "kind", "level", "parent_code", "title_zh", "title_en", "in_zh", "in_en")


def _entry_upsert_sql(update: list[str]) -> str:
    """One INSERT … ON CONFLICT (code) DO UPDATE for IpcEntry (SQLite ≥ 3.24 and PostgreSQL alike).

    Run with executemany: the ORM's bulk_create prepares every value through its field and caps SQLite at
    999 parameters a statement, which made it three times slower on the 77k-row scheme."""
    quote = connection.ops.quote_name
    columns = ["id", "created_at", "updated_at", *ENTRY_COLUMNS]
    table, names = quote(IpcEntry._meta.db_table), ", ".join(map(quote, columns))
    marks = ", ".join(["%s"] * len(columns))
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in update)
    # only quoted model table and column names are interpolated; the values are parameters
    return f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT ({quote('code')}) DO UPDATE SET {updates}"  # noqa: S608


def _load_titles(*, path: Path, language: str, rows: Iterator[TitleRow], notes: ReadNotes) -> LoadResult:
    started = time.monotonic()
    field, listed = ("title_zh", "in_zh") if language == "zh" else ("title_en", "in_en")
    other_listed = "in_en" if listed == "in_zh" else "in_zh"
    before = IpcEntry.objects.count()
    seen: dict[str, int] = {}  # code → line, to refuse repeats and to find the codes no longer listed
    # Only the Chinese source gives dots (for some subgroups); the English one must not erase them.
    sql = _entry_upsert_sql(
        [field, listed, "kind", "parent_code", "updated_at", *(["level"] if language == "zh" else [])]
    )
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    native_uuid = connection.features.has_native_uuid_field
    batch: list[tuple[Any, ...]] = []

    def flush() -> None:
        with connection.cursor() as cursor:
            cursor.executemany(sql, batch)
        batch.clear()

    for row in rows:
        code = row.ipc.code
        if code in seen:
            raise LoadError(path, row.line, f"{code} was already given on line {seen[code]}")
        seen[code] = row.line
        key = uuid.uuid4()
        level = 0 if row.ipc.kind == IpcEntry.Kind.MAIN_GROUP else row.level
        zh, en = (row.title, "") if language == "zh" else ("", row.title)
        key_value = key if native_uuid else key.hex
        batch.append(
            (
                key_value,
                stamp,
                stamp,
                code,
                row.ipc.kind,
                level,
                row.ipc.parent_code,
                zh,
                en,
                language == "zh",
                language == "en",
            )
        )
        if len(batch) >= BATCH_SIZE:
            flush()
    if batch:
        flush()
    if not seen:
        raise LoadError(path, None, "the file holds no IPC symbols")

    # Symbols this language no longer lists: their title goes, and so does the entry when the other
    # language does not list it either.
    clear: list[str] = []
    drop: list[str] = []
    listed_before = IpcEntry.objects.filter(**{listed: True}).values_list("code", other_listed)
    for code, in_other in listed_before.iterator(chunk_size=BATCH_SIZE):
        if code not in seen:
            (clear if in_other else drop).append(code)
    now = timezone.now()
    for chunk in _chunks(clear, 500):
        IpcEntry.objects.filter(code__in=chunk).update(**{field: "", listed: False, "updated_at": now})
    for chunk in _chunks(drop, 500):
        IpcEntry.objects.filter(code__in=chunk).delete()
    created = IpcEntry.objects.count() - before + len(drop)
    return LoadResult(
        part=f"ipc-{language}",
        path=str(path),
        read=len(seen),
        created=created,
        refreshed=len(seen) - created,
        removed=len(clear) + len(drop),
        seconds=round(time.monotonic() - started, 2),
        notes=_note_lines(notes),
    )


def _load_wipo35(*, path: Path) -> LoadResult:
    started = time.monotonic()
    fields: dict[int, tuple[str, str]] = {}
    prefixes: dict[str, tuple[int, int]] = {}  # prefix → (field number, line)
    for row in read_wipo35(path):
        fields[row.number] = (row.sector_en, row.name_en)
        if row.prefix in prefixes and prefixes[row.prefix][0] != row.number:
            raise LoadError(
                path,
                row.line,
                f"{row.prefix} is already given to field {prefixes[row.prefix][0]} on line {prefixes[row.prefix][1]}",
            )
        prefixes[row.prefix] = (row.number, row.line)
    if not prefixes:
        raise LoadError(path, None, "the file holds no concordance rows")
    before = IpcTechnologyField.objects.count()
    TechnologyField.objects.bulk_create(
        [
            TechnologyField(
                number=number,
                sector_en=sector_en,
                sector_zh=SECTORS_ZH[sector_en],
                name_en=name_en,
                name_zh=FIELDS[number][1],
            )
            for number, (sector_en, name_en) in sorted(fields.items())
        ],
        update_conflicts=True,
        unique_fields=["number"],
        update_fields=["sector_en", "sector_zh", "name_en", "name_zh", "updated_at"],
    )
    pk_of = dict(TechnologyField.objects.values_list("number", "pk"))
    IpcTechnologyField.objects.bulk_create(
        [
            IpcTechnologyField(ipc_prefix=prefix, field_id=pk_of[number])
            for prefix, (number, _) in prefixes.items()
        ],
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["ipc_prefix"],
        update_fields=["field", "updated_at"],
    )
    stale = IpcTechnologyField.objects.exclude(ipc_prefix__in=list(prefixes))
    removed = stale.count()
    stale.delete()
    TechnologyField.objects.exclude(number__in=list(fields)).delete()
    created = IpcTechnologyField.objects.count() - before + removed
    return LoadResult(
        part="wipo35",
        path=str(path),
        read=len(prefixes),
        created=created,
        refreshed=len(prefixes) - created,
        removed=removed,
        seconds=round(time.monotonic() - started, 2),
    )


@transaction.atomic
def load_reference(
    *, ipc_zh: Path | None = None, ipc_en: Path | None = None, wipo35: Path | None = None
) -> list[LoadResult]:
    """Load or refresh the reference tables from the given files, all in one transaction: a bad line
    anywhere (`LoadError`, with its line number) leaves every table as it was. One audit entry."""
    results: list[LoadResult] = []
    if ipc_zh is not None:
        notes = ReadNotes()
        results.append(_load_titles(path=ipc_zh, language="zh", rows=read_ipc_zh(ipc_zh, notes), notes=notes))
    if ipc_en is not None:
        notes = ReadNotes()
        results.append(_load_titles(path=ipc_en, language="en", rows=read_ipc_en(ipc_en, notes), notes=notes))
    if wipo35 is not None:
        results.append(_load_wipo35(path=wipo35))
    if results:
        audit.record(
            action="reference.load",
            object_type="reference",
            object_repr=", ".join(r.part for r in results),
            after={
                r.part: {k: v for k, v in asdict(r).items() if k not in ("seconds", "notes")} for r in results
            },
        )
    return results
