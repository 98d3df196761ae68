"""Who may do what, for each action: anonymous, outsider, member without the role, member with it.

A refused action must change nothing and leave an `auth.denied` audit entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client

from ipops.accounts import services
from ipops.accounts.models import Invitation, Organisation, User, UserRole
from ipops.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def state() -> tuple:
    return (
        tuple(Organisation.objects.order_by("uscc").values_list("uscc", "status")),
        tuple(UserRole.objects.order_by("user__username", "role").values_list("user__username", "role")),
        tuple(User.objects.order_by("username").values_list("username", "is_active")),
        Invitation.objects.count(),
    )


def denied() -> int:
    return AuditEntry.objects.filter(action="auth.denied").count()


def assert_refused(do: Callable[[], object], expected_status: int) -> None:
    before, denials = state(), denied()
    response = do()
    assert response.status_code == expected_status, response.content[:300]
    assert state() == before
    if expected_status == 403:
        assert denied() == denials + 1


# --- approving a registration: operators only -------------------------------------------------------


def approve_page(client: Client) -> object:
    pending = Organisation.objects.get(status="pending")
    return client.post(f"/accounts/admin/organisations/{pending.pk}/", {"action": "approve", "note": ""})


def test_approve_registration_anonymous_goes_to_login(region: dict) -> None:
    response = approve_page(Client())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Organisation.objects.get(name__contains="待审").status == "pending"


@pytest.mark.parametrize("username", ["ent_admin", "bank_user", "secadmin", "auditor", "pending_admin"])
def test_approve_registration_refused_for_others(region: dict, login, username: str) -> None:
    assert_refused(lambda: approve_page(login(username)), 403)


def test_approve_registration_by_operator(region: dict, login) -> None:
    response = approve_page(login("operator"))
    assert response.status_code == 302
    org = Organisation.objects.get(name__contains="待审")
    assert org.status == "active" and org.decided_at is not None
    assert AuditEntry.objects.filter(action="organisation.approve", object_id=str(org.pk)).count() == 1


def test_reject_needs_a_reason_and_a_decided_registration_cannot_be_redecided(region: dict, login) -> None:
    operator = login("operator")
    pending = Organisation.objects.get(status="pending")
    response = operator.post(f"/accounts/admin/organisations/{pending.pk}/", {"action": "reject", "note": ""})
    assert response.status_code == 200 and "note" in response.context["form"].errors
    assert Organisation.objects.get(pk=pending.pk).status == "pending"
    operator.post(f"/accounts/admin/organisations/{pending.pk}/", {"action": "reject", "note": "材料不全"})
    assert Organisation.objects.get(pk=pending.pk).status == "rejected"
    response = operator.post(
        f"/accounts/admin/organisations/{pending.pk}/", {"action": "approve", "note": ""}
    )
    assert Organisation.objects.get(pk=pending.pk).status == "rejected"
    assert response.context["form"].non_field_errors()


def test_approve_through_the_api_with_each_role(region: dict) -> None:
    pending = Organisation.objects.get(status="pending")
    url = f"/api/organisations/{pending.pk}/decision"

    def call(username: str | None) -> object:
        headers = {}
        if username:
            headers["Authorization"] = (
                "Bearer " + services.create_api_token(actor=region[username], name="t").key
            )
        return Client().post(
            url, json.dumps({"approve": True}), content_type="application/json", headers=headers
        )

    assert_refused(lambda: call(None), 401)
    assert_refused(lambda: call("ent_admin"), 403)
    assert_refused(lambda: call("secadmin"), 403)
    response = call("operator")
    assert response.status_code == 200 and response.json()["status"] == "active"


# --- inviting a colleague: the organisation's administrator ------------------------------------------


def invite(client: Client) -> object:
    return client.post("/accounts/organisation/", {"email": "new@example.com", "role": "member"})


def test_invite_anonymous_goes_to_login(region: dict) -> None:
    before = state()
    response = invite(Client())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert state() == before


def test_invite_refused_for_member_without_admin_role(region: dict, login) -> None:
    assert_refused(lambda: invite(login("ent_user")), 403)


def test_invite_refused_for_member_of_pending_organisation(region: dict, login) -> None:
    assert_refused(lambda: invite(login("pending_admin")), 403)


def test_invite_into_another_organisation_through_the_api_is_refused(region: dict, login) -> None:
    bank = Organisation.objects.get(kind="bank")
    client = login("ent_admin")
    token = services.create_api_token(actor=region["ent_admin"], name="t").key
    assert_refused(
        lambda: client.post(
            f"/api/organisations/{bank.pk}/invitations",
            json.dumps({"email": "x@example.com"}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        ),
        403,
    )


def test_invite_by_org_admin_creates_an_invitation_link(region: dict, login) -> None:
    response = invite(login("ent_admin"))
    assert response.status_code == 200
    link = response.context["issued_url"]
    assert "/accounts/invitation/" in link
    invitation = Invitation.objects.get(accepted_at=None)
    assert invitation.organisation.kind == "enterprise" and invitation.role == "member"


def test_org_admin_cannot_hand_out_centre_roles(region: dict, login) -> None:
    before = state()
    response = login("ent_admin").post(
        "/accounts/organisation/", {"email": "n@example.com", "role": "auditor"}
    )
    assert "role" in response.context["form"].errors
    assert state() == before


# --- roles and accounts: security admin; separation of duties -----------------------------------------


def role_action(client: Client, username: str, action: str, role: str = "") -> object:
    user = User.objects.get(username=username)
    return client.post(f"/accounts/admin/users/{user.pk}/", {"action": action, "role": role})


@pytest.mark.parametrize("actor", ["operator", "auditor", "ent_user", "bank_admin"])
def test_granting_member_role_in_enterprise_refused_for_non_admins(region: dict, login, actor: str) -> None:
    assert_refused(lambda: role_action(login(actor), "ent_user", "grant", "org_admin"), 403)


def test_security_admin_grants_and_revokes_roles(region: dict, login) -> None:
    client = login("secadmin")
    assert role_action(client, "ent_user", "grant", "org_admin").status_code == 302
    assert User.objects.get(username="ent_user").role_set == {"member", "org_admin"}
    assert role_action(client, "ent_user", "revoke", "org_admin").status_code == 302
    assert User.objects.get(username="ent_user").role_set == {"member"}
    assert AuditEntry.objects.filter(action__in=["user.grant_role", "user.revoke_role"]).count() == 2


def test_separation_of_duties_one_person_cannot_be_operator_and_auditor(region: dict, login) -> None:
    before = state()
    response = role_action(login("secadmin"), "operator", "grant", "auditor")
    assert response.status_code == 200 and response.context["form"].errors
    assert state() == before


def test_centre_roles_cannot_be_given_outside_the_centre(region: dict, login) -> None:
    before = state()
    response = role_action(login("secadmin"), "ent_user", "grant", "operator")
    assert response.status_code == 200 and response.context["form"].errors
    assert state() == before


def test_security_admin_cannot_approve_business_records(region: dict, login) -> None:
    assert_refused(lambda: approve_page(login("secadmin")), 403)


def test_org_admin_deactivates_own_member_but_not_another_organisations(region: dict, login) -> None:
    client = login("ent_admin")
    assert_refused(lambda: role_action(client, "bank_user", "deactivate"), 403)
    assert role_action(client, "ent_user", "deactivate").status_code == 302
    assert not User.objects.get(username="ent_user").is_active


# --- the audit log: auditors read it, nobody else --------------------------------------------------------


@pytest.mark.parametrize("username", ["operator", "secadmin", "ent_admin", "bank_user"])
def test_audit_log_is_for_auditors_only(region: dict, login, username: str) -> None:
    client = login(username)
    assert client.get("/platform/audit/").status_code == 403
    assert client.get("/api/audit").status_code == 403


def test_auditor_reads_filters_and_pages_the_log(region: dict, login) -> None:
    client = login("auditor")
    page = client.get("/platform/audit/", {"action": "organisation.approve"})
    assert page.status_code == 200
    entries = list(page.context["page"].object_list)
    assert len(entries) == 6 and all(e.action == "organisation.approve" for e in entries)
    api = client.get("/api/audit", {"action": "organisation.", "page_size": 5}).json()
    assert api["count"] == AuditEntry.objects.filter(action__startswith="organisation.").count()
    assert len(api["items"]) == 5
    bad = client.get("/platform/audit/", {"since": "2026-02-01", "until": "2026-01-01"})
    assert bad.context["form"].errors and not list(bad.context["page"].object_list)


def test_nobody_has_a_way_to_change_the_audit_log(region: dict, login) -> None:
    client = login("auditor")
    entry = AuditEntry.objects.first()
    for method in (client.post, client.put, client.delete):
        assert method(f"/platform/audit/{entry.seq}/").status_code in (403, 405)
    assert AuditEntry.objects.get(pk=entry.pk).hash == entry.hash


def test_outsider_cannot_see_another_organisation(region: dict, login) -> None:
    bank = Organisation.objects.get(kind="bank")
    client = login("ent_admin")
    assert client.get(f"/api/organisations/{bank.pk}").status_code == 403
    assert [o["kind"] for o in client.get("/api/organisations").json()["items"]] == ["enterprise"]
    assert client.get(f"/accounts/admin/organisations/{bank.pk}/").status_code == 403
    assert login("operator").get("/api/organisations").json()["count"] == Organisation.objects.count()
