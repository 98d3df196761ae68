"""Request id and client address for the audit log, the sticky language choice, security headers."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from ipops.core.request_context import RequestInfo, reset_current_request, set_current_request

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

Handler = Callable[[HttpRequest], HttpResponse]


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the entry the trusted proxies added to X-Forwarded-For."""
    proxies = settings.IPOPS_TRUSTED_PROXIES
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if proxies > 0 and len(forwarded) >= proxies:
        return forwarded[-proxies][:64]
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


class RequestContextMiddleware:
    """Gives every request an id (kept from a trusted proxy's header when well-formed) for audit entries."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = set_current_request(RequestInfo(request_id=request_id, ip_address=client_address(request)))
        try:
            response = self.get_response(request)
        finally:
            reset_current_request(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class LanguageMiddleware:
    """Chinese unless the visitor chose otherwise: the language cookie wins, the browser's header does not."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supported = {code for code, _name in settings.LANGUAGES}
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """Content-Security-Policy (nothing loads from outside), and no caching of signed-in pages."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class UploadLimitMiddleware:
    """Refuse a request body larger than the upload limit before reading it, with a clear message."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.IPOPS_MAX_UPLOAD_MB * 1024 * 1024 + 64 * 1024  # file plus the form's other fields
        if length > limit:
            from django.core.exceptions import RequestDataTooBig

            from ipops.core.errors import bad_request

            response = bad_request(request, RequestDataTooBig())
            response.status_code = 413
            return response
        return self.get_response(request)


class DeniedAuditMiddleware:
    """Every refused request (PermissionDenied from a view or service) leaves an `auth.denied` entry."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        from django.core.exceptions import PermissionDenied

        from ipops.core.permissions import record_denial

        if isinstance(exception, PermissionDenied):
            record_denial(exception, getattr(request, "user", None), f"{request.method} {request.path}")


class PasswordChangeRequiredMiddleware:
    """A signed-in user with a temporary or expired password can only open the password page (and log out)."""

    ALLOWED_PREFIXES = ("/accounts/password/", "/accounts/logout/", "/i18n/", "/static/", "/api/")

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "password_expired", False)
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            from django.contrib import messages
            from django.shortcuts import redirect
            from django.utils.translation import gettext as _

            messages.warning(
                request, _("Your password is temporary or has expired. Choose a new one to continue.")
            )
            return redirect("accounts:password_change")
        return self.get_response(request)
