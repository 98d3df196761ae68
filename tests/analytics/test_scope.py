"""Scope validation: clear, translatable errors for bad input."""

from __future__ import annotations

import pytest
from django.utils import translation

from ipops.analytics.scope import (
    BadRegionError,
    BadYearsError,
    Scope,
    ScopeError,
    UnknownIpcError,
    YearsReversedError,
    parse_years,
    region_prefix,
)
from ipops.reference.models import IpcEntry


def test_ipc_codes_are_normalised_and_deduplicated() -> None:
    scope = Scope.parse(ipc="g06f16, G06F 16/00；H04L、g06f 16/", keywords="区块链, 区块链 ,加密")
    assert scope.ipc == ("G06F 16/", "H04L")
    assert scope.keywords == ("区块链", "加密")


def test_years_are_parsed() -> None:
    assert parse_years("2010-2020") == (2010, 2020)
    assert parse_years(" 2015 - ") == (2015, None)
    assert parse_years("-2018") == (None, 2018)
    assert parse_years("2019") == (2019, 2019)
    assert parse_years("") == (None, None)
    with pytest.raises(BadYearsError):
        parse_years("last decade")
    with pytest.raises(BadYearsError):
        parse_years("-")


def test_reversed_years_are_refused_with_a_clear_message() -> None:
    with translation.override("en"), pytest.raises(YearsReversedError) as caught:
        Scope.parse(years="2020-2010")
    assert "reversed" in str(caught.value) and "2020" in str(caught.value)
    with pytest.raises(BadYearsError):
        Scope(year_from=99)


def test_unreadable_ipc_codes_are_refused() -> None:
    with translation.override("en"), pytest.raises(UnknownIpcError) as caught:
        Scope.parse(ipc="G06F, XYZ1, 12345")
    assert caught.value.codes == ["XYZ1", "12345"]
    assert "XYZ1" in str(caught.value)
    assert isinstance(caught.value, ScopeError) and isinstance(caught.value, ValueError)


def test_region_codes() -> None:
    assert region_prefix("320000") == "32"
    assert region_prefix("320600") == "3206"
    assert region_prefix("320623") == "320623"
    assert Scope(region="440300").region_level == "city"
    assert Scope(region="440000").region_level == "province"
    assert Scope(region="440305").region_level == "district"
    for bad in ("44", "44030a", "000000"):
        with pytest.raises(BadRegionError):
            Scope(region=bad)


@pytest.mark.django_db
def test_ipc_codes_are_checked_against_the_loaded_scheme() -> None:
    scope = Scope.parse(ipc="G06F 16/, H04L")
    notes = scope.check_known_ipc()  # scheme not loaded: form only, said so
    assert len(notes) == 1
    IpcEntry.objects.create(code="G06F 16/00", kind="main_group", parent_code="G06F")
    IpcEntry.objects.create(code="G06F", kind="subclass", parent_code="G06")
    with pytest.raises(UnknownIpcError) as caught:
        scope.check_known_ipc()
    assert caught.value.codes == ["H04L"]
    assert Scope.parse(ipc="G06F16").check_known_ipc() == []


def test_empty_scope() -> None:
    assert Scope().is_empty
    assert not Scope(year_from=2010).is_empty
    scope = Scope.parse(ipc="G06F", region="440300", years="2010-2015")
    assert scope.without_region().region == "" and scope.without_region().ipc == ("G06F",)
    assert scope.as_dict() == {
        "ipc": ["G06F"],
        "keywords": [],
        "region": "440300",
        "year_from": 2010,
        "year_to": 2015,
    }
