"""The analysis modules on DuckDB over the real samples, checked against independent SQL over the same
snapshot (`ipops.corpus.query.connect`) and the formulas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ipops.analytics import formulas
from ipops.analytics.conf import load_config
from ipops.analytics.run import comparable, run_analyses
from ipops.analytics.scope import Scope
from ipops.corpus import query

pytestmark = pytest.mark.django_db


@pytest.fixture
def sql(real_snapshot: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = query.connect(real_snapshot)
    yield con
    con.close()


@pytest.fixture(scope="module")
def everything(real_snapshot: Path, django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        return run_analyses(Scope(), snapshot=real_snapshot)


def one(con: duckdb.DuckDBPyConnection, text: str, *params: Any) -> Any:
    row = con.execute(text, list(params)).fetchone()
    assert row is not None
    return row[0]


def table_rows(result: dict[str, Any], module: str) -> list[dict[str, Any]]:
    return result["modules"][module]["table"]["rows"]


def test_result_is_plain_json(everything: dict[str, Any]) -> None:
    assert json.loads(json.dumps(everything)) == everything
    assert set(everything["modules"]) == {
        "overview",
        "trend",
        "lifecycle",
        "applicants",
        "technology",
        "regions",
        "key_patents",
        "industry",
    }
    for module in everything["modules"].values():
        table = module["table"]
        keys = [key for key, _label in table["columns"]]
        assert all(set(row) >= set(keys) for row in table["rows"])


def test_overview_and_trend_match_the_snapshot(everything: dict[str, Any], sql: Any) -> None:
    assert everything["modules"]["overview"]["total"] == one(sql, "SELECT count(*) FROM patents")
    # the gazette day is the latest publication date held: the cut-off, and 18 months before it
    assert everything["cutoff"] == "2019-07-09"
    assert everything["incomplete_from"] == "2018-01-09"
    trend = {r["year"]: r for r in table_rows(everything, "trend")}
    for year, n in query.count_by_year(con=sql):
        assert trend[year]["applications"] == n
    assert [y for y, r in trend.items() if r["incomplete"]] == [2018, 2019]
    # grants: CN kinds B (inventions), U and S (granted on publication), by publication year
    grants = dict(
        sql.execute(
            "SELECT year(pub_date), count(*) FROM patents WHERE kind IN ('B', 'U', 'S') GROUP BY 1"
        ).fetchall()
    )
    assert {y: r["grants"] for y, r in trend.items() if r["grants"]} == grants
    growth = everything["modules"]["trend"]["applications_cagr"]
    first, last = growth["from"], growth["to"]
    assert last == 2017  # the last complete year
    expected = formulas.cagr(trend[first]["applications"], trend[last]["applications"], last - first)
    assert growth["cagr"] == pytest.approx(expected, abs=1e-6)


def test_lifecycle_counts_applicants_per_year(everything: dict[str, Any], sql: Any) -> None:
    rows = {r["year"]: r for r in table_rows(everything, "lifecycle")}
    expected = dict(
        sql.execute(
            "SELECT p.app_year, count(DISTINCT a.applicant_id) FROM patents p "
            "JOIN applicants a ON a.patent_id = p.id GROUP BY 1"
        ).fetchall()
    )
    assert {y: r["applicants"] for y, r in rows.items() if r["applicants"]} == expected
    assert rows[max(rows)]["cumulative"] == everything["modules"]["overview"]["total"]
    fit = everything["modules"]["lifecycle"]["fit"]
    assert everything["modules"]["lifecycle"]["fit_years"] == [min(rows), 2017]
    if fit["converged"]:
        assert fit["stage"] in formulas.STAGES and fit["k"] >= rows[2017]["cumulative"] * 0.999
    else:
        assert fit["message"] and all(r["fitted"] is None for r in rows.values())


def test_applicants_and_concentration(everything: dict[str, Any], sql: Any) -> None:
    module = everything["modules"]["applicants"]
    top = query.top_applicants(20, con=sql)
    assert [(r["name"], r["patents"]) for r in module["table"]["rows"]] == [(n, c) for _i, n, c in top]
    counts = [
        c
        for (c,) in sql.execute(
            "SELECT count(DISTINCT patent_id) FROM applicants GROUP BY applicant_id"
        ).fetchall()
    ]
    total = sum(counts)
    assert module["applicant_count"] == len(counts)
    assert module["hhi"] == pytest.approx(10_000 * sum(c * c for c in counts) / total**2, abs=1e-3)
    assert module["cr4"] == pytest.approx(100 * sum(sorted(counts)[-4:]) / total, abs=1e-3)


def test_technology_composition_and_network(everything: dict[str, Any], sql: Any) -> None:
    module = everything["modules"]["technology"]
    expected = dict(
        sql.execute(
            "SELECT subclass, count(DISTINCT patent_id) FROM classifications WHERE scheme = 'ipc' GROUP BY 1"
        ).fetchall()
    )
    assert module["subclass_count"] == len(expected)
    for row in module["table"]["rows"]:
        assert row["patents"] == expected[row["subclass"]]
    edges = module["network"]["edges"]["rows"]
    assert edges, "the samples have patents in more than one subclass"
    heaviest = edges[0]
    both = one(
        sql,
        "SELECT count(*) FROM (SELECT patent_id FROM classifications WHERE scheme = 'ipc' "
        "GROUP BY patent_id HAVING bool_or(subclass = ?) AND bool_or(subclass = ?))",
        heaviest["sa"],
        heaviest["sb"],
    )
    assert heaviest["weight"] == both and heaviest["sa"] < heaviest["sb"]
    assert [e["weight"] for e in edges] == sorted((e["weight"] for e in edges), reverse=True)
    groups = module["main_groups"]["rows"]
    assert all(g["group"].endswith("/00") for g in groups)


def _plain_snapshot(real_snapshot: Path, root: Path, *, twice: tuple[str, ...] = ()) -> Path:
    """The real snapshot as the three plain Parquet files, the tables named in `twice` with every row
    written twice."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ipops.analytics.engine import COLUMNS, open_tables

    root.mkdir()
    tables = open_tables("duckdb", real_snapshot)
    try:
        for name in COLUMNS:
            table = getattr(tables, name).to_pyarrow()
            if name in twice:
                table = pa.concat_tables([table, table])
            pq.write_table(table, root / f"{name}.parquet")
    finally:
        tables.close()
    return root


def test_repeated_rows_count_once(real_snapshot: Path, tmp_path: Path) -> None:
    """A patent listed twice under the same IPC code or applicant still counts once everywhere: the counts
    are of distinct patents and applicants, whatever the rows."""
    single = _plain_snapshot(real_snapshot, tmp_path / "single")
    double = _plain_snapshot(real_snapshot, tmp_path / "double", twice=("classifications", "applicants"))
    scope = Scope.parse(years="2010-2019")
    once = comparable(run_analyses(scope, snapshot=single))
    repeated = comparable(run_analyses(scope, snapshot=double))
    assert once["modules"]["technology"]["subclass_count"] > 1
    for name, module in once["modules"].items():
        if name == "key_patents":  # its applicant names are the rows as listed: compare the rest
            for row in module["table"]["rows"] + repeated["modules"][name]["table"]["rows"]:
                row.pop("applicants")
        assert repeated["modules"][name] == module, name


def test_regions_with_rta(real_snapshot: Path, sql: Any) -> None:
    result = run_analyses(Scope(region="440300"), snapshot=real_snapshot)
    module = result["modules"]["regions"]
    assert module["level"] == "district"
    codes = [r["code"] for r in module["table"]["rows"]]
    assert codes and all(code.startswith("4403") for code in codes)
    by_code = {r["code"]: r for r in module["table"]["rows"]}
    assert by_code["440305"]["patents"] == one(
        sql, "SELECT count(*) FROM patents WHERE district_code = '440305'"
    )
    # the region's own patents are its whole reference: every RTA is 1
    assert all(r["rta"] == pytest.approx(1.0) for r in module["table"]["rows"])
    national = run_analyses(Scope(ipc=("H04",)), snapshot=real_snapshot)["modules"]["regions"]
    assert national["level"] == "province"
    row = national["table"]["rows"][0]
    p_k = national["located"]
    p = one(sql, "SELECT count(*) FROM patents WHERE province_code <> ''")
    p_r = one(sql, "SELECT count(*) FROM patents WHERE province_code = ?", row["code"])
    assert row["rta"] == pytest.approx(formulas.rta(row["patents"], p_r, p_k, p), abs=1e-4)


def test_scope_filters_select_what_they_say(real_snapshot: Path, sql: Any) -> None:
    ipc = run_analyses(Scope.parse(ipc="H04L, G06F"), snapshot=real_snapshot)
    assert ipc["modules"]["overview"]["total"] == one(
        sql,
        "SELECT count(DISTINCT patent_id) FROM classifications WHERE scheme = 'ipc' "
        "AND (code LIKE 'H04L%' OR code LIKE 'G06F%')",
    )
    words = run_analyses(Scope.parse(keywords="混凝土, 电池"), snapshot=real_snapshot)
    assert words["modules"]["overview"]["total"] == one(
        sql,
        "SELECT count(*) FROM patents WHERE concat(coalesce(title, ''), ' ', coalesce(abstract, '')) "
        "LIKE '%混凝土%' OR concat(coalesce(title, ''), ' ', coalesce(abstract, '')) LIKE '%电池%'",
    )
    years = run_analyses(Scope.parse(years="2012-2014", region="110000"), snapshot=real_snapshot)
    assert years["modules"]["overview"]["total"] == one(
        sql,
        "SELECT count(*) FROM patents WHERE app_year BETWEEN 2012 AND 2014 AND province_code = '110000'",
    )
    assert {r["year"] for r in table_rows(years, "trend") if r["applications"]} <= {2012, 2013, 2014}


class Recorder:
    """Stands in for a job's Progress (set_total / advance / message)."""

    def __init__(self) -> None:
        self.total, self.done, self.messages = 0, 0, []

    def set_total(self, total: int) -> None:
        self.total = total

    def advance(self, n: int = 1) -> None:
        self.done += n

    def message(self, text: str) -> None:
        self.messages.append(text)


def test_a_scope_matching_nothing_gives_an_empty_report(real_snapshot: Path) -> None:
    progress = Recorder()
    result = run_analyses(Scope.parse(years="1990-1991"), snapshot=real_snapshot, progress=progress)
    assert progress.total == progress.done == len(result["modules"]) == len(progress.messages)
    assert result["empty"] and result["notes"]
    assert result["modules"]["overview"]["total"] == 0
    for name in ("trend", "lifecycle", "applicants", "technology", "regions", "key_patents", "industry"):
        assert table_rows(result, name) == []
    assert result["modules"]["lifecycle"]["fit"]["converged"] is False
    assert result["modules"]["applicants"]["hhi"] is None


def test_key_patents_rank_by_the_indicators_held(everything: dict[str, Any], sql: Any) -> None:
    module = everything["modules"]["key_patents"]
    rows = module["table"]["rows"]
    assert len(rows) == load_config()["key_patents"]
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert {u["key"] for u in module["unavailable"]} >= {"forward_citations", "claims", "legal_events"}
    best = rows[0]
    breadth = one(
        sql,
        "SELECT max(n) FROM (SELECT count(DISTINCT subclass) AS n FROM classifications "
        "WHERE scheme = 'ipc' GROUP BY patent_id)",
    )
    assert best["subclasses"] == breadth
    assert 0 < best["score"] <= 100


def test_incomplete_window_is_configuration(real_snapshot: Path, settings: Any, tmp_path: Path) -> None:
    override = tmp_path / "analytics.json"
    override.write_text('{"incomplete_months": 0}')
    settings.IPOPS_ANALYTICS_CONFIG = str(override)
    result = run_analyses(Scope(), snapshot=real_snapshot)
    assert not any(r["incomplete"] for r in table_rows(result, "trend"))
    assert result["incomplete_months"] == 0


def test_industry_positioning(real_snapshot: Path, settings: Any, tmp_path: Path) -> None:
    from ipops.reference.industries import load_starters

    without = run_analyses(Scope(), snapshot=real_snapshot)["modules"]["industry"]
    assert without["table"]["rows"] == [] and without["notes"]  # no concordance loaded: said so
    load_starters()
    scope = Scope(region="440000")
    regional = run_analyses(scope, snapshot=real_snapshot)
    result = regional["modules"]["industry"]
    rows = result["table"]["rows"]
    assert rows, "some Guangdong patents fall in the plan's key industries"
    total = regional["modules"]["overview"]["total"]
    everything = run_analyses(Scope(), snapshot=real_snapshot)
    national = everything["modules"]["industry"]["table"]["rows"]
    national_n = {r["code"]: r["patents"] for r in national}
    everything_total = everything["modules"]["overview"]["total"]
    for row in rows:
        assert row["national_patents"] == national_n[row["code"]]
        assert row["lq"] == pytest.approx(
            formulas.location_quotient(row["patents"], total, national_n[row["code"]], everything_total),
            abs=1e-4,
        )
    assert result["match_degree"] is None
    shares = {rows[0]["code"]: 3.0, "nothing-like-it": 1.0}
    override = tmp_path / "analytics.json"
    override.write_text(json.dumps({"industry_output_shares": {"440000": shares}}))
    settings.IPOPS_ANALYTICS_CONFIG = str(override)
    matched = run_analyses(scope, snapshot=real_snapshot)["modules"]["industry"]
    patent_shares = {r["code"]: r["patents"] for r in rows}
    expected = formulas.match_degree(
        shares, {k: v / sum(patent_shares.values()) for k, v in patent_shares.items()}
    )
    assert matched["match_degree"] == pytest.approx(expected, abs=1e-6)
