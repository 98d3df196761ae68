"""Saved needs are tagged with the IPC suggestion model's subclasses and the industries they lead to, and the
needs list (page, Excel, API) filters on those tags. The model is trained on the real lxingy3 sample."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from openpyxl import load_workbook

from ipops.core.models import AuditEntry
from ipops.reference.industries import load_starters
from ipops.search import services
from ipops.search.ipc_suggest import services as ipc_services
from ipops.search.ipc_suggest import store
from ipops.search.ipc_suggest.model import IpcSuggester
from ipops.search.models import IPC_SCHEME, Need, NeedTag
from ipops.search.need_tags import need_text
from tests.api_auth import bearer
from tests.patents.test_pages import english

IMAGES = ("图像识别", "一种基于深度学习的图像识别方法，用于识别摄像头拍到的零件缺陷")
BATTERY = ("锂电池电解液", "一种提高锂离子电池低温性能的电解液添加剂及电池")


@pytest.fixture
def no_index(settings: Any, tmp_path: Path) -> None:
    settings.IPOPS_SEARCH_DIR = tmp_path / "no-search-index"


@pytest.fixture
def model(settings: Any, tmp_path: Path, quick_suggester: IpcSuggester, no_index: None) -> IpcSuggester:
    settings.IPOPS_IPC_SUGGEST_DIR = tmp_path / "ipc_suggest"
    store.save(quick_suggester, {"trained_at": "2026-11-26T08:00:00+00:00", "patents": 400})
    load_starters()  # the industry concordance the tags lead to
    return quick_suggester


def save(user: Any, need: tuple[str, str]) -> Need:
    return services.save_need(actor=user, title=need[0], description=need[1])


def test_a_saved_need_carries_the_models_subclasses_and_their_industries(
    region: dict[str, Any], model: IpcSuggester
) -> None:
    need = save(region["ent_user"], IMAGES)
    expected = [s for s in ipc_services.suggest_many([need_text(*IMAGES)])[0] if s.suggested]
    assert need.tagged_by == Need.TaggedBy.IPC_MODEL
    assert [(t.code, t.confidence) for t in need.ipc_tags] == [(s.code, s.confidence) for s in expected]
    codes = [s.code for s in expected]
    fields, industries = ipc_services.industries_of(codes, "zh-hans")
    assert [(t.scheme, t.code, t.name_zh) for t in need.industry_tags] == [
        (i.scheme, i.code, i.name) for i in [*fields, *industries]
    ]
    assert industries, "the starter concordance leads the suggested subclasses to an industry"
    entry = AuditEntry.objects.filter(action="search.need_save").latest("seq")
    assert entry.after["tags"] == [t.key for t in need.tags.all()]


def test_without_a_model_or_an_index_the_need_is_saved_untagged(
    region: dict[str, Any], no_index: None, settings: Any, tmp_path: Path, login: Callable[[str], Client]
) -> None:
    settings.IPOPS_IPC_SUGGEST_DIR = tmp_path / "no-model"
    need = save(region["ent_user"], IMAGES)
    assert need.tagged_by == Need.TaggedBy.NONE and not need.tags.exists()
    page = english(login("ent_user")).get(f"/search/needs/{need.pk}/").content.decode()
    assert "Not tagged" in page and need.description in page


def test_changing_a_need_tags_it_again_and_outsiders_change_nothing(
    region: dict[str, Any], model: IpcSuggester
) -> None:
    need = save(region["ent_user"], IMAGES)
    before = [t.key for t in need.tags.all()]
    with pytest.raises(PermissionDenied):
        services.update_need(actor=region["univ_admin"], need=need, title=BATTERY[0], description=BATTERY[1])
    need.refresh_from_db()
    assert need.title == IMAGES[0] and [t.key for t in need.tags.all()] == before

    services.update_need(actor=region["ent_admin"], need=need, title=BATTERY[0], description=BATTERY[1])
    expected = [s.code for s in ipc_services.suggest_many([need_text(*BATTERY)])[0] if s.suggested]
    assert need.subclasses == expected and need.subclasses != [k.split(":")[1] for k in before[:1]]
    entry = AuditEntry.objects.filter(action="search.need_update").latest("seq")
    assert entry.after["description"] == BATTERY[1] and "tags" in entry.after


def test_the_needs_list_filters_by_subclass_and_industry(
    region: dict[str, Any], model: IpcSuggester, login: Callable[[str], Client]
) -> None:
    images, battery = save(region["ent_user"], IMAGES), save(region["ent_admin"], BATTERY)
    only_battery = sorted(set(battery.subclasses) - set(images.subclasses))
    assert only_battery, "the two needs are about different technologies"
    client = login("ent_user")

    page = client.get("/search/needs/saved/", {"ipc": only_battery[0].lower()}).content.decode()
    assert f'data-need="{battery.pk}"' in page and f'data-need="{images.pk}"' not in page

    industry = next(
        t.key for t in images.industry_tags if t.key not in {i.key for i in battery.industry_tags}
    )
    page = client.get("/search/needs/saved/", {"industry": industry}).content.decode()
    assert f'data-need="{images.pk}"' in page and f'data-need="{battery.pk}"' not in page
    assert f'value="{industry}"' in page  # offered in the filter's list

    export = client.get("/search/needs/saved/", {"industry": industry, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [images.title]

    # a tag no need carries: an empty list that says how to get back; a malformed subclass: a message
    english(client)
    page = client.get("/search/needs/saved/", {"ipc": "A99Z"}).content.decode()
    assert "No saved need carries these tags" in page and "data-need=" not in page
    page = client.get("/search/needs/saved/", {"ipc": "G06"}).content.decode()
    assert "four characters" in page and page.count("data-need=") == 2

    # the filter never widens what a user may read: another organisation sees none of them
    page = login("univ_user").get("/search/needs/saved/", {"ipc": only_battery[0]}).content.decode()
    assert "data-need=" not in page


def test_the_api_lists_tags_and_filters_on_them(region: dict[str, Any], model: IpcSuggester) -> None:
    images, battery = save(region["ent_user"], IMAGES), save(region["ent_user"], BATTERY)
    only_battery = sorted(set(battery.subclasses) - set(images.subclasses))
    ent = bearer(region, "ent_user")
    listed = Client().get("/api/search/needs", {"ipc": only_battery[0]}, headers=ent).json()
    assert [item["id"] for item in listed["items"]] == [str(battery.pk)]
    tags = listed["items"][0]["tags"]
    assert [(t["scheme"], t["code"]) for t in tags] == [(t.scheme, t.code) for t in battery.tags.all()]
    assert listed["items"][0]["tagged_by"] == "ipc_model" and tags[0]["confidence"] > 0
    assert Client().get("/api/search/needs", {"ipc": "G0"}, headers=ent).status_code == 400
    outsider = bearer(region, "univ_user")
    assert Client().get("/api/search/needs", {"ipc": only_battery[0]}, headers=outsider).json()["count"] == 0


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_saved_subclasses_into_tags(region: dict[str, Any]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("search", "0001_initial")])
    apps = executor.loader.project_state([("search", "0001_initial")]).apps
    OldNeed = apps.get_model("search", "Need")
    user = region["ent_user"]
    kept = OldNeed.objects.create(
        organisation_id=user.organisation_id,
        created_by_id=user.pk,
        title="t",
        description="d",
        subclasses=["b64d", "A01M", "B64D"],
    )
    bare = OldNeed.objects.create(
        organisation_id=user.organisation_id, created_by_id=user.pk, title="u", description="e"
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert [t.key for t in NeedTag.objects.filter(need_id=kept.pk)] == [
        f"{IPC_SCHEME}:B64D",
        f"{IPC_SCHEME}:A01M",
    ]
    assert Need.objects.get(pk=kept.pk).tagged_by == "matches"
    assert (
        Need.objects.get(pk=bare.pk).tagged_by == "" and not NeedTag.objects.filter(need_id=bare.pk).exists()
    )


def test_needs_saved_before_the_model_are_tagged_again_by_operators_only(
    region: dict[str, Any], settings: Any, tmp_path: Path, no_index: None, quick_suggester: IpcSuggester
) -> None:
    settings.IPOPS_IPC_SUGGEST_DIR = tmp_path / "ipc_suggest"
    images, battery = save(region["ent_user"], IMAGES), save(region["ent_admin"], BATTERY)
    assert images.tagged_by == battery.tagged_by == Need.TaggedBy.NONE
    store.save(quick_suggester, {"trained_at": "2026-11-26T09:00:00+00:00", "patents": 400})

    for refused in ("ent_admin", "auditor"):
        with pytest.raises(PermissionDenied):
            services.retag_needs(actor=region[refused])
    assert not NeedTag.objects.exists() and not AuditEntry.objects.filter(action="search.need_retag").exists()

    assert services.retag_needs(actor=region["operator"]) == {"needs": 2, "changed": 2, "tagged_by_model": 2}
    for need, words in ((images, IMAGES), (battery, BATTERY)):
        need.refresh_from_db()
        expected = [s.code for s in ipc_services.suggest_many([need_text(*words)])[0] if s.suggested]
        assert need.tagged_by == Need.TaggedBy.IPC_MODEL and need.subclasses == expected
    entry = AuditEntry.objects.get(action="search.need_retag")
    assert entry.after == {"needs": 2, "changed": 2, "tagged_by_model": 2}
    # nothing new to say: a second run changes nothing
    assert services.retag_needs(actor=None)["changed"] == 0


def test_training_the_model_starts_the_job_that_tags_the_needs_again(
    region: dict[str, Any], settings: Any, tmp_path: Path, no_index: None
) -> None:
    from ipops.core.jobs import execute_job
    from ipops.core.models import Job
    from ipops.search.ipc_suggest.training import start_training
    from tests.search.ipc_quick import QUICK_RERANK
    from tests.search.test_ipc_suggest import import_sample, lx_rows

    settings.IPOPS_IPC_SUGGEST_DIR = tmp_path / "ipc_suggest"
    override = tmp_path / "quick.json"
    override.write_text(json.dumps(QUICK_RERANK))
    settings.IPOPS_IPC_SUGGEST_CONFIG = str(override)
    import_sample(lx_rows()[:150])
    need = save(region["ent_user"], IMAGES)
    assert need.tagged_by == Need.TaggedBy.NONE

    trained = execute_job(str(start_training(actor=region["operator"], enqueue=False).pk))
    assert trained.status == Job.Status.SUCCEEDED, trained.error
    retag = Job.objects.get(kind=services.RETAG_JOB)
    assert retag.created_by == region["operator"] and retag.status == Job.Status.QUEUED
    retag = execute_job(str(retag.pk))
    assert (
        retag.status == Job.Status.SUCCEEDED
        and retag.result["changed"] == 1
        and retag.done == retag.total == 1
    )
    need.refresh_from_db()
    assert need.tagged_by == Need.TaggedBy.IPC_MODEL and need.subclasses
