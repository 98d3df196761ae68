"""Operators merge and split applicant entities; the decisions are audited and survive re-imports."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.test import Client

from ipops.core.jobs import execute_job
from ipops.core.models import AuditEntry
from ipops.patents import applicants, services
from ipops.patents.models import Applicant, ApplicantAlias, PatentApplicant

pytestmark = pytest.mark.django_db
CNIPA_CSV = Path(__file__).resolve().parents[1] / "fixtures" / "cnipa" / "cnipa_export_199.csv"


def import_rows(region: dict, tmp_path: Path, rows: list[list[str]], header: list[str], name: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    path = tmp_path / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    job = services.start_import(actor=region["operator"], path=path, file_name=name, enqueue=False)
    assert execute_job(str(job.pk)).status == "succeeded"


@pytest.fixture
def two_spellings(region: dict, tmp_path: Path) -> tuple[list[str], list[list[str]]]:
    """Two rows by one firm under two names the matcher keeps apart, plus a third firm."""
    with CNIPA_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, data = rows[0], [list(r) for r in rows[1:4]]
    applicant_col = header.index("申请（专利权）人")
    data[0][applicant_col] = "海安建莲混凝土公司"
    data[1][applicant_col] = "海安县建莲商品混凝土有限公司"
    data[2][applicant_col] = "海安县建莲商品混凝土有限公司"
    import_rows(region, tmp_path, data, header, "first.csv")
    return header, data


def test_merge_moves_patents_and_survives_a_reimport(
    region: dict, login, two_spellings, tmp_path: Path
) -> None:
    header, data = two_spellings
    short = Applicant.objects.get(name="海安建莲混凝土公司")
    full = Applicant.objects.get(name="海安县建莲商品混凝土有限公司")
    response = login("operator").post(
        f"/patents/applicants/{full.pk}/merge/", {"sources": [str(short.pk)], "reason": "同一企业，简称"}
    )
    assert response.status_code == 302
    assert not Applicant.objects.filter(pk=short.pk).exists()
    assert full.patents.count() == 3
    entry = AuditEntry.objects.get(action="applicant.merge")
    assert entry.after["links_moved"] == 1 and entry.before["sources"][0]["name"] == "海安建莲混凝土公司"
    data[0][header.index("名称")] += (
        "（修订）"  # the re-import must not bring the short name back as its own entity
    )
    import_rows(region, tmp_path, data, header, "second.csv")
    assert not Applicant.objects.filter(name="海安建莲混凝土公司").exists()
    assert full.patents.count() == 3


def test_split_gives_spellings_their_own_entity_for_good(
    region: dict, login, two_spellings, tmp_path: Path
) -> None:
    header, data = two_spellings
    short = Applicant.objects.get(name="海安建莲混凝土公司")
    full = Applicant.objects.get(name="海安县建莲商品混凝土有限公司")
    applicants.merge_applicants(actor=region["operator"], target=full, sources=[short], reason="合并")
    response = login("operator").post(
        f"/patents/applicants/{full.pk}/split/",
        {"spellings": ["海安建莲混凝土公司"], "name": "海安建莲混凝土公司", "reason": "并非同一企业"},
    )
    assert response.status_code == 302
    new = Applicant.objects.get(aliases__kind="spelling", aliases__value="海安建莲混凝土公司")
    assert response["Location"] == f"/patents/applicants/{new.pk}/"
    assert new.patents.count() == 1 and full.patents.count() == 2
    data[0][header.index("名称")] += "（再修订）"
    import_rows(region, tmp_path, data, header, "third.csv")
    assert new.patents.count() == 1 and full.patents.count() == 2
    assert AuditEntry.objects.filter(action="applicant.split", object_id=str(new.pk)).count() == 1


def test_split_needs_some_but_not_all_spellings_and_a_reason(region: dict, two_spellings) -> None:
    from django.core.exceptions import ValidationError

    full = Applicant.objects.get(name="海安县建莲商品混凝土有限公司")
    for spellings, reason in ([[], "x"], [["海安县建莲商品混凝土有限公司"], "x"], [["x"], "x"]):
        with pytest.raises(ValidationError):
            applicants.split_applicant(
                actor=region["operator"], applicant=full, spellings=spellings, name="", reason=reason
            )
    before = PatentApplicant.objects.filter(applicant=full).count()
    assert before == 2 and not ApplicantAlias.objects.exists()


@pytest.mark.parametrize("username", ["secadmin", "auditor", "ent_admin", "univ_user"])
def test_only_operators_merge_or_split(region: dict, login, two_spellings, username: str) -> None:
    short = Applicant.objects.get(name="海安建莲混凝土公司")
    full = Applicant.objects.get(name="海安县建莲商品混凝土有限公司")
    client = login(username)
    assert (
        client.post(
            f"/patents/applicants/{full.pk}/merge/", {"sources": [str(short.pk)], "reason": "x"}
        ).status_code
        == 403
    )
    assert (
        client.post(f"/patents/applicants/{full.pk}/split/", {"spellings": ["x"], "reason": "x"}).status_code
        == 403
    )
    assert Applicant.objects.filter(pk=short.pk).exists() and not ApplicantAlias.objects.exists()
    assert (
        Client().post(f"/patents/applicants/{full.pk}/merge/", {"sources": [str(short.pk)]}).status_code
        == 302
    )


def test_operator_sees_merge_candidates_with_evidence(region: dict, login, two_spellings) -> None:
    full = Applicant.objects.get(name="海安县建莲商品混凝土有限公司")
    page = login("operator").get(f"/patents/applicants/{full.pk}/")
    assert 'id="merge-form"' in page.content.decode()
    assert (
        login("ent_user").get(f"/patents/applicants/{full.pk}/").content.decode().count('id="merge-form"')
        == 0
    )
