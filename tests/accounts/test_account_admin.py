"""Account administration beyond the basics: password resets and expiry, the first-start command,
re-registration after a rejection, withdrawn invitations, invitations by the security administrator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.utils import timezone, translation

from ipops.accounts import services
from ipops.accounts.models import Invitation, Organisation, User
from ipops.core.models import AuditEntry
from ipops.core.validators import uscc_check_character
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def user_action(client: Client, username: str, action: str) -> object:
    return client.post(f"/accounts/admin/users/{User.objects.get(username=username).pk}/", {"action": action})


def test_security_admin_resets_a_password_and_the_user_must_change_it(region: dict, login) -> None:
    old_hash = User.objects.get(username="bank_user").password
    response = user_action(login("secadmin"), "bank_user", "reset_password")
    assert response.status_code == 200
    temporary = response.context["temporary_password"]
    assert temporary and temporary in response.content.decode()
    user = User.objects.get(username="bank_user")
    assert user.password != old_hash and user.must_change_password
    assert AuditEntry.objects.filter(action="user.reset_password", object_id=str(user.pk)).count() == 1
    assert temporary not in str(AuditEntry.objects.filter(action="user.reset_password").values())

    client = Client()
    assert (
        client.post("/accounts/login/", {"username": "bank_user", "password": temporary}).status_code == 302
    )
    blocked = client.get("/workspace/")
    assert blocked.status_code == 302 and blocked["Location"] == "/accounts/password/"
    changed = client.post(
        "/accounts/password/",
        {"old_password": temporary, "password1": "Chosen-Anew-2026", "password2": "Chosen-Anew-2026"},
    )
    assert changed.status_code == 302
    assert client.get("/workspace/").status_code == 200
    assert not User.objects.get(username="bank_user").must_change_password


@pytest.mark.parametrize("actor", ["operator", "auditor", "bank_admin"])
def test_only_the_security_admin_resets_passwords(region: dict, login, actor: str) -> None:
    before = User.objects.get(username="bank_user").password
    assert user_action(login(actor), "bank_user", "reset_password").status_code == 403
    assert User.objects.get(username="bank_user").password == before


@override_settings(IPOPS_PASSWORD_MAX_AGE_DAYS=90)
def test_an_expired_password_must_be_changed(region: dict, login) -> None:
    User.objects.filter(username="ent_user").update(password_changed_at=timezone.now() - timedelta(days=91))
    client = login("ent_user")
    response = client.get("/accounts/organisation/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
    assert client.get("/accounts/password/").status_code == 200
    User.objects.filter(username="ent_user").update(password_changed_at=timezone.now() - timedelta(days=89))
    assert client.get("/accounts/organisation/").status_code == 200


def test_bootstrap_centre_creates_staff_with_temporary_passwords(
    db: None, capsys: pytest.CaptureFixture
) -> None:
    body = "12110105MB0009999"
    call_command("bootstrap_centre", name="某区知识产权服务中心", uscc=body + uscc_check_character(body))
    out = capsys.readouterr().out
    centre = Organisation.objects.get(kind="centre")
    assert centre.status == "active"
    staff = {u.username: u for u in centre.users.all()}
    assert {n: u.role_set for n, u in staff.items()} == {
        "operator": {"operator"},
        "secadmin": {"security_admin"},
        "auditor": {"auditor"},
    }
    assert all(u.must_change_password for u in staff.values())
    line = next(line for line in out.splitlines() if line.strip().startswith("auditor"))
    assert staff["auditor"].check_password(line.split()[-1])
    with translation.override("en"), pytest.raises(CommandError, match="already exists"):
        call_command("bootstrap_centre", name="另一个中心", uscc="91350100M000100Y43")
    with pytest.raises(CommandError):
        call_command("bootstrap_centre", name="x", uscc="123")


def test_a_rejected_organisation_may_register_again(region: dict, login) -> None:
    pending = Organisation.objects.get(status="pending")
    services.decide_organisation(
        actor=region["operator"], organisation=pending, approve=False, note="材料不全"
    )
    response = Client().post(
        "/accounts/register/",
        {
            "name": pending.name,
            "kind": "enterprise",
            "uscc": pending.uscc,
            "full_name": "韩申请",
            "email": "again@example.com",
            "username": "pending_again",
            "password1": "Second-Try-2026",
            "password2": "Second-Try-2026",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    reopened = Organisation.objects.get(pk=pending.pk)
    assert reopened.status == "pending" and reopened.decision_note == ""
    assert Organisation.objects.filter(uscc=pending.uscc).count() == 1
    assert AuditEntry.objects.filter(action="organisation.reapply", object_id=str(pending.pk)).count() == 1


def test_withdrawn_invitation_link_stops_working(region: dict, login) -> None:
    org = Organisation.objects.get(kind="enterprise", status="active")
    issued = services.invite_user(actor=region["ent_admin"], organisation=org, email="w@example.com")
    outsider = login("bank_admin")
    assert outsider.post(f"/accounts/invitations/{issued.invitation.pk}/withdraw/").status_code == 403
    assert Invitation.objects.get(pk=issued.invitation.pk).revoked_at is None
    assert (
        login("ent_admin").post(f"/accounts/invitations/{issued.invitation.pk}/withdraw/").status_code == 302
    )
    assert Invitation.objects.get(pk=issued.invitation.pk).revoked_at is not None
    assert Client().get(issued.path).status_code == 410


def test_security_admin_invites_centre_staff_and_org_admins_cannot(region: dict, login) -> None:
    centre = Organisation.objects.get(kind="centre")
    response = login("secadmin").post(
        f"/accounts/admin/organisations/{centre.pk}/",
        {"action": "invite", "email": "a2@example.com", "role": "auditor"},
    )
    assert response.status_code == 200 and "/accounts/invitation/" in response.context["issued_url"]
    assert Invitation.objects.get(email="a2@example.com").role == "auditor"
    before = Invitation.objects.count()
    refused = login("ent_admin").post(
        f"/accounts/admin/organisations/{centre.pk}/",
        {"action": "invite", "email": "x@example.com", "role": "member"},
    )
    assert refused.status_code == 403 and Invitation.objects.count() == before


def test_role_choices_offered_respect_separation_of_duties(region: dict, login) -> None:
    page = login("secadmin").get(f"/accounts/admin/users/{region['auditor'].pk}/")
    offered = [code for code, _label in page.context["grantable"]]
    assert "operator" not in offered and "security_admin" not in offered
    assert "org_admin" in offered


def test_list_exports_are_audited_reads(region: dict, login) -> None:
    login("operator").get("/accounts/admin/organisations/", {"export": "xlsx", "kind": "bank"})
    entry = AuditEntry.objects.get(action="organisation.export")
    assert entry.actor_username == "operator"
    assert entry.after == {"filters": {"q": "", "kind": "bank", "status": ""}, "rows": 1}


@override_settings(IPOPS_LOCKOUT_THRESHOLD=1)
def test_lockout_message_says_until_when(region: dict) -> None:
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.post("/accounts/login/", {"username": "ent_user", "password": "wrong"})
    locked_until = timezone.localtime(User.objects.get(username="ent_user").locked_until)
    assert f"Try again after {locked_until:%H:%M}" in response.content.decode()
    assert client.post("/accounts/login/", {"username": "ent_user", "password": PASSWORD}).status_code == 200


@override_settings(IPOPS_TRUSTED_PROXIES=1)
def test_client_address_behind_a_trusted_proxy(region: dict, login) -> None:
    login("ent_admin").post(
        "/accounts/organisation/",
        {"email": "p@example.com", "role": "member"},
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7",
    )
    assert (
        AuditEntry.objects.get(action="invitation.create", after__email="p@example.com").ip_address
        == "198.51.100.7"
    )


def test_api_docs_load_without_a_cdn(db: None) -> None:
    html = Client().get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
