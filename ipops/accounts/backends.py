"""Log-in with lockout after repeated failures (configurable threshold and duration)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from ipops.core import audit


class LockoutModelBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kw: Any
    ) -> Any:
        if username is None or password is None:
            return None
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user_model().set_password(password)  # same work as a real check: no timing oracle on names
            return None
        if user.is_locked:
            if request is not None:
                request.ipops_locked_until = user.locked_until  # type: ignore[attr-defined]
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if user.failed_logins:
                user_model.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
            return user
        if user.check_password(password):
            return None  # inactive account: not a failed guess
        register_failure(user)
        now_locked = user_model.objects.get(pk=user.pk)
        if now_locked.is_locked and request is not None:
            request.ipops_locked_until = now_locked.locked_until  # type: ignore[attr-defined]
        return None


def register_failure(user: Any) -> None:
    """Count a wrong password; lock the account once the threshold is reached (audited)."""
    user_model = type(user)
    with transaction.atomic():
        locked = user_model.objects.select_for_update().get(pk=user.pk)
        before = {"failed_logins": locked.failed_logins, "locked_until": locked.locked_until}
        locked.failed_logins += 1
        if locked.failed_logins >= settings.IPOPS_LOCKOUT_THRESHOLD:
            locked.locked_until = timezone.now() + timedelta(minutes=settings.IPOPS_LOCKOUT_MINUTES)
            locked.failed_logins = 0
            locked.save(update_fields=["failed_logins", "locked_until"])
            audit.record(
                action="auth.locked",
                actor=None,
                organisation=locked.organisation,
                target=locked,
                before=before,
                after={"failed_logins": 0, "locked_until": locked.locked_until},
            )
        else:
            locked.save(update_fields=["failed_logins"])
