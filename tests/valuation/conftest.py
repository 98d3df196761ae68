"""Real CNIPA gazette records (granted inventions of 2019-07-09) imported through the platform's importer,
and a derived Parquet snapshot of them in a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from ipops.core.jobs import execute_job
from ipops.patents import services as patent_services
from ipops.patents.models import Patent

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GRANTED = FIXTURES / "gazette" / "CN_patent_invention_authorized_709_excerpt150.csv"
UTILITY = FIXTURES / "gazette" / "CN_patent_utility_new_709_excerpt150.csv"
CONCORDANCE = FIXTURES / "valuation" / "strategic_emerging_test.csv"


def import_file(region: dict, path: Path) -> None:
    job = patent_services.start_import(
        actor=region["operator"],
        path=patent_services.keep_local_file(path),
        file_name=path.name,
        enqueue=False,
        mapping="cnipa-gazette",
    )
    assert execute_job(str(job.pk)).status == "succeeded"


def refresh() -> None:
    call_command("refresh_derived", "--full", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture
def store(tmp_path: Path, settings) -> Path:
    root = tmp_path / "parquet"
    settings.IPOPS_DERIVED_PARQUET_DIR = root
    return root


@pytest.fixture
def granted(region: dict, store: Path) -> dict[str, Patent]:
    """145 granted inventions (legal status not given by the gazette) and a snapshot of them."""
    import_file(region, GRANTED)
    refresh()
    return {p.pub_number: p for p in Patent.objects.all() if p.pub_number}
