"""Streaming readers for CSV (UTF-8 or GB18030) and XLSX files: one header row, then data rows.

Each reader yields (line, cells) with the line number a user sees in the file; memory does not grow with
the file's size. Files that cannot be read at all raise FileProblem with a message in the user's language.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

from ipops.patents.importers.base import FileProblem

ENCODINGS = ("utf-8-sig", "gb18030")
SNIFF_BYTES = 1 << 20
csv.field_size_limit(16 * 1024 * 1024)


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the start of the file decodes as UTF-8, else GB18030 (covers GBK)."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head.strip():
        raise FileProblem(_("The file is empty."))
    if b"\x00" in head[:4096]:
        raise FileProblem(_("This is not a text (CSV) file. Save the export as CSV or XLSX and try again."))
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            decoder.decode(head, final=len(head) < SNIFF_BYTES)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileProblem(
        _(
            "The file's character encoding is neither UTF-8 nor GBK/GB18030. Save it as UTF-8 CSV and try again."
        )
    )


def csv_delimiter(path: Path, encoding: str) -> str:
    """Tab when the start of the file has more tabs than commas, else comma."""
    with path.open("r", encoding=encoding, newline="") as handle:
        sample = handle.read(64 * 1024)
    return "\t" if sample.count("\t") > sample.count(",") else ","


def read_csv(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) for every row; the header row is the first yielded."""
    encoding = detect_encoding(path)
    with path.open("rb") as raw:
        yield from read_csv_from(raw, encoding, csv_delimiter(path, encoding))


def read_csv_from(
    raw: BinaryIO, encoding: str, delimiter: str, first_line: int = 1
) -> Generator[tuple[int, list[str]], None, None]:
    """(line, cells) for every row from the binary stream's position on, which is the start of the line
    `first_line` of the file (and the start of a row)."""
    handle = io.TextIOWrapper(raw, encoding=encoding, newline="")
    reader = csv.reader(handle, delimiter=delimiter, strict=True)
    offset = first_line - 1
    line = first_line
    try:
        for cells in reader:
            yield line, cells
            line = offset + reader.line_num + 1
    except csv.Error as exc:
        raise FileProblem(
            _("The CSV file is broken near line %(line)d (%(error)s): often an unclosed quote.")
            % {"line": offset + reader.line_num, "error": exc}
        ) from exc
    except UnicodeDecodeError as exc:
        raise FileProblem(
            _("The file changes character encoding near line %(line)d; save it again as UTF-8 CSV.")
            % {"line": offset + reader.line_num + 1}
        ) from exc
    finally:
        handle.detach()


def read_xlsx(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) for the first sheet; cells keep their types (dates, numbers, text)."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise FileProblem(_("This is not a readable Excel (XLSX) file: %(error)s") % {"error": exc}) from exc
    if not book.sheet_names:
        raise FileProblem(_("The workbook has no sheet."))
    sheet = book.get_sheet_by_index(0)
    merged = sheet.merged_cell_ranges or []
    start_row = sheet.start[0] if sheet.start else 0
    if any(r0 == start_row or r1 == start_row for (r0, _c0), (r1, _c1) in merged):
        raise FileProblem(
            _(
                "The header row of the first sheet has merged cells. Unmerge them so that each column has its own name."
            )
        )
    for offset, row in enumerate(sheet.iter_rows()):
        yield start_row + offset + 1, list(row)


def is_xlsx(path: Path) -> bool:
    """Whether the file is an XLSX workbook (by its content, not its name)."""
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def read_table(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """CSV or XLSX by the file's content (not its name)."""
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == b"PK\x03\x04":
        return read_xlsx(path)
    if magic[:4] == b"\xd0\xcf\x11\xe0":
        raise FileProblem(_("Old Excel (.xls) files are not supported. Save the file as .xlsx or CSV."))
    return read_csv(path)


def cell_text(value: Any) -> str:
    """The text a user typed in a cell; XLSX numbers that are whole stay without '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def header_index(cells: list[Any]) -> dict[str, int]:
    """Column name → position; blank names are skipped, duplicates refused."""
    index: dict[str, int] = {}
    for position, raw in enumerate(cells):
        name = cell_text(raw).replace("\ufeff", "").strip()
        if not name:
            continue
        if name in index:
            raise FileProblem(_("The column “%(name)s” appears twice in the header row.") % {"name": name})
        index[name] = position
    if not index:
        raise FileProblem(_("The first row has no column names."))
    return index
