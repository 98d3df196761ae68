"""Pure parts: the Wilson interval, the chart specifications built from the overview and from the
analytics engine's tables."""

from __future__ import annotations

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from ipops.navigation.report import charts
from ipops.navigation.stats import wilson


def test_wilson_known_values() -> None:
    # 8 of 10 at 95 %: the textbook Wilson interval is 0.490–0.943
    estimate = wilson(8, 10)
    assert estimate.value == pytest.approx(0.8)
    assert estimate.low == pytest.approx(0.4902, abs=1e-4) and estimate.high == pytest.approx(
        0.9433, abs=1e-4
    )
    assert wilson(0, 0).value is None
    with pytest.raises(ValueError):
        wilson(3, 2)


@given(n=st.integers(1, 500), data=st.data(), confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_interval_properties(n: int, data: st.DataObject, confidence: float) -> None:
    hits = data.draw(st.integers(0, n))
    plain = wilson(hits, n, confidence)
    assert 0 <= plain.low <= plain.value <= plain.high <= 1  # type: ignore[operator]
    population = data.draw(st.integers(n, 5 * n + 1))
    corrected = wilson(hits, n, confidence, population=population)
    assert plain.low - 1e-12 <= corrected.low and corrected.high <= plain.high + 1e-12  # type: ignore[operator]
    if population == n:  # the whole hit set was reviewed: exact
        assert corrected.low == pytest.approx(corrected.value) == pytest.approx(corrected.high)


def test_overview_charts_mark_incomplete_years() -> None:
    overview = {
        "cutoff": "2019-07-09",
        "incomplete_months": 18,
        "years": [
            {"year": 2017, "applications": 5, "granted": 1, "incomplete": False},
            {"year": 2018, "applications": 7, "granted": 0, "incomplete": True},
        ],
        "applicants": [{"label": "甲公司", "count": 3}],
        "subclasses": [],
    }
    with translation.override("en"):
        specs = charts(overview)
    trend = specs[0]
    assert trend["type"] == "line" and trend["categories"] == ["2017", "2018*"]
    assert trend["rows"] == [["2017", 5, 1], ["2018*", 7, 0]] and "2019-07-09" in trend["note"]
    assert [s["id"] for s in specs] == ["trend", "applicants"]  # empty parts give no chart


def test_engine_tables_become_charts_labelled_by_text() -> None:
    analyses = {
        "modules": {
            "trend": {
                "title": "Trend",
                "table": {
                    "columns": [
                        ["year", "Year"],
                        ["applications", "Applications"],
                        ["incomplete", "Incomplete"],
                    ],
                    "rows": [{"year": 2017, "applications": 4, "incomplete": False}],
                },
            },
            "applicants": {
                "title": "Applicants",
                "cr4": 0.5,
                "table": {
                    "columns": [["rank", "Rank"], ["name", "Applicant"], ["patents", "Patents"]],
                    "rows": [
                        {"rank": 1, "name": "甲", "patents": 9},
                        {"rank": 2, "name": "乙", "patents": 4},
                    ],
                },
            },
            "notes": ["not a module"],
        }
    }
    specs = {s["id"]: s for s in charts({"years": []}, analyses)}
    assert set(specs) == {"trend-table", "applicants-table"}
    assert specs["trend-table"]["type"] == "line" and specs["trend-table"]["series"][0]["data"] == [4]
    applicants = specs["applicants-table"]
    assert applicants["type"] == "bar" and applicants["categories"] == ["甲", "乙"]
    assert applicants["series"] == [{"name": "Patents", "data": [9, 4]}]
    assert applicants["headers"] == ["Rank", "Applicant", "Patents"] and applicants["rows"][0] == [1, "甲", 9]
