"""Registering an organisation: what is stored, and every kind of bad input refused with nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from ipops.accounts.models import Organisation, User
from ipops.core.models import AuditEntry
from ipops.core.validators import uscc_check_character

pytestmark = pytest.mark.django_db

BODY = "91110105MA01ABCD2"
GOOD_USCC = BODY + uscc_check_character(BODY)
WRONG_USCC = BODY + ("0" if uscc_check_character(BODY) != "0" else "1")


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "北京新注册科技有限公司",
        "kind": "enterprise",
        "uscc": GOOD_USCC,
        "full_name": "林经理",
        "email": "lin@example.com",
        "username": "lin",
        "password1": "Strong-Pass-2026",
        "password2": "Strong-Pass-2026",
    }
    data.update(overrides)
    return data


def stored() -> tuple[int, int, int]:
    return Organisation.objects.count(), User.objects.count(), AuditEntry.objects.count()


def test_registration_creates_a_pending_organisation_and_its_admin() -> None:
    response = Client().post("/accounts/register/", form(uscc=GOOD_USCC.lower()))
    assert response.status_code == 302 and response["Location"] == "/accounts/register/done/"
    org = Organisation.objects.get(uscc=GOOD_USCC)
    assert org.status == Organisation.Status.PENDING
    admin = User.objects.get(username="lin")
    assert admin.organisation == org and admin.role_set == {"org_admin"}
    assert admin.check_password("Strong-Pass-2026")
    entry = AuditEntry.objects.get(action="organisation.register")
    assert entry.after["organisation"]["uscc"] == GOOD_USCC
    assert entry.after["admin"]["password"] == "[redacted]"


@pytest.mark.parametrize(
    ("overrides", "field", "zh_text"),
    [
        ({"uscc": WRONG_USCC}, "uscc", "校验"),
        ({"uscc": "9111010512345"}, "uscc", "18"),
        ({"password1": "short", "password2": "short"}, "password1", "密码"),
        ({"password1": "alllowercaseletters", "password2": "alllowercaseletters"}, "password1", "密码"),
        ({"password2": "Different-Pass-2026"}, "password2", "两次"),
        ({"kind": "centre"}, "kind", ""),
        ({"email": "not-an-email"}, "email", ""),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message_and_nothing_stored(
    overrides: dict[str, str], field: str, zh_text: str
) -> None:
    before = stored()
    response = Client().post("/accounts/register/", form(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    shown = response.content.decode()
    assert f'data-field="{field}"' in shown
    assert zh_text in shown
    assert stored() == before


def test_the_same_message_in_english_when_english_was_chosen() -> None:
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.post("/accounts/register/", form(uscc=WRONG_USCC))
    shown = response.content.decode()
    assert "check character" in shown and "should be" in shown


def test_duplicate_code_name_and_user_name_are_refused(region: dict) -> None:
    existing = Organisation.objects.get(kind="bank")
    for overrides, field in [
        ({"uscc": existing.uscc}, "uscc"),
        ({"name": existing.name}, "name"),
        ({"username": "ent_admin"}, "username"),
    ]:
        before = stored()
        response = Client().post("/accounts/register/", form(**overrides))
        assert field in response.context["form"].errors, (overrides, response.context["form"].errors)
        assert stored() == before


def test_business_licence_upload_is_kept_and_wrong_type_refused() -> None:
    pdf = SimpleUploadedFile("licence.pdf", b"%PDF-1.4 demo", content_type="application/pdf")
    assert Client().post("/accounts/register/", {**form(), "licence_file": pdf}).status_code == 302
    org = Organisation.objects.get(uscc=GOOD_USCC)
    assert org.licence_file.name.endswith(".pdf")
    before = stored()
    exe = SimpleUploadedFile("licence.exe", b"MZ", content_type="application/octet-stream")
    response = Client().post(
        "/accounts/register/",
        {**form(name="另一家", uscc="91350100M000100Y43", username="x2"), "licence_file": exe},
    )
    assert "licence_file" in response.context["form"].errors
    assert stored() == before


@override_settings(IPOPS_MAX_UPLOAD_MB=1)
def test_oversized_upload_is_refused_before_reading_with_a_clear_message() -> None:
    before = stored()
    big = SimpleUploadedFile("licence.pdf", b"0" * (2 * 1024 * 1024), content_type="application/pdf")
    response = Client().post("/accounts/register/", {**form(), "licence_file": big})
    assert response.status_code == 413
    assert "1 MB" in response.content.decode()
    assert stored() == before


def test_csrf_failure_changes_nothing_and_explains() -> None:
    before = stored()
    response = Client(enforce_csrf_checks=True).post("/accounts/register/", form())
    assert response.status_code == 403
    assert "没有任何更改" in response.content.decode() or "nothing was changed" in response.content.decode()
    assert stored() == before
