"""A CSV file's data rows read in blocks of whole lines, so that the rows can be parsed in worker processes.

The main process only cuts the file's bytes at line ends (`cut_blocks`): each block is one bytes object,
which costs next to nothing to send to a worker; the worker decodes it, parses it with `csv` and shapes
its rows (`parse_block`) exactly as `TabularParser.rows` does, with the same line numbers.

Why a block parses exactly as the whole file would: the `csv` reader carries nothing from one row to the
next but its line count, so a block that starts where a row starts yields the file's rows, provided it
also ends where a row ends. A block cut at a line end that is inside a quoted field (a field may hold line
breaks) ends inside a quoted field, and the strict reader then raises "unexpected end of data" instead of
ending the row. So a block either parses without error — and then it started and ended at row boundaries
and its rows are the file's rows — or it raises, and the caller parses the file sequentially from that
block on (`BlockFailed`), where the same error, if it is a real one, is raised with its line as usual.
Blocks are cut where the number of quote characters in them is even, which is where rows end unless a
field holds a literal quote (`a,b"c,d`); a block with an odd number grows to at most BLOCK_CAP bytes and
is then tried as it is, so memory stays bounded whatever the file holds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field

from ipops.patents.importers.base import Problem, SourceRow
from ipops.patents.importers.tabular import read_csv_from
from ipops.patents.importers.tabular_parsers import CsvLayout

BLOCK_BYTES = 1 << 20  # read at a time; a block is what of that ends at a line end (~650 CNIPA rows)
BLOCK_CAP = 16 << 20  # a block with an odd number of quotes grows up to this before it is tried as it is


@dataclass(frozen=True)
class Block:
    data: bytes  # whole lines of the file (the last block may lack its final line end)
    offset: int  # byte offset of its start in the file
    line: int  # line number of its first line


class BlockFailed(Exception):
    """A block did not parse on its own: parse the file sequentially from its start on."""


def line_count(data: bytes) -> int:
    """Lines ended in `data` as universal newlines count them: \\n, \\r\\n, or a lone \\r."""
    lines = data.count(b"\n")
    if b"\r" in data:  # (rare outside Windows files: a search, not a count)
        lines += data.count(b"\r") - data.count(b"\r\n")
    return lines


def cut_blocks(
    layout: CsvLayout, size: int | None = None, cap: int | None = None
) -> Generator[Block, None, None]:
    """The file's data rows as blocks of whole lines, in order."""
    size = size or BLOCK_BYTES
    cap = max(cap or BLOCK_CAP, size)
    offset, line = layout.data_offset, layout.data_line
    carry = b""
    with layout.path.open("rb") as handle:
        handle.seek(offset)
        while True:
            piece = handle.read(size)
            data = carry + piece if carry else piece
            if not piece:  # the end of the file: what is left, without its final line end
                if data:
                    yield Block(data, offset, line)
                return
            cut = data.rfind(b"\n") + 1
            if cut == 0 or (data.count(b'"', 0, cut) % 2 and len(data) < cap):
                carry = data  # no line end yet, or (probably) inside a quoted field: read on
                continue
            block, carry = data[:cut], data[cut:]
            yield Block(block, offset, line)
            offset += cut
            line += line_count(block)


def parse_block(layout: CsvLayout, block: Block) -> list[SourceRow | Problem]:
    """The rows of a block as `TabularParser.rows` yields them; raises BlockFailed when the block does not
    parse on its own (or not at all: the sequential parse from the block on then reports the problem)."""
    try:
        text = block.data.decode(layout.block_encoding(block.offset))
    except UnicodeDecodeError as exc:
        raise BlockFailed from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter, strict=True)

    def numbered() -> Iterator[tuple[int, list[str]]]:
        before = block.line - 1
        line = block.line
        for cells in reader:
            yield line, cells
            line = before + reader.line_num + 1

    try:
        return list(layout.shape.rows(numbered()))
    except csv.Error as exc:
        raise BlockFailed from exc


def sequential_rows(layout: CsvLayout, block: Block) -> Iterator[SourceRow | Problem]:
    """The rows of the file from the start of `block` on, parsed one after the other."""
    with layout.path.open("rb") as raw:
        raw.seek(block.offset)
        table = read_csv_from(raw, layout.block_encoding(block.offset), layout.delimiter, block.line)
        yield from layout.shape.rows(table)


def rows_in_blocks(
    layout: CsvLayout, size: int | None = None, cap: int | None = None
) -> Iterator[SourceRow | Problem]:
    """The file's rows as the pipeline's workers parse them, in one process: what `TabularParser.rows`
    yields after the header, always."""
    for block in cut_blocks(layout, size, cap):
        try:
            items = parse_block(layout, block)
        except BlockFailed:
            yield from sequential_rows(layout, block)
            return
        yield from items


@dataclass
class BlockSource:
    """The rows of a block, parsed again only when asked for (to compare a row with a record stored under
    an older hash version, which needs the row itself)."""

    layout: CsvLayout
    block: Block
    rows: dict[int, SourceRow] | None = field(default=None, repr=False)

    def row(self, line: int) -> SourceRow:
        if self.rows is None:
            self.rows = {r.line: r for r in parse_block(self.layout, self.block) if isinstance(r, SourceRow)}
        return self.rows[line]
