"""Security events from Django's auth signals go to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from ipops.core import audit


@receiver(user_logged_in)
def log_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(action="auth.login", actor=user, target=user)


@receiver(user_logged_out)
def log_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(action="auth.logout", actor=user, target=user)


@receiver(user_login_failed)
def log_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    user = get_user_model().objects.filter(username=username).first()
    audit.record(
        action="auth.login_failed",
        actor=None,
        organisation=getattr(user, "organisation", None),
        object_type="accounts.user",
        object_id=str(user.pk) if user else "",
        object_repr=username,
    )
