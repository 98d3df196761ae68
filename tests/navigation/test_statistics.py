"""Regional statistics over the real records: counts by region and industry agree with a brute-force count,
high-value categories come from the valuation module, and population (configuration) gives the rate per
10,000 residents."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from ipops.corpus.query import connect
from ipops.navigation.conf import load_population
from ipops.navigation.statistics import StatsQuery, compute
from ipops.reference.industries import industries_for_ipc

pytestmark = pytest.mark.django_db


def test_regions_and_industries_match_a_brute_force_count(corpus: dict) -> None:
    stats = compute(StatsQuery(level="province", scheme="plan_key"))
    con = connect()
    try:
        patents = con.execute("SELECT id, coalesce(province_code, '') FROM patents").fetchall()
        codes = con.execute("SELECT patent_id, code FROM classifications WHERE scheme = 'ipc'").fetchall()
    finally:
        con.close()
    assert stats.patents == len(patents) > 0
    by_province: dict[str, int] = {}
    for _pid, province in patents:
        by_province[province] = by_province.get(province, 0) + 1
    assert {r["code"]: r["patents"] for r in stats.regions} == by_province
    mapped = industries_for_ipc({c for _p, c in codes}, scheme="plan_key")
    expected: dict[str, set[str]] = {}
    for pid, code in codes:
        for ref in mapped[code]:
            expected.setdefault(ref.code, set()).add(pid)
    assert {i["code"]: i["patents"] for i in stats.industries} == {k: len(v) for k, v in expected.items()}
    assert stats.scheme_is_starter is True
    # the region × industry matrix adds up to the industry totals (every patent has one province value)
    top = [i["code"] for i in stats.industries[: len(stats.matrix_industries)]]
    for column, code in enumerate(top):
        assert sum(row["counts"][column] for row in stats.matrix) == len(expected[code])


def test_high_value_by_category_and_per_10k_residents(corpus: dict, tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    stats = compute(StatsQuery(level="province", scheme="patent_intensive"))
    assert stats.high_value is not None
    rows = {r["key"]: r for r in stats.high_value["rows"]}
    assert set(rows) == {
        "strategic_emerging_industry",
        "family_granted_abroad",
        "maintained_over_10_years",
        "pledge_financing",
        "award",
    }
    assert rows["family_granted_abroad"]["undeterminable"] > 0 and rows["family_granted_abroad"]["why"]
    population = load_population()
    with_people = [r for r in stats.regions if r["population"]]
    assert with_people
    for r in with_people:
        assert r["population"] == population[r["code"]].population
        assert r["per_10k"] == pytest.approx(r["high_value"] * 10_000 / r["population"])
    # population is configuration: another file changes the rate
    override = tmp_path / "population.csv"
    code = with_people[0]["code"]
    override.write_text(
        f"region_code,name,population,year,source\n{code},x,10000,2024,test\n", encoding="utf-8"
    )
    settings.IPOPS_NAVIGATION_POPULATION = str(override)
    again = {r["code"]: r for r in compute(StatsQuery(level="province")).regions}
    assert again[code]["population"] == 10_000 and again[code]["per_10k"] == again[code]["high_value"]
    others = [c for c, r in again.items() if c != code]
    assert all(again[c]["per_10k"] is None for c in others)


def test_statistics_page_access_errors_and_export(corpus: dict, login) -> None:  # type: ignore[no-untyped-def]
    assert Client().get("/navigation/statistics/").status_code == 302
    assert login("pending_admin").get("/navigation/statistics/").status_code == 403
    client = login("ent_user")
    page = client.get("/navigation/statistics/?level=province&scheme=plan_key")
    assert page.status_code == 200 and 'id="region-table"' in page.content.decode()
    assert 'id="starter-badge"' in page.content.decode()
    bad = client.get("/navigation/statistics/?year_from=2020&year_to=2010&within=12")
    assert (
        bad.status_code == 200
        and "invalid-feedback" in bad.content.decode()
        and 'id="region-table"' not in bad.content.decode()
    )
    nothing = client.get("/navigation/statistics/?year_from=1900&year_to=1901")
    assert 'id="no-patents"' in nothing.content.decode()
    export = client.get("/navigation/statistics/?level=province&export=regions")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = list(sheet.values)
    assert len(rows) - 1 == len(compute(StatsQuery(level="province")).regions)
