"""The registry's pages and API: lists with filters and pagination, audited Excel export, records, forms,
the import page's documented layout, and the navigation entries."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from ipops.assets import services
from ipops.assets.models import Copyright, GeographicalIndication, Trademark
from ipops.core.models import AuditEntry
from tests.api_auth import bearer

from .conftest import ENTERPRISE, TRADEMARK_HEADER, TRADEMARK_ROWS, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def marks(region: dict, tmp_path: Path) -> None:
    """The enterprise's four trademarks, and a university's one."""
    services.import_assets(
        actor=region["ent_admin"],
        kind="trademark",
        file_name="t.csv",
        path=write_csv(tmp_path / "t.csv", [TRADEMARK_HEADER, *TRADEMARK_ROWS]),
    )
    services.create_asset(
        actor=region["univ_admin"],
        kind="trademark",
        values={
            "number": "40000001",
            "name": "朝理工",
            "nice_classes": [41],
            "owner_name": "北京朝阳理工大学（演示）",
            "status": "registered",
            "reg_date": date(2020, 5, 7),
            "is_well_known": True,
        },
    )


def numbers(response) -> list[str]:
    return [asset.number for asset, _cells in response.context["rows"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["23456781", "23456782", "30123457", "40000001", "51234568"]),
        ("?q=智排", ["30123457", "51234568"]),
        ("?q=理工大学", ["40000001"]),  # the registrant
        ("?q=3012", ["30123457"]),
        ("?nice_class=9", ["23456781", "23456782"]),
        ("?nice_class=4", []),  # class 4, not the 4 in 42 or 41
        ("?status=applied", ["51234568"]),
        ("?well_known=on", ["40000001"]),
        ("?scope=ours", ["23456781", "23456782", "30123457", "51234568"]),
    ],
)
def test_the_trademark_list_filters(login, marks, query: str, expected: list[str]) -> None:
    response = login("ent_user").get(f"/assets/trademarks/{query}")
    assert response.status_code == 200
    assert numbers(response) == expected


def test_an_invalid_filter_shows_nothing_and_says_why(login, marks) -> None:
    response = login("ent_user").get("/assets/trademarks/?nice_class=46")
    assert numbers(response) == [] and "nice_class" in response.context["form"].errors


def test_pagination(login, marks) -> None:
    response = login("ent_user").get("/assets/trademarks/?size=25&page=2")
    assert response.context["page"].number == 1  # only one page: the last page is shown
    assert response.context["page"].paginator.count == 5


def test_export_is_an_audited_read(login, marks) -> None:
    response = login("bank_user").get("/assets/trademarks/?scope=&status=registered&export=xlsx")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert len(rows) == 1 + 4
    assert rows[1][0] == "23456781" and rows[1][2] == "9, 42"
    entry = AuditEntry.objects.get(action="trademark.export")
    assert (
        entry.after == {"filters": {"status": "registered"}, "rows": 4}
        and entry.actor_username == "bank_user"
    )


def test_the_record_page_shows_every_field(login, marks) -> None:
    mark = Trademark.objects.get(number="23456781")
    html = login("bank_user").get(f"/assets/trademarks/{mark.pk}/").content.decode()
    for text in ("23456781", "朝知", "9, 42", "计算机软件；技术咨询", "2027", ENTERPRISE):
        assert text in html


def test_every_kind_has_its_pages(login) -> None:
    client = login("ent_admin")
    for slug in ("trademarks", "copyrights", "geographical-indications"):
        for suffix in ("", "new/", "import/"):
            response = client.get(f"/assets/{slug}/{suffix}")
            assert response.status_code == 200, (slug, suffix)
    page = client.get("/assets/trademarks/import/").content.decode()
    for header in TRADEMARK_HEADER:
        assert f"<code>{header}</code>" in page
    assert client.get("/assets/").status_code == 200
    assert client.get("/assets/claims/mine/").status_code == 200
    assert client.get("/assets/claims/new/").status_code == 200


def test_copyright_and_gi_forms(login, enterprise) -> None:
    client = login("ent_admin")
    response = client.post(
        "/assets/copyrights/new/",
        {
            "kind": "software",
            "number": "2023sr0123456",
            "title": "朝知智能排产系统",
            "version": "V1.0",
            "owner_name": ENTERPRISE,
            "completion_date": "2022-11-30",
            "reg_date": "2023-03-02",
            "status": "registered",
        },
    )
    assert response.status_code == 302
    assert Copyright.objects.get().number == "2023SR0123456"
    response = client.post(
        "/assets/geographical-indications/new/",
        {
            "name": "朝阳小米",
            "product": "小米",
            "kind": "product",
            "region_code": "110105",
            "number": "2010年第127号",
            "approval_date": "2010-09-16",
            "holder_name": "朝阳区小米产业协会",
            "status": "protected",
        },
    )
    assert response.status_code == 302
    gi = GeographicalIndication.objects.get()
    assert gi.organisation == enterprise and gi.region_code == "110105"
    response = client.post(
        "/assets/geographical-indications/new/",
        {
            "name": "朝阳大枣",
            "product": "大枣",
            "kind": "product",
            "region_code": "999999",
            "number": "2011年第1号",
            "holder_name": "某协会",
            "status": "protected",
        },
    )
    assert response.status_code == 200 and "region_code" in response.context["form"].errors


def test_the_index_counts_mine(login, marks) -> None:
    response = login("ent_user").get("/assets/")
    cards = {c["spec"].kind: c for c in response.context["cards"]}
    assert (cards["trademark"]["total"], cards["trademark"]["ours"]) == (5, 4)
    assert login("univ_user").get("/assets/").context["cards"][0]["ours"] == 1


def test_navigation_entries(login) -> None:
    def labels(username: str) -> set[str]:
        menu = login(username).get("/assets/").context["nav_menu"]
        return {str(i["url"]) for c in menu for i in c["items"]}

    assert "/assets/" in labels("ent_user") and "/assets/claims/" not in labels("ent_user")
    assert "/assets/claims/" in labels("operator")
    for username in ("operator", "secadmin", "auditor", "ent_user", "bank_user", "appraiser"):
        client = login(username)
        for link in labels(username):
            if link.startswith("/assets/"):
                assert client.get(link).status_code == 200, (username, link)  # no dead links


# --- API ------------------------------------------------------------------------------------------------------


def test_api_lists_are_paginated_and_filtered(region: dict, marks, client) -> None:
    headers = bearer(region, "bank_user")
    body = client.get("/api/assets/trademarks?page_size=2&page=2", headers=headers).json()
    assert body["count"] == 5 and [i["number"] for i in body["items"]] == ["30123457", "40000001"]
    body = client.get("/api/assets/trademarks?nice_class=42&status=registered", headers=headers).json()
    assert [i["number"] for i in body["items"]] == ["23456781", "30123457"]
    assert (
        body["items"][0]["nice_classes"] == [9, 42] and body["items"][0]["organisation"]["name"] == ENTERPRISE
    )
    bad = client.get("/api/assets/trademarks?nice_class=99", headers=headers)
    assert bad.status_code == 400 and bad.json()["fields"][0]["field"] == "nice_class"


def test_api_records(region: dict, marks, client) -> None:
    mark = Trademark.objects.get(number="23456781")
    body = client.get(f"/api/assets/trademarks/{mark.pk}", headers=bearer(region, "ent_user")).json()
    assert body["expiry_date"] == "2027-06-06" and body["owner_organisation"] is None
    missing = client.get(
        "/api/assets/copyrights/00000000-0000-0000-0000-000000000000", headers=bearer(region, "ent_user")
    )
    assert missing.status_code == 404
    for path in ("/api/assets/copyrights", "/api/assets/geographical-indications", "/api/assets/claims"):
        assert client.get(path, headers=bearer(region, "ent_user")).json()["count"] == 0


def test_api_claims_are_visible_to_their_organisation_and_operators(region: dict, marks, client) -> None:
    mark = Trademark.objects.get(number="23456781")
    created = client.post(
        "/api/assets/claims",
        json.dumps({"asset_type": "trademark", "asset_id": str(mark.pk), "evidence": "注册证"}),
        content_type="application/json",
        headers=bearer(region, "ent_admin"),
    ).json()
    assert created["asset_number"] == "23456781" and created["asset_id"] == str(mark.pk)
    assert client.get("/api/assets/claims", headers=bearer(region, "ent_user")).json()["count"] == 1
    assert client.get("/api/assets/claims", headers=bearer(region, "univ_user")).json()["count"] == 0
    assert (
        client.get("/api/assets/claims?status=pending", headers=bearer(region, "operator")).json()["count"]
        == 1
    )


def test_the_openapi_document_lists_the_asset_endpoints(client) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/assets/trademarks", "/api/assets/copyrights/{asset_id}", "/api/assets/claims"):
        assert path in paths
    assert paths["/api/assets/claims"]["post"]["tags"] == ["assets"]
