"""Legal-status feeds onto the patents held: real USPTO PEDS records, and a CNIPA-style legal-status table."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ipops.core.models import AuditEntry, Job
from ipops.patents import services
from ipops.patents.legal_events import load_config, peds_status
from ipops.patents.models import LegalEvent, Patent

from .test_import import report_rows, run, write_csv

pytestmark = pytest.mark.django_db
PEDS = Path(__file__).resolve().parents[1] / "fixtures" / "peds" / "uspto_peds_excerpt.jsonl"
NOT_HELD = {"18100004", "18100012", "17200019", "18500060", "17500008"}


def peds_records() -> list[dict]:
    return [json.loads(line) for line in PEDS.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def us_patents(region: dict, tmp_path: Path) -> dict[str, Patent]:
    """The excerpt's applications, but five, imported first (number and title) through a mapped import."""
    rows = [
        [f"US{r['application_number']}", r["patent_title"], "US"]
        for r in peds_records()
        if r["application_number"] not in NOT_HELD
    ]
    path = write_csv(tmp_path / "us.csv", ["number", "title", "country"], rows)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"app_number": "number", "title": "title", "country": "country"}))
    assert run(region, path, file_format="mapped", mapping=str(mapping)).status == Job.Status.SUCCEEDED
    return {p.app_number: p for p in Patent.objects.all()}


def state() -> tuple[list, list]:
    return (
        sorted(Patent.objects.values_list("app_number", "legal_status", "updated_at")),
        sorted(LegalEvent.objects.values_list("patent__app_number", "date", "code", "description", "source")),
    )


def test_peds_feed_sets_status_and_events_and_reports_what_is_not_held(
    region: dict, us_patents: dict
) -> None:
    assert len(us_patents) == 30
    audit_before = AuditEntry.objects.filter(action="patents.legal_events_import").count()

    with translation.override("en"):  # the report is in the language of whoever started the import
        job = run(region, PEDS, file_format="legal-events")

    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result | {"batch": ""} == {
        "batch": "", "format": "legal-events", "rows_read": 35, "created": 0, "updated": 30, "unchanged": 0,
        "rejected": 5, "warnings": 0,
    }  # fmt: skip
    status = {p.app_number: p.legal_status for p in Patent.objects.all()}
    assert status["US18100000"] == "granted"  # Patented Case
    assert status["US18100034"] == "withdrawn"  # Abandoned -- Failure to Respond to an Office Action
    assert status["US17200030"] == "lapsed"  # Patent Expired Due to NonPayment of Maintenance Fees
    assert status["US17700020"] == "published"  # Withdrawn Abandonment: pending again
    assert status["US18100017"] == "published"  # Non Final Action Mailed
    first = next(r for r in peds_records() if r["application_number"] == "18100000")
    stored = list(
        LegalEvent.objects.filter(patent__app_number="US18100000").values_list("date", "code", "description")
    )
    assert sorted((d.isoformat(), c, t) for d, c, t in stored) == sorted(
        (e["date"], e["code"], e["description"]) for e in first["prosecution_events"]
    )
    assert set(LegalEvent.objects.values_list("source", flat=True)) == {"USPTO PEDS"}
    assert LegalEvent.objects.count() == sum(
        len(r["prosecution_events"]) for r in peds_records() if r["application_number"] not in NOT_HELD
    )
    rejected = [row for row in report_rows(job) if row[4] == "rejected"]
    assert sorted(row[2] for row in rejected) == sorted(NOT_HELD)
    assert all("import the patent first" in row[3] for row in rejected)
    assert AuditEntry.objects.filter(action="patents.legal_events_import").count() == audit_before + 1


def test_the_same_feed_again_changes_nothing_and_a_newer_one_replaces_the_events(
    region: dict, us_patents: dict, tmp_path: Path
) -> None:
    assert run(region, PEDS, file_format="legal-events").status == Job.Status.SUCCEEDED
    before = state()

    again = run(region, PEDS, file_format="legal-events")

    assert (again.result["updated"], again.result["unchanged"], again.result["rejected"]) == (0, 30, 5)
    assert state() == before

    records = peds_records()
    newer = next(r for r in records if r["application_number"] == "18100017")  # Non Final Action Mailed
    newer["status"] = "Abandoned  --  Failure to Respond to an Office Action"
    abandonment = {"code": "ABN9", "description": "Disposal for a RCE / CPA / R129", "date": "2025-02-03"}
    newer["prosecution_events"] = [newer["prosecution_events"][0], abandonment]
    path = tmp_path / "newer.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")

    job = run(region, path, file_format="legal-events")

    assert (job.result["updated"], job.result["unchanged"]) == (1, 29)
    patent = Patent.objects.get(app_number="US18100017")
    assert patent.legal_status == "withdrawn"
    assert sorted(patent.legal_events.values_list("code", flat=True)) == sorted(
        [newer["prosecution_events"][0]["code"], "ABN9"]
    )
    after_events = state()[1]
    assert [e for e in after_events if e[0] != "US18100017"] == [e for e in before[1] if e[0] != "US18100017"]


def test_a_legal_status_table_gives_each_application_its_latest_status(region: dict, tmp_path: Path) -> None:
    # One real application number (from the issue text) and the event names of CNIPA's 法律状态 export;
    # the rows are written here, unsorted, with one undated event and one wrong check digit.
    patent_csv = write_csv(tmp_path / "cn.csv", ["申请号", "名称"], [["201220249767.4", "一种道岔"]])
    assert run(region, patent_csv, file_format="cnipa").status == Job.Status.SUCCEEDED
    table = write_csv(
        tmp_path / "legal.csv",
        ["申请号", "法律状态公告日", "法律状态", "法律状态信息"],
        [
            ["CN201220249767.4", "2013-01-16", "授权", "授权"],
            ["201220249767.4", "2019-06-28", "专利权的终止", "未缴年费专利权终止"],
            ["201220249767.4", "2016-03-02", "专利权的转移", "登记生效日：2016.02.10"],
            ["201220249767.4", "", "专利实施许可合同备案的生效", ""],
            ["201220249767.5", "2014-01-01", "授权", ""],
        ],
    )

    with translation.override("en"):
        job = run(region, table, file_format="legal-events")

    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.result["rows_read"], job.result["updated"], job.result["rejected"], job.result["warnings"]) == (
        5, 1, 1, 1,
    )  # fmt: skip
    patent = Patent.objects.get()
    assert patent.legal_status == "lapsed"  # the latest event that names a status
    assert list(patent.legal_events.values_list("date", "code")) == [
        (date(2013, 1, 16), "授权"),
        (date(2016, 3, 2), "专利权的转移"),
        (date(2019, 6, 28), "专利权的终止"),
    ]
    assert set(patent.legal_events.values_list("source", flat=True)) == {"CNIPA legal status"}
    problems = {(row[0], row[4]) for row in report_rows(job)}
    assert (5, "warning") in problems  # the undated event, skipped
    assert (6, "rejected") in problems  # the wrong check digit


def test_files_that_cannot_be_read_fail_the_job_and_change_nothing(
    region: dict, us_patents: dict, tmp_path: Path
) -> None:
    before = state()
    wrong_columns = write_csv(tmp_path / "wrong.csv", ["号码", "日期"], [["US18100000", "2024-01-01"]])
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")

    for path, message in ((wrong_columns, "法律状态"), (empty, "empty")):
        with translation.override("en"):
            job = run(region, path, file_format="legal-events")
        assert job.status == Job.Status.FAILED
        assert message in job.error
    assert state() == before


@pytest.mark.parametrize("username", ["ent_admin", "bank_user", "auditor"])
def test_only_operators_import_legal_status(region: dict, us_patents: dict, username: str) -> None:
    jobs = Job.objects.count()
    with pytest.raises(PermissionDenied):
        services.start_import(
            actor=region[username],
            path=services.keep_local_file(PEDS),
            file_name=PEDS.name,
            file_format="legal-events",
            enqueue=False,
        )
    assert Job.objects.count() == jobs
    assert not LegalEvent.objects.exists()


def test_events_show_on_the_patent_page(region: dict, us_patents: dict, login) -> None:
    assert run(region, PEDS, file_format="legal-events").status == Job.Status.SUCCEEDED
    patent = Patent.objects.get(app_number="US18100000")
    page = login("operator").get(reverse("patents:patent_detail", args=[patent.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "USPTO PEDS" in html
    first = next(r for r in peds_records() if r["application_number"] == "18100000")
    assert all(event["code"] in html for event in first["prosecution_events"])
    anonymous = Client().get(reverse("patents:patent_detail", args=[patent.pk]))
    assert anonymous.status_code in (302, 403)


def test_status_words_are_configuration(settings, tmp_path: Path) -> None:
    config = load_config()
    assert peds_status("Patented Case", config) == "granted"
    assert peds_status("Docketed New Case - Ready for Examination", config) == "published"
    override = tmp_path / "region.json"
    override.write_text(json.dumps({"pending_status": "under review"}), encoding="utf-8")
    settings.IPOPS_LEGAL_EVENTS_CONFIG = override
    with pytest.raises(ImproperlyConfigured, match="statuses must be among"):
        load_config()
    override.write_text(json.dumps({"pending_status": ""}), encoding="utf-8")
    assert peds_status("Docketed New Case - Ready for Examination", load_config()) == ""
