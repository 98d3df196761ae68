"""One import from file to store: detect the format, parse, normalise, load, report.

`run_import` is what the import job runs; it never holds more than one batch of rows in memory, and the
error report (every rejected row and every warning with line, column, value and reason) is written as it
goes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from ipops.patents.importers.base import FileProblem, Parser, Problem
from ipops.patents.importers.loader import Counts, Loader
from ipops.patents.importers.normalise import normalise_row
from ipops.patents.importers.tabular_parsers import TabularParser
from ipops.patents.models import ColumnMapping, Dataset, ImportBatch

FORMATS = ("cnipa", "uspto-xml", "mapped")
BUNDLED_MAPPINGS = Path(__file__).resolve().parent.parent / "mappings"


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


def run_import(
    *,
    path: Path,
    file_name: str,
    file_format: str | None,
    mapping_name: str = "",
    dataset_name: str = "",
    report_path: Path,
    actor: Any = None,
    job: Any = None,
    on_progress: Callable[[int, int | None], None] | None = None,
) -> ImportBatch:
    """Import one file. Raises FileProblem when the file cannot be imported at all."""
    mapping = None
    if mapping_name:
        mapping_name, mapping = load_mapping(mapping_name)
        file_format = file_format or "mapped"
    file_format = file_format or detect_format(path)
    parser = make_parser(path, file_format, mapping)
    dataset = None
    if dataset_name:
        dataset, _created = Dataset.objects.get_or_create(name=dataset_name)
    batch = ImportBatch.objects.create(
        job=job,
        dataset=dataset,
        file_name=file_name,
        file_format=file_format,
        mapping_name=mapping_name,
        created_by=actor,
    )
    total = estimate_rows(path) if file_format != "uspto-xml" else None
    loader = Loader(batch=batch, dataset=dataset)
    report = Report(report_path)
    counts: Counts = loader.counts

    def note(problems: list[Problem]) -> None:
        for problem in problems:
            report.add(problem)
            if not problem.is_error:
                counts.warnings += 1

    try:
        for item in parser.rows():
            counts.rows_read += 1
            if isinstance(item, Problem):
                counts.rejected += 1
                note([item])
            else:
                record, problems = normalise_row(item)
                if record is None:
                    counts.rejected += 1
                note(problems)
                if record is not None:
                    note(loader.add(record))
            if on_progress is not None and counts.rows_read % 500 == 0:
                on_progress(counts.rows_read, total)
        note(loader.flush())
    finally:
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
    return batch
