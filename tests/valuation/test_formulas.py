"""The valuation formulas: worked examples computed by hand, properties, and bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from ipops.valuation import catalogue
from ipops.valuation.appraisal import appraise
from ipops.valuation.formulas import cost, income, market, montecarlo, reconcile, scoring
from ipops.valuation.formulas.errors import ValuationInputError
from ipops.valuation.formulas.money import fen

D = Decimal


def rfr(**overrides) -> Decimal:
    args = {
        "revenue": "1000000",
        "growth": "0",
        "royalty_rate": "0.05",
        "tax_rate": "0.25",
        "discount_rate": "0.10",
        "remaining_legal_years": 5,
        "economic_life_years": 3,
    }
    args.update(overrides)
    return income.relief_from_royalty(**args).value


# --- worked examples (by hand, written out) -----------------------------------------------------------


def test_relief_from_royalty_by_hand() -> None:
    # 1,000,000 × 5 % × (1 − 25 %) = 37,500 a year for n = min(5, 3) = 3 years at 10 %:
    # 37,500 × (1/1.1 + 1/1.21 + 1/1.331) = 37,500 × 2.486852 = 93,256.95
    assert rfr() == D("93256.95")
    # growing 5 % a year: 37,500/1.1 + 39,375/1.21 + 41,343.75/1.331 = 97,694.40
    assert rfr(growth="0.05") == D("97694.40")


def test_part_year_counts_its_share() -> None:
    # n = 2.5: 37,500/1.1 + 37,500/1.21 + 18,750/1.1^2.5 = 79,857.37
    assert rfr(remaining_legal_years="2.5", economic_life_years=10) == D("79857.37")


def test_excess_earnings_by_hand() -> None:
    # 2,000,000 × (20 % × 0.75 − 5 %) = 200,000 a year; 200,000/1.12 + 200,000/1.2544 = 338,010.20
    result = income.excess_earnings(
        revenue="2000000",
        growth=0,
        margin="0.2",
        contributory_charge_rate="0.05",
        tax_rate="0.25",
        discount_rate="0.12",
        remaining_legal_years=2,
        economic_life_years=6,
    )
    assert result.value == D("338010.20") and result.cash_flows == [D("200000.00")] * 2


def test_discount_build_up_and_profit_share() -> None:
    r = income.discount_rate(
        "0.02", {"technical": "0.04", "market": "0.03", "funding": "0.01", "management": "0.02"}
    )
    assert r == D("0.12")
    # K = 15 % + (35 % − 15 %) × 60/100 = 27 %
    assert income.profit_share_k("0.15", "0.35", 60) == D("0.27")


def test_market_and_cost_by_hand() -> None:
    value, deals = market.market_value(
        [
            {"price": "1000000", "weight": "0.5", "adjustments": {"date": "1.05", "technology": "0.9"}},
            {"price": "800000", "weight": "0.5", "adjustments": {"scope": "1.2"}},
        ]
    )
    # 0.5 × 1,000,000 × 1.05 × 0.9 + 0.5 × 800,000 × 1.2 = 472,500 + 480,000
    assert value == D("952500.00") and [d.adjusted for d in deals] == [D("945000.00"), D("960000.00")]
    # 600,000 × (1 − 4/10) × (1 − 0.1) × (1 − 0.05) = 307,800
    result = cost.cost_value(
        replacement_cost=600000,
        used_years=4,
        remaining_years=6,
        functional_obsolescence="0.1",
        economic_obsolescence="0.05",
    )
    assert result.value == D("307800.00") and result.depreciation == D("0.4")


def test_reconciliation_drops_missing_approaches() -> None:
    value, used = reconcile.reconcile(
        {"income": D(100), "market": D(200), "cost": None}, {"income": "0.6", "market": "0.3", "cost": "0.1"}
    )
    # weights 0.6 and 0.3 rescaled to 2/3 and 1/3: 66.67 + 66.67
    assert value == D("133.33") and used["income"] == D("0.6") / D("0.9")


def test_fen_rounds_half_up() -> None:
    assert fen(D("0.005")) == D("0.01") and fen(D("2.675")) == D("2.68") and fen(D("-0.005")) == D("-0.01")


def test_score_by_hand() -> None:
    indicators = catalogue.indicators()
    scenario = scoring.Scenario(
        "t", "t", "t", {"validity": D("0.5"), "originality": D("0.3"), "sales_income": D("0.2")}
    )
    grades = catalogue.scoring_rules()["grades"]
    result = scoring.score(
        {"validity": 100, "originality": 50, "sales_income": 25}, scenario, indicators, grades
    )
    # 0.5 × 100 + 0.3 × 50 + 0.2 × 25 = 70 → B (65 ≤ 70 < 80)
    assert result.total == D("70.00") and result.grade == "B"
    assert result.dimensions == {"legal": D("100.00"), "technical": D("50.00"), "economic": D("25.00")}
    partial = scoring.score({"validity": 100, "originality": 50}, scenario, indicators, grades, partial=True)
    # weights 0.5 and 0.3 rescaled: (0.5 × 100 + 0.3 × 50) / 0.8 = 81.25 → A
    assert partial.total == D("81.25") and partial.grade == "A" and partial.missing == ("sales_income",)
    assert partial.coverage == D("0.8000")


def test_every_shipped_scenario_is_valid() -> None:
    names = catalogue.scenario_names()
    assert set(names) == {"licence_transfer", "finance", "financial_reporting", "infringement", "management"}
    known = catalogue.indicators()
    assert len(known) == 27
    assert sum(1 for i in known.values() if i.dimension == "legal") == 7
    for name in names:
        scenario = catalogue.scenario(name)
        assert sum(scenario.weights.values()) == 1 and set(scenario.weights) <= set(known)
    assert all(len(i.rubric) == 5 for i in known.values())


def test_a_region_override_replaces_a_scenario_and_bad_ones_are_refused(tmp_path, settings) -> None:
    (tmp_path / "scenarios").mkdir()
    settings.IPOPS_VALUATION_CONFIG_DIR = tmp_path
    (tmp_path / "scenarios" / "finance.json").write_text('{"weights": {"validity": 0.6, "originality": 0.4}}')
    assert dict(catalogue.scenario("finance").weights) == {"validity": D("0.6"), "originality": D("0.4")}
    (tmp_path / "scenarios" / "finance.json").write_text('{"weights": {"validity": 0.6, "originality": 0.3}}')
    with translation.override("en"), pytest.raises(ImproperlyConfigured, match=r"sum to 0\.9"):
        catalogue.scenario("finance")
    (tmp_path / "scenarios" / "finance.json").write_text('{"weights": {"validity": 0.6, "charisma": 0.4}}')
    with translation.override("en"), pytest.raises(ImproperlyConfigured, match="charisma"):
        catalogue.scenario("finance")
    (tmp_path / "scoring.json").write_text(
        '{"grades": [{"grade": "A", "min": 50}, {"grade": "B", "min": 60}]}'
    )
    with pytest.raises(ImproperlyConfigured):
        catalogue.scoring_rules()


# --- properties ----------------------------------------------------------------------------------------

money = st.decimals(min_value=D("1000"), max_value=D("100000000"), places=2)
rates = st.decimals(min_value=D("0.005"), max_value=D("0.2"), places=3)


@settings(max_examples=60, deadline=None)
@given(revenue=money, royalty=rates, extra=st.decimals(min_value=D("0.001"), max_value=D("0.1"), places=3))
def test_higher_royalty_gives_higher_value(revenue: Decimal, royalty: Decimal, extra: Decimal) -> None:
    assert rfr(revenue=revenue, royalty_rate=royalty + extra) >= rfr(revenue=revenue, royalty_rate=royalty)


@settings(max_examples=60, deadline=None)
@given(revenue=money, life=st.integers(min_value=1, max_value=19), more=st.integers(min_value=1, max_value=5))
def test_longer_life_gives_higher_value(revenue: Decimal, life: int, more: int) -> None:
    short = rfr(revenue=revenue, remaining_legal_years=25, economic_life_years=life)
    long = rfr(revenue=revenue, remaining_legal_years=25, economic_life_years=life + more)
    assert long > short


@settings(max_examples=60, deadline=None)
@given(revenue=money, r=st.decimals(min_value=D("0.03"), max_value=D("0.3"), places=3), more=rates)
def test_higher_discount_rate_gives_lower_value(revenue: Decimal, r: Decimal, more: Decimal) -> None:
    assert rfr(revenue=revenue, discount_rate=r + more, growth="0.02") < rfr(
        revenue=revenue, discount_rate=r, growth="0.02"
    )


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(sorted(catalogue.scenario("management").weights)), st.integers(0, 100), min_size=1
    )
)
def test_score_stays_in_range_and_weights_sum_to_one(scores: dict) -> None:
    scenario = catalogue.scenario("management")
    result = scoring.score(
        scores, scenario, catalogue.indicators(), catalogue.scoring_rules()["grades"], partial=True
    )
    assert D(0) <= result.total <= D(100)
    assert abs(sum(result.used.values()) - 1) < D("1e-20")
    assert min(scores.values()) - D("0.01") <= result.total <= max(scores.values()) + D("0.01")


@settings(max_examples=40, deadline=None)
@given(level=st.integers(1, 5))
def test_rubric_levels_score_in_steps(level: int) -> None:
    assert scoring.level_score(level, "originality") == D(25 * (level - 1))


def test_monte_carlo_is_seeded_and_brackets_the_point_value() -> None:
    p = income.period(5, 3)
    dists = montecarlo.spread_inputs(
        {"revenue": D(1000000), "growth": D(0), "discount": D("0.1")},
        {"revenue": D("0.2"), "growth": ("abs", "0.01"), "discount": ("abs", "0.02")},
    )
    run = lambda seed: montecarlo.simulate(  # noqa: E731
        lambda d: income.discounted_array(0.0375, d["revenue"], d["growth"], d["discount"], p),
        dists,
        draws=5000,
        seed=seed,
    )
    first, again = run(7), run(7)
    assert first == again
    assert first.p10 < D("93256.95") < first.p90 and first.p10 < first.p50 < first.p90
    narrow = montecarlo.simulate(
        lambda d: income.discounted_array(0.0375, d["revenue"], d["growth"], d["discount"], p),
        montecarlo.spread_inputs({"revenue": D(1000000), "growth": D(0), "discount": D("0.1")}, {}),
        draws=200,
    )
    assert narrow.p10 == narrow.p50 == narrow.p90 == D("93256.95")  # no spread: the point value


# --- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"revenue": "-5"}, "revenue", "more than zero"),
        ({"revenue": "0"}, "revenue", "more than zero"),
        ({"revenue": "lots"}, "revenue", "Not a number"),
        ({"discount_rate": "0.05", "growth": "0.05"}, "discount_rate", "higher than the growth rate"),
        ({"discount_rate": "0.03", "growth": "0.05"}, "discount_rate", "higher than the growth rate"),
        ({"remaining_legal_years": 0}, "remaining_legal_years", "no remaining legal term"),
        ({"economic_life_years": 0}, "economic_life_years", "more than zero years"),
        ({"royalty_rate": "5"}, "royalty_rate", "fraction"),
    ],
)
def test_bad_income_input_says_what_is_wrong(overrides: dict, field: str, words: str) -> None:
    with translation.override("en"):
        with pytest.raises(ValuationInputError) as error:
            rfr(**overrides)
        assert error.value.field == field and words in str(error.value.message)


def test_economic_life_beyond_the_legal_term_is_capped_with_a_note() -> None:
    with translation.override("en"):
        result = income.relief_from_royalty(
            revenue="1000000", growth=0, royalty_rate="0.05", tax_rate="0.25", discount_rate="0.1",
            remaining_legal_years=3, economic_life_years=12,
        )  # fmt: skip
    assert result.period.years == 3 and result.value == D("93256.95")
    with translation.override("en"):
        assert "longer than the remaining legal term" in str(result.notes[0])


def test_missing_indicators_are_named() -> None:
    scenario = catalogue.scenario("finance")
    with translation.override("en"), pytest.raises(ValuationInputError) as error:
        scoring.score(
            {"validity": 100}, scenario, catalogue.indicators(), catalogue.scoring_rules()["grades"]
        )
    assert "同族专利情况 (family)" in str(error.value.message) and "have no value" in str(error.value.message)
    with pytest.raises(ValuationInputError):
        scoring.level_score(6, "originality")


def test_lapsed_patent_is_valued_at_zero_with_the_reason() -> None:
    with translation.override("en"):
        result = appraise({"revenue": "1000000", "royalty_rate": "0.05"}, legal_status="lapsed",
                          remaining_legal_years=D(8), scenario="finance")  # fmt: skip
    assert result["value"] == "0.00" and result["p90"] == "0.00" and "lapsed" in result["zero_reason"]
    past_term = appraise(
        {"revenue": "1"}, legal_status="granted", remaining_legal_years=D(-1), scenario="finance"
    )
    assert past_term["value"] == "0.00" and past_term["zero_reason"]


def test_appraise_reconciles_the_approaches() -> None:
    inputs = {
        "revenue": "1000000", "growth": "0", "royalty_rate": "0.05", "tax_rate": "0.25", "discount_rate": "0.10",
        "economic_life_years": 3,
        "comparables": [{"price": "100000"}],
        "cost": {"replacement_cost": "50000", "used_years": 5},
        "monte_carlo": {"draws": 2000, "seed": 3},
    }  # fmt: skip
    result = appraise(inputs, legal_status="granted", remaining_legal_years=D(5), scenario="finance")
    assert result["approaches"]["relief_from_royalty"]["value"] == "93256.95"
    assert result["approaches"]["market"]["value"] == "100000.00"
    assert result["approaches"]["cost"]["value"] == "25000.00"  # 50,000 × (1 − 5/10)
    # finance weights 0.5 / 0.3 / 0.2: 46,628.475 + 30,000 + 5,000 = 81,628.48 (rounded half up)
    assert result["value"] == "81628.48"
    assert D(result["p10"]) <= D(result["p50"]) <= D(result["p90"])
    with translation.override("en"), pytest.raises(ValuationInputError, match="at least one approach"):
        appraise({}, legal_status="granted", remaining_legal_years=D(5), scenario="finance")
    with translation.override("en"), pytest.raises(ValuationInputError, match="Unknown inputs"):
        appraise({"revnue": 1}, legal_status="granted", remaining_legal_years=D(5), scenario="finance")
