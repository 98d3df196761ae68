"""IPC symbols and Locarno classes: the spellings of real data, errors by reason, round trips."""

from __future__ import annotations

import csv
import io
import lzma
from collections import Counter
from pathlib import Path

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from ipops.patents.normalize.ipc import (
    IpcCode,
    IpcError,
    LocarnoError,
    parse_ipc,
    parse_ipc_list,
    parse_locarno,
    parse_locarno_list,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ipc"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
GAZETTE = SHARED / "cn_gazette_20190709_foristkirito" / "original"

E01B_3_32 = IpcCode("E", "01", "B", "3", "32")


@pytest.mark.parametrize(
    ("raw", "version", "inventive"),
    [
        ("E01B3/32(2006.01)I", "2006.01", True),
        ("E01B3/32(2006.01)N", "2006.01", False),
        ("E01B 3/32", "", None),
        ("E01B3/32", "", None),
        ("e01b0003320000", "", None),
        ("E01B0003320000", "", None),
        ("E01B3/32 (2006.01)", "2006.01", None),
        ("E01B 3/32 ( 2006.01 ) I", "2006.01", True),
        ("Ｅ０１Ｂ３／３２（２００６．０１）Ｉ", "2006.01", True),
        ("Ｅ０１Ｂ　３／３２", "", None),
        ("  E01B 03/320  ", "", None),
        ("Int.Cl.7 E01B 3/32", "", None),
        ("IPC: E01B3/32", "", None),
    ],
)
def test_the_spellings_of_real_data_give_one_canonical_code(
    raw: str, version: str, inventive: bool | None
) -> None:
    ipc = parse_ipc(raw)
    assert (ipc.section, ipc.klass, ipc.subclass, ipc.main_group, ipc.subgroup) == ("E", "01", "B", "3", "32")
    assert (ipc.version, ipc.inventive) == (version, inventive)
    assert ipc.code == "E01B 3/32"
    assert ipc.compact == "E01B3/32"
    assert ipc.subclass_code == "E01B"
    assert ipc.main_group_code == "E01B 3/00"
    assert ipc.wipo14 == "E01B0003320000"
    assert ipc.kind == "subgroup"
    assert ipc.ancestors == ["E01B 3/00", "E01B", "E01", "E"]
    assert str(ipc) == "E01B 3/32"


@pytest.mark.parametrize(
    ("raw", "code", "kind", "main_group_code"),
    [
        ("E01B", "E01B", "subclass", ""),
        ("E01B 3/00", "E01B 3/00", "main_group", "E01B 3/00"),
        ("A01B0001000000", "A01B 1/00", "main_group", "A01B 1/00"),
        ("A61K0031401500", "A61K 31/4015", "subgroup", "A61K 31/00"),
        ("H04N 101/00", "H04N 101/00", "main_group", "H04N 101/00"),
        ("C12N2310/00", "C12N 2310/00", "main_group", "C12N 2310/00"),
        ("H01L 21/02172", "H01L 21/02172", "subgroup", "H01L 21/00"),
        ("E01D15/133(2006.01)I", "E01D 15/133", "subgroup", "E01D 15/00"),
    ],
)
def test_subclasses_main_groups_and_long_subgroups(
    raw: str, code: str, kind: str, main_group_code: str
) -> None:
    ipc = parse_ipc(raw)
    assert (ipc.code, ipc.kind, ipc.main_group_code) == (code, kind, main_group_code)
    assert ipc.compact == code.replace(" ", "")


def test_sections_and_classes_only_when_asked_for() -> None:
    assert parse_ipc("E", partial=True).code == "E"
    assert parse_ipc("E01", partial=True).kind == "class"
    assert parse_ipc("E01", partial=True).ancestors == ["E"]
    assert parse_ipc("E01B", partial=True).parent_code == "E01"
    with pytest.raises(IpcError):
        parse_ipc("E01")
    with pytest.raises(IpcError):
        parse_ipc("E")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Y02E10/50", "section"),  # CPC's section Y is not IPC
        ("12-08", "section"),
        ("E01B3/3", "subgroup"),
        ("E01B3/32(2006.1)I", "version"),
        ("E01B3/32(2006.13)I", "version"),
        ("E01B3/32(2006.01)X", "flag"),
        ("E01B3/32;", "format"),
        ("E01B 3/32 foo", "format"),
        ("E01B3/32E01C1/00", "format"),
        ("E01B3/", "format"),
        ("E1B3/32", "format"),
        ("E\u0661\u0662B3/32", "format"),  # Arabic-Indic digits are not folded by NFKC
    ],
)
def test_errors_name_their_reason_and_keep_the_input(raw: str, reason: str) -> None:
    with pytest.raises(IpcError) as caught:
        parse_ipc(raw)
    assert caught.value.code == reason
    assert caught.value.raw == raw
    assert isinstance(caught.value, ValueError)


def test_error_messages_are_translated_lazily() -> None:
    with pytest.raises(IpcError) as caught:
        parse_ipc("Y02E10/50")
    with translation.override("en"):
        assert str(caught.value.message) == "An IPC symbol starts with a section letter from A to H."
        assert "Y02E10/50" in str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [
        "E01B3/32(2006.01)I;E01B9/10(2006.01)I",
        "E01B3/32(2006.01)I；E01B9/10(2006.01)I",
        "E01B3/32(2006.01)I，E01B9/10(2006.01)I",
        "E01B3/32(2006.01)I, E01B9/10(2006.01)I;",
        "E01B3/32(2006.01)I;??E01B9/10(2006.01)I  ",
        "E01B3/32(2006.01)I;\u2002E01B9/10(2006.01)I",
        "E01B 3/32 E01B 9/10",
        "E01B3/32、E01B9/10",
        "E01B0003320000 E01B0009100000",
        "E01B3/32(2006.01)I E01B9/10(2006.01)I",
        "E01B3/32(2006.01)I;E01B9/10(2006.01)I;E01B3/32(2006.01)N",
    ],
)
def test_lists_keep_order_and_drop_repeats(raw: str) -> None:
    assert [c.code for c in parse_ipc_list(raw)] == ["E01B 3/32", "E01B 9/10"]


def test_a_list_keeps_each_symbols_version_and_flag() -> None:
    first, second = parse_ipc_list("E01B3/32(2006.01)I;E01B9/10(2012.01)N")
    assert (first.version, first.inventive, second.version, second.inventive) == (
        "2006.01",
        True,
        "2012.01",
        False,
    )
    assert parse_ipc_list("") == []
    assert parse_ipc_list(" ; ") == []
    assert [c.code for c in parse_ipc_list("E01B E01C")] == ["E01B", "E01C"]


def test_a_list_with_a_bad_item_names_it() -> None:
    with pytest.raises(IpcError) as caught:
        parse_ipc_list("E01B3/32(2006.01)I;Y02E10/50;E01C1/00")
    assert (caught.value.code, caught.value.raw) == ("section", "Y02E10/50")
    with pytest.raises(IpcError) as caught:
        parse_ipc_list("E01B3/32 foo")
    assert caught.value.code == "format"


@pytest.mark.parametrize(
    "raw",
    [
        "12-08",
        "LOC(10) Cl. 12-08",
        "LOC (10) Cl.12-08",
        "1208",
        "12-08 (11)",
        "12-08 (11)  ",
        "Cl. 12-08",
        "１２－０８",
        "12-8",
    ],
)
def test_locarno_classes(raw: str) -> None:
    assert parse_locarno(raw) == "12-08"


@pytest.mark.parametrize(
    "raw", ["", "nonsense", "33-01", "00-01", "12-08-09", "2006.01", "120", "E01B3/32", "12-08;"]
)
def test_locarno_nonsense_is_refused(raw: str) -> None:
    with pytest.raises(LocarnoError) as caught:
        parse_locarno(raw)
    assert caught.value.code == "locarno"
    assert isinstance(caught.value, IpcError)


def test_locarno_lists_of_the_gazette() -> None:
    assert parse_locarno_list("02-01 (11);??02-02 (11)  ") == ["02-01", "02-02"]
    assert parse_locarno_list("99-00 (12);") == ["99-00"]
    assert parse_locarno_list("02-01 (11);02-01 (11)") == ["02-01"]
    with pytest.raises(LocarnoError):
        parse_locarno_list("02-01 (11);??garbage")


# --- the real data -----------------------------------------------------------------------------------


def test_every_ipc_cell_of_the_cnipa_export_sample_parses() -> None:
    with (FIXTURES / "cn_cnipa_export_sample_carrotc" / "cnipa_export_199_ipc.csv").open(
        encoding="utf-8"
    ) as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 199
    codes: list[str] = []
    flags: Counter[bool | None] = Counter()
    for row in rows:
        main = parse_ipc(row["主分类号"])
        listed = parse_ipc_list(row["分类号"])
        assert listed[0].code == main.code  # the main classification comes first
        assert all(c.version == "2006.01" for c in listed)
        flags += Counter(c.inventive for c in listed)
        codes += [c.code for c in listed]
    assert flags == {True: 276, False: 6}  # six non-inventive (additional information) symbols
    assert len(codes) == 282
    assert len(set(codes)) == 152
    assert Counter(c[:4] for c in codes).most_common(1) == [("E01D", 54)]


def test_every_int_cl_cell_of_the_gazette_excerpt_parses() -> None:
    with (FIXTURES / "cn_gazette_20190709_foristkirito" / "gazette_20190709_intcl_excerpt.csv").open(
        encoding="utf-8"
    ) as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 172
    for row in rows:
        if row["file"] == "appearance_designed":
            assert parse_locarno_list(row["Int.Cl."])
        else:
            assert parse_ipc_list(row["Int.Cl."])
    assert any("??" in row["Int.Cl."] for row in rows)
    assert any("\u2002" in row["Int.Cl."] for row in rows)


@pytest.mark.skipif(not GAZETTE.is_dir(), reason="../shared/data is not next to the project")
def test_every_int_cl_cell_of_the_whole_gazette_day_parses() -> None:
    counts: Counter[str] = Counter()
    for name in ("invention_published", "invention_authorized", "utility_new", "appearance_designed"):
        with lzma.open(GAZETTE / f"CN_patent_{name}_709.csv.xz") as handle:
            text = handle.read().decode("gb18030")
        for row in csv.DictReader(io.StringIO(text)):
            if not (row["name"] and row["authorization_notice_id"]):
                continue
            parse = parse_locarno_list if name == "appearance_designed" else parse_ipc_list
            counts[name] += 1
            counts[f"{name} codes"] += len(parse(row["Int.Cl."]))
    assert counts == {
        "invention_published": 13_537,
        "invention_published codes": 17_379,
        "invention_authorized": 4_761,
        "invention_authorized codes": 6_118,
        "utility_new": 13_421,
        "utility_new codes": 17_346,
        "appearance_designed": 5_237,
        "appearance_designed codes": 5_409,
    }


# --- round trips -------------------------------------------------------------------------------------


def subgroups() -> st.SearchStrategy[str]:
    """Canonical subgroups: two digits, or up to six without trailing zeros past the second."""
    two = st.from_regex(r"[0-9]{2}", fullmatch=True)
    longer = st.from_regex(r"[0-9]{2}[0-9]{0,3}[1-9]", fullmatch=True)
    return st.one_of(two, longer)


codes = st.builds(
    IpcCode,
    section=st.sampled_from("ABCDEFGH"),
    klass=st.from_regex(r"[0-9]{2}", fullmatch=True),
    subclass=st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    main_group=st.integers(1, 9999).map(str),
    subgroup=subgroups(),
)
versions = st.tuples(st.integers(1968, 2099), st.integers(1, 12)).map(lambda v: f"{v[0]}.{v[1]:02d}")
FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ/()."} | {
    ord(" "): 0x3000
}


@given(codes)
def test_every_spelling_of_a_code_parses_back_to_it(ipc: IpcCode) -> None:
    for spelling in (
        ipc.code,
        ipc.compact,
        ipc.wipo14,
        ipc.code.lower(),
        ipc.code.translate(FULL_WIDTH),
        f"{ipc.subclass_code} {int(ipc.main_group):04d}/{ipc.subgroup}",
        f"{ipc.compact}0" if len(ipc.subgroup) < 6 else ipc.compact,
    ):
        assert parse_ipc(spelling) == ipc, spelling
    assert parse_ipc(ipc.code).code == ipc.code


@given(codes, versions, st.sampled_from(["I", "N", ""]))
def test_version_and_flag_round_trip(ipc: IpcCode, version: str, flag: str) -> None:
    parsed = parse_ipc(f"{ipc.compact}({version}){flag}")
    assert parsed.code == ipc.code
    assert parsed.version == version
    assert parsed.inventive == {"I": True, "N": False, "": None}[flag]


@given(st.lists(codes, max_size=6), st.sampled_from([";", "；", ",", "，", " ", ";??", "、", "; "]))
def test_lists_round_trip(items: list[IpcCode], separator: str) -> None:
    expected = list(dict.fromkeys(c.code for c in items))
    assert [
        c.code for c in parse_ipc_list(separator.join(c.compact + "(2006.01)I" for c in items))
    ] == expected
    assert [c.code for c in parse_ipc_list(separator.join(c.code for c in items))] == expected


@given(st.one_of(st.integers(1, 32), st.just(99)), st.integers(0, 99), st.integers(1, 15))
def test_locarno_round_trip(klass: int, sub: int, edition: int) -> None:
    canonical = f"{klass:02d}-{sub:02d}"
    for spelling in (
        canonical,
        f"{klass:02d}{sub:02d}",
        f"LOC({edition}) Cl. {canonical}",
        f"{canonical} ({edition})",
    ):
        assert parse_locarno(spelling) == canonical
