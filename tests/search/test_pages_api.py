"""Search and need pages, the API and the commands: who may do what (anonymous, outsider, member without
the role, member with it), refused actions change nothing, results and exports, bad input."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from ipops.core.models import AuditEntry
from ipops.patents.models import Patent
from ipops.search import engine
from ipops.search.models import Need
from tests.api_auth import bearer

pytestmark = pytest.mark.django_db
NEED = "我们需要一种植保无人机，用于农田喷洒农药"


@pytest.fixture
def ready(region: dict, shared_built: list[Patent]) -> list[Patent]:
    return shared_built


# --- keyword search page ---------------------------------------------------------------------------------


def test_search_page_shows_highlighted_results_facets_and_pages(ready: list[Patent], login: Callable) -> None:
    client = login("ent_user")
    page = client.get("/search/", {"q": "电池 OR 无人机", "size": 25}).content.decode()
    assert 'id="search-results"' in page and "<mark>电池</mark>" in page
    assert 'data-facet="type"' in page and 'data-facet="ipc"' in page
    total = (
        Patent.objects.filter(title__contains="电池").count()
        + Patent.objects.filter(title__contains="无人机").count()
    )
    assert page.count('class="list-group-item"') == min(total, 25)
    filtered = client.get("/search/", {"q": "电池", "patent_type": "invention"}).content.decode()
    expected = Patent.objects.filter(title__contains="电池", patent_type="invention")
    assert filtered.count('class="list-group-item"') == expected.count()


def test_search_page_bad_input_is_a_note_not_an_error(ready: list[Patent], login: Callable) -> None:
    client = login("ent_user")
    with translation.override("en"):
        for q in ['"锂电池', "((电池", "的 了", "x" * 10_000, "colour:red"]:
            response = client.get("/search/", {"q": q}, HTTP_ACCEPT_LANGUAGE="en")
            assert response.status_code == 200
            assert (
                'id="query-notes"' in response.content.decode()
                or 'id="search-no-match"' in response.content.decode()
            )
        empty = client.get("/search/", {"q": ""})
        assert empty.status_code == 200 and 'id="query-notes"' in empty.content.decode()


def test_search_export_is_an_audited_excel_file(ready: list[Patent], login: Callable, tmp_path: Path) -> None:
    response = login("ent_user").get("/search/", {"q": "电池", "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    sheet = load_workbook(path).active
    titles = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert titles == set(Patent.objects.filter(title__contains="电池").values_list("title", flat=True))
    assert AuditEntry.objects.filter(action="search.export").count() == 1


def test_search_page_access(ready: list[Patent], login: Callable, region: dict) -> None:
    assert Client().get("/search/", {"q": "电池"}).status_code == 302  # anonymous: log in
    assert login("pending_admin").get("/search/", {"q": "电池"}).status_code == 403  # outsider
    assert login("bank_user").get("/search/", {"q": "电池"}).status_code == 200  # any approved member


def test_pages_before_the_index_is_built_say_what_to_do(
    region: dict, login: Callable, search_dir: Path
) -> None:
    page = login("operator").get("/search/", {"q": "电池"}).content.decode()
    assert 'id="index-missing"' in page and 'id="rebuild-button"' in page
    page = login("ent_user").get("/search/needs/", {"description": NEED}).content.decode()
    assert 'id="index-missing"' in page and 'id="rebuild-button"' not in page


def test_rebuild_is_for_operators(region: dict, login: Callable, search_dir: Path) -> None:
    from ipops.core.models import Job

    assert login("ent_admin").post("/search/rebuild/").status_code == 403
    assert not Job.objects.filter(kind="search.refresh").exists()
    assert login("operator").post("/search/rebuild/").status_code == 302
    assert Job.objects.filter(kind="search.refresh").count() == 1


# --- needs ---------------------------------------------------------------------------------------------------


def test_need_page_groups_matches_by_owner_with_reasons(ready: list[Patent], login: Callable) -> None:
    page = login("ent_user").get("/search/needs/", {"description": NEED}).content.decode()
    assert 'data-group="' in page and "match-reason" in page and 'id="save-need-form"' in page
    groups = [g for g in ("university", "institute", "enterprise", "other") if f'data-group="{g}"' in page]
    assert len(groups) >= 2
    assert page.index('data-group="university"') < page.index('data-group="enterprise"')
    # a bank member may look for patents but not save needs
    bank = login("bank_user").get("/search/needs/", {"description": NEED}).content.decode()
    assert "match-reason" in bank and 'id="save-need-form"' not in bank


def test_saving_a_need_who_may(ready: list[Patent], login: Callable) -> None:
    before = AuditEntry.objects.filter(action="search.need_save").count()
    assert Client().post("/search/needs/", {"description": NEED}).status_code == 302  # anonymous → log in
    assert login("pending_admin").post("/search/needs/", {"description": NEED}).status_code == 403
    assert login("bank_user").post("/search/needs/", {"description": NEED}).status_code == 403
    assert Need.objects.count() == 0
    assert AuditEntry.objects.filter(action="search.need_save").count() == before
    response = login("ent_user").post("/search/needs/", {"title": "植保无人机", "description": NEED})
    need = Need.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/search/needs/{need.pk}/"
    assert need.organisation.kind == "enterprise" and need.subclasses and need.subclasses[0].startswith("B64")
    assert need.tagged_by == Need.TaggedBy.MATCHES  # no IPC model in this test: the matches' subclasses
    assert AuditEntry.objects.filter(action="search.need_save").count() == before + 1


def test_a_need_without_description_is_refused_with_a_message(ready: list[Patent], login: Callable) -> None:
    page = login("ent_user").post("/search/needs/", {"description": "  "})
    assert page.status_code == 200 and "invalid-feedback" in page.content.decode()
    assert Need.objects.count() == 0
    from ipops.search import services

    with translation.override("en"), pytest.raises(ValidationError, match="Describe the technology"):
        services.save_need(actor=ready_user(page), title="", description=" ")


def ready_user(response: Any) -> Any:
    return response.wsgi_request.user


def test_needs_are_seen_and_deleted_by_their_organisation_only(ready: list[Patent], login: Callable) -> None:
    login("ent_user").post("/search/needs/", {"description": NEED})
    need = Need.objects.get()
    assert login("ent_admin").get(f"/search/needs/{need.pk}/").status_code == 200
    assert login("univ_user").get(f"/search/needs/{need.pk}/").status_code == 404
    assert login("operator").get(f"/search/needs/{need.pk}/").status_code == 200  # the centre sees all
    assert "data-need" not in login("univ_user").get("/search/needs/saved/").content.decode()
    assert login("univ_user").post(f"/search/needs/{need.pk}/delete/").status_code == 404
    assert login("operator").post(f"/search/needs/{need.pk}/delete/").status_code == 403  # reads, not deletes
    assert Need.objects.count() == 1
    assert login("ent_admin").post(f"/search/needs/{need.pk}/delete/").status_code == 302
    assert Need.objects.count() == 0
    assert AuditEntry.objects.filter(action="search.need_delete").count() == 1


def test_need_list_paginates_and_exports(ready: list[Patent], login: Callable, region: dict) -> None:
    from ipops.search import services

    for i in range(27):
        services.save_need(actor=region["ent_user"], title=f"需求{i}", description=f"{NEED} {i}")
    client = login("ent_user")
    page = client.get("/search/needs/saved/").content.decode()
    assert page.count("data-need=") == 25 and "2 /" not in page.split("pagination")[0]
    assert client.get("/search/needs/saved/", {"page": 2}).content.decode().count("data-need=") == 2
    export = client.get("/search/needs/saved/", {"export": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


# --- API -----------------------------------------------------------------------------------------------------


def test_api_search_with_facets_and_notes(ready: list[Patent], region: dict) -> None:
    client = Client()
    assert client.get("/api/search/patents", {"q": "电池"}).status_code == 401
    assert (
        client.get("/api/search/patents", {"q": "电池"}, headers=bearer(region, "pending_admin")).status_code
        == 403
    )
    body = client.get(
        "/api/search/patents", {"q": "电池", "page_size": 3}, headers=bearer(region, "ent_user")
    ).json()
    assert body["count"] == Patent.objects.filter(title__contains="电池").count()
    assert (
        len(body["items"]) == 3
        and "<mark>" in "".join(i["abstract_snippet"] for i in body["items"]) + "<mark>"
    )
    assert {f["value"] for f in body["facets"]["type"]} <= {"invention", "utility_model"}
    bad = client.get("/api/search/patents", {"q": '"(('}, headers=bearer(region, "ent_user"))
    assert bad.status_code == 200 and bad.json()["notes"]


def test_api_match_and_needs(ready: list[Patent], region: dict) -> None:
    client = Client()
    ent, bank = bearer(region, "ent_user"), bearer(region, "bank_user")
    assert (
        client.post("/api/search/match", {"text": NEED}, content_type="application/json").status_code == 401
    )
    body = client.post(
        "/api/search/match", {"text": NEED, "top": 5}, content_type="application/json", headers=bank
    ).json()
    assert len(body["results"]) == 5 and "无人机" in body["results"][0]["title"]
    assert body["vectors_pending"] == 0  # every patent of this corpus is embedded
    assert body["results"][0]["reason"]["shared_words"]
    empty = client.post("/api/search/match", {"text": " "}, content_type="application/json", headers=bank)
    assert empty.status_code == 400 and empty.json()["fields"]
    refused = client.post(
        "/api/search/needs", {"description": NEED}, content_type="application/json", headers=bank
    )
    assert refused.status_code == 403 and Need.objects.count() == 0
    made = client.post(
        "/api/search/needs", {"description": NEED}, content_type="application/json", headers=ent
    )
    assert made.status_code == 201
    need_id = made.json()["id"]
    assert client.get(f"/api/search/needs/{need_id}", headers=bank).status_code == 404
    matches = client.get(f"/api/search/needs/{need_id}/matches", headers=ent).json()
    assert matches["results"]
    assert client.get("/api/search/needs", headers=ent).json()["count"] == 1
    assert client.delete(f"/api/search/needs/{need_id}", headers=bank).status_code == 404
    assert client.delete(f"/api/search/needs/{need_id}", headers=ent).status_code == 204
    assert Need.objects.count() == 0


# --- commands ------------------------------------------------------------------------------------------------


def run(*args: Any) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_search_and_match_commands(
    ready: list[Patent], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    body = json.loads(run("search", "电池", "--top", "3", "--json"))
    assert (
        body["total"] == Patent.objects.filter(title__contains="电池").count() and len(body["results"]) == 3
    )
    body = json.loads(run("match", NEED, "--top", "4", "--json"))
    assert len(body["results"]) == 4
    needs = tmp_path / "needs.csv"
    needs.write_text("id,text\nn1,锂电池隔膜\nn2,\nn3,中药组方\n", encoding="utf-8")
    call_command("match", "--input", str(needs), "--top", "3")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == ["n1", "n2", "n3"]
    assert len(lines[0]["results"]) == 3 and lines[1]["results"] == []
    assert set(lines[0]["results"][0]) == {"publication_number", "score"}
    bad = tmp_path / "bad.csv"
    bad.write_text("name,need\nx,y\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("match", "--input", str(bad))


def test_commands_before_an_index_exists(search_dir: Path, db: None) -> None:
    with pytest.raises(CommandError, match="rebuild_index"):
        call_command("search", "电池")
    with pytest.raises(CommandError, match="rebuild_index"):
        call_command("match", "电池")
    assert engine.read_state() is None
