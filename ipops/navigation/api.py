"""API endpoints of the patent navigation module: projects the caller may see (with the search quality),
creating one, starting a run, and the published reports (public, no authentication)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from ipops.core.api import Pagination, caller
from ipops.core.permissions import deny
from ipops.navigation import access, services
from ipops.navigation.models import NavigationProject

router = Router(tags=["navigation"])


class ProjectOut(Schema):
    id: UUID
    title: str
    kind: str
    status: str
    organisation: str
    ipc_codes: list[str]
    keywords: list[str]
    region_code: str
    year_from: int | None
    year_to: int | None
    industry_scheme: str
    industry_code: str
    strategy: str
    created_at: datetime
    published_at: datetime | None

    @staticmethod
    def resolve_organisation(project: NavigationProject) -> str:
        return project.organisation.name


class EstimateOut(Schema):
    value: float | None
    low: float | None
    high: float | None
    hits: int
    n: int
    confidence: float


class QualityOut(Schema):
    hits: int | None
    sampled: int
    reviewed: int
    precision: EstimateOut
    reference: int
    reference_in_data: int | None
    recall: EstimateOut | None
    error: str


class ProjectIn(Schema):
    title: str
    kind: str
    description: str = ""
    ipc_codes: str = ""
    keywords: str = ""
    region_code: str = ""
    year_from: int | None = None
    year_to: int | None = None
    industry_scheme: str = ""
    industry_code: str = ""
    strategy: str = ""


class RunOut(Schema):
    id: UUID
    job_id: UUID | None
    scope: dict[str, Any]


class ReportOut(Schema):
    id: UUID
    title: str
    kind: str
    organisation: str
    published_at: datetime | None
    conclusions: str
    hits: int | None
    scope: dict[str, Any]
    overview: dict[str, Any]
    analyses: dict[str, Any]


@router.get(
    "/navigation/projects", response=list[ProjectOut], summary="Navigation projects the caller may open"
)
@paginate(Pagination)
def list_projects(request: HttpRequest) -> Any:
    return access.visible_projects(caller(request)).select_related("organisation").order_by("-created_at")


@router.post(
    "/navigation/projects", response={201: ProjectOut}, summary="Create a navigation project (operators)"
)
def create_project(request: HttpRequest, payload: ProjectIn) -> Any:
    data = payload.dict()
    project = services.create_project(
        actor=caller(request), title=data.pop("title"), kind=data.pop("kind"), **data
    )
    return 201, project


def _visible(request: HttpRequest, project_id: UUID) -> NavigationProject:
    project = get_object_or_404(NavigationProject.objects.select_related("organisation"), pk=project_id)
    if not access.can_view(caller(request), project):
        raise deny(caller(request), "open a navigation project", target=project)
    return project


@router.get("/navigation/projects/{project_id}", response=ProjectOut, summary="One navigation project")
def get_project(request: HttpRequest, project_id: UUID) -> Any:
    return _visible(request, project_id)


@router.get(
    "/navigation/projects/{project_id}/quality",
    response=QualityOut,
    summary="Hit count, estimated precision and recall of the project's scope",
)
def get_quality(request: HttpRequest, project_id: UUID) -> Any:
    return services.quality(_visible(request, project_id))


@router.post(
    "/navigation/projects/{project_id}/runs",
    response={202: RunOut},
    summary="Start the analyses (a background job)",
)
def start_run(request: HttpRequest, project_id: UUID) -> Any:
    run = services.start_run(actor=caller(request), project=_visible(request, project_id))
    return 202, {"id": run.pk, "job_id": run.job_id, "scope": run.scope}


@router.get(
    "/navigation/reports", response=list[ProjectOut], auth=None, summary="Published navigation reports"
)
@paginate(Pagination)
def list_reports(request: HttpRequest) -> Any:
    return (
        NavigationProject.objects.filter(status=NavigationProject.Status.PUBLISHED)
        .select_related("organisation")
        .order_by("-published_at")
    )


@router.get(
    "/navigation/reports/{project_id}", response=ReportOut, auth=None, summary="A published report's numbers"
)
def get_report(request: HttpRequest, project_id: UUID) -> Any:
    project = get_object_or_404(
        NavigationProject.objects.select_related("organisation", "published_run"), pk=project_id
    )
    run = project.published_run
    if not project.is_published or run is None:
        raise Http404
    return {
        "id": project.pk,
        "title": project.title,
        "kind": project.kind,
        "organisation": project.organisation.name,
        "published_at": project.published_at,
        "conclusions": project.published_conclusions,
        "hits": run.hits,
        "scope": run.scope,
        "overview": run.overview,
        "analyses": run.analyses,
    }
