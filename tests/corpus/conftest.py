"""A small patent corpus made with the ORM, and a derived store in a temporary directory."""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from ipops.corpus import query
from ipops.corpus.store import read_manifest
from ipops.patents.models import Applicant, Classification, Dataset, Patent, PatentApplicant


@pytest.fixture
def store(tmp_path: Path, settings) -> Path:
    root = tmp_path / "parquet"
    settings.IPOPS_DERIVED_PARQUET_DIR = root
    return root


@dataclass
class Corpus:
    patents: list[Patent]
    applicants: list[Applicant]
    datasets: list[Dataset] = field(default_factory=list)


def make_corpus(n: int = 60, seed: int = 7) -> Corpus:
    """n patents with 1-3 applicants and 1-3 IPC codes each, in two datasets (one synthetic)."""
    rng = random.Random(seed)
    real = Dataset.objects.create(name="CNIPA sample")
    synthetic = Dataset.objects.create(name="synthetic", synthetic=True)
    applicants = [
        Applicant.objects.create(
            name=f"申请人{i}有限公司", key=f"key-{i}", kind="enterprise", country="CN", region_code="110105"
        )
        for i in range(8)
    ]
    patents = []
    for i in range(n):
        year = 2015 + i % 6
        patents.append(
            Patent(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                pub_number=f"CN{110000000 + i}A",
                app_number=f"CN{year}1{i:07d}.X",
                kind="A",
                patent_type="invention" if i % 3 else "utility_model",
                title=f"一种测试装置{i}",
                abstract="本发明公开了一种测试装置。" * (1 + i % 4),
                app_date=date(year, 1 + i % 12, 1 + i % 28),
                pub_date=date(year + 1, 1 + i % 12, 1),
                main_ipc=["G06F 16/00", "H04L 9/32", "A61K 31/00"][i % 3],
                legal_status=["granted", "published", "lapsed"][i % 3],
                applicant_country="CN",
                province_code="110000",
                city_code="110100",
                district_code="110105" if i % 2 else "110108",
                content_hash="x",
                dataset=synthetic if i % 5 == 0 else real,
            )
        )
    Patent.objects.bulk_create(patents)
    links, classes = [], []
    for i, patent in enumerate(patents):
        for position, a in enumerate(rng.sample(range(len(applicants)), 1 + i % 3)):
            applicant = applicants[a]
            links.append(
                PatentApplicant(
                    patent=patent, applicant=applicant, position=position, raw_name=applicant.name + "（原）"
                )
            )
        for position in range(1 + i % 3):
            code = ["G06F 16/00", "H04L 9/32", "A61K 31/00", "G06N 3/08"][(i + position) % 4]
            classes.append(
                Classification(
                    patent=patent,
                    code=code,
                    subclass=code[:4],
                    version="2006.01",
                    is_main=position == 0,
                    position=position,
                )
            )
    PatentApplicant.objects.bulk_create(links)
    Classification.objects.bulk_create(classes)
    # imported yesterday: older than any watermark a refresh in the test takes (update() keeps the value)
    yesterday = timezone.now() - timedelta(days=1)
    for model in (Patent, Applicant, Dataset):
        model.objects.update(updated_at=yesterday)
    return Corpus(patents=patents, applicants=applicants, datasets=[real, synthetic])


@pytest.fixture
def corpus(db: None) -> Corpus:
    return make_corpus()


def snapshot_rows(root: Path) -> dict[str, list[tuple]]:
    """Every row of the three views, sorted (the bucket column included)."""
    con = query.connect(root)
    try:
        return {
            name: sorted(con.execute(f"SELECT * FROM {name}").fetchall(), key=repr)
            for name in ("patents", "applicants", "classifications")
        }
    finally:
        con.close()


def file_states(root: Path) -> dict[str, tuple[int, str]]:
    """Every file under the store: (mtime in ns, sha256)."""
    return {
        path.relative_to(root).as_posix(): (
            path.stat().st_mtime_ns,
            hashlib.sha256(path.read_bytes()).hexdigest(),
        )
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def manifest_files(root: Path) -> set[str]:
    manifest = read_manifest(root)
    assert manifest is not None
    return manifest.files()
