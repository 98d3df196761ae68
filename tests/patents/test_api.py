"""The patent browser's API: the filtered, paginated list, one patent, one applicant; who may call it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ipops.core.models import AuditEntry
from tests.api_auth import bearer
from tests.patents.test_pages import P1, P2, P3, P4, build_data, make_patent

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(region: dict) -> dict[str, Any]:
    """The same four patents as the page tests (two real, two synthetic)."""
    return build_data(region)


def get(users: dict, path: str, username: str = "ent_user", **params: Any) -> Any:
    return Client().get(path, params, headers=bearer(users, username))


def numbers(body: dict) -> list[str]:
    return [item["number"] for item in body["items"]]


def test_openapi_document_lists_the_patent_endpoints() -> None:
    spec = Client().get("/api/openapi.json").json()
    for path in ["/api/patents", "/api/patents/{patent_id}", "/api/applicants/{applicant_id}"]:
        assert path in spec["paths"], path
        assert spec["paths"][path]["get"]["tags"] == ["patents"]


def test_list_is_paginated_and_sorted(region: dict, data: dict) -> None:
    body = get(region, "/api/patents", page_size=2, sort="pub_date").json()
    assert body["count"] == 4 and numbers(body) == [P1, P2]
    body = get(region, "/api/patents", page_size=2, page=2, sort="pub_date").json()
    assert numbers(body) == [P3, P4]
    assert numbers(get(region, "/api/patents", sort="-app_date").json()) == [P4, P3, P1, P2]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "轨枕"}, {P1}),
        ({"patent_type": "design"}, {P3}),
        ({"ipc": "E01B 9/"}, {P1, P2}),
        ({"applicant": "（NT）"}, {P2}),
        ({"region": "110100"}, {P3}),
        ({"year_from": 2021, "year_to": 2021}, {P3}),
        ({"legal_status": "granted"}, {P1}),
    ],
)
def test_list_takes_the_pages_filters(region: dict, data: dict, params: dict, expected: set[str]) -> None:
    body = get(region, "/api/patents", **params).json()
    assert set(numbers(body)) == expected and body["count"] == len(expected)


def test_list_filters_by_dataset_and_marks_synthetic_records(region: dict, data: dict) -> None:
    body = get(region, "/api/patents", dataset=str(data["synthetic"].pk)).json()
    assert set(numbers(body)) == {P3, P4}
    assert all(item["synthetic"] and item["dataset"]["name"] == "Demo patents" for item in body["items"])
    real = get(region, "/api/patents", dataset=str(data["gazette"].pk)).json()
    assert not any(item["synthetic"] for item in real["items"])


def test_an_invalid_filter_is_400_in_the_error_format(region: dict, data: dict) -> None:
    response = get(region, "/api/patents", ipc="XYZ")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["fields"][0]["field"] == "ipc"


def test_patent_detail_has_applicants_classifications_and_events(region: dict, data: dict) -> None:
    from ipops.reference.models import IpcEntry

    IpcEntry.objects.create(code="E01B 3/32", kind="subgroup", title_zh="混凝土轨枕", title_en="of concrete")
    p1 = data["p1"]
    body = get(region, f"/api/patents/{p1.pk}").json()
    assert body["number"] == P1 and body["inventors"] == "张三; 李四" and body["extra"] == {"页数": "12"}
    assert body["applicants"] == [
        {
            "id": str(data["haigang"].pk),
            "name": "南通海港机械有限公司",
            "raw_name": "南通海港机械有限公司",
            "position": 0,
        }
    ]
    classes = {c["code"]: c for c in body["classifications"]}
    assert set(classes) == {"E01B 3/32", "E01B 9/00"}
    assert classes["E01B 3/32"]["is_main"] and classes["E01B 3/32"]["scheme"] == "ipc"
    assert classes["E01B 3/32"]["title"] == "混凝土轨枕" and classes["E01B 9/00"]["title"] == ""
    assert body["legal_events"] == [
        {"date": "2020-05-01", "code": "授权", "description": "授权公告", "source": ""}
    ]
    assert body["dataset"]["licence"] == "Public government information (CNIPA)" and not body["synthetic"]
    assert body["last_import"]["file_name"] == "gazette-20190709.xlsx"


def test_applicant_detail_has_the_spellings_seen(region: dict, data: dict) -> None:
    haigang = data["haigang"]
    make_patent(
        title="轨枕模具",
        pub_number="CN110000005A",
        app_number="CN201910000005.0",
        applicants=[(haigang, "南通海港机械有限公司")],
    )
    body = get(region, f"/api/applicants/{haigang.pk}").json()
    assert body["name"] == "南通海港机械有限公司" and body["kind"] == "enterprise"
    assert body["patent_count"] == 3
    assert body["spellings"] == [
        {"raw_name": "南通海港机械有限公司", "count": 2},
        {"raw_name": "南通海港机械有限公司（NT）", "count": 1},
    ]


def test_unknown_ids_are_404(region: dict, data: dict) -> None:
    for path in [
        "/api/patents/00000000-0000-0000-0000-000000000000",
        "/api/applicants/00000000-0000-0000-0000-000000000000",
    ]:
        response = get(region, path)
        assert response.status_code == 404 and response.json()["code"] == "not_found", path


def paths(data: dict) -> list[str]:
    return ["/api/patents", f"/api/patents/{data['p1'].pk}", f"/api/applicants/{data['haigang'].pk}"]


def test_anonymous_callers_are_401(data: dict) -> None:
    for path in paths(data):
        assert Client().get(path).status_code == 401, path


def test_member_of_a_pending_organisation_is_403_and_audited(region: dict, data: dict) -> None:
    headers = bearer(region, "pending_admin")
    for path in paths(data):
        response = Client().get(path, headers=headers)
        assert response.status_code == 403 and response.json()["code"] == "permission_denied", path
    assert AuditEntry.objects.filter(action="auth.denied", actor_username="pending_admin").count() == 3


def test_members_of_active_organisations_may_call_it_by_token_and_session(
    region: dict, login, data: dict
) -> None:
    headers = bearer(region, "bank_user")
    session = login("univ_user")
    for path in paths(data):
        assert Client().get(path, headers=headers).status_code == 200, path
        assert session.get(path).status_code == 200, path
