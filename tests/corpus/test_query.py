"""The DuckDB query API over the snapshot, on a small data set whose answers are known by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ipops.corpus import query
from ipops.corpus.query import PatentFilter
from ipops.corpus.store import refresh
from ipops.patents.models import Applicant, Dataset, Patent, PatentApplicant

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(store: Path) -> dict:
    """Five patents, three applicants:

    P1 2018 invention      granted   110000/110105 G06F 16/00  Alpha, Beta
    P2 2018 utility_model  published 110000/110108 H04L 9/32   Alpha
    P3 2019 invention      granted   310000        G06F 17/30  Beta, Gamma
    P4 2020 invention      lapsed    110000 (synthetic) A61K 31/00 Alpha
    P5 (no date) design    —         440000        —           Gamma
    """
    real = Dataset.objects.create(name="real")
    fake = Dataset.objects.create(name="fake", synthetic=True)
    alpha, beta, gamma = (
        Applicant.objects.create(name=name, key=name.lower()) for name in ("Alpha Co", "Beta Co", "Gamma Co")
    )
    rows = [
        (
            "P1",
            date(2018, 3, 1),
            "invention",
            "granted",
            "110000",
            "110105",
            "G06F 16/00",
            real,
            [alpha, beta],
        ),
        (
            "P2",
            date(2018, 7, 9),
            "utility_model",
            "published",
            "110000",
            "110108",
            "H04L 9/32",
            real,
            [alpha],
        ),
        ("P3", date(2019, 1, 2), "invention", "granted", "310000", "", "G06F 17/30", real, [beta, gamma]),
        ("P4", date(2020, 5, 5), "invention", "lapsed", "110000", "", "A61K 31/00", fake, [alpha]),
        ("P5", None, "design", "", "440000", "", "", real, [gamma]),
    ]
    patents = {}
    for number, app_date, kind, status, province, district, ipc, dataset, applicants in rows:
        patent = Patent.objects.create(
            pub_number=number,
            title=f"title {number}",
            app_date=app_date,
            patent_type=kind,
            legal_status=status,
            province_code=province,
            district_code=district,
            main_ipc=ipc,
            dataset=dataset,
            content_hash="x",
        )
        for position, applicant in enumerate(applicants):
            PatentApplicant.objects.create(
                patent=patent, applicant=applicant, position=position, raw_name="r"
            )
        patents[number] = patent
    refresh(full=True)
    return {"patents": patents, "alpha": str(alpha.pk), "beta": str(beta.pk), "gamma": str(gamma.pk)}


def test_count_by_year(known: dict) -> None:
    assert query.count_by_year() == [(2018, 2), (2019, 1), (2020, 1)]
    assert query.count_by_year({"patent_types": ["invention"]}) == [(2018, 1), (2019, 1), (2020, 1)]
    assert query.count_by_year(PatentFilter(province_code="110000")) == [(2018, 2), (2020, 1)]
    assert query.count_by_year({"synthetic": False, "year_to": 2019}) == [(2018, 2), (2019, 1)]


def test_count_patents(known: dict) -> None:
    assert query.count_patents() == 5
    assert query.count_patents({"ipc_prefix": "G06F"}) == 2
    assert query.count_patents({"year_from": 2019}) == 2
    assert query.count_patents({"legal_statuses": ("granted", "lapsed")}) == 3
    assert query.count_patents({"legal_statuses": "granted", "district_code": "110105"}) == 1
    assert query.count_patents({"dataset": "fake"}) == 1


def test_top_applicants(known: dict) -> None:
    alpha, beta, gamma = known["alpha"], known["beta"], known["gamma"]
    # Beta and Gamma tie at 2: by name
    assert query.top_applicants(2) == [(alpha, "Alpha Co", 3), (beta, "Beta Co", 2)]
    assert query.top_applicants(5, {"year_from": 2019}) == [
        (alpha, "Alpha Co", 1),
        (beta, "Beta Co", 1),
        (gamma, "Gamma Co", 1),
    ]
    assert query.top_applicants(10, {"province_code": "310000"}) == [
        (beta, "Beta Co", 1),
        (gamma, "Gamma Co", 1),
    ]
    assert query.top_applicants(0) == []


def test_top_subclasses(known: dict) -> None:
    assert query.top_subclasses(2) == [("G06F", 2), ("A61K", 1)]
    assert query.top_subclasses(5, {"synthetic": False}) == [("G06F", 2), ("H04L", 1)]


def test_filter_values_are_parameters_not_sql(known: dict) -> None:
    con = query.connect()
    assert query.count_patents({"province_code": "110000' OR '1'='1"}, con=con) == 0
    assert query.count_patents({"ipc_prefix": "%"}, con=con) == 0  # not a LIKE pattern either
    assert query.top_applicants(3, {"dataset": "real'; DROP VIEW patents; --"}, con=con) == []
    assert query.count_patents(con=con) == 5  # the views are still there
    with pytest.raises(ValueError, match="unknown filter"):
        query.count_patents({"1=1 OR province_code": "x"})
    with pytest.raises(ValueError):
        query.top_applicants(-1)


def test_answers_follow_an_incremental_refresh_with_deltas(known: dict) -> None:
    patents = known["patents"]
    patents["P2"].legal_status = "lapsed"
    patents["P2"].save()
    patents["P5"].delete()
    gamma = Applicant.objects.get(pk=known["gamma"])
    gamma.name = "Gamma Group"
    gamma.save()

    result = refresh(compact_fraction=100.0)

    assert result.buckets_compacted == [] and result.deleted == 1
    con = query.connect()
    assert query.count_patents(con=con) == 4
    assert query.count_patents({"legal_statuses": "lapsed"}, con=con) == 2
    assert query.top_applicants(3, con=con) == [
        (known["alpha"], "Alpha Co", 3),
        (known["beta"], "Beta Co", 2),
        (known["gamma"], "Gamma Group", 1),
    ]


def test_snapshot_info_and_missing_snapshot(known: dict, tmp_path: Path) -> None:
    info = query.snapshot_info()
    assert info is not None
    assert info["rows"] == {"patents": 5, "applicants": 7, "classifications": 0}
    assert (info["generation"], info["mode"]) == (1, "full")
    assert query.snapshot_info(tmp_path / "nowhere") is None
    with pytest.raises(query.SnapshotMissingError):
        query.connect(tmp_path / "nowhere")
