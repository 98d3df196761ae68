"""CSV files parsed in blocks (by the import's worker processes) give exactly the rows, problems and line
numbers the sequential parser gives, wherever the blocks are cut: inside quoted fields that hold line
breaks, next to literal quotes in unquoted fields, at blank lines and at every kind of line end."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import translation

from ipops.core.models import Job
from ipops.patents.importers import blocks, pipeline
from ipops.patents.importers.base import FileProblem, Problem, SourceRow
from ipops.patents.importers.blocks import BlockFailed, cut_blocks, line_count, parse_block, rows_in_blocks
from ipops.patents.importers.tabular_parsers import TabularParser
from ipops.patents.models import Patent
from tests.patents.test_import import CNIPA_CSV, GAZETTE, report_rows, run

HEADER = '申请号,公开（公告）号,名称,摘要,"备\n注"'
ROWS = [
    'CN201220249767.4,CN202644312U,一种轨枕,"第一行\n第二行\r\n第三行",x',  # line breaks in a quoted field
    'CN201220249768.9,CN202644313U,带"引号的名称,摘要,',  # a literal quote in an unquoted field: odd
    "",  # a blank line
    ",,,,",  # a row of empty cells
    'CN201220249769.3,CN202644314U,"名称""带引号""",摘要,',  # doubled quotes in a quoted field
    "CN201220249770.6,CN202644315U,名称,摘要,备注,多出的格",  # more cells than the header has
    "CN201220249771.X,CN202644316U,名称",  # fewer cells
    'CN201220249772.4,CN202644317U,又一个"引号,"多\n行\n摘要",',  # odd, then a multi-line field
    "CN201220249773.9,CN202644318U,名称,摘要,\r",  # a lone carriage return ends the line
    'CN201220249774.3,CN202644319U,名称,"""",',
]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def sequential(path: Path, mapping: dict[str, str] | None = None) -> list[SourceRow | Problem]:
    return list(TabularParser(path, mapping=mapping).rows())


def in_blocks(
    path: Path, size: int, cap: int | None = None, mapping: dict[str, str] | None = None
) -> list[SourceRow | Problem]:
    layout = TabularParser(path, mapping=mapping).csv_layout()
    assert layout is not None
    return list(rows_in_blocks(layout, size, cap))


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_rows_are_the_same_wherever_the_blocks_are_cut(tmp_path: Path, ending: str, encoding: str) -> None:
    text = ending.join([HEADER, *ROWS, *ROWS])  # no line end after the last row
    path = write(tmp_path / "tricky.csv", text, encoding)
    expected = sequential(path)
    assert [i.line for i in expected if isinstance(i, SourceRow)][:3] == [3, 6, 9]  # the header takes 2
    assert any(isinstance(i, Problem) for i in expected)
    for size in [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, len(text.encode(encoding))]:
        assert in_blocks(path, size) == expected, size
        assert in_blocks(path, size, cap=size) == expected, size  # odd blocks tried as soon as possible


def test_blocks_are_whole_lines_and_know_their_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path / "tricky.csv", "\n".join([HEADER, *ROWS]) + "\n")
    layout = TabularParser(path).csv_layout()
    assert layout is not None and layout.data_line == 3
    data = path.read_bytes()
    cut = list(cut_blocks(layout, size=40))
    assert len(cut) > 3 and b"".join(b.data for b in cut) == data[layout.data_offset :]
    for block in cut:
        assert block.data.endswith(b"\n")
        assert block.line == 1 + line_count(data[: block.offset])


def test_a_block_that_never_parses_on_its_own_falls_back_and_gives_the_same(tmp_path: Path) -> None:
    """A quoted field with many line breaks and an odd number of quotes before it: every cut inside it
    fails, and the rest of the file is parsed sequentially."""
    long_field = '"' + "\n".join(f"第{i}行" for i in range(200)) + '"'
    rows = [f'CN20122024976{i}.4,CN20264431{i}U,带"引号,{long_field},' for i in range(5)]
    path = write(tmp_path / "long.csv", "\n".join([HEADER, *rows, *ROWS]) + "\n")
    expected = sequential(path)
    layout = TabularParser(path).csv_layout()
    assert layout is not None
    with pytest.raises(BlockFailed):  # a block cut inside the long field
        [parse_block(layout, block) for block in cut_blocks(layout, size=100, cap=200)]
    for size in [16, 100, 1000]:
        assert in_blocks(path, size, cap=size * 2) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("\n".join([HEADER, *ROWS, 'CN1,CN202644399U,名称,"没有结束的引号']), "第 17 行"),
        ("\n".join([HEADER, *ROWS, 'CN1,CN202644399U,名称,"引号"之后,']), "第 17 行"),
    ],
)
def test_a_broken_file_fails_as_it_does_sequentially(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "broken.csv", text)
    with pytest.raises(FileProblem) as sequential_error:
        sequential(path)
    assert message in sequential_error.value.message
    for size in [7, 50, 10_000]:
        with pytest.raises(FileProblem) as block_error:
            in_blocks(path, size)
        assert block_error.value.message == sequential_error.value.message


def test_a_change_of_encoding_part_way_fails(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    utf8 = "\n".join([HEADER, *ROWS * 3000]).encode()  # more than the encoding detection reads
    path.write_bytes(utf8 + "\n".join(["", *ROWS]).encode("gb18030"))
    with translation.override("en"):
        with pytest.raises(FileProblem, match="changes character encoding"):
            sequential(path)
        with pytest.raises(FileProblem, match="changes character encoding"):
            in_blocks(path, 4096)


@pytest.mark.parametrize("sample", [CNIPA_CSV, *sorted(GAZETTE.glob("*.csv"))], ids=lambda p: p.name)
def test_the_real_samples_give_the_same_rows(sample: Path) -> None:
    mapping = None
    if sample.parent == GAZETTE:
        name = "cnipa-gazette-design" if "appearance" in sample.name else "cnipa-gazette"
        mapping = json.loads((pipeline.BUNDLED_MAPPINGS / f"{name}.json").read_text(encoding="utf-8"))
    expected = sequential(sample, mapping)
    assert len(expected) > 100
    for size in [1000, 5000, 1 << 20]:
        assert in_blocks(sample, size, mapping=mapping) == expected


@pytest.mark.django_db
def test_an_import_through_workers_in_blocks_is_the_one_in_process(
    region: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole import (records, report lines, counts) of the tricky file, with and without workers."""
    valid = [
        'CN201220249767.4,CN202644312U,一种轨枕,"第一行\n第二行",x',
        'CN201220249768.9,CN202644313U,带"引号的名称,摘要,',
        "",
        "CN201220249770.6,CN202644315U,名称,摘要,备注,多出的格",
        'CN201220249775.8,CN202644320U,又一个"引号,"多\n行\n摘要",',
    ]
    rows = [r.replace("CN2026443", f"CN20264{n:02d}") for n in range(40) for r in valid]
    path = write(tmp_path / "tricky.csv", "\r\n".join([HEADER, *rows]))

    def outcome(job: Job) -> tuple[dict, list[tuple], list[tuple]]:
        assert job.status == Job.Status.SUCCEEDED, job.error
        stored = list(Patent.objects.order_by("pub_number").values_list("pub_number", "title", "abstract"))
        return job.result | {"batch": ""}, report_rows(job), stored

    monkeypatch.setenv("IPOPS_IMPORT_WORKERS", "0")
    with transaction.atomic():
        in_process = outcome(run(region, path))
        transaction.set_rollback(True)
    assert in_process[0]["rows_read"] == 160 and in_process[0]["created"] == 120
    assert in_process[0]["rejected"] == 40  # the rows with more cells than the header
    assert {line for line, *_rest in in_process[1]} >= {7, 15, 319}  # lines as the user sees them
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setenv("IPOPS_IMPORT_WORKERS", "1")
    for size in [50, 333, 1 << 20]:
        monkeypatch.setattr(blocks, "BLOCK_BYTES", size)
        with transaction.atomic():
            assert outcome(run(region, path)) == in_process, size
            transaction.set_rollback(True)
    assert not multiprocessing.active_children()
