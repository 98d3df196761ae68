"""Invitations: accepted once, within their time, into the inviting organisation with the invited role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ipops.accounts import services
from ipops.accounts.models import Invitation, Organisation, User

pytestmark = pytest.mark.django_db


def issue(region: dict, role: str = "member") -> services.IssuedInvitation:
    org = Organisation.objects.get(kind="university")
    return services.invite_user(
        actor=region["univ_admin"], organisation=org, email="Li@Example.com", role=role
    )


def accept(path: str, username: str = "li_new") -> object:
    data = {
        "full_name": "李新",
        "username": username,
        "password1": "Joining-2026!",
        "password2": "Joining-2026!",
    }
    return Client().post(path, data)


def test_accepting_creates_the_account_in_the_organisation(region: dict) -> None:
    issued = issue(region)
    assert Client().get(issued.path).status_code == 200
    response = accept(issued.path)
    assert response.status_code == 302
    user = User.objects.get(username="li_new")
    assert user.organisation.kind == "university" and user.role_set == {"member"}
    assert user.email == "li@example.com"
    assert Invitation.objects.get(pk=issued.invitation.pk).accepted_user == user


def test_a_used_invitation_cannot_be_used_again(region: dict) -> None:
    issued = issue(region)
    accept(issued.path)
    count = User.objects.count()
    response = accept(issued.path, username="li_second")
    assert response.status_code == 410
    client = Client()
    client.cookies["django_language"] = "en"
    assert "already been used" in client.get(issued.path).content.decode()
    assert User.objects.count() == count


def test_an_expired_invitation_says_so_and_creates_nothing(region: dict) -> None:
    issued = issue(region)
    Invitation.objects.filter(pk=issued.invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    count = User.objects.count()
    response = accept(issued.path)
    assert response.status_code == 410
    client = Client()
    client.cookies["django_language"] = "en"
    assert "expired" in client.get(issued.path).content.decode()
    assert User.objects.count() == count


def test_a_made_up_token_is_refused(region: dict) -> None:
    response = Client().get("/accounts/invitation/not-a-real-token/")
    assert response.status_code == 410


def test_weak_password_when_accepting_changes_nothing(region: dict) -> None:
    issued = issue(region)
    count = User.objects.count()
    data = {"full_name": "李新", "username": "li_new", "password1": "abc", "password2": "abc"}
    response = Client().post(issued.path, data)
    assert response.status_code == 200 and "password1" in response.context["form"].errors
    assert User.objects.count() == count
    assert Invitation.objects.get(pk=issued.invitation.pk).accepted_at is None
