"""The API: token authentication, one error format, pagination, the OpenAPI document."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from ipops.accounts import services
from ipops.accounts.models import ApiToken, Invitation, Organisation
from tests.api_auth import bearer

pytestmark = pytest.mark.django_db


def test_openapi_document_lists_the_endpoints() -> None:
    spec = Client().get("/api/openapi.json").json()
    assert spec["info"]["title"] == "IPOps API"
    for path in ["/api/me", "/api/organisations", "/api/jobs/{job_id}", "/api/audit"]:
        assert path in spec["paths"], path
    assert Client().get("/api/docs").status_code == 200


def test_token_authenticates_and_records_its_use(region: dict) -> None:
    headers = bearer(region, "bank_user")
    me = Client().get("/api/me", headers=headers).json()
    assert me["username"] == "bank_user" and me["roles"] == ["member"]
    assert me["organisation"]["kind"] == "bank"
    assert ApiToken.objects.get(user__username="bank_user").last_used_at is not None


def test_only_the_hash_of_a_token_is_stored(region: dict) -> None:
    issued = services.create_api_token(actor=region["bank_user"], name="cli")
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.key not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Token abc", ""])
def test_missing_or_wrong_token_is_401_in_the_error_format(region: dict, header: str) -> None:
    response = Client().get("/api/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "not_authenticated" and body["message"] and body["fields"] == []


def test_revoked_and_expired_tokens_stop_working(region: dict) -> None:
    issued = services.create_api_token(actor=region["bank_user"], name="cli")
    headers = {"Authorization": f"Bearer {issued.key}"}
    assert Client().get("/api/me", headers=headers).status_code == 200
    services.revoke_api_token(actor=region["bank_user"], token=issued.token)
    assert Client().get("/api/me", headers=headers).status_code == 401
    other = services.create_api_token(actor=region["bank_user"], name="old")
    from datetime import timedelta

    from django.utils import timezone

    ApiToken.objects.filter(pk=other.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get("/api/me", headers={"Authorization": f"Bearer {other.key}"}).status_code == 401


def test_deactivated_user_token_stops_working(region: dict) -> None:
    headers = bearer(region, "ent_user")
    services.set_user_active(actor=region["ent_admin"], user=region["ent_user"], active=False)
    assert Client().get("/api/me", headers=headers).status_code == 401


def test_malformed_json_is_400_and_changes_nothing(region: dict) -> None:
    org = Organisation.objects.get(kind="enterprise", status="active")
    before = Invitation.objects.count()
    response = Client().post(
        f"/api/organisations/{org.pk}/invitations",
        "{not json",
        content_type="application/json",
        headers=bearer(region, "ent_admin"),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"
    assert Invitation.objects.count() == before


def test_field_errors_name_the_field(region: dict) -> None:
    org = Organisation.objects.get(kind="enterprise", status="active")
    headers = bearer(region, "ent_admin")
    url = f"/api/organisations/{org.pk}/invitations"
    missing = Client().post(
        url, json.dumps({"role": "member"}), content_type="application/json", headers=headers
    )
    assert missing.status_code == 422
    assert [f["field"] for f in missing.json()["fields"]] == ["email"]
    bad = Client().post(url, json.dumps({"email": "nope"}), content_type="application/json", headers=headers)
    assert bad.status_code == 400 and bad.json()["fields"][0]["field"] == "email"
    good = Client().post(
        url, json.dumps({"email": "a@b.cn"}), content_type="application/json", headers=headers
    )
    assert good.status_code == 201 and good.json()["accept_path"].startswith("/accounts/invitation/")


def test_lists_are_paginated(region: dict) -> None:
    headers = bearer(region, "operator")
    page1 = Client().get("/api/organisations", {"page_size": 3}, headers=headers).json()
    page3 = Client().get("/api/organisations", {"page_size": 3, "page": 3}, headers=headers).json()
    assert page1["count"] == Organisation.objects.count() == 8
    assert len(page1["items"]) == 3 and len(page3["items"]) == 2
    assert not {o["id"] for o in page1["items"]} & {o["id"] for o in page3["items"]}
    assert Client().get("/api/organisations", {"page": 0}, headers=headers).status_code == 422


def test_session_writes_need_the_csrf_token(region: dict) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(region["ent_admin"])
    org = Organisation.objects.get(kind="enterprise", status="active")
    before = Invitation.objects.count()
    response = client.post(
        f"/api/organisations/{org.pk}/invitations",
        json.dumps({"email": "a@b.cn"}),
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    assert Invitation.objects.count() == before
