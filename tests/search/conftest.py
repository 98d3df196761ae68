"""A small corpus of real patent titles (and a few abstracts) made with the ORM, and search stores in a
temporary directory. The vector cache is shared by the session (it is keyed by text hash, so sharing
only saves re-embedding the same texts)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from ipops.patents.models import Applicant, Classification, Dataset, Patent, PatentApplicant
from ipops.search import engine

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "search"
TYPES = ("invention", "utility_model")
STATUSES = ("granted", "published", "lapsed")
REGIONS = ("110000", "310000", "440000")


@pytest.fixture(scope="session")
def vector_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("search-cache") / "vectors.sqlite3"


@pytest.fixture
def search_dir(tmp_path: Path, settings, vector_cache: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.IPOPS_SEARCH_DIR = tmp_path / "search"
    settings.IPOPS_SEARCH_VECTOR_CACHE = vector_cache
    settings.IPOPS_DERIVED_PARQUET_DIR = tmp_path / "parquet"
    return tmp_path / "search"


def rows() -> list[dict]:
    out = []
    with open(FIXTURES / "lxingy3_sample.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out.append(
                {
                    "number": r["publication_numbers"],
                    "title": r["patent_title"],
                    "abstract": "",
                    "subs": r["true_subclasses_all"].split("|"),
                }
            )
    with open(FIXTURES / "agri_sample.jsonl", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            out.append(
                {
                    "number": r["application_number"],
                    "title": r["title"],
                    "abstract": r["abstract"].replace("$#!", ""),
                    "subs": [r["ipc_subclass"]],
                }
            )
    return out


def make_corpus() -> list[Patent]:
    """52 patents; owners cycle university / institute / enterprise / individual; type, status, region
    and year cycle too, so every filter and facet has more than one value."""
    dataset = Dataset.objects.create(name="search test sample")
    owners = [
        Applicant.objects.create(name=n, key=n, kind=k, region_code=r)
        for n, k, r in (
            ("北京朝阳理工大学", "university", "110000"),
            ("中国农业科学院研究所", "institute", "110000"),
            ("深圳新能科技有限公司", "enterprise", "440000"),
            ("张三", "individual", "310000"),
        )
    ]
    patents = []
    for i, r in enumerate(rows()):
        p = Patent.objects.create(
            pub_number=r["number"],
            title=r["title"],
            abstract=r["abstract"],
            patent_type=TYPES[i % 2],
            legal_status=STATUSES[i % 3],
            province_code=REGIONS[i % 3],
            app_date=date(2015 + i % 6, 1 + i % 12, 1),
            main_ipc=r["subs"][0],
            dataset=dataset,
            content_hash=str(i),
        )
        PatentApplicant.objects.create(
            patent=p, applicant=owners[i % 4], position=0, raw_name=owners[i % 4].name
        )
        for pos, sub in enumerate(r["subs"]):
            Classification.objects.create(patent=p, code=sub, subclass=sub, is_main=pos == 0, position=pos)
        patents.append(p)
    return patents


@pytest.fixture
def corpus(search_dir: Path, db: None) -> list[Patent]:
    """The test's own corpus (for tests that change patents or build the stores themselves)."""
    return make_corpus()


@pytest.fixture
def built(corpus: list[Patent]) -> list[Patent]:
    """The test's own corpus and stores built from it (for tests that change them)."""
    engine.rebuild()
    return corpus


@pytest.fixture(scope="module")
def _module_stores(
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
    vector_cache: Path,
) -> Iterator[tuple[dict[str, Path], list[Patent]]]:
    """The corpus committed and its stores built once for a module, removed after its last test."""
    root = tmp_path_factory.mktemp("search-module")
    dirs = {
        "IPOPS_SEARCH_DIR": root / "search",
        "IPOPS_SEARCH_VECTOR_CACHE": vector_cache,
        "IPOPS_DERIVED_PARQUET_DIR": root / "parquet",
    }
    with django_db_blocker.unblock(), override_settings(**dirs):
        patents = make_corpus()
        engine.rebuild()
    yield dirs, patents
    with django_db_blocker.unblock():
        dataset_ids = {p.dataset_id for p in patents}
        applicant_ids = set(
            PatentApplicant.objects.filter(patent__in=patents).values_list("applicant_id", flat=True)
        )
        Patent.objects.filter(pk__in=[p.pk for p in patents]).delete()
        Applicant.objects.filter(pk__in=applicant_ids).delete()
        Dataset.objects.filter(pk__in=dataset_ids).delete()


@pytest.fixture
def shared_built(_module_stores: tuple[dict[str, Path], list[Patent]], settings, db: None) -> list[Patent]:  # type: ignore[no-untyped-def]
    """The module's corpus and stores, built once (rebuilding per test cost a second each). Only for
    tests that change neither: a module using it keeps its patent-changing tests elsewhere, since these
    committed patents are seen by every test of the module."""
    dirs, patents = _module_stores
    for name, value in dirs.items():
        setattr(settings, name, value)
    return patents


@pytest.fixture(scope="session")
def quick_suggester() -> Any:
    """The sample-trained suggester of tests/search/ipc_quick.py, trained once per test process."""
    from tests.search.ipc_quick import fit_quick_sample

    return fit_quick_sample()
