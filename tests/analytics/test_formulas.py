"""The navigation formulas: hand-computed examples and properties (hypothesis)."""

from __future__ import annotations

import json
import math
from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ipops.analytics import formulas as f
from ipops.analytics.conf import load_config

counts = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=40)
positive = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)


# --- CAGR ---------------------------------------------------------------------------------------------
def test_cagr_hand_computed() -> None:
    assert f.cagr(100, 121, 2) == pytest.approx(0.10)
    assert f.cagr(200, 100, 1) == pytest.approx(-0.5)
    assert f.cagr(80, 80, 5) == pytest.approx(0.0)
    assert f.cagr(10, 0, 3) == -1.0


def test_cagr_undefined_cases() -> None:
    assert f.cagr(0, 50, 3) is None
    assert f.cagr(-1, 50, 3) is None
    assert f.cagr(10, 50, 0) is None
    assert f.cagr(10, -5, 2) is None


@given(first=positive, last=positive, years=st.integers(min_value=1, max_value=40))
def test_cagr_compounds_back_to_last(first: float, last: float, years: int) -> None:
    rate = f.cagr(first, last, years)
    assert rate is not None
    assert first * (1 + rate) ** years == pytest.approx(last, rel=1e-6)
    assert (rate > 0) == (last > first) or math.isclose(last, first, rel_tol=1e-9)


# --- concentration ------------------------------------------------------------------------------------
def test_concentration_hand_computed() -> None:
    assert f.concentration([50, 30, 10, 10]) == pytest.approx((100.0, 100.0, 3600.0))
    assert f.concentration([10] * 10) == pytest.approx((40.0, 80.0, 1000.0))
    # 6 actors 40, 20, 10, 10, 10, 10 of 100: CR4 = 80, CR8 = 100, HHI = 1600+400+4*100 = 2400
    assert f.concentration([10, 40, 10, 20, 10, 10]) == pytest.approx((80.0, 100.0, 2400.0))


def test_concentration_of_nothing_is_undefined() -> None:
    assert f.concentration([]) == (None, None, None)
    assert f.concentration([0, 0]) == (None, None, None)


@given(values=counts)
def test_concentration_bounds(values: list[int]) -> None:
    cr4, cr8, hhi = f.concentration(values)
    actors = sum(1 for v in values if v > 0)
    if actors == 0:
        assert (cr4, cr8, hhi) == (None, None, None)
        return
    assert cr4 is not None and cr8 is not None and hhi is not None
    assert 0 < cr4 <= cr8 <= 100.0 + 1e-9
    assert 10_000 / actors - 1e-6 <= hhi <= 10_000 + 1e-9
    if actors <= 4:
        assert cr4 == pytest.approx(100.0)


@given(values=counts, data=st.data())
def test_concentration_ignores_order_and_scale(values: list[int], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(values))
    factor = data.draw(st.integers(min_value=2, max_value=7))
    base = f.concentration(values)
    for other in (f.concentration(shuffled), f.concentration([v * factor for v in values])):
        for a, b in zip(base, other, strict=True):
            assert (a is None and b is None) or a == pytest.approx(b)


# --- RTA and location quotient ------------------------------------------------------------------------
def test_rta_hand_computed() -> None:
    # region: 20 of its 100 patents in k; everywhere: 50 of 1000 in k -> 0.2 / 0.05 = 4
    assert f.rta(20, 100, 50, 1000) == pytest.approx(4.0)
    assert f.rta(5, 100, 50, 1000) == pytest.approx(1.0)
    assert f.rta(0, 100, 50, 1000) == 0.0
    assert f.rta(1, 0, 50, 1000) is None
    assert f.rta(1, 10, 0, 1000) is None


def test_location_quotient_hand_computed() -> None:
    assert f.location_quotient(30, 120, 500, 10_000) == pytest.approx((30 / 120) / (500 / 10_000))
    assert f.location_quotient(3, 0, 5, 10) is None


@given(
    p_rk=st.integers(0, 1000),
    extra_r=st.integers(0, 1000),
    extra_k=st.integers(0, 1000),
    rest=st.integers(0, 1000),
)
def test_rta_is_one_when_region_mirrors_the_whole(p_rk: int, extra_r: int, extra_k: int, rest: int) -> None:
    p_r, p_k = p_rk + extra_r, p_rk + extra_k
    p = p_rk + extra_r + extra_k + rest
    value = f.rta(p_rk, p_r, p_k, p)
    if p_r == 0 or p_k == 0:
        assert value is None
        return
    assert value is not None and value >= 0
    # the whole as a "region" has RTA 1 in every technology
    assert f.rta(p_k, p, p_k, p) == pytest.approx(1.0)


# --- match degree -------------------------------------------------------------------------------------
def test_match_degree_hand_computed() -> None:
    assert f.match_degree({"a": 3, "b": 4}, {"a": 4, "b": 3}) == pytest.approx(24 / 25)
    assert f.match_degree({"a": 1}, {"b": 1}) == pytest.approx(0.0)
    assert f.match_degree({"a": 1, "b": 1}, {"a": 1}) == pytest.approx(1 / math.sqrt(2))
    assert f.match_degree({}, {"a": 1}) is None


shares = st.dictionaries(
    st.sampled_from("abcdefgh"), st.one_of(st.just(0.0), st.floats(1e-9, 100)), min_size=1
)


@given(a=shares, b=shares, scale=st.floats(0.1, 50))
def test_match_degree_bounds_symmetry_scale(a: dict[str, float], b: dict[str, float], scale: float) -> None:
    value = f.match_degree(a, b)
    if value is None:
        assert not any(a.values()) or not any(b.values())
        return
    assert -1e-9 <= value <= 1.0 + 1e-9
    assert f.match_degree(b, a) == pytest.approx(value)
    scaled = f.match_degree({k: v * scale for k, v in a.items()}, b)
    assert scaled == pytest.approx(value, abs=1e-9)
    assert f.match_degree(a, a) == pytest.approx(1.0)


# --- logistic fit -------------------------------------------------------------------------------------
def _curve(k: float, r: float, tm: float, years: range) -> list[float]:
    return [k / (1 + math.exp(-r * (y - tm))) for y in years]


def test_logistic_recovers_known_curve_and_stage() -> None:
    years = range(2000, 2021)
    fit = f.logistic_fit(list(years), _curve(1000, 0.5, 2010, years))
    assert fit.converged and fit.reason is None
    assert fit.k == pytest.approx(1000, rel=1e-3)
    assert fit.r == pytest.approx(0.5, rel=1e-3)
    assert fit.t_m == pytest.approx(2010, abs=0.01)
    # N(2020)/K = 1/(1+e^-5) = 0.9933 -> above 90 %
    assert fit.share == pytest.approx(1 / (1 + math.exp(-5)), rel=1e-3)
    assert fit.stage == "saturation"
    assert fit.r_squared == pytest.approx(1.0)
    assert fit.predict(2010) == pytest.approx(500, rel=1e-3)


def test_logistic_stage_before_inflection() -> None:
    years = range(2000, 2016)
    fit = f.logistic_fit(list(years), _curve(800, 0.6, 2016, years))
    assert fit.converged
    # last year 2015: 1/(1+e^0.6) = 0.354 -> growth (10-50 %)
    assert fit.share == pytest.approx(1 / (1 + math.exp(0.6)), rel=0.02)
    assert fit.stage == "growth"


def test_logistic_stage_uses_configured_cutoffs() -> None:
    years = range(2000, 2016)
    fit = f.logistic_fit(list(years), _curve(800, 0.6, 2016, years), cutoffs=(5, 30, 60))
    assert fit.stage == "mature"


def test_logistic_unordered_input_is_sorted() -> None:
    years = list(range(2000, 2021))
    values = _curve(1000, 0.5, 2010, range(2000, 2021))
    fit = f.logistic_fit(years[::-1], values[::-1])
    assert fit.converged and fit.k == pytest.approx(1000, rel=1e-3)


def test_logistic_failures_are_results_not_exceptions() -> None:
    short = f.logistic_fit([2019, 2020], [1, 3])
    assert not short.converged and short.reason == "too_few_points" and short.stage is None
    flat = f.logistic_fit(list(range(2010, 2020)), [7] * 10)
    assert not flat.converged and flat.reason == "no_growth"
    zeros = f.logistic_fit(list(range(2010, 2020)), [0] * 10)
    assert zeros.reason == "no_growth"
    exponential = f.logistic_fit(list(range(2000, 2020)), [math.exp(0.3 * i) for i in range(20)])
    assert not exponential.converged and exponential.reason == "not_identifiable"
    assert exponential.k is None and exponential.message
    assert exponential.predict(2010) is None
    with pytest.raises(ValueError):
        f.logistic_fit([2000, 2001], [1])


def test_logistic_fit_result_is_json_serialisable() -> None:
    years = range(2000, 2021)
    data = f.logistic_fit(list(years), _curve(1000, 0.5, 2010, years)).as_dict()
    assert json.loads(json.dumps(data))["stage"] == "saturation"


@hsettings(max_examples=25, deadline=None)
@given(
    k=st.floats(100, 100_000),
    r=st.floats(0.3, 1.5),
    tm_offset=st.floats(-3, 3),
)
def test_logistic_recovers_generated_curves(k: float, r: float, tm_offset: float) -> None:
    years = range(2000, 2021)
    fit = f.logistic_fit(list(years), _curve(k, r, 2010 + tm_offset, years))
    assert fit.converged
    assert fit.k == pytest.approx(k, rel=0.01)
    assert fit.stage == f.stage_for_share(fit.share or 0)


@given(share=st.floats(0, 1.5))
def test_stage_is_monotone(share: float) -> None:
    order = f.STAGES.index
    assert order(f.stage_for_share(share)) <= order(f.stage_for_share(share + 0.05))


def test_stage_boundaries() -> None:
    assert f.stage_for_share(0.0999) == "emerging"
    assert f.stage_for_share(0.10) == "growth"
    assert f.stage_for_share(0.4999) == "growth"
    assert f.stage_for_share(0.50) == "mature"
    assert f.stage_for_share(0.90) == "saturation"


# --- incomplete window --------------------------------------------------------------------------------
def test_incomplete_window() -> None:
    cutoff = date(2019, 7, 9)
    assert f.incomplete_from(cutoff, 18) == date(2018, 1, 9)
    assert not f.is_incomplete_year(2017, cutoff, 18)
    assert f.is_incomplete_year(2018, cutoff, 18)
    assert f.is_incomplete_year(2019, cutoff, 18)
    assert f.incomplete_from(date(2020, 8, 31), 18) == date(2019, 2, 28)
    assert not f.is_incomplete_year(2019, cutoff, 0)
    assert f.is_incomplete_year(2020, cutoff, 0)


# --- configuration ------------------------------------------------------------------------------------
def test_config_defaults_and_override(tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    config = load_config()
    assert config["stage_cutoffs_percent"] == [10, 50, 90]
    assert config["incomplete_months"] == 18
    override = tmp_path / "region.json"
    override.write_text(json.dumps({"incomplete_months": 12, "logistic": {"min_points": 7}}))
    settings.IPOPS_ANALYTICS_CONFIG = str(override)
    config = load_config()
    assert config["incomplete_months"] == 12
    assert config["logistic"]["min_points"] == 7
    assert config["logistic"]["max_k_factor"] == 50  # nested keys it leaves out keep the default
    override.write_text(json.dumps({"stage_cutoffs_percent": [50, 10, 90]}))
    with pytest.raises(ImproperlyConfigured):
        load_config()
