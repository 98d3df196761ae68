"""High-value invention patent flags (CNIPA's five categories) over the snapshot of real gazette records."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured

from ipops.corpus.query import connect
from ipops.patents.models import Patent
from ipops.reference.industries import load_industry_table
from ipops.valuation.high_value import CATEGORIES, high_value_table, summary
from ipops.valuation.models import PatentAward

from .conftest import CONCORDANCE, refresh

AS_OF = date(2026, 6, 1)
ALWAYS_UNKNOWN = ["family_granted_abroad", "pledge_financing", "award"]


def rows(**kwargs) -> dict[str, dict]:
    table = high_value_table(as_of=kwargs.pop("as_of", AS_OF), **kwargs)
    return {r["pub_number"]: r for r in table.to_pylist()}


def test_every_patent_has_a_row_with_the_five_categories_accounted_for(granted: dict) -> None:
    result = rows()
    assert set(result) == set(granted)
    for pub, row in result.items():
        patent = granted[pub]
        assert set(row["met"]).isdisjoint(row["undeterminable"])
        assert set(row["met"]) | set(row["undeterminable"]) <= set(CATEGORIES)
        # legal status is not in the gazette: validity unknown, so never a definite "yes"
        assert row["valid"] is None and row["is_high_value"] is None
        # no concordance loaded yet: category 1 cannot be decided for anyone
        assert "strategic_emerging_industry" in row["undeterminable"]
        over_ten = date(patent.app_date.year + 10, patent.app_date.month, patent.app_date.day) < AS_OF
        assert ("maintained_over_10_years" in row["met"]) == over_ten


def test_valid_old_patent_is_high_value_and_lapsed_one_is_not(granted: dict) -> None:
    Patent.objects.filter(pub_number="CN102889890B").update(legal_status="granted")
    Patent.objects.filter(pub_number="CN102905253B").update(legal_status="lapsed")
    refresh()
    result = rows()
    assert result["CN102889890B"]["is_high_value"] is True
    assert result["CN102889890B"]["valid"] is True
    assert result["CN102889890B"]["met"] == ["maintained_over_10_years"]
    lapsed = result["CN102905253B"]
    assert lapsed["is_high_value"] is False and lapsed["met"] == [] and lapsed["undeterminable"] == []


def test_maintenance_threshold_is_strict_and_configurable(granted: dict) -> None:
    Patent.objects.filter(pub_number="CN102889890B").update(legal_status="granted", app_date=date(2016, 6, 1))
    refresh()
    assert rows()["CN102889890B"]["met"] == []  # exactly ten years: not "more than"
    assert rows(as_of=date(2026, 6, 2))["CN102889890B"]["met"] == ["maintained_over_10_years"]
    assert rows(config={"maintained_years": 5})["CN102889890B"]["met"] == ["maintained_over_10_years"]
    # counted from the grant date: a B publication of the gazette is the grant announcement of 2019-07-09
    assert Patent.objects.get(pub_number="CN102889890B").grant_date == date(2019, 7, 9)
    from_grant = rows(config={"maintained_from": "grant_date"})["CN102889890B"]
    assert "maintained_over_10_years" not in from_grant["met"] + from_grant["undeterminable"]
    Patent.objects.filter(pub_number="CN102889890B").update(grant_date=None)
    refresh()
    from_grant = rows(config={"maintained_from": "grant_date"})["CN102889890B"]
    assert "maintained_over_10_years" in from_grant["undeterminable"]  # no grant date: cannot count


def test_years_in_force_count_only_up_to_the_day_the_source_status_was_current(granted: dict) -> None:
    from ipops.patents.models import Dataset

    gazette = Dataset.objects.create(name="公报 2019-07-09", status_as_of=date(2019, 7, 9))
    dates = {
        "CN102889890B": date(2005, 1, 1),
        "CN102905253B": date(2012, 1, 1),
        "CN102955381B": date(2018, 1, 1),
    }
    for pub, app_date in dates.items():
        Patent.objects.filter(pub_number=pub).update(
            legal_status="granted", app_date=app_date, dataset=gazette
        )
    refresh()
    result = rows()
    maintained = "maintained_over_10_years"
    assert maintained in result["CN102889890B"]["met"]  # ten years were reached before 2019-07-09
    # reached only in 2022, after the day the status was known: in force then? undeterminable
    assert maintained not in result["CN102905253B"]["met"]
    assert maintained in result["CN102905253B"]["undeterminable"]
    young = result["CN102955381B"]  # not ten years even by AS_OF: a plain no
    assert maintained not in young["met"] and maintained not in young["undeterminable"]
    # the same patents without a status date are counted up to AS_OF, as before
    Dataset.objects.filter(pk=gazette.pk).update(status_as_of=None)
    assert maintained in rows()["CN102905253B"]["met"]
    # and an AS_OF earlier than the status date wins
    gazette.save()
    assert maintained not in rows(as_of=date(2014, 1, 1))["CN102889890B"]["undeterminable"]
    assert maintained in rows(as_of=date(2016, 1, 2))["CN102889890B"]["met"]


def test_recent_valid_patent_is_unknown_until_the_register_is_declared_complete(granted: dict) -> None:
    Patent.objects.filter(pub_number="CN102889890B").update(legal_status="granted", app_date=date(2020, 1, 1))
    refresh()
    row = rows()["CN102889890B"]
    assert row["met"] == [] and row["is_high_value"] is None
    assert row["undeterminable"] == ["strategic_emerging_industry", *ALWAYS_UNKNOWN]
    load_industry_table(scheme="strategic_emerging", path=CONCORDANCE, is_starter=False)
    complete = rows(config={"family_data_held": True, "award_register_complete": True})["CN102889890B"]
    # G01C is not in the test concordance, family and awards declared complete; pledges still unknown
    assert complete["undeterminable"] == ["pledge_financing"] and complete["is_high_value"] is None


def test_strategic_emerging_industry_from_the_concordance(granted: dict) -> None:
    load_industry_table(scheme="strategic_emerging", path=CONCORDANCE, is_starter=False)
    Patent.objects.filter(pub_number__in=["CN102905253B", "CN102955381B"]).update(
        legal_status="granted", app_date=date(2020, 1, 1)
    )
    refresh()
    result = rows()
    wireless = result["CN102905253B"]  # H04W 8/26 in the test concordance
    assert wireless["met"] == ["strategic_emerging_industry"] and wireless["is_high_value"] is True
    other = result["CN102955381B"]  # G03F: not in it
    assert other["met"] == [] and "strategic_emerging_industry" not in other["undeterminable"]
    with connect() as con:
        expected = con.execute(
            "SELECT count(*) FROM patents p WHERE EXISTS (SELECT 1 FROM classifications c WHERE "
            "c.patent_id = p.id AND c.scheme = 'ipc' AND (c.code LIKE 'G06F%' OR c.code LIKE 'H04W%'))"
        ).fetchone()[0]
    assert sum("strategic_emerging_industry" in r["met"] for r in result.values()) == expected > 0


def test_entered_award_meets_category_five(granted: dict, region: dict) -> None:
    patent = granted["CN102955381B"]
    Patent.objects.filter(pk=patent.pk).update(legal_status="granted", app_date=date(2020, 1, 1))
    refresh()
    PatentAward.objects.create(patent=patent, kind="cpa_gold", year=2024, entered_by=region["operator"])
    row = rows()["CN102955381B"]
    assert row["met"] == ["award"] and row["is_high_value"] is True


def test_utility_models_are_never_high_value_inventions(granted: dict) -> None:
    Patent.objects.filter(pub_number="CN102889890B").update(
        patent_type="utility_model", legal_status="granted"
    )
    refresh()
    row = rows()["CN102889890B"]
    assert row["is_high_value"] is False and row["valid"] is True and row["met"] == []


def test_summary_counts_agree_with_the_table(granted: dict) -> None:
    Patent.objects.filter(pub_number__in=["CN102889890B", "CN102905253B"]).update(legal_status="granted")
    Patent.objects.filter(pub_number="CN102955381B").update(legal_status="rejected")
    refresh()
    table = high_value_table(as_of=AS_OF)
    counts = summary(table)
    values = table.column("is_high_value").to_pylist()
    assert counts["patents"] == len(values) == len(granted)
    assert counts["high_value"] == values.count(True) == 2
    assert counts["not_high_value"] == values.count(False) == 1
    assert counts["unknown"] == values.count(None)
    met = [m for r in table.column("met").to_pylist() for m in r]
    assert counts["categories"]["maintained_over_10_years"]["met"] == met.count("maintained_over_10_years")
    assert summary(as_of=AS_OF) == counts  # computed from the snapshot directly


@pytest.mark.parametrize(
    "bad",
    [
        {"maintained_years": 0},
        {"maintained_years": "ten"},
        {"maintained_from": "pub_date"},
        {"valid_statuses": "x"},
    ],
)
def test_bad_configuration_is_refused_clearly(granted: dict, bad: dict) -> None:
    with pytest.raises(ImproperlyConfigured):
        high_value_table(config=bad)


def test_a_subset_of_patents(granted: dict) -> None:
    some = [str(p.pk) for p in list(granted.values())[:2]]
    whole = {r["patent_id"]: r for r in high_value_table(as_of=AS_OF).to_pylist()}
    subset = high_value_table(as_of=AS_OF, patent_ids=some).to_pylist()
    assert sorted(r["patent_id"] for r in subset) == sorted(some)
    assert all(r == whole[r["patent_id"]] for r in subset)
