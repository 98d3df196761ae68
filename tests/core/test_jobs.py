"""Background jobs: run by the real database worker, progress while running, failure keeps nothing."""

from __future__ import annotations

from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.db import transaction

from ipops.accounts.models import Organisation
from ipops.accounts.roles import OrgKind
from ipops.core.jobs import (
    JobError,
    Progress,
    after_finish,
    execute_job,
    job_handler,
    live_progress,
    result_path,
    start_job,
)
from ipops.core.models import AuditEntry, Job
from ipops.core.validators import uscc_check_character

SEEN: dict[str, Any] = {}


@job_handler("test.write_then_fail", title="test: write then fail")
def write_then_fail(job: Job, progress: Progress) -> dict[str, Any]:
    body = "91110105MA00000T9"
    Organisation.objects.create(
        name="半途机构", kind=OrgKind.ENTERPRISE, uscc=body + uscc_check_character(body)
    )
    progress.set_total(3)
    progress.advance()
    path = progress.output_path("half.txt")
    path.write_text("half")
    raise JobError("the third row is broken")


@job_handler("test.crash", title="test: crash")
def crash(job: Job, progress: Progress) -> dict[str, Any]:
    raise KeyError("no such column")


@job_handler("test.progress", title="test: progress")
def report_progress(job: Job, progress: Progress) -> dict[str, Any]:
    progress.set_total(10)
    progress.advance(5)
    progress.flush(force=True)
    progress.message("half way")
    row = Job.objects.get(pk=job.pk)
    SEEN["row_done"] = row.done  # what the database says mid-run
    SEEN["live"] = live_progress(row)  # what the page and the API show mid-run
    progress.advance(5)
    return {"ok": True}


@job_handler("test.silent", title="test: a long step that reports nothing")
def silent_step(job: Job, progress: Progress) -> dict[str, Any]:
    import time

    from django.core.cache import cache

    progress.set_total(1)  # the last report before the long step
    first = cache.get(Progress.cache_key(job.pk))["beat"]
    time.sleep(0.5)  # e.g. building a graph over a million vectors: no progress to report meanwhile
    SEEN["beats"] = (first, cache.get(Progress.cache_key(job.pk))["beat"])
    progress.advance()
    return {"ok": True}


@job_handler("test.after_finish", title="test: after finish")
def with_after_finish(job: Job, progress: Progress) -> dict[str, Any]:
    def look() -> None:  # what the job row says when the deferred step runs
        SEEN["status_then"] = Job.objects.get(pk=job.pk).status

    def broken() -> None:
        raise RuntimeError("maintenance failed")

    after_finish(look)
    after_finish(broken)
    SEEN["ran_inside"] = "status_then" in SEEN
    return {"ok": True}


def run_worker() -> None:
    call_command("db_worker", batch=True, queue_name="default", interval=0.1, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_export_job_runs_on_the_database_worker(region: dict) -> None:
    auditor = region["auditor"]
    with transaction.atomic():
        job = start_job(actor=auditor, kind="audit.export_xlsx", params={"action": "organisation."})
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED
    expected = AuditEntry.objects.filter(action__startswith="organisation.").count()
    run_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.done, job.total, job.result) == (expected, expected, {"rows": expected})
    path = result_path(job)
    assert path is not None and path.suffix == ".xlsx"
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == expected + 1
    assert all(r[4].startswith("organisation.") for r in rows[1:])
    assert not list(path.parent.glob(".partial-*"))
    assert AuditEntry.objects.filter(action="job.finish", object_id=str(job.pk)).exists()


@pytest.mark.django_db
def test_failed_job_keeps_its_error_and_rolls_back_its_writes(region: dict) -> None:
    job = start_job(actor=region["operator"], kind="test.write_then_fail")
    job = execute_job(str(job.pk))
    assert job.status == Job.Status.FAILED
    assert job.error == "the third row is broken"
    assert not Organisation.objects.filter(name="半途机构").exists()
    assert result_path(job) is None and job.result_file == ""
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (Job.Status.FAILED, 1, 3)


@pytest.mark.django_db
def test_unexpected_exception_is_kept_with_its_traceback(region: dict) -> None:
    job = execute_job(str(start_job(actor=region["operator"], kind="test.crash").pk))
    assert job.status == Job.Status.FAILED
    assert "KeyError" in job.error and "no such column" in job.error


@pytest.mark.django_db
def test_progress_is_visible_while_the_job_transaction_is_open(region: dict) -> None:
    job = execute_job(str(start_job(actor=region["operator"], kind="test.progress").pk))
    assert SEEN["row_done"] == 0
    assert SEEN["live"]["done"] == 5 and SEEN["live"]["total"] == 10
    assert SEEN["live"]["messages"][-1]["text"] == "half way"
    assert (job.status, job.done, job.total) == (Job.Status.SUCCEEDED, 10, 10)


@pytest.mark.django_db
def test_job_pages_and_api_show_owner_their_job_and_refuse_others(region: dict, login) -> None:
    job = execute_job(str(start_job(actor=region["auditor"], kind="audit.export_xlsx").pk))
    owner = login("auditor")
    page = owner.get(f"/platform/jobs/{job.pk}/")
    assert page.status_code == 200 and b'data-status="succeeded"' in page.content
    assert owner.get(f"/platform/jobs/{job.pk}/download/").status_code == 200
    assert (
        AuditEntry.objects.filter(
            action="job.download", object_id=str(job.pk), actor_username="auditor"
        ).count()
        == 1
    )
    api = owner.get(f"/api/jobs/{job.pk}").json()
    assert api["status"] == "succeeded" and api["progress"]["done"] == api["progress"]["total"]
    assert api["download_url"].endswith("/download/")
    outsider = login("ent_admin")
    denied_before = AuditEntry.objects.filter(action="auth.denied").count()
    assert outsider.get(f"/platform/jobs/{job.pk}/").status_code == 403
    assert outsider.get(f"/api/jobs/{job.pk}").status_code == 403
    assert AuditEntry.objects.filter(action="auth.denied").count() == denied_before + 2
    # audit-log exports are private to their owner, even from operators (separation of duties) …
    operator = login("operator")
    assert operator.get(f"/platform/jobs/{job.pk}/").status_code == 403
    assert operator.get(f"/platform/jobs/{job.pk}/download/").status_code == 403
    assert [j["id"] for j in outsider.get("/api/jobs").json()["items"]] == []
    # … while operators do see other users' ordinary jobs
    other = execute_job(str(start_job(actor=region["ent_admin"], kind="test.progress").pk))
    assert operator.get(f"/platform/jobs/{other.pk}/").status_code == 200
    assert [j["id"] for j in operator.get("/api/jobs").json()["items"]] == [str(other.pk)]


@pytest.mark.django_db
def test_unknown_job_kind_is_refused(region: dict) -> None:
    with pytest.raises(ValueError, match="unknown job kind"):
        start_job(actor=region["operator"], kind="no.such.kind")
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_job_whose_worker_died_is_failed_but_a_live_one_is_not(region: dict) -> None:
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone, translation

    with translation.override("en"):  # the message is in the language of whoever started the job
        dead = start_job(actor=region["operator"], kind="test.progress", enqueue=False)
    alive = start_job(actor=region["operator"], kind="test.progress", enqueue=False)
    long_ago = timezone.now() - timedelta(minutes=30)
    Job.objects.filter(pk__in=[dead.pk, alive.pk]).update(status=Job.Status.RUNNING, started_at=long_ago)
    cache.set(
        Progress.cache_key(alive.pk),
        {"done": 1, "total": 2, "messages": [], "beat": timezone.now().isoformat()},
    )
    call_command("fail_stale_jobs", silent_minutes=10)
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == Job.Status.FAILED and "worker stopped" in dead.error
    assert alive.status == Job.Status.RUNNING
    assert AuditEntry.objects.filter(action="job.abandoned", object_id=str(dead.pk)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_keeps_the_heartbeat_of_a_silent_job_fresh(region: dict, settings) -> None:  # type: ignore[no-untyped-def]
    settings.IPOPS_JOB_HEARTBEAT_S = 0.1
    SEEN.clear()
    job = execute_job(str(start_job(actor=region["operator"], kind="test.silent").pk))
    assert job.status == Job.Status.SUCCEEDED and job.done == job.total == 1
    first, later = SEEN["beats"]
    assert later > first  # refreshed by the worker although the handler reported nothing


@pytest.mark.django_db(transaction=True)
def test_after_finish_runs_once_the_end_is_recorded_and_cannot_fail_the_job(region: dict) -> None:
    SEEN.clear()
    job = execute_job(str(start_job(actor=region["operator"], kind="test.after_finish").pk))
    assert SEEN["ran_inside"] is False  # deferred, not run while the handler was running
    assert SEEN["status_then"] == Job.Status.SUCCEEDED  # the end was recorded before it ran
    assert job.status == Job.Status.SUCCEEDED  # the failing step was logged, not made the job's outcome
    calls: list[str] = []
    after_finish(lambda: calls.append("now"))  # outside a job: at once
    assert calls == ["now"]
