"""The security baseline: lockout, password policy and history, sessions, headers, production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from ipops.accounts import services
from ipops.accounts.models import User
from ipops.core.models import AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def log_in(client: Client, username: str, password: str) -> object:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_lands_on_the_workspace_and_is_audited(region: dict) -> None:
    response = log_in(Client(), "ent_admin", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/workspace/"
    assert AuditEntry.objects.filter(action="auth.login", actor_username="ent_admin").count() == 1


@override_settings(IPOPS_LOCKOUT_THRESHOLD=3, IPOPS_LOCKOUT_MINUTES=15)
def test_account_locks_after_repeated_failures_even_for_the_right_password(region: dict) -> None:
    client = Client()
    for _ in range(2):
        response = log_in(client, "bank_user", "wrong-password")
        assert (
            response.status_code == 200
            and "locked" not in response.context["form"].errors.as_data().__repr__()
        )
    assert User.objects.get(username="bank_user").failed_logins == 2
    response = log_in(client, "bank_user", "wrong-password")
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["locked"]
    assert User.objects.get(username="bank_user").is_locked
    response = log_in(client, "bank_user", PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="auth.login_failed", object_repr="bank_user").count() == 4
    assert AuditEntry.objects.filter(action="auth.locked").count() == 1
    # the security administrator unlocks it; the right password works again
    services.unlock_user(actor=region["secadmin"], user=region["bank_user"])
    assert log_in(Client(), "bank_user", PASSWORD).status_code == 302


def test_a_success_resets_the_failure_count(region: dict) -> None:
    log_in(Client(), "ent_user", "wrong")
    assert User.objects.get(username="ent_user").failed_logins == 1
    log_in(Client(), "ent_user", PASSWORD)
    assert User.objects.get(username="ent_user").failed_logins == 0


def test_unknown_user_name_gets_the_same_message(region: dict) -> None:
    one = log_in(Client(), "nobody-here", "x").context["form"].non_field_errors()
    two = log_in(Client(), "ent_user", "x").context["form"].non_field_errors()
    assert list(one) == list(two)


def test_password_history_refuses_reuse_of_recent_passwords(region: dict, login) -> None:
    client = login("ent_user")
    user = User.objects.get(username="ent_user")
    new = ["Second-Pass-2026", "Third-Pass-2026"]
    current = PASSWORD
    for pw in new:
        response = client.post(
            "/accounts/password/", {"old_password": current, "password1": pw, "password2": pw}
        )
        assert response.status_code == 302, response.context["form"].errors
        current = pw
    for reused in [PASSWORD, "Second-Pass-2026", "Third-Pass-2026"]:
        hash_before = User.objects.get(pk=user.pk).password
        response = client.post(
            "/accounts/password/", {"old_password": current, "password1": reused, "password2": reused}
        )
        assert response.status_code == 200 and "password1" in response.context["form"].errors
        assert User.objects.get(pk=user.pk).password == hash_before
    assert AuditEntry.objects.filter(action="user.change_password", actor_username="ent_user").count() == 2


def test_wrong_current_password_changes_nothing(region: dict, login) -> None:
    before = User.objects.get(username="ent_user").password
    response = login("ent_user").post(
        "/accounts/password/",
        {"old_password": "wrong", "password1": "Fresh-Pass-2026", "password2": "Fresh-Pass-2026"},
    )
    assert "old_password" in response.context["form"].errors
    assert User.objects.get(username="ent_user").password == before


def test_session_times_out_when_idle_and_each_request_renews_it(region: dict) -> None:
    client = Client()
    log_in(client, "ent_user", PASSWORD)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 30 * 60
    assert client.session.get_expire_at_browser_close()
    session_key = client.session.session_key
    assert client.get("/workspace/").status_code == 200
    # the idle limit passing is the server-side session disappearing from its store
    from django.contrib.sessions.backends.cache import SessionStore

    SessionStore(session_key=session_key).delete()
    response = client.get("/workspace/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_logout_is_post_only_and_audited(region: dict) -> None:
    client = Client()
    log_in(client, "ent_user", PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/workspace/").status_code == 302
    assert AuditEntry.objects.filter(action="auth.logout", actor_username="ent_user").exists()


def test_security_headers_on_every_page(region: dict, login) -> None:
    response = login("ent_user").get("/workspace/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    assert len(response["X-Request-ID"]) == 32


def test_production_settings_pass_the_deployment_check() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": "k3Y-" + os.urandom(24).hex(),
        "ALLOWED_HOSTS": "ipops.example.gov.cn",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.prod"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
