"""Real patent records (gazette excerpts of 2019-07-09 and the CNIPA export sample) imported through the
real importer, a derived snapshot in a temporary directory, and the starter industry tables."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation

from ipops.core.jobs import execute_job
from ipops.corpus.store import refresh
from ipops.navigation import services
from ipops.navigation.models import NavigationProject
from ipops.patents import services as patent_services

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GAZETTE = FIXTURES / "gazette"
CNIPA_CSV = FIXTURES / "cnipa" / "cnipa_export_199.csv"


def import_file(operator: Any, path: Path, **options: str) -> None:
    job = patent_services.start_import(
        actor=operator,
        path=patent_services.keep_local_file(path),
        file_name=path.name,
        enqueue=False,
        **options,
    )
    done = execute_job(str(job.pk))
    assert done.status == "succeeded", done.error


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Service messages are asserted in English (the catalogue translates them to Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def data_dirs(tmp_path: Path, settings: Any) -> Path:
    settings.IPOPS_DERIVED_PARQUET_DIR = tmp_path / "parquet"
    settings.IPOPS_NAVIGATION_DIR = tmp_path / "navigation"
    settings.IPOPS_JOB_FILES_DIR = tmp_path / "jobs"
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def corpus(region: dict, data_dirs: Path) -> dict:
    """The demo region with real patents imported and the snapshot built; returns the region's users."""
    operator = region["operator"]
    for name in ("invention_published", "invention_authorized", "utility_new"):
        import_file(operator, GAZETTE / f"CN_patent_{name}_709_excerpt150.csv", mapping="cnipa-gazette")
    import_file(operator, CNIPA_CSV)
    refresh(full=True)
    call_command("load_industries", stdout=io.StringIO())
    return region


@pytest.fixture
def project(corpus: dict) -> NavigationProject:
    return services.create_project(
        actor=corpus["operator"],
        title="电子信息产业专利导航",
        kind="industry",
        ipc_codes="H01L; G06F; H04L; H04N; G06N",
        strategy="IPC H01L/G06F/H04L/H04N/G06N, gazette of 2019-07-09",
    )
