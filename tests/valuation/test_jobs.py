"""The batch scoring job (progress, Excel result) and saved organisation evaluations, by role."""

from __future__ import annotations

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from ipops.accounts.models import Organisation
from ipops.core.jobs import execute_job, result_path
from ipops.core.models import Job
from ipops.patents.models import Applicant, Patent
from ipops.valuation import services
from ipops.valuation.job_handlers import BATCH_JOB_KIND
from ipops.valuation.models import Valuation


def test_batch_job_scores_every_patent_into_excel_with_progress(region: dict, granted: dict) -> None:
    job = services.start_batch_scoring(actor=region["bank_user"], scenario="management", enqueue=False)
    job = execute_job(str(job.pk))
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result == {"patents": len(granted), "scenario": "management"}
    assert job.total == job.done == 3  # fits, scoring, one step of rows (fewer than 10,000)
    assert any(str(len(granted)) in m["text"] and "management" in m["text"] for m in job.messages)
    path = result_path(job)
    assert path is not None
    rows = list(openpyxl.load_workbook(path).active.values)
    assert len(rows) == len(granted) + 1
    assert {r[0] for r in rows[1:]} == set(granted)


@pytest.mark.parametrize("username", ["ent_admin", "univ_user", "secadmin", "auditor"])
def test_batch_job_refused_to_non_valuers(region: dict, granted: dict, username: str) -> None:
    with pytest.raises(PermissionDenied):
        services.start_batch_scoring(actor=region[username], enqueue=False)
    assert not Job.objects.filter(kind=BATCH_JOB_KIND).exists()


def test_batch_job_from_the_page(login, granted: dict) -> None:
    response = login("appraiser").post(reverse("valuation:batch_start"), {"scenario": "finance"})
    job = Job.objects.get(kind=BATCH_JOB_KIND)
    assert response.status_code == 302 and response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert (
        login("ent_user").post(reverse("valuation:batch_start"), {"scenario": "finance"}).status_code == 403
    )
    assert Job.objects.filter(kind=BATCH_JOB_KIND).count() == 1


def test_organisation_evaluation_is_saved_and_versioned(login, region: dict, granted: dict) -> None:
    firm = Organisation.objects.get(users__username="ent_admin")
    patent = Patent.objects.get(pub_number="CN102889890B")
    Applicant.objects.filter(pk=patent.applicants.first().pk).update(organisation=firm)
    url = reverse("valuation:organisation_save", args=[firm.pk])
    for username in ("ent_admin", "univ_user", "auditor"):
        assert login(username).post(url, {"scenario": "management"}).status_code == 403
    assert not Valuation.objects.exists()
    first = login("bank_user").post(url, {"scenario": "management"})
    second = login("bank_user").post(url, {"scenario": "management"})
    saved = list(Valuation.objects.order_by("version"))
    assert [v.version for v in saved] == [1, 2] and saved[0].subject_organisation == firm
    assert first["Location"] == reverse("valuation:valuation_detail", args=[saved[0].pk])
    assert saved[0].results["scored"] >= 1 and second.status_code == 302
    page = login("bank_user").get(first["Location"])
    assert page.status_code == 200 and 'id="org-portfolio"' in page.content.decode()
    with pytest.raises(PermissionDenied):
        services.value_organisation(actor=region["ent_admin"], organisation=firm)
