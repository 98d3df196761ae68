"""The API's building blocks: authentication, one error format, pagination; and the core endpoints."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PageNumberPagination, paginate
from ninja.security import HttpBearer, SessionAuth

from ipops.accounts.roles import Role
from ipops.core.filters import AuditFilterForm
from ipops.core.jobs import get_visible_job, live_progress, result_path, visible_jobs
from ipops.core.models import AuditEntry, Job
from ipops.core.permissions import record_denial, require_role


class BearerToken(HttpBearer):
    """`Authorization: Bearer ipops_…` with a token created on the user's API tokens page."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from ipops.accounts.services import user_for_api_key

        user = user_for_api_key(token)
        if user is not None:
            request.user = user
        return user


class ActiveSession(SessionAuth):
    """The browser's log-in session; CSRF is checked only for a signed-in session (anonymous → 401)."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


AUTH = [BearerToken(), ActiveSession()]


def caller(request: HttpRequest) -> Any:
    """The authenticated user of an API request (set by the auth classes above)."""
    return request.auth  # type: ignore[attr-defined]


class ErrorField(Schema):
    field: str
    message: str


class Error(Schema):
    code: str
    message: str
    fields: list[ErrorField] = []


class Pagination(PageNumberPagination):
    """`?page=N&page_size=M` (at most 200); answers {items, count}."""


def error(
    api: NinjaAPI, request: HttpRequest, code: str, message: str, status: int, fields: Any = None
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "fields": fields or []}, status=status
    )


PARAMETER_SOURCES = {"body", "query", "path", "form", "header", "cookie", "filters"}


def field_name(loc: Any) -> str:
    """`("body", "body", "email")` → `email`: the field as the client named it."""
    parts = [str(p) for p in loc]
    while parts and parts[0] in PARAMETER_SOURCES:
        parts.pop(0)
    return ".".join(parts) or "body"


def field_message(err: dict[str, Any]) -> str:
    if err.get("type") == "missing":
        return _("This field is required.")
    return str(err.get("msg", ""))


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = [{"field": field_name(e.get("loc", ())), "message": field_message(e)} for e in exc.errors]
        return error(api, request, "validation_error", _("Some fields are not valid."), 422, fields)

    @api.exception_handler(AuthenticationError)
    def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error(api, request, "not_authenticated", _("Log in or send a valid API token."), 401)

    @api.exception_handler(HttpError)
    def on_http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            return error(api, request, "malformed_json", _("The request body is not valid JSON."), 400)
        if exc.status_code == 403 and str(exc) == "CSRF check Failed":
            return error(api, request, "csrf_failed", _("The CSRF token is missing or wrong."), 403)
        return error(api, request, "http_error", str(exc), exc.status_code)

    @api.exception_handler(PermissionDenied)
    def on_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        record_denial(exc, getattr(request, "user", None), f"{request.method} {request.path}")
        return error(api, request, "permission_denied", _("You do not have permission to do this."), 403)

    @api.exception_handler(Http404)
    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error(api, request, "not_found", _("Not found."), 404)

    @api.exception_handler(DjangoValidationError)
    def on_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            fields = [{"field": f, "message": m} for f, errs in exc.message_dict.items() for m in errs]
            message = fields[0]["message"] if fields else _("Not valid.")
        else:
            fields, message = [], " ".join(exc.messages)
        return error(api, request, "invalid", message, 400, fields)


# --- core endpoints: jobs and the audit log ---------------------------------------------------------

router = Router(tags=["platform"])


class JobProgressOut(Schema):
    done: int
    total: int | None
    messages: list[dict[str, Any]]


class JobOut(Schema):
    id: UUID
    kind: str
    title: str
    status: str
    progress: JobProgressOut
    error: str
    result: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    download_url: str | None

    @staticmethod
    def resolve_progress(job: Job) -> dict[str, Any]:
        return live_progress(job)

    @staticmethod
    def resolve_download_url(job: Job) -> str | None:
        return reverse("core:job_download", args=[job.pk]) if result_path(job) else None


@router.get("/jobs", response=list[JobOut], summary="List my jobs (operators: all jobs)")
@paginate(Pagination)
def list_jobs(request: HttpRequest) -> Any:
    return visible_jobs(request.user)


@router.get("/jobs/{job_id}", response=JobOut, summary="One job with its progress")
def get_job(request: HttpRequest, job_id: UUID) -> Any:
    return get_visible_job(request.user, job_id)


class AuditOut(Schema):
    seq: int
    occurred_at: datetime
    actor_username: str
    organisation_name: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: Any = None
    after: Any = None
    request_id: str
    hash: str


class AuditQuery(Schema):
    action: str = ""
    user: str = ""
    organisation: str = ""
    object_type: str = ""
    since: str = ""
    until: str = ""


@router.get("/audit", response=list[AuditOut], summary="The audit log (auditors only), newest first")
@paginate(Pagination)
def list_audit(request: HttpRequest, filters: Query[AuditQuery]) -> Any:
    require_role(request.user, Role.AUDITOR, what="read the audit log")
    form = AuditFilterForm({k: v for k, v in filters.dict().items() if v})
    if not form.is_valid():
        raise DjangoValidationError({k: v for k, v in form.errors.items()})
    return form.filter(AuditEntry.objects.all())
