"""One import from file to store: detect the format, parse, normalise, load, report.

`run_import` is what the import job runs; it never holds more than a few batches of rows in memory, and
the error report (every rejected row and every warning with line, column, value and reason) is written as
it goes.

A large file is normalised in a worker process (Linux, more than one CPU): the main process reads the
file, sends chunks of rows to the worker and writes what comes back, in the file's order, while the worker
normalises the next chunks. Only a bounded number of chunks is in flight. Everything is still written by
the job's process in the job's transaction, so a failure anywhere rolls back everything; a failure in the
worker is raised in the main process. `IPOPS_IMPORT_WORKERS` (setting or environment variable) sets the
number of worker processes; 0 normalises in the main process.
"""

from __future__ import annotations

import gc
import itertools
import json
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from ipops.core.jobs import after_finish
from ipops.patents.importers.base import FileProblem, Parser, Problem, SourceRow
from ipops.patents.importers.blocks import (
    Block,
    BlockFailed,
    BlockSource,
    cut_blocks,
    parse_block,
    sequential_rows,
)
from ipops.patents.importers.loader import Counts, Loader, Prepared, Shape
from ipops.patents.importers.normalise import CleanRecord, RowNormaliser
from ipops.patents.importers.tabular_parsers import CsvLayout, TabularParser
from ipops.patents.models import ColumnMapping, Dataset, ImportBatch
from ipops.patents.normalize.address import default_normaliser

FORMATS = ("cnipa", "uspto-xml", "mapped")
BUNDLED_MAPPINGS = Path(__file__).resolve().parent.parent / "mappings"
PARALLEL_MIN_ROWS = 5_000  # below this, starting a worker costs more than it saves
PARALLEL_MIN_BYTES = 8 << 20  # the same for files whose rows are not counted beforehand (XLSX, XML)
CHUNK_ROWS = 500  # rows sent to a worker at a time (when they are parsed in the main process)
CHUNKS_IN_FLIGHT = 4  # per worker: what bounds the memory of a parallel import
GC_THRESHOLD = 50_000  # allocations between two collections of the youngest generation (default 700)
SQLITE_CACHE_KIB = 256 * 1024  # page cache of the import's SQLite connection while it runs
logger = logging.getLogger(__name__)


def detect_format(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(8192)
    if not head.strip():
        raise FileProblem(_("The file is empty."))
    if head.lstrip().startswith(b"<"):
        from ipops.patents.importers.uspto_xml import looks_like_uspto_xml

        if looks_like_uspto_xml(head):
            return "uspto-xml"
        raise FileProblem(_("This XML file is not a USPTO full-text file."))
    return "cnipa"


def load_mapping(name_or_file: str) -> tuple[str, dict[str, str]]:
    """A saved mapping by name, or a JSON file {"our_field": "their column", …}."""
    saved = ColumnMapping.objects.filter(name=name_or_file).first()
    if saved is not None:
        return saved.name, dict(saved.mapping)
    bundled = BUNDLED_MAPPINGS / f"{name_or_file}.json"
    path = bundled if bundled.is_file() else Path(name_or_file)
    if path.suffix.lower() == ".json" and path.exists():
        try:
            mapping = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise FileProblem(_("The mapping file is not valid JSON: %(error)s") % {"error": exc}) from exc
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise FileProblem(_('A mapping file must be a JSON object {"our_field": "their column", …}.'))
        return path.stem if path.parent == BUNDLED_MAPPINGS else path.name, mapping
    raise FileProblem(
        _("There is no saved mapping and no JSON file called “%(name)s”.") % {"name": name_or_file}
    )


def make_parser(path: Path, file_format: str, mapping: dict[str, str] | None) -> Parser:
    if file_format == "uspto-xml":
        from ipops.patents.importers.uspto_xml import UsptoXmlParser

        return UsptoXmlParser(path)
    if file_format == "mapped":
        if not mapping:
            raise FileProblem(_("A mapped import needs a column mapping."))
        return TabularParser(path, mapping=mapping, format_name="mapped")
    if file_format == "cnipa":
        return TabularParser(path, mapping=None, format_name="cnipa")
    raise FileProblem(_("Unknown import format “%(format)s”.") % {"format": file_format})


def estimate_rows(path: Path) -> int | None:
    """A quick row estimate for the progress bar (lines of a text file); None when unknown."""
    with path.open("rb") as handle:
        if handle.read(4) == b"PK\x03\x04":
            return None
        handle.seek(0)
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


class Report:
    """The row-level report, streamed to an .xlsx file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(_("Import report"))
        header = [_("Line"), _("Column"), _("Value"), _("Problem"), _("Severity")]
        cells = []
        for text in header:
            cell = WriteOnlyCell(self.sheet, value=text)
            cell.font = Font(bold=True)
            cells.append(cell)
        self.sheet.append(cells)
        self.count = 0

    def add(self, problem: Problem) -> None:
        severity = _("rejected") if problem.is_error else _("warning")
        value = problem.value
        if value.startswith(("=", "+", "-", "@")):
            value = "'" + value
        self.sheet.append([problem.line, problem.column, value, problem.reason, severity])
        self.count += 1

    def close(self) -> None:
        self.book.save(self.path)


Item = SourceRow | Problem
Normalised = tuple[CleanRecord | Prepared | None, list[Problem] | None]  # None: no problems
# What travels between the processes is plain tuples, which pickle at about half the cost of dicts and named
# tuples: a row as (line, its field names, its values, extra columns) — the names are one shared tuple per
# column layout, so pickle writes them once per chunk — and a prepared record as the tuple of its fields.
WorkerRow = tuple[int, tuple[str, ...], tuple[Any, ...], dict[str, str]]
WorkerResult = tuple[list[tuple[tuple[Any, ...] | None, list[Problem]]], int, dict[str, tuple[int, int]]]
BlockResult = tuple[
    list[Problem | tuple[tuple[Any, ...] | None, list[Problem] | None]] | None,
    int,
    dict[str, tuple[int, int]],
]


def import_workers() -> int:
    """Worker processes for a large import: IPOPS_IMPORT_WORKERS, else one when there is a second CPU.

    Workers are forked, so only where fork is the platform's way (Linux); elsewhere 0.
    """
    configured = getattr(settings, "IPOPS_IMPORT_WORKERS", None)
    if configured is None:
        configured = os.environ.get("IPOPS_IMPORT_WORKERS", "")
    if not sys.platform.startswith("linux") or multiprocessing.current_process().daemon:
        return 0  # no fork, or a daemonic process, which may not have children
    if str(configured).strip():
        try:
            return max(0, int(configured))
        except ValueError:
            logger.warning(
                "IPOPS_IMPORT_WORKERS=%r is not a number; normalising in the main process", configured
            )
            return 0
    return 1 if (os.cpu_count() or 1) > 1 else 0


_worker_normaliser: RowNormaliser | None = None
_worker_shape: Shape | None = None
_worker_layout: CsvLayout | None = None


def _start_worker(language: str, shape: Shape, layout: CsvLayout | None) -> None:
    """In a forked worker: the import's language, fresh caches, and the default signal dispositions (the
    job worker's own SIGTERM handler would otherwise keep `Pool.terminate` from ending it)."""
    global _worker_normaliser, _worker_shape, _worker_layout
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the main process, which ends the pool
    translation.activate(language)
    _worker_normaliser = RowNormaliser()
    _worker_shape = shape
    _worker_layout = layout


def _normalise_chunk(rows: list[WorkerRow]) -> WorkerResult:
    """In a worker: rows normalised and prepared for writing (plain tuples travel back cheaply)."""
    normaliser, shape = _worker_normaliser, _worker_shape
    assert normaliser is not None and shape is not None
    results: list[tuple[tuple[Any, ...] | None, list[Problem]]] = []
    for line, names, values, extra in rows:
        record, problems = normaliser.normalise(line, dict(zip(names, values, strict=True)), extra)
        results.append((None if record is None else tuple(shape.prepare(record)), problems))
    return results, os.getpid(), normaliser.cache_stats()


def _normalise_block(block: Block) -> BlockResult:
    """In a worker: the rows of a block of the CSV file parsed, normalised and prepared for writing; None
    instead of them when the block does not parse on its own (see `blocks`)."""
    normaliser, shape, layout = _worker_normaliser, _worker_shape, _worker_layout
    assert normaliser is not None and shape is not None and layout is not None
    try:
        items = parse_block(layout, block)
    except BlockFailed:
        return None, os.getpid(), normaliser.cache_stats()
    results: list[Problem | tuple[tuple[Any, ...] | None, list[Problem] | None]] = []
    add = results.append
    normalise, prepare = normaliser.normalise, shape.prepare
    for item in items:
        if isinstance(item, Problem):
            add(item)
        else:
            record, problems = normalise(item.line, item.values, item.extra)
            add((None if record is None else tuple(prepare(record)), problems or None))
    return results, os.getpid(), normaliser.cache_stats()


class _Layouts(dict[tuple[str, ...], tuple[str, ...]]):
    """One shared tuple per distinct tuple of field names (so that pickle sends each once per chunk)."""

    def __missing__(self, names: tuple[str, ...]) -> tuple[str, ...]:
        self[names] = names
        return names


Source = SourceRow | BlockSource


class NormalisedStream:
    """(item, its normalisation) for every row of a parser, in order; None for a parser's Problem.

    An item is the source row, or (with workers, from a CSV file) the block of the file it is in."""

    def __init__(self, parser: Parser, workers: int, shape: Shape) -> None:
        self.parser = parser
        self.workers = workers
        self.shape = shape
        self.cache_stats: dict[int, dict[str, tuple[int, int]]] = {}

    def __iter__(self) -> Iterator[tuple[Source | Problem, Normalised | None]]:
        if self.workers <= 0:
            normaliser = RowNormaliser()
            try:
                for item in self.parser.rows():
                    yield item, None if isinstance(item, Problem) else normaliser(item)
            finally:
                self.cache_stats[os.getpid()] = normaliser.cache_stats()
            return
        layout = self.parser.csv_layout() if isinstance(self.parser, TabularParser) else None
        default_normaliser()  # load the region tables once, before forking: the workers share them
        context = multiprocessing.get_context("fork")
        language = translation.get_language() or settings.LANGUAGE_CODE
        initargs = (language, self.shape, layout)
        with context.Pool(self.workers, initializer=_start_worker, initargs=initargs) as pool:
            if layout is None:
                yield from self.in_chunks(pool, self.parser.rows())
            else:
                yield from self.in_blocks(pool, layout)
            # leaving the block terminates the workers, also when the consumer stops early or fails

    def in_chunks(
        self, pool: Pool, items: Iterator[Item]
    ) -> Iterator[tuple[Source | Problem, Normalised | None]]:
        """Rows parsed here, normalised in the workers."""
        in_flight: deque[tuple[list[Item], AsyncResult[WorkerResult]]] = deque()
        layouts = _Layouts()
        while True:
            chunk = list(itertools.islice(items, CHUNK_ROWS))
            if chunk:
                rows = [
                    (i.line, layouts[tuple(i.values)], tuple(i.values.values()), i.extra)
                    for i in chunk
                    if isinstance(i, SourceRow)
                ]
                in_flight.append((chunk, pool.apply_async(_normalise_chunk, (rows,))))
            if in_flight and (not chunk or len(in_flight) >= self.workers * CHUNKS_IN_FLIGHT):
                yield from self.collect(*in_flight.popleft())
            elif not chunk:
                break

    def collect(
        self, chunk: list[Item], pending: AsyncResult[WorkerResult]
    ) -> Iterator[tuple[Source | Problem, Normalised | None]]:
        results, pid, stats = pending.get()  # a failure in the worker is raised here
        self.cache_stats[pid] = stats
        done = iter(results)
        make = Prepared._make
        for item in chunk:
            if isinstance(item, Problem):
                yield item, None
            else:
                values, problems = next(done)
                yield item, (None if values is None else make(values), problems)

    def in_blocks(
        self, pool: Pool, layout: CsvLayout
    ) -> Iterator[tuple[Source | Problem, Normalised | None]]:
        """Blocks of the CSV file parsed and normalised in the workers; from a block that does not parse on
        its own on, rows parsed here (see `blocks`)."""
        in_flight: deque[tuple[Block, AsyncResult[BlockResult]]] = deque()
        blocks = cut_blocks(layout)
        make = Prepared._make
        while True:
            block = next(blocks, None)
            if block is not None:
                in_flight.append((block, pool.apply_async(_normalise_block, (block,))))
            if in_flight and (block is None or len(in_flight) >= self.workers * CHUNKS_IN_FLIGHT):
                first, pending = in_flight.popleft()
                results, pid, stats = pending.get()  # a failure in the worker is raised here
                self.cache_stats[pid] = stats
                if results is None:  # the later blocks' results are not needed: parse from here on
                    blocks.close()
                    in_flight.clear()
                    yield from self.in_chunks(pool, sequential_rows(layout, first))
                    return
                source = BlockSource(layout, first)
                for entry in results:
                    if isinstance(entry, Problem):
                        yield entry, None
                    else:
                        values, problems = entry
                        yield source, (None if values is None else make(values), problems)
            elif block is None:
                break

    def hit_rates(self) -> dict[str, dict[str, float | int]]:
        totals: dict[str, list[int]] = {}
        for stats in self.cache_stats.values():
            for name, (hits, misses) in stats.items():
                total = totals.setdefault(name, [0, 0])
                total[0] += hits
                total[1] += misses
        return {
            name: {"hits": hits, "misses": misses, "hit_rate": round(hits / (hits + misses), 3)}
            for name, (hits, misses) in totals.items()
            if hits + misses
        }


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Python's cyclic garbage collector run less often while an import runs: an import allocates millions
    of short-lived tuples and its caches hold hundreds of thousands of long-lived ones, which every full
    collection would walk again (at the default thresholds that cost ~10 % of the import's CPU in each
    process). What exists before the import is frozen, i.e. never walked; forked workers inherit both."""
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


def import_connection_settings() -> Callable[[], None]:
    """Settings of the job's connection while an import writes; returns what puts them back.

    SQLite: a larger page cache (the index pages of a growing table stay in memory), and no automatic
    checkpoint: the commit of a large import would otherwise copy the whole write-ahead log into the database
    file before the job could report its end. The log is checkpointed once the job's end is recorded
    (`after_finish`), while the platform goes on reading and writing.
    PostgreSQL: foreign keys checked row by row as the rows arrive (the server does that while this process
    prepares the next batch) instead of all at once at commit, when nothing else can proceed.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # until the transaction ends
        return lambda: None
    if connection.vendor != "sqlite":
        return lambda: None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous_cache = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA wal_autocheckpoint")
        previous_checkpoint = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB:d}")
        cursor.execute("PRAGMA wal_autocheckpoint = 0")

    def checkpoint() -> None:
        if connection.connection is None:
            return
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {previous_checkpoint:d}")
            if not connection.in_atomic_block:  # outside a job the caller's commit checkpoints as usual
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def restore() -> None:
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {previous_cache:d}")
        after_finish(checkpoint)

    return restore


def run_import(
    *,
    path: Path,
    file_name: str,
    file_format: str | None,
    mapping_name: str = "",
    dataset_name: str = "",
    status_as_of: str = "",
    report_path: Path,
    actor: Any = None,
    job: Any = None,
    on_progress: Callable[[int, int | None], None] | None = None,
    workers: int | None = None,
) -> ImportBatch:
    """Import one file. Raises FileProblem when the file cannot be imported at all.

    `workers`: processes that normalise rows (default `import_workers()` for a file of at least
    PARALLEL_MIN_ROWS lines or PARALLEL_MIN_BYTES, else 0). `status_as_of` (ISO date): when the source's
    legal statuses were current, kept on the dataset.
    """
    started = time.perf_counter()
    mapping = None
    if mapping_name:
        mapping_name, mapping = load_mapping(mapping_name)
        file_format = file_format or "mapped"
    file_format = file_format or detect_format(path)
    parser = make_parser(path, file_format, mapping)
    dataset = None
    if dataset_name:
        dataset, _created = Dataset.objects.get_or_create(name=dataset_name)
        current_on = date.fromisoformat(status_as_of) if status_as_of else None
        if current_on is not None and dataset.status_as_of != current_on:
            dataset.status_as_of = current_on
            dataset.save(update_fields=["status_as_of", "updated_at"])
    batch = ImportBatch.objects.create(
        job=job,
        dataset=dataset,
        file_name=file_name,
        file_format=file_format,
        mapping_name=mapping_name,
        created_by=actor,
    )
    total = estimate_rows(path) if file_format != "uspto-xml" else None
    if workers is None:
        large = total >= PARALLEL_MIN_ROWS if total is not None else path.stat().st_size >= PARALLEL_MIN_BYTES
        workers = import_workers() if large else 0
    loader = Loader(batch=batch, dataset=dataset)
    report = Report(report_path)
    counts: Counts = loader.counts
    stream = NormalisedStream(parser, workers, loader.shape)
    rows = iter(stream)
    restore_settings = import_connection_settings()

    def note(problems: list[Problem]) -> None:
        for problem in problems:
            report.add(problem)
            if not problem.is_error:
                counts.warnings += 1

    add = loader.add
    try:
        with fewer_collections():
            for item, result in rows:
                counts.rows_read += 1
                if result is None:
                    assert isinstance(item, Problem)
                    counts.rejected += 1
                    note([item])
                else:
                    record, problems = result
                    if problems:
                        note(problems)
                    if record is None:
                        counts.rejected += 1
                    else:
                        assert not isinstance(item, Problem)
                        if added := add(record, item):
                            note(added)
                if on_progress is not None and counts.rows_read % 500 == 0:
                    on_progress(counts.rows_read, total)
            note(loader.flush())
    finally:
        rows.close()  # type: ignore[attr-defined]
        restore_settings()
        report.close()
    if counts.rows_read == 0:
        raise FileProblem(_("The file has a header but no data rows."))
    for name in ("rows_read", "created", "updated", "unchanged", "rejected", "warnings"):
        setattr(batch, name, getattr(counts, name))
    batch.status = ImportBatch.Status.DONE
    batch.report_file = report_path.name
    batch.save()
    if on_progress is not None:
        on_progress(counts.rows_read, counts.rows_read)
    elapsed = time.perf_counter() - started
    stats = {
        "rows": counts.rows_read,
        "seconds": round(elapsed, 2),
        "rows_per_s": round(counts.rows_read / elapsed) if elapsed else 0,
        "workers": workers,
        "loading_s": round(loader.loading, 2),
        "caches": stream.hit_rates(),
    }
    logger.info(
        "import of %s: %d rows in %.1f s (%d rows/s, %d workers)",
        file_name,
        counts.rows_read,
        elapsed,
        stats["rows_per_s"],
        workers,
        extra={"import_stats": stats},
    )
    return batch
