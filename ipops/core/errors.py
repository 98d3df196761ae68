"""Error pages in the user's language; API paths get the API's JSON error format instead."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def api_error(
    code: str, message: str, status: int, fields: list[dict[str, str]] | None = None
) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "fields": fields or []}, status=status)


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    from django.core.exceptions import RequestDataTooBig

    if isinstance(exception, RequestDataTooBig):
        message = _("The upload is too large. Files may be at most %(mb)d MB.") % {"mb": _max_mb()}
        code = "too_large"
    else:
        message, code = (
            _("The request could not be understood. Check what you entered and try again."),
            "bad_request",
        )
    if is_api(request):
        return api_error(code, message, 400)
    return render(
        request, "error.html", {"status": 400, "title": _("Bad request"), "message": message}, status=400
    )


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    message = _("You do not have permission to do this. If you think you should, ask your administrator.")
    if is_api(request):
        return api_error("permission_denied", message, 403)
    return render(
        request, "error.html", {"status": 403, "title": _("Not allowed"), "message": message}, status=403
    )


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    message = _("There is nothing at this address. It may have been moved or deleted.")
    if is_api(request):
        return api_error("not_found", message, 404)
    return render(
        request, "error.html", {"status": 404, "title": _("Not found"), "message": message}, status=404
    )


def server_error(request: HttpRequest) -> HttpResponse:
    message = _("Something went wrong on our side. The error has been logged; please try again later.")
    if is_api(request):
        return api_error("server_error", message, 500)
    return render(
        request, "error.html", {"status": 500, "title": _("Server error"), "message": message}, status=500
    )


def _max_mb() -> int:
    from django.conf import settings

    return int(settings.IPOPS_MAX_UPLOAD_MB)
