"""A run works on one consistent snapshot: a refresh that commits while it runs changes nothing it sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipops.analytics.engine import open_tables
from ipops.analytics.run import run_analyses
from ipops.analytics.scope import Scope
from ipops.corpus.store import refresh
from ipops.patents.importers.pipeline import run_import
from tests.analytics.conftest import CNIPA_CSV, GAZETTE

pytestmark = pytest.mark.django_db


def test_open_tables_keep_their_snapshot(tmp_path: Path) -> None:
    root = tmp_path / "parquet"
    run_import(
        path=CNIPA_CSV, file_name=CNIPA_CSV.name, file_format=None, report_path=tmp_path / "a.xlsx", workers=0
    )
    refresh(full=True, root=root)
    tables = open_tables("duckdb", root)
    try:
        before = tables.patents.count().to_pyarrow().as_py()
        name = "CN_patent_utility_new_709_excerpt150.csv"
        run_import(
            path=GAZETTE / name,
            file_name=name,
            file_format=None,
            mapping_name="cnipa-gazette",
            report_path=tmp_path / "b.xlsx",
            workers=0,
        )
        refresh(root=root)  # the next generation commits while the tables are open
        assert tables.patents.count().to_pyarrow().as_py() == before == 199
    finally:
        tables.close()
    after = run_analyses(Scope(), snapshot=root)
    assert after["modules"]["overview"]["total"] == 349
    assert after["snapshot"]["generation"] == 2
