"""The same analyses on DuckDB and on Spark (local mode) over the real samples give equal results."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from ipops.analytics import engine
from ipops.analytics.run import comparable, run_analyses
from ipops.analytics.scope import Scope

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """One local[1] SparkSession for the module, with few shuffle partitions (small data)."""
    with override_settings(IPOPS_SPARK_MASTER="local[1]", IPOPS_SPARK_SHUFFLE_PARTITIONS=2):
        engine.stop_spark()
        session = engine.spark_session()
        yield session
        engine.stop_spark()


# One scope that uses every kind of condition (IPC prefixes, keywords, region, years) and still keeps most of
# the samples (Spark in local mode takes about a minute per run here, so the test runs one scope).
PARITY_SCOPE = Scope.parse(
    ipc="A, B, C, E, F, G, H",
    keywords="一种, 装置, 方法, 系统, 结构",
    region="440000",
    years="2006-2019",
)


def test_duckdb_and_spark_agree(real_snapshot: Path, spark: Any) -> None:
    scope = PARITY_SCOPE
    from ipops.reference.industries import load_starters

    load_starters()  # industry positioning runs too (its IPC → industry table goes to Spark as a memtable)
    on_duckdb = run_analyses(scope, snapshot=real_snapshot, backend="duckdb")
    on_spark = run_analyses(scope, snapshot=real_snapshot, backend="spark")
    assert on_spark["backend"] == "spark"
    assert on_duckdb["modules"]["overview"]["total"] > 0
    assert on_duckdb["modules"]["industry"]["table"]["rows"], "the industry module is compared with data"
    for name, module in comparable(on_duckdb)["modules"].items():
        assert on_spark["modules"][name] == module, name
    assert comparable(on_spark) == comparable(on_duckdb)


def test_unknown_backend_is_refused(real_snapshot: Path) -> None:
    with pytest.raises(engine.BackendError):
        run_analyses(Scope(), snapshot=real_snapshot, backend="hadoop")
