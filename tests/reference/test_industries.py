"""IPC ↔ industry concordances: prefix normalisation, longest-prefix matching, the loader and the command."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ipops.core.models import AuditEntry
from ipops.patents.normalize.ipc import parse_ipc
from ipops.reference.industries import (
    IndustryLoadError,
    IndustryRef,
    PrefixError,
    industries_for_ipc,
    industry_table,
    load_industry_table,
    match,
    normalise_prefix,
)
from ipops.reference.models import IndustryClass, IndustryScheme, IpcConcordance


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("load_industries", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def starters(db: None) -> str:
    return run()


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("G", "G"),
        ("g06", "G06"),
        ("G06N", "G06N"),
        ("G06N3", "G06N 3/"),
        ("G06N 3/", "G06N 3/"),
        ("G06N3/00", "G06N 3/"),
        ("G06N 3/*", "G06N 3/"),
        ("Ｇ０６Ｆ１７／３０", "G06F 17/30"),
        ("G06F 17/300", "G06F 17/30"),
        ("A61K 31/4015", "A61K 31/4015"),
    ],
)
def test_prefixes_are_normalised(raw: str, canonical: str) -> None:
    assert normalise_prefix(raw) == canonical


@pytest.mark.parametrize("raw", ["", "Z01", "G6", "G06F 17/3", "人工智能", "G06N-3"])
def test_what_is_not_a_prefix_is_refused(raw: str) -> None:
    with pytest.raises(PrefixError):
        normalise_prefix(raw)


def _ref(code: str) -> IndustryRef:
    return IndustryRef("test", code, code, code, "", True)


sections = st.sampled_from("ABCGH")
classes = st.sampled_from(["01", "06", "21"])
subclasses = st.sampled_from("BFKN")
mains = st.sampled_from(["1", "3", "17", "31"])
subs = st.sampled_from(["00", "02", "08", "30", "4015"])


@st.composite
def symbols(draw: st.DrawFn) -> str:
    return f"{draw(sections)}{draw(classes)}{draw(subclasses)} {draw(mains)}/{draw(subs)}"


@st.composite
def prefixes(draw: st.DrawFn) -> str:
    symbol = parse_ipc(draw(symbols()))
    level = draw(st.integers(0, 4))
    return [
        symbol.section,
        symbol.class_code,
        symbol.subclass_code,
        f"{symbol.subclass_code} {symbol.main_group}/",
        symbol.code if symbol.kind == "subgroup" else symbol.subclass_code,
    ][level]


def covers(prefix: str, code: str) -> bool:
    """Brute force: does `prefix` cover the canonical `code`?"""
    if prefix.endswith("/"):
        return code.startswith(prefix)
    if "/" in prefix:
        return prefix == code
    return code.startswith(prefix)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(table=st.lists(prefixes(), max_size=12, unique=True), code=symbols())
def test_the_longest_covering_prefix_decides(table: list[str], code: str) -> None:
    canonical = parse_ipc(code).code
    found = match(code, {p: [_ref(p)] for p in table})
    covering = [p for p in table if covers(p, canonical)]
    if not covering:
        assert found == []
    else:
        assert [r.code for r in found] == [max(covering, key=len)]


@given(code=symbols())
def test_any_spelling_matches_like_the_canonical_one(code: str) -> None:
    table = {"G06N 3/": [_ref("ai")], "G06": [_ref("it")], "A61K 31/4015": [_ref("drug")], "H": [_ref("e")]}
    canonical = parse_ipc(code)
    spellings = [code, canonical.compact, f"{canonical.compact}(2006.01)I", canonical.wipo14]
    assert len({tuple(match(s, table)) for s in spellings}) == 1


def test_starters_are_loaded_and_labelled(starters: str) -> None:
    assert "STARTER" in starters
    for key in ("plan_key", "strategic_emerging", "patent_intensive"):
        scheme = IndustryScheme.objects.get(key=key)
        assert scheme.is_starter and "starter" in scheme.name_en and "起步" in scheme.name_zh
    assert not IndustryScheme.objects.get(key="gbt4754").classes.exists()
    plan = set(IndustryClass.objects.filter(scheme__key="plan_key").values_list("name_zh", flat=True))
    assert {"人工智能", "新一代信息技术", "医药健康", "集成电路", "智能装备", "节能环保", "新材料"} == plan
    assert AuditEntry.objects.filter(action="reference.load_industries").count() == 3


def test_industries_for_ipc(starters: str) -> None:
    found = industries_for_ipc(["G06N3/08(2006.01)I", "H01L 21/77", "A61K 31/4015", "F16B 1/00", "junk"])
    assert [r.code for r in found["G06N3/08(2006.01)I"]] == ["AI"]
    assert [r.code for r in found["H01L 21/77"]] == ["IC"]
    assert [r.code for r in found["A61K 31/4015"]] == ["MED"]
    assert found["F16B 1/00"] == [] and found["junk"] == []
    assert all(r.is_starter for refs in found.values() for r in refs)
    emerging = industries_for_ipc(["H01M 10/052", "H01M 8/04"], scheme="strategic_emerging")
    assert [r.code for r in emerging["H01M 10/052"]] == ["5"]
    assert [r.code for r in emerging["H01M 8/04"]] == ["6"]
    assert industries_for_ipc(["G06N 3/08"], scheme="nothing_loaded") == {"G06N 3/08": []}


def test_bulk_table_has_one_row_per_code_and_industry(starters: str) -> None:
    table = industry_table(["G06F 30/39", "F16B 1/00", "G06N 3/08"])
    rows = sorted(zip(table["ipc"].to_pylist(), table["industry_code"].to_pylist(), strict=True))
    # G06F 30/ is both design software (IC) and, through G06F, new-generation IT: the longer prefix decides
    assert rows == [("G06F 30/39", "IC"), ("G06N 3/08", "AI")]


def _official_csv(tmp_path: Path, body: str, name: str = "official.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(body.encode(encoding))
    return path


def test_official_table_replaces_the_starter(starters: str, tmp_path: Path) -> None:
    path = _official_csv(
        tmp_path,
        "国民经济行业代码,国民经济行业名称,国际专利分类号\n"
        "C,制造业,\n"
        "39,计算机、通信和其他电子设备制造业,\n"
        "391,计算机制造,G06F1/00、G06F3\n"
        ",,G06F 15/16\n"
        "3973,集成电路制造,H01L21/00; H01L 27/*\n",
        encoding="gb18030",
    )
    out = run("--official", str(path), "--scheme", "gbt4754")
    assert "official table" in out and "4 industries, 5 IPC prefixes" in out
    c391 = IndustryClass.objects.get(scheme__key="gbt4754", code="391")
    assert c391.parent is not None and c391.parent.code == "39" and c391.parent.parent is None
    found = industries_for_ipc(["G06F 15/163", "H01L 27/092", "G06F 9/44"], scheme="gbt4754")
    assert [r.code for r in found["G06F 15/163"]] == []  # subgroup prefix: that subgroup only
    assert [r.code for r in found["H01L 27/092"]] == ["3973"]
    assert found["G06F 9/44"] == []
    assert not IndustryScheme.objects.get(key="gbt4754").is_starter

    # the patent-intensive table refers to GB/T 4754 codes and takes their IPC prefixes over
    book = Workbook()
    sheet = book.active
    sheet.append(["代码", "名称", "国民经济行业代码", "国民经济行业名称"])
    sheet.append(["01", "信息通信技术制造业", "391、3973", "计算机制造"])
    sheet.append(["0101", "计算机制造", "391", ""])
    xlsx = tmp_path / "intensive.xlsx"
    book.save(xlsx)
    run("--official", str(xlsx), "--scheme", "patent_intensive")
    scheme = IndustryScheme.objects.get(key="patent_intensive")
    assert not scheme.is_starter and "起步" not in scheme.name_zh
    assert IndustryClass.objects.get(scheme=scheme, code="0101").parent.code == "01"
    found = industries_for_ipc(["H01L 21/02", "G06F 3/01"], scheme="patent_intensive")
    assert [r.code for r in found["H01L 21/02"]] == ["01"]
    assert sorted(r.code for r in found["G06F 3/01"]) == ["01", "0101"]

    # starters do not overwrite official tables
    run()
    assert not IndustryScheme.objects.get(key="patent_intensive").is_starter


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("industry_code,industry_name,ipc\nAI,人工智能,G06N; 人工\n", "line 2"),
        ("foo,bar\n1,2\n", "no industry code column"),
        ("industry_code,industry_name\nAI,人工智能\n", "no IPC column"),
        ("industry_code,industry_name,ipc\nAI,,G06N\n", "has no name"),
        ("industry_code,industry_name,parent_code,ipc\nAI,人工智能,X,G06N\n", "parent X"),
        ("", "empty"),
    ],
)
def test_bad_tables_are_refused_and_change_nothing(
    starters: str, tmp_path: Path, body: str, message: str
) -> None:
    before = IpcConcordance.objects.filter(scheme__key="plan_key").count()
    with pytest.raises(CommandError, match=message):
        run("--official", str(_official_csv(tmp_path, body)), "--scheme", "plan_key")
    assert IpcConcordance.objects.filter(scheme__key="plan_key").count() == before
    assert IndustryScheme.objects.get(key="plan_key").is_starter


def test_refers_to_gbt4754_before_it_is_loaded(starters: str, tmp_path: Path) -> None:
    path = _official_csv(tmp_path, "代码,名称,国民经济行业代码\n01,信息通信技术制造业,391\n")
    with pytest.raises(IndustryLoadError, match="load the GB/T 4754 concordance first"):
        load_industry_table(scheme="patent_intensive", path=path, is_starter=False)
    assert IndustryScheme.objects.get(key="patent_intensive").is_starter


def test_command_usage_errors(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="go together"):
        run("--scheme", "plan_key")
    with pytest.raises(CommandError, match="unknown scheme"):
        run(
            "--official",
            str(_official_csv(tmp_path, "industry_code,industry_name,ipc\nA,B,G\n")),
            "--scheme",
            "x",
        )
    with pytest.raises(CommandError, match="file not found"):
        run("--official", str(tmp_path / "missing.csv"), "--scheme", "plan_key")
