"""Every change to a navigation project: keyword-only arguments, one transaction, one audit entry, and the
caller's organisation and role checked first (see `ipops.navigation.access`)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipops.core import audit
from ipops.core.jobs import start_job
from ipops.core.permissions import deny
from ipops.corpus.query import connect
from ipops.corpus.store import SnapshotMissingError
from ipops.navigation import access
from ipops.navigation.conf import load_config
from ipops.navigation.models import (
    NavigationProject,
    ProjectComment,
    ProjectKind,
    ProjectMember,
    ProjectRun,
    SampleItem,
)
from ipops.navigation.scope import (
    clean_ipc,
    clean_keywords,
    clean_region,
    clean_years,
    count_hits,
    hit_pub_numbers,
    normalise_number,
    sample_rows,
    scope_of,
)
from ipops.navigation.stats import Estimate, wilson

RUN_JOB = "navigation.run"
SCOPE_FIELDS = (
    "title",
    "kind",
    "description",
    "strategy",
    "ipc_codes",
    "keywords",
    "region_code",
    "year_from",
    "year_to",
    "industry_scheme",
    "industry_code",
)


def _clean_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Checked project fields (ValidationError by field for bad input)."""
    cleaned: dict[str, Any] = {}
    if "title" in values:
        title = (values["title"] or "").strip()
        if not title:
            raise ValidationError({"title": _("Give the project a title.")})
        cleaned["title"] = title[:200]
    if "kind" in values:
        if values["kind"] not in ProjectKind.values:
            raise ValidationError({"kind": _("Choose a navigation type.")})
        cleaned["kind"] = values["kind"]
    for name in ("description", "strategy"):
        if name in values:
            cleaned[name] = (values[name] or "").strip()
    if "ipc_codes" in values:
        cleaned["ipc_codes"] = clean_ipc(values["ipc_codes"] or "")
    if "keywords" in values:
        cleaned["keywords"] = clean_keywords(values["keywords"] or "")
    if "region_code" in values:
        cleaned["region_code"] = clean_region(values["region_code"] or "")
    if "year_from" in values or "year_to" in values:
        cleaned["year_from"], cleaned["year_to"] = clean_years(values.get("year_from"), values.get("year_to"))
    if "industry_scheme" in values or "industry_code" in values:
        from ipops.reference.models import IndustryClass

        scheme, code = (
            (values.get("industry_scheme") or "").strip(),
            (values.get("industry_code") or "").strip(),
        )
        if code and not IndustryClass.objects.filter(scheme__key=scheme, code=code).exists():
            raise ValidationError({"industry_code": _("This industry is not in the loaded classification.")})
        cleaned["industry_scheme"], cleaned["industry_code"] = (scheme if code else ""), code
    return cleaned


def create_project(*, actor: Any, title: str, kind: str, **fields: Any) -> NavigationProject:
    """A new project of the operator's centre, in draft."""
    if not access.is_operator(actor):
        raise deny(actor, "create a navigation project")
    unknown = set(fields) - set(SCOPE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    cleaned = _clean_fields({"title": title, "kind": kind, **fields})
    with transaction.atomic():
        project = NavigationProject.objects.create(
            organisation=actor.organisation, created_by=actor, **cleaned
        )
        audit.record(action="navigation.create", actor=actor, target=project, after=audit.snapshot(project))
    return project


def update_project(*, actor: Any, project: NavigationProject, **fields: Any) -> NavigationProject:
    """Change the title, type, description, scope or strategy (operators of the centre, analysts). A run
    already started keeps the scope it copied."""
    access.require(access.can_edit(actor, project), actor, "edit a navigation project", project)
    unknown = set(fields) - set(SCOPE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    cleaned = _clean_fields(fields)
    with transaction.atomic():
        project = NavigationProject.objects.select_for_update().get(pk=project.pk)
        before = audit.snapshot(project)
        for name, value in cleaned.items():
            setattr(project, name, value)
        project.save()
        audit.record_update(action="navigation.update", actor=actor, target=project, before=before)
    return project


def add_member(*, actor: Any, project: NavigationProject, user: Any, role: str) -> ProjectMember:
    """Put a user on the team as analyst or reviewer (operators of the centre). Analysts come from the
    centre or an agency; reviewers also from universities and institutes."""
    access.require(access.can_manage(actor, project), actor, "manage a navigation team", project)
    if role not in ProjectMember.Role.values:
        raise ValidationError({"role": _("Choose analyst or reviewer.")})
    org = getattr(user, "organisation", None)
    if org is None or not org.is_active or not user.is_active:
        raise ValidationError({"user": _("Only members of approved organisations can join a team.")})
    if org.pk != project.organisation_id and org.kind not in access.TEAM_KINDS[role]:
        raise ValidationError({"user": _("This organisation cannot take that role in a navigation team.")})
    with transaction.atomic():
        member, created = ProjectMember.objects.get_or_create(project=project, user=user, role=role)
        if not created:
            raise ValidationError({"user": _("This user already has that role in the team.")})
        audit.record(
            action="navigation.team.add",
            actor=actor,
            target=project,
            after={"user": user.username, "role": role},
        )
    return member


def remove_member(*, actor: Any, member: ProjectMember) -> None:
    project = member.project
    access.require(access.can_manage(actor, project), actor, "manage a navigation team", project)
    with transaction.atomic():
        audit.record(
            action="navigation.team.remove",
            actor=actor,
            target=project,
            before={"user": member.user.username, "role": member.role},
        )
        member.delete()


def _snapshot_connection() -> Any:
    try:
        return connect()
    except SnapshotMissingError:
        raise ValidationError(
            _("There is no data snapshot yet. An operator builds it with `manage.py refresh_derived`.")
        ) from None


def draw_sample(
    *, actor: Any, project: NavigationProject, size: int | None = None, seed: int | None = None
) -> list[SampleItem]:
    """Draw a new random sample of the hit set for relevance review (replacing the previous one and its
    verdicts). Operators of the centre and analysts."""
    access.require(access.can_edit(actor, project), actor, "draw a review sample", project)
    config = load_config()
    size = int(config["sample_size"]) if size is None else size
    if not 1 <= size <= int(config["max_sample_size"]):
        raise ValidationError(
            {"size": _("A sample of 1 to %(n)d patents.") % {"n": int(config["max_sample_size"])}}
        )
    seed = random.SystemRandom().randrange(2**31) if seed is None else seed
    scope = scope_of(project.scope())
    con = _snapshot_connection()
    try:
        rows = sample_rows(con, scope, size=size, seed=seed)
    finally:
        con.close()
    if not rows:
        raise ValidationError(_("The scope matches no patents: widen it before drawing a sample."))
    with transaction.atomic():
        before = SampleItem.objects.filter(project=project).count()
        SampleItem.objects.filter(project=project).delete()
        items = SampleItem.objects.bulk_create(
            SampleItem(
                project=project,
                position=i,
                patent_id=str(r["id"]),
                pub_number=r["pub_number"] or "",
                title=r["title"] or "",
                main_ipc=r["main_ipc"] or "",
            )
            for i, r in enumerate(rows, start=1)
        )
        audit.record(
            action="navigation.sample.draw",
            actor=actor,
            target=project,
            before={"items": before},
            after={"items": len(items), "seed": seed, "scope": project.scope()},
        )
    return items


def review_item(*, actor: Any, item: SampleItem, relevant: bool | None) -> SampleItem:
    """A reviewer's verdict on one sample patent (None clears it)."""
    project = item.project
    access.require(access.can_review(actor, project), actor, "review a navigation sample", project)
    with transaction.atomic():
        item = SampleItem.objects.select_for_update().get(pk=item.pk)
        before = {"relevant": item.relevant}
        item.relevant = relevant
        item.reviewed_by = actor if relevant is not None else None
        item.reviewed_at = timezone.now() if relevant is not None else None
        item.save()
        audit.record(
            action="navigation.sample.review",
            actor=actor,
            target=project,
            before=before,
            after={"item": item.pub_number or item.patent_id, "relevant": relevant},
        )
    return item


_NUMBER_SPLIT = re.compile(r"[\n\r\t;,、，；|]+")


def set_reference_set(*, actor: Any, project: NavigationProject, numbers: str) -> NavigationProject:
    """The publication numbers known to belong to the topic, for recall (operators, analysts)."""
    access.require(access.can_edit(actor, project), actor, "set a reference set", project)
    items = list(dict.fromkeys(normalise_number(n) for n in _NUMBER_SPLIT.split(numbers or "") if n.strip()))
    items = [n for n in items if n]
    limit = int(load_config()["max_reference_numbers"])
    if len(items) > limit:
        raise ValidationError({"numbers": _("At most %(n)d publication numbers.") % {"n": limit}})
    bad = [n for n in items if not re.fullmatch(r"[A-Z]{2}\d[\dA-Z]*", n)]
    if bad:
        raise ValidationError(
            {
                "numbers": _("Not publication numbers: %(numbers)s (write them as CN110123456A).")
                % {"numbers": ", ".join(bad[:10])}
            }
        )
    with transaction.atomic():
        before = {"reference_numbers": len(project.reference_numbers)}
        project.reference_numbers = items
        project.save(update_fields=["reference_numbers", "updated_at"])
        audit.record(
            action="navigation.reference_set",
            actor=actor,
            target=project,
            before=before,
            after={"reference_numbers": len(items)},
        )
    return project


def add_comment(*, actor: Any, project: NavigationProject, text: str) -> ProjectComment:
    access.require(access.can_comment(actor, project), actor, "comment on a navigation project", project)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a comment first.")})
    with transaction.atomic():
        comment = ProjectComment.objects.create(project=project, author=actor, text=text[:5000])
        audit.record(action="navigation.comment", actor=actor, target=project, after={"text": comment.text})
    return comment


def save_conclusions(*, actor: Any, project: NavigationProject, text: str) -> NavigationProject:
    access.require(access.can_edit(actor, project), actor, "write navigation conclusions", project)
    with transaction.atomic():
        before = audit.snapshot(project)
        project.conclusions = (text or "").strip()
        project.save(update_fields=["conclusions", "updated_at"])
        audit.record_update(action="navigation.conclusions", actor=actor, target=project, before=before)
    return project


def start_run(*, actor: Any, project: NavigationProject, enqueue: bool = True) -> ProjectRun:
    """Queue the analyses: the scope (with the industry's IPC prefixes resolved) and the strategy are
    copied into the run, so editing the project while the job runs does not change what it analyses."""
    access.require(access.can_edit(actor, project), actor, "run navigation analyses", project)
    scope = scope_of(project.scope())
    with transaction.atomic():
        run = ProjectRun.objects.create(
            project=project, scope=scope.as_dict(), strategy=project.strategy, created_by=actor
        )
        job = start_job(
            actor=actor,
            kind=RUN_JOB,
            params={"run": str(run.pk), "project": str(project.pk)},
            organisation=project.organisation,
            enqueue=enqueue,
        )
        run.job = job
        run.save(update_fields=["job", "updated_at"])
        audit.record(
            action="navigation.run",
            actor=actor,
            target=project,
            after={"run": str(run.pk), "scope": run.scope},
        )
    return run


def publish(*, actor: Any, project: NavigationProject, run: ProjectRun | None = None) -> NavigationProject:
    """Publish the report of a finished run (the latest by default) with the current conclusions
    (operators of the centre)."""
    access.require(access.can_manage(actor, project), actor, "publish a navigation report", project)
    if run is None:
        run = project.runs.filter(job__status="succeeded").order_by("-created_at").first()
    if run is None or run.project_id != project.pk or not run.succeeded:
        raise ValidationError(_("Run the analyses (and wait for them to finish) before publishing."))
    if run.files_dir:  # the downloads carry the conclusions being published
        from pathlib import Path

        from ipops.navigation.report import write_documents

        write_documents(Path(run.files_dir), project=project, run=run, conclusions=project.conclusions)
    with transaction.atomic():
        before = audit.snapshot(project)
        project.status = NavigationProject.Status.PUBLISHED
        project.published_run = run
        project.published_at = timezone.now()
        project.published_conclusions = project.conclusions
        project.save()
        audit.record_update(action="navigation.publish", actor=actor, target=project, before=before)
    return project


def unpublish(*, actor: Any, project: NavigationProject) -> NavigationProject:
    access.require(access.can_manage(actor, project), actor, "withdraw a navigation report", project)
    if not project.is_published:
        raise ValidationError(_("The report is not published."))
    with transaction.atomic():
        before = audit.snapshot(project)
        project.status = NavigationProject.Status.DRAFT
        project.save(update_fields=["status", "updated_at"])
        audit.record_update(action="navigation.unpublish", actor=actor, target=project, before=before)
    return project


# --- reading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quality:
    hits: int | None
    reviewed: int
    sampled: int
    precision: Estimate
    reference: int
    reference_in_data: int | None
    recall: Estimate | None
    error: str = ""


def _without_kind(number: str) -> str:
    return re.sub(r"[A-Z]\d?$", "", number)


def quality(project: NavigationProject) -> Quality:
    """Hit count, estimated precision (reviewed sample) and recall (reference set) of the current scope."""
    confidence = float(load_config()["confidence"])
    items = list(project.sample.values_list("relevant", flat=True))
    reviewed = [v for v in items if v is not None]
    scope = scope_of(project.scope())
    hits: int | None = None
    recall: Estimate | None = None
    in_data: int | None = None
    error = ""
    try:
        con = connect()
    except SnapshotMissingError:
        con, error = (
            None,
            _("There is no data snapshot yet. An operator builds it with `manage.py refresh_derived`."),
        )
    if con is not None:
        try:
            hits = count_hits(con, scope)
            if project.reference_numbers:
                found = hit_pub_numbers(con, scope)
                found_loose = {_without_kind(n) for n in found}
                refs = project.reference_numbers
                matched = sum(1 for n in refs if n in found or _without_kind(n) in found_loose)
                recall = wilson(matched, len(refs), confidence)
                everything = {
                    normalise_number(r[0])
                    for r in con.execute("SELECT pub_number FROM patents").fetchall()
                    if r[0]
                }
                loose_all = {_without_kind(n) for n in everything}
                in_data = sum(1 for n in refs if n in everything or _without_kind(n) in loose_all)
        finally:
            con.close()
    precision = wilson(sum(1 for v in reviewed if v), len(reviewed), confidence, population=hits)
    return Quality(
        hits, len(reviewed), len(items), precision, len(project.reference_numbers), in_data, recall, error
    )
