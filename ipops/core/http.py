"""Request types for views: what a signed-in request carries (for type checking only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from ipops.accounts.models import User


class AuthedRequest(HttpRequest):
    """A request behind `login_required` or `role_required`: `user` is a real user."""

    user: User
    htmx: HtmxDetails
    request_id: str
