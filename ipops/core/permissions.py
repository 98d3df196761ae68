"""Who may do what: role and organisation checks shared by views, API endpoints and services.

A refusal raises PermissionDenied and is written to the audit log (action `auth.denied`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from ipops.core import audit

F = TypeVar("F", bound=Callable[..., HttpResponseBase])


class Denied(PermissionDenied):
    """A refusal that knows who was refused what, so the request boundary can audit it."""

    def __init__(self, user: Any, what: str, target: Any = None) -> None:
        super().__init__(what)
        self.user, self.what, self.target = user, what, target


def deny(user: Any, what: str, *, target: Any = None) -> Denied:
    """The exception to raise for a refusal. It is audited where the request ends (middleware or the
    API's handler), after the refused transaction has rolled back, so the audit entry is kept."""
    return Denied(user, what, target)


def record_denial(exc: PermissionDenied, user: Any, fallback: str = "") -> None:
    """Write the `auth.denied` entry in its own transaction."""
    what = getattr(exc, "what", "") or str(exc) or fallback
    target = getattr(exc, "target", None)
    with transaction.atomic():
        audit.record(
            action="auth.denied",
            actor=user if getattr(user, "is_authenticated", False) else None,
            target=target,
            object_type="" if target is not None else "permission",
            object_repr="" if target is not None else what[:200],
            after={"refused": what},
        )


def is_member_of_active(user: Any) -> bool:
    org = getattr(user, "organisation", None)
    return bool(getattr(user, "is_authenticated", False) and org is not None and org.is_active)


def has_role(user: Any, *roles: str) -> bool:
    """The user holds one of the roles in an approved organisation."""
    return is_member_of_active(user) and user.has_role(*roles)


def require_role(user: Any, *roles: str, what: str = "") -> None:
    if not has_role(user, *roles):
        raise deny(user, what or f"requires role {' or '.join(roles)}")


def require_member(user: Any, organisation: Any, *roles: str, what: str = "") -> None:
    """The user belongs to this organisation (and, when roles are given, holds one of them)."""
    same_org = is_member_of_active(user) and user.organisation_id == organisation.pk
    if not same_org or (roles and not user.has_role(*roles)):
        raise deny(
            user, what or "not a member of this organisation with the needed role", target=organisation
        )


def role_required(*roles: str) -> Callable[[F], F]:
    """View decorator: anonymous users go to log in; signed-in users without the role get 403 (audited)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require_role(request.user, *roles, what=f"{request.method} {request.path}")
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
