"""Operators save column mappings by name on a page, then import with them."""

from __future__ import annotations

import pytest

from ipops.core.models import AuditEntry
from ipops.patents.models import ColumnMapping

pytestmark = pytest.mark.django_db


def mapping_form(**columns: str) -> dict[str, str]:
    return {
        "name": "incopat-basic",
        "description": "incoPat 基本字段",
        **{f"col_{k}": v for k, v in columns.items()},
    }


def test_operator_saves_a_mapping_and_edits_it(login) -> None:
    client = login("operator")
    response = client.post(
        "/patents/mappings/new/", mapping_form(title="标题", pub_number="公开（公告）号", app_date="申请日")
    )
    assert response.status_code == 302 and response["Location"] == "/patents/mappings/"
    saved = ColumnMapping.objects.get(name="incopat-basic")
    assert saved.mapping == {"pub_number": "公开（公告）号", "title": "标题", "app_date": "申请日"}
    assert AuditEntry.objects.filter(action="patents.mapping_save").count() == 1
    page = client.get(f"/patents/mappings/{saved.pk}/")
    assert page.context["form"].initial["col_title"] == "标题"
    client.post(f"/patents/mappings/{saved.pk}/", mapping_form(title="标题", app_number="申请号"))
    assert ColumnMapping.objects.get(pk=saved.pk).mapping == {"app_number": "申请号", "title": "标题"}
    assert "incopat-basic" in client.get("/patents/imports/").content.decode()


def test_a_mapping_without_title_or_number_is_refused(login) -> None:
    response = login("operator").post("/patents/mappings/new/", mapping_form(abstract="摘要"))
    assert response.status_code == 200 and response.context["form"].errors
    assert not ColumnMapping.objects.exists()


@pytest.mark.parametrize("username", ["secadmin", "auditor", "ent_admin"])
def test_only_operators_manage_mappings(login, username: str) -> None:
    client = login(username)
    assert client.get("/patents/mappings/").status_code == 403
    assert (
        client.post("/patents/mappings/new/", mapping_form(title="标题", pub_number="号")).status_code == 403
    )
    assert not ColumnMapping.objects.exists()
