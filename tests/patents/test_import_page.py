"""The import page: operators upload, the job runs, the report is theirs to download; others are refused."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from ipops.core.jobs import execute_job
from ipops.core.models import Job
from ipops.patents.models import Dataset, ImportBatch, Patent

pytestmark = pytest.mark.django_db
CNIPA_CSV = Path(__file__).resolve().parents[1] / "fixtures" / "cnipa" / "cnipa_export_199.csv"


def upload(client: Client, **fields: str) -> object:
    data = {"file": SimpleUploadedFile("导出.csv", CNIPA_CSV.read_bytes(), content_type="text/csv"), **fields}
    return client.post("/patents/imports/", data)


def test_operator_uploads_and_follows_the_import(login) -> None:
    client = login("operator")
    response = upload(client, dataset="区内企业导出 2026-11", status_as_of="2026-11-20")
    assert response.status_code == 302
    job = Job.objects.get(kind="patents.import")
    assert response["Location"] == f"/platform/jobs/{job.pk}/"
    job = execute_job(str(job.pk))  # what the worker does
    assert job.result["created"] == 199
    page = client.get(f"/platform/jobs/{job.pk}/").content.decode()
    assert 'data-status="succeeded"' in page and "199" in page
    report = client.get(f"/platform/jobs/{job.pk}/download/")
    assert report.status_code == 200
    header = next(openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content))).active.values)
    assert header[:2] == ("行号", "列")
    listing = client.get("/patents/imports/").content.decode()
    assert "导出.csv" in listing and "区内企业导出 2026-11" in listing
    assert Patent.objects.filter(dataset__name="区内企业导出 2026-11").count() == 199
    assert str(Dataset.objects.get(name="区内企业导出 2026-11").status_as_of) == "2026-11-20"


def test_a_status_date_without_a_source_is_refused_on_the_form(login) -> None:
    response = upload(login("operator"), status_as_of="2026-11-20")
    assert response.status_code == 200 and "status_as_of" in response.context["form"].errors
    assert not Job.objects.exists()


def test_mapped_format_needs_a_mapping(login) -> None:
    response = upload(login("operator"), file_format="mapped")
    assert response.status_code == 200 and "mapping" in response.context["form"].errors
    assert not Job.objects.exists()


@pytest.mark.parametrize("username", ["secadmin", "auditor", "ent_admin", "univ_user"])
def test_others_cannot_import(login, username: str) -> None:
    assert upload(login(username)).status_code == 403
    assert not Job.objects.exists() and not ImportBatch.objects.exists()


def test_anonymous_is_sent_to_log_in(region: dict) -> None:
    response = upload(Client())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Job.objects.exists()


@override_settings(IPOPS_MAX_UPLOAD_MB=0)
def test_an_oversized_upload_is_refused_before_it_is_read(login) -> None:
    response = upload(login("operator"))
    assert response.status_code == 413 and not Job.objects.exists()
