"""Address normaliser: real CNIPA addresses with hand-checked codes, constructed edge cases, and properties."""

from __future__ import annotations

import csv
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipops.patents.normalize.address import (
    CHINESE_COUNTRY_NAMES,
    DEFAULT_DATA_DIR,
    POSTCODE_PROVINCE,
    AddressNormaliser,
    RegionMatch,
    default_normaliser,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "address"


def _read(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ADDRESSES = _read("addresses.csv")
BY_NUMBER = {row["publication_number"]: row["address"] for row in ADDRESSES}
EXPECTED = _read("expected.csv")


@pytest.fixture(scope="module")
def normaliser() -> AddressNormaliser:
    return default_normaliser()


def _codes(match: RegionMatch) -> tuple[str, str, str, str]:
    return (match.country, match.province_code, match.city_code, match.district_code)


def _table(name: str) -> dict[str, str]:
    with (DEFAULT_DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


ALL_CODES = {**_table("province.csv"), **_table("city.csv"), **_table("area.csv")}
# GB/T 2260 codes of the municipalities' "市辖区" / "县" level, which the CSVs leave out
MUNICIPAL_CITY_CODES = {"110100", "120100", "310100", "500100", "500200"}
KNOWN_CODES = set(ALL_CODES) | MUNICIPAL_CITY_CODES


# ---------------------------------------------------------------- fixtures are what they claim


def test_fixture_is_a_small_real_excerpt() -> None:
    assert 0 < len(ADDRESSES) <= 300
    assert len({row["address"] for row in ADDRESSES}) == len(ADDRESSES)
    assert {row["source"] for row in ADDRESSES} == {"cnipa_export_199", "gazette_20190709"}
    assert all(re.fullmatch(r"CN\d{9}[A-Z]", number) for number in BY_NUMBER)


def test_hand_checked_subset_covers_the_required_cases() -> None:
    assert len(EXPECTED) >= 40
    cases = " ".join(row["case"] for row in EXPECTED)
    for needle in ("municipality", "autonomous region", "county-level city", "renamed", "duplicate name",
                   "foreign", "Hong Kong", "Macao", "Taiwan", "no postcode"):  # fmt: skip
        assert needle in cases, needle
    for row in EXPECTED:
        assert row["publication_number"] in BY_NUMBER, row
        for key in ("province_code", "city_code", "district_code"):
            assert row[key] == "" or row[key] in KNOWN_CODES, row


# ---------------------------------------------------------------- exact codes on real addresses


@pytest.mark.parametrize("row", EXPECTED, ids=[row["publication_number"] for row in EXPECTED])
def test_hand_checked_codes(normaliser: AddressNormaliser, row: dict[str, str]) -> None:
    match = normaliser.normalise(BY_NUMBER[row["publication_number"]])
    expected = (row["country"], row["province_code"], row["city_code"], row["district_code"])
    assert _codes(match) == expected, match.evidence


def test_postcode_is_reported(normaliser: AddressNormaliser) -> None:
    match = normaliser.normalise(BY_NUMBER["CN202644312U"])  # 226634 江苏省南通市海安县…
    assert match.postcode == "226634"
    assert match.best_code == "320685"
    assert match.evidence == ("postcode 226634", "name 江苏省", "name 南通市", "name 海安县 → 海安市")


def test_evidence_names_an_abolished_division(normaliser: AddressNormaliser) -> None:
    match = normaliser.normalise(BY_NUMBER["CN202644334U"])  # 上海市闸北区…
    assert "name 闸北区 → 静安区 (merged into 静安区 2015)" in match.evidence


def test_every_fixture_row_is_placed_in_a_country(normaliser: AddressNormaliser) -> None:
    missing = [row["address"] for row in ADDRESSES if not normaliser.normalise(row["address"]).country]
    assert missing == []


def test_coverage_on_the_fixture(normaliser: AddressNormaliser) -> None:
    mainland = [m for m in map(normaliser.normalise, BY_NUMBER.values()) if m.country == "CN"]
    assert len(mainland) > 200
    assert all(m.province_code for m in mainland)
    assert sum(bool(m.city_code) for m in mainland) / len(mainland) > 0.97
    assert sum(bool(m.district_code) for m in mainland) / len(mainland) > 0.70


def test_postcode_prefix_table_agrees_with_named_provinces(normaliser: AddressNormaliser) -> None:
    agree: Counter[bool] = Counter()
    for address in BY_NUMBER.values():
        match = normaliser.normalise(address)
        if match.country == "CN" and match.postcode and match.province_code:
            agree[POSTCODE_PROVINCE.get(match.postcode[:2]) == match.province_code[:2]] += 1
    assert agree[True] > 150
    assert agree[False] <= 2  # 162650 (Hulunbuir) is the one known cross-border prefix in the excerpt


def test_postcode_prefix_table_names_real_provinces() -> None:
    assert set(POSTCODE_PROVINCE.values()) <= {code[:2] for code in _table("province.csv")}
    assert {POSTCODE_PROVINCE[p] for p in ("10", "20", "30", "40", "21", "22", "31", "32", "51", "52")} == {
        "11", "31", "12", "50", "32", "33", "44",
    }  # fmt: skip


# ---------------------------------------------------------------- constructed cases (not from the sources)

CONSTRUCTED: list[tuple[str, tuple[str, str, str, str]]] = [
    ("广西南宁市青秀区民族大道1号", ("CN", "450000", "450100", "450103")),
    ("内蒙古包头市昆都仑区", ("CN", "150000", "150200", "150203")),
    ("南通市海安县老坝港镇", ("CN", "320000", "320600", "320685")),
    ("江阴市临港新城", ("CN", "320000", "320200", "320281")),
    ("100024 朝阳区朝阳北路", ("CN", "110000", "110100", "110105")),
    ("130012 朝阳区前进大街", ("CN", "220000", "220100", "220104")),
    ("朝阳区朝阳北路", ("", "", "", "")),  # two 朝阳区, no province, no postcode: not guessed
    ("江苏省鼓楼区中山路", ("CN", "320000", "", "")),  # 鼓楼区 in both Nanjing and Xuzhou
    ("350001 鼓楼区五四路", ("CN", "350000", "350100", "350102")),  # the postcode settles it
    ("巴林左旗林东镇", ("CN", "150000", "150400", "150422")),  # not Bahrain
    ("吉林市船营区", ("CN", "220000", "220200", "220204")),
    ("湖南省长沙市长沙经济技术开发区", ("CN", "430000", "430100", "")),  # repeats the city: not 长沙县
    ("湖南省长沙市长沙县星沙", ("CN", "430000", "430100", "430121")),
    ("226634", ("CN", "320000", "", "")),  # postcode only
    ("邮编：226634 江苏省南通市", ("CN", "320000", "320600", "")),
    ("Mountain View, CA 94043, US", ("US", "", "", "")),
    ("1600 Amphitheatre Parkway, Mountain View, CA 94043", ("US", "", "", "")),
    ("Tokyo, Japan", ("JP", "", "", "")),
    ("Munich, Germany", ("DE", "", "", "")),
    ("Seoul, Republic of Korea", ("KR", "", "", "")),
    ("Democratic People's Republic of Korea (Pyongyang)", ("KP", "", "", "")),
    ("Sydney, New South Wales", ("", "", "", "")),  # no country named: not read as Wales
    ("Flat 3, 12 Queen's Road Central, Hong Kong", ("HK", "810000", "", "")),
    ("Hsinchu, Taiwan", ("TW", "710000", "", "")),
    ("No. 5 Zhongguancun Road, Haidian, Beijing 100083, P.R. China", ("CN", "110000", "110100", "")),
    ("Shenzhen, Guangdong, China", ("CN", "440000", "", "")),
]


@pytest.mark.parametrize(("address", "codes"), CONSTRUCTED, ids=[a for a, _c in CONSTRUCTED])
def test_constructed_cases(normaliser: AddressNormaliser, address: str, codes: tuple[str, ...]) -> None:
    match = normaliser.normalise(address)
    assert _codes(match) == codes, match.evidence


def test_ambiguity_is_explained(normaliser: AddressNormaliser) -> None:
    match = normaliser.normalise("鼓楼区中山路")
    assert match.is_empty
    assert "ambiguous 鼓楼区: 320106, 320302, 350102, 410204" in match.evidence


@pytest.mark.parametrize("odd", ["", "   ", "\x00", "123", "？？？", "N/A", "1234567890", None, 42])
def test_odd_input_gives_an_empty_match_with_a_reason(normaliser: AddressNormaliser, odd: object) -> None:
    match = normaliser.normalise(odd)  # type: ignore[arg-type]
    assert match.district_code == match.city_code == ""
    assert match.evidence


def test_no_division_name_reads_as_a_country(normaliser: AddressNormaliser) -> None:
    """Chinese country names are matched at the start only and never win over a division's own name."""
    for name in ALL_CODES.values():
        if "直辖" in name:
            continue
        assert normaliser.normalise(name).country in ("CN", "HK", "MO", "TW", ""), name
    for country in CHINESE_COUNTRY_NAMES:
        assert normaliser.normalise(country + "某市某路1号").country == CHINESE_COUNTRY_NAMES[country]


def test_every_county_name_is_found_under_its_prefecture(normaliser: AddressNormaliser) -> None:
    misses = []
    area, city, province = _table("area.csv"), _table("city.csv"), _table("province.csv")
    for code, name in area.items():
        prefecture = city.get(code[:4] + "00", "")
        if "直辖" in prefecture:
            prefecture = ""
        match = normaliser.normalise(province[code[:2] + "0000"] + prefecture + name + "人民路1号")
        if match.district_code != code:
            misses.append((code, name, match.district_code))
    assert misses == []


# ---------------------------------------------------------------- loading


def test_default_normaliser_is_shared() -> None:
    assert default_normaliser() is default_normaliser()


def test_custom_data_dir(tmp_path: Path) -> None:
    for name in ("province.csv", "city.csv"):
        shutil.copy(DEFAULT_DATA_DIR / name, tmp_path / name)
    with (DEFAULT_DATA_DIR / "area.csv").open(encoding="utf-8") as source:
        lines = [line for line in source if line.startswith(("code,", "32"))]
    (tmp_path / "area.csv").write_text("".join(lines), encoding="utf-8")
    small = AddressNormaliser(tmp_path)
    assert small.normalise("江苏省南通市海安县").district_code == "320685"
    assert small.normalise("北京市海淀区").district_code == ""


# ---------------------------------------------------------------- properties

_FRAGMENTS = [
    *list(_table("province.csv").values())[:12], "南通市", "海安县", "朝阳区", "鼓楼区", "吉林", "广西", "内蒙古",
    "中国", "香港", "台湾", "美国", "巴林", "市", "区", "县", "路", "号", "经济技术开发区", "226634", "100024",
    " ", "，", "(", "）", "邮编", "CA 94043", ", US", "Japan", "0", "9",
]  # fmt: skip

addresses = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(_FRAGMENTS), max_size=8).map("".join),
    st.lists(st.sampled_from(list(ALL_CODES.values())) | st.sampled_from(_FRAGMENTS), max_size=6).map(
        "".join
    ),
)


def _check_consistent(match: RegionMatch) -> None:
    for code in (match.province_code, match.city_code, match.district_code):
        assert code == "" or re.fullmatch(r"\d{6}", code)
    if match.district_code:
        assert match.city_code[:4] == match.district_code[:4]
        assert match.district_code in ALL_CODES
    if match.city_code:
        assert match.province_code[:2] == match.city_code[:2]
        assert match.city_code in KNOWN_CODES and match.city_code.endswith("00")
    if match.province_code:
        assert match.province_code in ALL_CODES and match.province_code.endswith("0000")
        assert match.country in ("CN", "HK", "MO", "TW")
    if match.country not in ("CN", "HK", "MO", "TW"):
        assert not (match.province_code or match.city_code or match.district_code)
    assert match.postcode == "" or re.fullmatch(r"\d{6}", match.postcode)
    assert match.evidence and all(isinstance(note, str) and note for note in match.evidence)
    assert match.best_code in ("", match.province_code, match.city_code, match.district_code)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(addresses)
def test_never_raises_and_codes_are_consistent(address: str) -> None:
    _check_consistent(default_normaliser().normalise(address))


def test_real_fixture_rows_are_consistent(normaliser: AddressNormaliser) -> None:
    for address in BY_NUMBER.values():
        _check_consistent(normaliser.normalise(address))
