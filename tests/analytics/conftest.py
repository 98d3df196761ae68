"""A derived snapshot of real data, built once per test session: the CNIPA export sample and the gazette
excerpts of 2019-07-09, imported through the real importers into the test database (inside a transaction
rolled back afterwards, so other tests see an empty database) and written to a temporary Parquet store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import transaction

from ipops.corpus.store import refresh
from ipops.patents.importers.pipeline import run_import

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CNIPA_CSV = FIXTURES / "cnipa" / "cnipa_export_199.csv"
GAZETTE = FIXTURES / "gazette"
GAZETTE_FILES = (
    ("CN_patent_invention_published_709_excerpt150.csv", "cnipa-gazette"),
    ("CN_patent_invention_authorized_709_excerpt150.csv", "cnipa-gazette"),
    ("CN_patent_utility_new_709_excerpt150.csv", "cnipa-gazette"),
    ("CN_patent_appearance_designed_709_excerpt150.csv", "cnipa-gazette-design"),
)


class _Rollback(Exception):
    pass


def import_real_samples(report_dir: Path) -> None:
    """The real samples through the real importer (no job, no actor: what `import_patents` does)."""
    run_import(
        path=CNIPA_CSV,
        file_name=CNIPA_CSV.name,
        file_format=None,
        dataset_name="CNIPA 导出样本",
        report_path=report_dir / "cnipa.xlsx",
        workers=0,
    )
    for name, mapping in GAZETTE_FILES:
        run_import(
            path=GAZETTE / name,
            file_name=name,
            file_format=None,
            mapping_name=mapping,
            dataset_name="公报 2019-07-09",
            report_path=report_dir / f"{name}.xlsx",
            workers=0,
        )


@pytest.fixture(scope="session")
def real_snapshot(
    django_db_setup: None, django_db_blocker: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """The Parquet store of the real samples (the database is left empty again)."""
    from ipops.reference.industries import load_starters

    root = tmp_path_factory.mktemp("analytics") / "parquet"
    reports = tmp_path_factory.mktemp("analytics-reports")
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        try:
            with transaction.atomic():
                import_real_samples(reports)
                load_starters()
                refresh(full=True, root=root)
                raise _Rollback
        except _Rollback:
            pass
    yield root
