"""IPC suggestion page and API: who may use them, what they show, bad input and a missing model."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from ipops.core.models import AuditEntry, Job
from ipops.search.ipc_suggest import store
from ipops.search.ipc_suggest.model import IpcSuggester
from ipops.search.ipc_suggest.training import TRAIN_JOB_KIND

pytestmark = pytest.mark.urls("tests.search.test_ipc_suggest_urls")

PAGE = "/search/ipc/"
TRAIN = "/search/ipc/train/"
API = "/api/search/ipc/suggest"
API_TRAIN = "/api/search/ipc/train"
API_MODEL = "/api/search/ipc/model"
TEXT = "一种基于深度学习的光伏组件缺陷检测方法"


@pytest.fixture
def model_dir(tmp_path: Path, settings: Any) -> Path:
    settings.IPOPS_IPC_SUGGEST_DIR = tmp_path / "ipc_suggest"
    return settings.IPOPS_IPC_SUGGEST_DIR


@pytest.fixture
def saved(model_dir: Path, quick_suggester: IpcSuggester, region: Any) -> IpcSuggester:
    fitted = quick_suggester
    from ipops.reference.models import IpcEntry

    for code in fitted.labels:
        IpcEntry.objects.create(
            code=code, kind="subclass", title_zh=f"{code}中文标题", title_en=f"{code} English"
        )
    store.save(fitted, {"trained_at": "2026-11-25T18:00:00+00:00", "patents": len(fitted.labels) * 10})
    return fitted


def suggested(model: IpcSuggester, text: str) -> list[str]:
    return [code for code, _c, picked in model.suggest([text])[0] if picked]


# --- page ---------------------------------------------------------------------------------------------------


def test_page_anonymous_goes_to_log_in(saved: Any) -> None:
    response = Client().post(PAGE, {"text": TEXT})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_page_refuses_members_of_unapproved_organisations(saved: Any, login: Callable[[str], Client]) -> None:
    before = AuditEntry.objects.filter(action="auth.denied").count()
    response = login("pending_admin").post(PAGE, {"text": TEXT})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="auth.denied").count() == before + 1


@pytest.mark.parametrize("username", ["ent_user", "univ_user", "bank_user", "operator"])
def test_page_shows_suggestions_with_titles_and_bars(
    saved: IpcSuggester, login: Callable[[str], Client], username: str
) -> None:
    with translation.override("en"):
        response = login(username).post(PAGE, {"text": TEXT}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    for code in suggested(saved, TEXT):
        assert f'class="ipc-suggested" data-code="{code}"' in html
    first = saved.suggest([TEXT])[0][0]
    assert f"{first[0]} English" in html or f"{first[0]}中文标题" in html
    assert f"{round(first[1] * 100)}%" in html
    assert 'id="ipc-industries"' in html
    assert ('id="ipc-train-button"' in html) == (username == "operator")


def test_page_empty_text_says_what_to_give(saved: Any, login: Callable[[str], Client]) -> None:
    with translation.override("en"):
        response = login("ent_user").post(PAGE, {"text": "   "}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'id="ipc-text-error"' in response.content.decode()
    assert 'id="ipc-suggestions"' not in response.content.decode()


def test_page_without_a_model_explains_who_trains_it(
    model_dir: Path, region: Any, login: Callable[[str], Client]
) -> None:
    member = login("ent_user").get(PAGE)
    assert member.status_code == 200 and 'id="ipc-not-trained"' in member.content.decode()
    assert 'id="ipc-train-button"' not in member.content.decode()
    operator = login("operator").post(PAGE, {"text": TEXT})
    assert 'id="ipc-not-trained"' in operator.content.decode()
    assert 'id="ipc-train-button"' in operator.content.decode()


@pytest.mark.parametrize("username", ["ent_user", "ent_admin", "pending_admin", "auditor"])
def test_train_button_is_for_operators_only(
    model_dir: Path, login: Callable[[str], Client], username: str
) -> None:
    response = login(username).post(TRAIN)
    assert response.status_code == 403
    assert not Job.objects.filter(kind=TRAIN_JOB_KIND).exists()


def test_operator_starts_training_and_lands_on_the_job(
    model_dir: Path, login: Callable[[str], Client]
) -> None:
    response = login("operator").post(TRAIN)
    job = Job.objects.get(kind=TRAIN_JOB_KIND)
    assert response.status_code == 302 and str(job.pk) in response["Location"]
    assert AuditEntry.objects.filter(action="job.start", object_id=str(job.pk)).exists()
    assert Client().post(TRAIN).status_code == 302  # anonymous: to the log-in page
    assert Job.objects.filter(kind=TRAIN_JOB_KIND).count() == 1


# --- API ----------------------------------------------------------------------------------------------------


def post_json(client: Client, url: str, payload: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(payload), content_type="application/json")


def test_api_suggest_for_members(saved: IpcSuggester, login: Callable[[str], Client]) -> None:
    with translation.override("en"):
        response = post_json(login("univ_user"), API, {"text": TEXT})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["suggested"] == suggested(saved, TEXT)
    assert [s["code"] for s in body["subclasses"] if s["suggested"]] == body["suggested"]
    assert all(0 <= s["confidence"] <= 1 for s in body["subclasses"])
    assert all(s["title"] for s in body["subclasses"])
    assert body["model"]["patents"] == len(saved.labels) * 10


def test_api_refusals_and_bad_input(saved: Any, login: Callable[[str], Client]) -> None:
    assert post_json(Client(), API, {"text": TEXT}).status_code == 401
    refused = post_json(login("pending_admin"), API, {"text": TEXT})
    assert refused.status_code == 403 and refused.json()["code"]
    empty = post_json(login("ent_user"), API, {"text": " "})
    assert empty.status_code in (400, 422)
    assert empty.json()["fields"][0]["field"] == "text"
    long = post_json(login("ent_user"), API, {"text": "长" * 30000})
    assert long.status_code in (400, 422) and "30000" in long.json()["fields"][0]["message"]


def test_api_without_a_model_answers_503_with_the_remedy(
    model_dir: Path, region: Any, login: Callable[[str], Client]
) -> None:
    response = post_json(login("ent_user"), API, {"text": TEXT})
    assert response.status_code == 503 and "train_ipc_suggester" in response.json()["message"]
    assert login("ent_user").get(API_MODEL).status_code == 503


def test_api_model_info(saved: Any, login: Callable[[str], Client]) -> None:
    assert login("ent_user").get(API_MODEL).json()["patents"] == len(saved.labels) * 10
    assert login("pending_admin").get(API_MODEL).status_code == 403


@pytest.mark.parametrize(
    ("username", "status"), [("ent_user", 403), ("pending_admin", 403), ("operator", 202)]
)
def test_api_train_is_for_operators(
    model_dir: Path, login: Callable[[str], Client], username: str, status: int
) -> None:
    response = login(username).post(API_TRAIN)
    assert response.status_code == status
    assert Job.objects.filter(kind=TRAIN_JOB_KIND).count() == (1 if status == 202 else 0)
    if status == 202:
        assert response.json()["kind"] == TRAIN_JOB_KIND
