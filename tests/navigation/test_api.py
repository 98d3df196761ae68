"""The navigation API: who sees and does what, errors in the API's format, public published reports."""

from __future__ import annotations

import pytest
from django.test import Client

from ipops.core.jobs import execute_job
from ipops.navigation import services
from ipops.navigation.models import NavigationProject, ProjectRun
from tests.api_auth import bearer

pytestmark = pytest.mark.django_db


def test_projects_by_role(project: NavigationProject, corpus: dict) -> None:
    client = Client()
    assert client.get("/api/navigation/projects").status_code == 401
    assert client.get("/api/navigation/projects", headers=bearer(corpus, "ent_user")).json()["count"] == 0
    body = client.get("/api/navigation/projects", headers=bearer(corpus, "operator")).json()
    assert [p["title"] for p in body["items"]] == [project.title]
    one = f"/api/navigation/projects/{project.pk}"
    assert client.get(one, headers=bearer(corpus, "ent_user")).status_code == 403
    quality = client.get(f"{one}/quality", headers=bearer(corpus, "operator")).json()
    assert quality["hits"] > 0 and quality["precision"]["value"] is None


def test_create_and_run_through_the_api(corpus: dict) -> None:
    client = Client()
    payload = {"title": "API 项目", "kind": "region", "ipc_codes": "H01L", "year_from": 2020, "year_to": 2010}
    refused = client.post(
        "/api/navigation/projects",
        payload,
        content_type="application/json",
        headers=bearer(corpus, "ent_admin"),
    )
    assert refused.status_code == 403
    bad = client.post(
        "/api/navigation/projects",
        payload,
        content_type="application/json",
        headers=bearer(corpus, "operator"),
    )
    assert bad.status_code == 400 and bad.json()["fields"][0]["field"] == "year_to"
    assert not NavigationProject.objects.exists()
    payload["year_from"] = 2000
    created = client.post(
        "/api/navigation/projects",
        payload,
        content_type="application/json",
        headers=bearer(corpus, "operator"),
    )
    assert created.status_code == 201 and created.json()["ipc_codes"] == ["H01L"]
    pk = created.json()["id"]
    assert (
        client.post(f"/api/navigation/projects/{pk}/runs", headers=bearer(corpus, "ent_admin")).status_code
        == 403
    )
    started = client.post(f"/api/navigation/projects/{pk}/runs", headers=bearer(corpus, "operator"))
    assert started.status_code == 202 and started.json()["scope"]["ipc"] == ["H01L"]
    assert ProjectRun.objects.filter(project_id=pk).count() == 1


def test_published_reports_are_public(project: NavigationProject, corpus: dict) -> None:
    client = Client()
    assert client.get(f"/api/navigation/reports/{project.pk}").status_code == 404
    run = services.start_run(actor=corpus["operator"], project=project, enqueue=False)
    assert run.job is not None
    done = execute_job(str(run.job.pk))
    assert done.status == "succeeded", done.error
    services.publish(actor=corpus["operator"], project=project)
    listing = client.get("/api/navigation/reports")
    assert listing.status_code == 200, listing.content
    assert [r["id"] for r in listing.json()["items"]] == [str(project.pk)]
    answer = client.get(f"/api/navigation/reports/{project.pk}")
    assert answer.status_code == 200, answer.content
    report = answer.json()
    run.refresh_from_db()
    assert run.hits and report["hits"] == run.hits
    assert report["overview"]["hits"] == run.hits
