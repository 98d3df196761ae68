"""Navigation pages: projects (list, create, edit, review, team, runs, publication), the public reports and
the regional statistics. Thin: the services decide and audit; `access` says who sees what."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ipops.accounts.models import User
from ipops.core.excel import xlsx_response
from ipops.core.forms import add_service_errors
from ipops.core.pagination import paginate, query_without_page
from ipops.core.permissions import deny
from ipops.corpus.query import connect
from ipops.corpus.store import SnapshotMissingError
from ipops.navigation import access, services
from ipops.navigation.conf import load_config
from ipops.navigation.forms import (
    CommentForm,
    ConclusionsForm,
    MemberForm,
    ProjectForm,
    ReferenceForm,
    SampleForm,
)
from ipops.navigation.models import NavigationProject, ProjectMember, ProjectRun, SampleItem
from ipops.navigation.report import REPORT_FILES, charts
from ipops.navigation.scope import hit_rows, scope_of
from ipops.patents.views import member_required

MAX_REFERENCE_UPLOAD = 2 * 1024 * 1024


def _project_for(request: HttpRequest, pk: Any) -> NavigationProject:
    project = get_object_or_404(NavigationProject.objects.select_related("organisation"), pk=pk)
    if not access.can_view(request.user, project):
        raise deny(request.user, "open a navigation project", target=project)
    return project


# --- list and create -----------------------------------------------------------------------------------


@require_safe
@member_required
def project_list(request: HttpRequest) -> HttpResponseBase:
    projects = access.visible_projects(request.user).select_related("organisation").order_by("-created_at")
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            actor=request.user,
            action="navigation.export",
            filters={},
            filename="navigation-projects.xlsx",
            sheet_title=_("Navigation projects"),
            headers=[
                _("Title"),
                _("Navigation type"),
                _("Status"),
                _("Organisation"),
                _("Created"),
                _("Published"),
            ],
            rows=(
                [
                    p.title,
                    p.get_kind_display(),
                    p.get_status_display(),
                    p.organisation.name,
                    p.created_at,
                    p.published_at,
                ]
                for p in projects
            ),
            tmp_dir=Path(settings.DATA_DIR) / "tmp",
        )
    page = paginate(request, projects)
    return render(
        request,
        "navigation/project_list.html",
        {"page": page, "query": query_without_page(request), "can_create": access.is_operator(request.user)},
    )


@member_required
def project_create(request: HttpRequest) -> HttpResponse:
    if not access.is_operator(request.user):
        raise deny(request.user, "create a navigation project")
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.create_project(actor=request.user, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Project created. Add the team, check the hit set and draw a sample for review.")
            )
            return redirect("navigation:project_detail", pk=project.pk)
    return render(request, "navigation/project_form.html", {"form": form, "project": None})


@member_required
def project_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    project = _project_for(request, pk)
    access.require(access.can_edit(request.user, project), request.user, "edit a navigation project", project)
    form = ProjectForm(request.POST or None, initial=ProjectForm.initial_for(project))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_project(actor=request.user, project=project, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Project saved."))
            return redirect("navigation:project_detail", pk=project.pk)
    return render(request, "navigation/project_form.html", {"form": form, "project": project})


# --- the project page ----------------------------------------------------------------------------------


@require_safe
@member_required
def project_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    project = _project_for(request, pk)
    user = request.user
    quality = services.quality(project)
    preview: list[dict[str, Any]] = []
    if quality.error == "" and quality.hits:
        con = connect()
        try:
            preview = hit_rows(con, scope_of(project.scope()), limit=int(load_config()["hit_preview"]))
        finally:
            con.close()
    runs = project.runs.select_related("job", "created_by")[:10]
    context = {
        "project": project,
        "quality": quality,
        "preview": preview,
        "sample": project.sample.select_related("reviewed_by"),
        "members": project.members.select_related("user", "user__organisation"),
        "comments": project.comments.select_related("author"),
        "runs": runs,
        "can_edit": access.can_edit(user, project),
        "can_review": access.can_review(user, project),
        "can_manage": access.can_manage(user, project),
        "can_comment": access.can_comment(user, project),
        "member_form": MemberForm(),
        "sample_form": SampleForm(initial={"size": load_config()["sample_size"]}),
        "reference_form": ReferenceForm(initial={"numbers": "\n".join(project.reference_numbers[:2000])}),
        "comment_form": CommentForm(),
        "conclusions_form": ConclusionsForm(initial={"text": project.conclusions}),
        "has_succeeded_run": project.runs.filter(job__status="succeeded").exists(),
    }
    return render(request, "navigation/project_detail.html", context)


def _done(request: HttpRequest, project: NavigationProject, text: str, anchor: str = "") -> HttpResponse:
    messages.success(request, text)
    response = redirect("navigation:project_detail", pk=project.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def _refused(
    request: HttpRequest, project: NavigationProject, error: ValidationError, anchor: str = ""
) -> HttpResponse:
    for text in error.messages:
        messages.error(request, text)
    response = redirect("navigation:project_detail", pk=project.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@require_POST
@member_required
def team_add(request: HttpRequest, pk: Any) -> HttpResponse:
    project = _project_for(request, pk)
    access.require(
        access.can_manage(request.user, project), request.user, "manage a navigation team", project
    )
    form = MemberForm(request.POST)
    if not form.is_valid():
        return _refused(request, project, ValidationError(_("Give a user name and a role.")), "team")
    user = User.objects.filter(username=form.cleaned_data["username"]).select_related("organisation").first()
    if user is None:
        return _refused(request, project, ValidationError(_("There is no user with that name.")), "team")
    try:
        services.add_member(actor=request.user, project=project, user=user, role=form.cleaned_data["role"])
    except ValidationError as error:
        return _refused(request, project, error, "team")
    return _done(request, project, _("Added to the team."), "team")


@require_POST
@member_required
def team_remove(request: HttpRequest, pk: Any, member: Any) -> HttpResponse:
    project = _project_for(request, pk)
    record = get_object_or_404(ProjectMember, pk=member, project=project)
    services.remove_member(actor=request.user, member=record)
    return _done(request, project, _("Removed from the team."), "team")


@require_POST
@member_required
def sample_draw(request: HttpRequest, pk: Any) -> HttpResponse:
    project = _project_for(request, pk)
    access.require(access.can_edit(request.user, project), request.user, "draw a review sample", project)
    form = SampleForm(request.POST)
    if not form.is_valid():
        return _refused(
            request, project, ValidationError(_("Give the sample size as a whole number.")), "review"
        )
    try:
        items = services.draw_sample(actor=request.user, project=project, size=form.cleaned_data["size"])
    except ValidationError as error:
        return _refused(request, project, error, "review")
    return _done(request, project, _("Drew %(n)d patents for review.") % {"n": len(items)}, "review")


@require_POST
@member_required
def sample_review(request: HttpRequest, pk: Any, item: Any) -> HttpResponse:
    project = _project_for(request, pk)
    record = get_object_or_404(SampleItem, pk=item, project=project)
    verdict = {"yes": True, "no": False, "clear": None}.get(request.POST.get("relevant", ""), "bad")
    if verdict == "bad":
        return _refused(
            request, project, ValidationError(_("Mark the patent relevant or not relevant.")), "review"
        )
    services.review_item(actor=request.user, item=record, relevant=verdict)  # type: ignore[arg-type]
    return _done(request, project, _("Verdict saved."), f"item-{record.position}")


@require_POST
@member_required
def reference_set(request: HttpRequest, pk: Any) -> HttpResponse:
    project = _project_for(request, pk)
    access.require(access.can_edit(request.user, project), request.user, "set a reference set", project)
    form = ReferenceForm(request.POST, request.FILES)
    if not form.is_valid():
        return _refused(
            request, project, ValidationError(_("Paste publication numbers or choose a file.")), "quality"
        )
    text = form.cleaned_data["numbers"] or ""
    upload = form.cleaned_data.get("file")
    if upload is not None:
        if upload.size > MAX_REFERENCE_UPLOAD:
            return _refused(request, project, ValidationError(_("The file is larger than 2 MB.")), "quality")
        raw = upload.read()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            return _refused(
                request, project, ValidationError(_("The file is not UTF-8 or GB18030 text.")), "quality"
            )
        lines = [line.split(",")[0].strip() for line in text.splitlines()]
        text = "\n".join(line for line in lines if line and not line.lower().startswith(("pub", "公开")))
    try:
        services.set_reference_set(actor=request.user, project=project, numbers=text)
    except ValidationError as error:
        return _refused(request, project, error, "quality")
    return _done(request, project, _("Reference set saved."), "quality")


@require_POST
@member_required
def comment_add(request: HttpRequest, pk: Any) -> HttpResponse:
    project = _project_for(request, pk)
    form = CommentForm(request.POST)
    try:
        services.add_comment(actor=request.user, project=project, text=form.data.get("text", ""))
    except ValidationError as error:
        return _refused(request, project, error, "comments")
    return _done(request, project, _("Comment added."), "comments")


@require_POST
@member_required
def conclusions_save(request: HttpRequest, pk: Any) -> HttpResponse:
    project = _project_for(request, pk)
    services.save_conclusions(actor=request.user, project=project, text=request.POST.get("text", ""))
    return _done(request, project, _("Conclusions saved."), "conclusions")


@require_POST
@member_required
def run_start(request: HttpRequest, pk: Any) -> HttpResponse:
    project = _project_for(request, pk)
    run = services.start_run(actor=request.user, project=project)
    messages.success(
        request, _("The analyses are running in the background; this page shows when they are done.")
    )
    if run.job is not None:
        return redirect("core:job_detail", pk=run.job.pk)
    return redirect("navigation:project_detail", pk=project.pk)


@require_POST
@member_required
def publish(request: HttpRequest, pk: Any) -> HttpResponse:
    project = _project_for(request, pk)
    try:
        services.publish(actor=request.user, project=project)
    except ValidationError as error:
        return _refused(request, project, error, "runs")
    return _done(request, project, _("Published. Anyone can now read the report."), "runs")


@require_POST
@member_required
def unpublish(request: HttpRequest, pk: Any) -> HttpResponse:
    project = _project_for(request, pk)
    try:
        services.unpublish(actor=request.user, project=project)
    except ValidationError as error:
        return _refused(request, project, error, "runs")
    return _done(request, project, _("The report is withdrawn."), "runs")


@require_safe
@member_required
def hits_export(request: HttpRequest, pk: Any) -> HttpResponseBase:
    project = _project_for(request, pk)
    try:
        con = connect()
    except SnapshotMissingError:
        messages.error(
            request,
            _("There is no data snapshot yet. An operator builds it with `manage.py refresh_derived`."),
        )
        return redirect("navigation:project_detail", pk=project.pk)
    try:
        rows = hit_rows(con, scope_of(project.scope()))
    finally:
        con.close()
    return xlsx_response(
        actor=request.user,
        action="navigation.hits.export",
        filters=project.scope(),
        filename="navigation-hits.xlsx",
        sheet_title=_("Hits"),
        headers=[
            _("Publication number"),
            _("Title"),
            _("Main IPC"),
            _("Application date"),
            _("Patent type"),
            _("District"),
        ],
        rows=(
            [r["pub_number"], r["title"], r["main_ipc"], r["app_date"], r["patent_type"], r["district_code"]]
            for r in rows
        ),
        tmp_dir=Path(settings.DATA_DIR) / "tmp",
    )


# --- reports -------------------------------------------------------------------------------------------


def _report(
    request: HttpRequest, project: NavigationProject, run: ProjectRun, conclusions: str, public: bool
) -> HttpResponse:
    specs = charts(run.overview, run.analyses)
    return render(
        request,
        "navigation/report.html",
        {
            "project": project,
            "run": run,
            "charts": specs,
            "chart_data": [
                {"id": s["id"], "type": s["type"], "categories": s["categories"], "series": s["series"]}
                for s in specs
            ],
            "conclusions": conclusions,
            "public": public,
            "language": get_language(),
        },
    )


@require_safe
def published_list(request: HttpRequest) -> HttpResponse:
    projects = (
        NavigationProject.objects.filter(status=NavigationProject.Status.PUBLISHED)
        .select_related("organisation", "published_run")
        .order_by("-published_at")
    )
    return render(
        request,
        "navigation/published_list.html",
        {"page": paginate(request, projects), "query": query_without_page(request)},
    )


def _published(pk: Any) -> NavigationProject:
    project = get_object_or_404(
        NavigationProject.objects.select_related("published_run", "organisation"), pk=pk
    )
    if not project.is_published or project.published_run is None:
        raise Http404
    return project


@require_safe
def published_report(request: HttpRequest, pk: Any) -> HttpResponse:
    project = _published(pk)
    assert project.published_run is not None
    return _report(request, project, project.published_run, project.published_conclusions, public=True)


@require_safe
def published_file(request: HttpRequest, pk: Any, kind: str) -> FileResponse:
    project = _published(pk)
    assert project.published_run is not None
    return _file(project.published_run, kind)


@require_safe
@member_required
def run_report(request: HttpRequest, pk: Any, run: Any) -> HttpResponse:
    project = _project_for(request, pk)
    record = get_object_or_404(ProjectRun.objects.select_related("job"), pk=run, project=project)
    if not record.succeeded:
        messages.error(request, _("This run has not finished."))
        return redirect("navigation:project_detail", pk=project.pk)
    return _report(request, project, record, project.conclusions, public=False)


@require_safe
@member_required
def run_file(request: HttpRequest, pk: Any, run: Any, kind: str) -> FileResponse:
    project = _project_for(request, pk)
    record = get_object_or_404(ProjectRun.objects.select_related("job"), pk=run, project=project)
    return _file(record, kind)


def _file(run: ProjectRun, kind: str) -> FileResponse:
    name = REPORT_FILES.get(kind)
    if name is None or not run.files_dir or not run.succeeded:
        raise Http404
    path = Path(run.files_dir) / name
    if not path.exists():
        raise Http404
    return FileResponse(
        path.open("rb"), as_attachment=kind != "html", filename=f"navigation-{run.project_id}-{name}"
    )
