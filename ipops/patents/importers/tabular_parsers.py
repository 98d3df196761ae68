"""Parsers for tabular exports: the CNIPA search-system layout, and any file with a saved column mapping."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from ipops.patents.importers.base import FIELDS, FileProblem, Problem, SourceRow
from ipops.patents.importers.tabular import (
    cell_text,
    csv_delimiter,
    detect_encoding,
    header_index,
    is_xlsx,
    read_csv_from,
    read_table,
)

# CNIPA search-system export columns (and the variants other CNIPA tools write) → our fields.
CNIPA_COLUMNS: dict[str, tuple[str, ...]] = {
    "app_number": ("申请号", "申请号/专利号"),
    "pub_number": ("公开(公告)号", "公开号", "公告号", "公开公告号", "授权公告号"),
    "pub_date": ("公开(公告)日", "公开日", "公告日", "授权公告日"),
    "app_date": ("申请日",),
    "title": ("名称", "发明名称", "专利名称", "标题"),
    "main_ipc": ("主分类号", "主IPC", "IPC主分类号"),
    "ipc": ("分类号", "IPC分类号", "IPC"),
    "priority": ("优先权",),
    "applicants": ("申请(专利权)人", "申请人", "专利权人", "申请人/专利权人"),
    "inventors": ("发明(设计)人", "发明人", "设计人"),
    "address": ("地址", "申请人地址"),
    "grant_date": ("颁证日",),
    "agency": ("专利代理机构", "代理机构"),
    "agents": ("代理人",),
    "abstract": ("摘要",),
    "first_claim": ("主权项", "首项权利要求"),
    "legal_status": ("法律状态", "当前法律状态"),
    "locarno": ("外观设计分类号", "洛迦诺分类号", "LOC分类号"),
}


def canonical_header(name: str) -> str:
    """Full-width brackets and spaces do not distinguish CNIPA column names."""
    return "".join(name.replace("（", "(").replace("）", ")").split())


class TabularParser:
    """Rows of a CSV/XLSX file turned into our field names through a column mapping."""

    def __init__(
        self, path: Path, *, mapping: dict[str, str] | None = None, format_name: str = "mapped"
    ) -> None:
        self.path = path
        self.mapping = mapping
        self.format_name = format_name

    def resolve_columns(self, header: dict[str, int]) -> dict[str, int]:
        """Our field → column position. The CNIPA layout is recognised by its column names."""
        if self.mapping is None:  # CNIPA layout
            by_canonical = {canonical_header(name): pos for name, pos in header.items()}
            columns = {}
            for field, aliases in CNIPA_COLUMNS.items():
                for alias in aliases:
                    if canonical_header(alias) in by_canonical:
                        columns[field] = by_canonical[canonical_header(alias)]
                        break
            if "title" not in columns or not ({"pub_number", "app_number"} & set(columns)):
                raise FileProblem(
                    _(
                        "This file does not look like a CNIPA export: it needs the columns 名称 and 公开（公告）号 "
                        "or 申请号. Found: %(columns)s. For other layouts, import with a column mapping."
                    )
                    % {"columns": "、".join(list(header)[:12])}
                )
            return columns
        unknown = sorted(set(self.mapping) - set(FIELDS))
        if unknown:
            raise FileProblem(
                _("The mapping names fields the platform does not have: %(fields)s.")
                % {"fields": ", ".join(unknown)}
            )
        missing = sorted(col for col in self.mapping.values() if col not in header)
        if missing:
            raise FileProblem(
                _("The file has no column named %(columns)s, which the mapping expects.")
                % {"columns": ", ".join(f"“{c}”" for c in missing)}
            )
        if "title" not in self.mapping or not ({"pub_number", "app_number"} & set(self.mapping)):
            raise FileProblem(
                _("A mapping must give the title and the publication number or the application number.")
            )
        return {field: header[column] for field, column in self.mapping.items()}

    def rows(self) -> Iterator[SourceRow | Problem]:
        table = read_table(self.path)
        try:
            _line, header_cells = next(table)
        except StopIteration:
            raise FileProblem(_("The file is empty.")) from None
        yield from self.row_shape(header_cells, text_only=not is_xlsx(self.path)).rows(table)

    def row_shape(self, header_cells: list[Any], *, text_only: bool) -> RowShape:
        """How the file's rows become source rows (raises FileProblem for a header that does not fit)."""
        header = header_index(header_cells)
        columns = self.resolve_columns(header)
        mapped_positions = set(columns.values())
        return RowShape(
            width=len(header_cells),
            mapped=tuple(columns.items()),
            extras=tuple((name, pos) for name, pos in header.items() if pos not in mapped_positions),
            text_only=text_only,
        )

    def csv_layout(self) -> CsvLayout | None:
        """For a CSV file: its encoding, delimiter and row shape, and where its data rows start (so that
        the rows can be read in blocks, by other processes); None for an XLSX file."""
        if is_xlsx(self.path):
            return None
        encoding = detect_encoding(self.path)
        delimiter = csv_delimiter(self.path, encoding)
        with self.path.open("rb") as raw:
            table = read_csv_from(raw, encoding, delimiter)
            try:
                _line, header_cells = next(table)
            except StopIteration:
                raise FileProblem(_("The file is empty.")) from None
            table.close()
        shape = self.row_shape(header_cells, text_only=True)
        header_lines = _header_lines(self.path, encoding, delimiter)
        return CsvLayout(
            path=self.path,
            encoding=encoding,
            delimiter=delimiter,
            shape=shape,
            data_offset=line_start_offset(self.path, header_lines),
            data_line=header_lines + 1,
        )


def _header_lines(path: Path, encoding: str, delimiter: str) -> int:
    """How many lines of the file the header row takes (a quoted column name may hold a line break)."""
    with path.open("r", encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, strict=True)
        next(reader)
        return reader.line_num


_LINE_END = re.compile(rb"\r\n|\r|\n")


def line_start_offset(path: Path, lines: int) -> int:
    """The byte offset at which the file's line `lines + 1` starts (the file's size if it has fewer lines).

    Lines end as Python's universal newlines end them (\\n, \\r\\n or a lone \\r); in UTF-8 and GB18030
    those bytes are never part of another character."""
    with path.open("rb") as handle:
        data = b""
        while True:
            piece = handle.read(1 << 20)
            data += piece
            for ends, match in enumerate(_LINE_END.finditer(data), start=1):
                if match.end() == len(data) and match.group() == b"\r" and piece:
                    break  # a \r at the end of what is read so far may be the start of \r\n
                if ends == lines:
                    return match.end()
            if not piece:
                return len(data)


@dataclass(frozen=True)
class RowShape:
    """Which cells of a row are which fields (picklable: a worker process shapes rows with it too)."""

    width: int  # cells in the header row
    mapped: tuple[tuple[str, int], ...]  # (our field, position)
    extras: tuple[tuple[str, int], ...]  # (column name, position) of the columns we do not map
    text_only: bool  # CSV: every cell is text

    def rows(self, table: Iterable[tuple[int, list[Any]]]) -> Iterator[SourceRow | Problem]:
        width, mapped, extras = self.width, self.mapped, self.extras
        text_only = self.text_only  # CSV cells are text: cell_text is strip()
        for line, cells in table:
            count = len(cells)
            if text_only:
                if not ((cells and cells[0].strip()) or "".join(cells).strip()):
                    continue  # blank lines are not rows
                if count > width and any(c.strip() for c in cells[width:]):
                    yield Problem(line, "", "", _("The row has more cells than the header has columns."))
                    continue
                extra = {n: v for n, p in extras if p < count and (v := cells[p].strip())}
            else:
                if not any(cell_text(c) for c in cells):
                    continue
                if count > width and any(cell_text(c) for c in cells[width:]):
                    yield Problem(line, "", "", _("The row has more cells than the header has columns."))
                    continue
                extra = {n: v for n, p in extras if p < count and (v := cell_text(cells[p]))}
            if count >= width:
                values: dict[str, Any] = {f: cells[p] for f, p in mapped}
            else:
                values = {f: cells[p] if p < count else "" for f, p in mapped}
            yield SourceRow(line=line, values=values, extra=extra)


@dataclass(frozen=True)
class CsvLayout:
    path: Path
    encoding: str  # of the whole file ("utf-8-sig" strips a byte-order mark at its very start)
    delimiter: str
    shape: RowShape
    data_offset: int  # byte offset of the first line after the header row
    data_line: int  # its line number

    def block_encoding(self, offset: int) -> str:
        """The encoding to decode the bytes from `offset` on with."""
        return "utf-8" if offset and self.encoding == "utf-8-sig" else self.encoding
