"""Rules and parsers of the registry: the trademark term (from rules.json), Nice classes, numbers, dates."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from ipops.assets import rules, validators
from ipops.assets.dates import parse_asset_date
from ipops.patents.normalize.dates import DateError


@pytest.fixture(autouse=True)
def _fresh_rules():
    rules.rules.cache_clear()
    yield
    rules.rules.cache_clear()


@pytest.mark.parametrize(
    ("registered", "expiry"),
    [
        (date(2015, 3, 7), date(2025, 3, 6)),  # as printed on a certificate: 2015年03月07日至2025年03月06日
        (date(2016, 2, 29), date(2026, 2, 28)),  # no 29 February in 2026
        (date(2019, 1, 1), date(2028, 12, 31)),
    ],
)
def test_trademark_term_is_ten_years_ending_the_day_before(registered: date, expiry: date) -> None:
    assert rules.default_trademark_expiry(registered) == expiry


def test_the_term_comes_from_the_rules_file(tmp_path) -> None:
    data = json.loads(rules.BUNDLED_RULES.read_text(encoding="utf-8"))
    data["trademark"]["term_years"] = 7
    data["trademark"]["term_ends_day_before_anniversary"] = False
    other = tmp_path / "rules.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    with override_settings(IPOPS_ASSET_RULES_FILE=str(other)):
        rules.rules.cache_clear()
        assert rules.default_trademark_expiry(date(2015, 3, 7)) == date(2022, 3, 7)


@pytest.mark.parametrize(
    ("raw", "classes"),
    [
        ("9;42", [9, 42]),
        ("42, 9, 9", [9, 42]),
        ("第9类、第35类", [9, 35]),
        ("３５；４２", [35, 42]),  # full-width digits and semicolon
        (9.0, [9]),  # an XLSX number cell
        ("1 45", [1, 45]),
        ("", []),
    ],
)
def test_nice_classes_are_parsed(raw, classes: list[int]) -> None:
    assert validators.parse_nice_classes(raw) == classes


@pytest.mark.parametrize("raw", ["0", "46", "9;99", "九", "9.5", "A9"])
def test_bad_nice_classes_are_refused(raw) -> None:
    with pytest.raises(ValidationError):
        validators.parse_nice_classes(raw)


def test_nice_class_list_validator() -> None:
    validators.validate_nice_classes([1, 45])
    for bad in ([0], [46], [9, 9], ["9"], [True], "9"):
        with pytest.raises(ValidationError):
            validators.validate_nice_classes(bad)


@pytest.mark.parametrize(
    ("raw", "number"),
    [("第 23456781 号", "23456781"), (" g1234567 ", "G1234567"), ("２３４５６７８１", "23456781")],
)
def test_trademark_numbers_are_normalised(raw: str, number: str) -> None:
    value = validators.normalise_trademark_number(raw)
    assert value == number
    validators.validate_trademark_number(value)


@pytest.mark.parametrize("raw", ["12-345", "TM123", "12345678901"])
def test_bad_trademark_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError):
        validators.validate_trademark_number(validators.normalise_trademark_number(raw))


def test_copyright_numbers() -> None:
    assert validators.normalise_copyright_number(" 2023sr0123456 ") == "2023SR0123456"
    validators.validate_copyright_number("国作登字-2021-F-00012345")
    with pytest.raises(ValidationError):
        validators.validate_copyright_number("SR")


def test_region_codes_are_checked_against_gbt2260() -> None:
    validators.validate_region_code("110105")
    for bad in ("11010", "110199", "abcdef"):
        with pytest.raises(ValidationError):
            validators.validate_region_code(bad)


def test_expiry_dates_may_lie_years_ahead_other_dates_may_not() -> None:
    ahead = date.today().replace(day=1) + timedelta(days=365 * 9)
    text = ahead.strftime("%Y-%m-%d")
    assert parse_asset_date(text, future=True) == ahead
    assert parse_asset_date(ahead.strftime("%Y年%m月%d日"), future=True) == ahead
    assert parse_asset_date(f"2017-06-07至{text}", future=True) == ahead
    with pytest.raises(DateError):
        parse_asset_date(text)
    with pytest.raises(DateError):
        parse_asset_date(f"{date.today().year + 80}-01-01", future=True)
    with pytest.raises(DateError):
        parse_asset_date("2021-02-30", future=True)
    assert parse_asset_date("2017/6/7") == date(2017, 6, 7)
    assert parse_asset_date("") is None
