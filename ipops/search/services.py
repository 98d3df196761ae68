"""The only way search-module state changes: saving and deleting technology needs; rebuilding and
refreshing the derived search stores through jobs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ipops.accounts.roles import OrgKind, Role
from ipops.core import audit
from ipops.core.jobs import start_job
from ipops.core.models import Job
from ipops.core.permissions import deny, has_role, is_member_of_active, require_member, require_role
from ipops.search import need_tags
from ipops.search.models import IPC_SCHEME, Need, NeedTag, tag_key, tag_name
from ipops.search.need_tags import NeedTags

REFRESH_JOB = "search.refresh"
EMBED_JOB = "search.embed"
RETAG_JOB = "search.need_retag"
ACTIVE = (Job.Status.QUEUED, Job.Status.RUNNING)
NEED_ORG_KINDS = frozenset({OrgKind.ENTERPRISE})
MAX_TITLE = 200
MAX_DESCRIPTION = 2000
RETAG_CHUNK = 200


def can_search(user: Any) -> bool:
    """Keyword search and matching: any member of an approved organisation."""
    return is_member_of_active(user)


def can_post_needs(user: Any) -> bool:
    return has_role(user, Role.MEMBER, Role.ORG_ADMIN) and user.organisation.kind in NEED_ORG_KINDS


def require_search(user: Any) -> None:
    if not can_search(user):
        raise deny(user, "search the patent corpus")


def needs_visible_to(user: Any) -> Any:
    """Needs a user may read: their own organisation's; the centre's operators read all."""
    if not is_member_of_active(user):
        return Need.objects.none()
    if has_role(user, Role.OPERATOR):
        return Need.objects.all()
    return Need.objects.filter(organisation_id=user.organisation_id)


def needs_tagged(needs: QuerySet[Need], *, ipc: str = "", industry: str = "") -> QuerySet[Need]:
    """The needs tagged with the IPC subclass `ipc` and (or) the industry `industry` ("scheme:code")."""
    if ipc:
        needs = needs.filter(tags__scheme=IPC_SCHEME, tags__code=ipc.strip().upper())
    if industry:
        scheme, _sep, code = industry.partition(":")
        needs = needs.filter(tags__scheme=scheme, tags__code=code)
    return needs


def industry_choices(needs: QuerySet[Need], language: str) -> list[tuple[str, str]]:
    """The industries and technology fields the given needs are tagged with, for a filter's choices."""
    tags = (
        NeedTag.objects.filter(need__in=needs)
        .exclude(scheme=IPC_SCHEME)
        .order_by("scheme", "code")
        .values_list("scheme", "code", "name_zh", "name_en")
        .distinct()
    )
    named = {tag_key(scheme, code): tag_name(zh, en, language) for scheme, code, zh, en in tags}
    return [(key, f"{name} ({key.partition(':')[2]})") for key, name in named.items()]


def _clean(title: str, description: str) -> tuple[str, str]:
    title, description = (title or "").strip(), (description or "").strip()
    errors: dict[str, str] = {}
    if not description:
        errors["description"] = _("Describe the technology you need in a sentence or two.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _("Keep the description under %(n)d characters.") % {"n": MAX_DESCRIPTION}
    if len(title) > MAX_TITLE:
        errors["title"] = _("Keep the title under %(n)d characters.") % {"n": MAX_TITLE}
    if errors:
        raise ValidationError(errors)
    return (title or description[:60]), description


def _write_tags(need: Need, tags: NeedTags) -> list[str]:
    """Replace the need's tags; the list of "scheme:code" written (for the audit entry)."""
    need.tags.all().delete()
    NeedTag.objects.bulk_create(
        NeedTag(
            need=need,
            scheme=t.scheme,
            code=t.code,
            name_zh=t.name_zh[:300],
            name_en=t.name_en[:300],
            confidence=t.confidence,
            position=i,
        )
        for i, t in enumerate(tags.tags)
    )
    return [tag_key(t.scheme, t.code) for t in tags.tags]


def save_need(*, actor: Any, title: str, description: str) -> Need:
    """Save a need for the actor's organisation (enterprise members and administrators), tagged with the
    IPC subclasses and industries of its text (`need_tags`)."""
    if not can_post_needs(actor):
        raise deny(actor, "save a technology need")
    title, description = _clean(title, description)
    tags = need_tags.tags_for(title=title, description=description)
    with transaction.atomic():
        need = Need.objects.create(
            organisation=actor.organisation,
            created_by=actor,
            title=title,
            description=description,
            tagged_by=tags.tagged_by,
        )
        written = _write_tags(need, tags)
        audit.record(
            action="search.need_save",
            actor=actor,
            organisation=actor.organisation,
            target=need,
            after=audit.snapshot(need) | {"tags": written},
        )
    return need


def update_need(*, actor: Any, need: Need, title: str, description: str) -> Need:
    """Change a need's words; its tags are worked out again from the new text."""
    require_member(actor, need.organisation, Role.MEMBER, Role.ORG_ADMIN, what="change a technology need")
    title, description = _clean(title, description)
    tags = need_tags.tags_for(title=title, description=description)
    with transaction.atomic():
        before = audit.snapshot(need) | {"tags": [t.key for t in need.tags.all()]}
        need.title, need.description, need.tagged_by = title, description, tags.tagged_by
        need.save(update_fields=["title", "description", "tagged_by", "updated_at"])
        changed_before, changed_after = audit.diff(
            before, audit.snapshot(need) | {"tags": _write_tags(need, tags)}
        )
        audit.record(
            action="search.need_update",
            actor=actor,
            organisation=need.organisation,
            target=need,
            before=changed_before,
            after=changed_after,
        )
    return need


def retag_needs(*, actor: Any, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Tag every saved need again from its text, as the IPC suggestion model now tags it (after a retrain):
    platform operators, or the platform itself (`actor` None, at the end of a training). One audit entry
    with the counts; `progress(done, total)`."""
    if actor is not None:
        require_role(actor, Role.OPERATOR, what="tag the technology needs again")
    ids = list(Need.objects.order_by("created_at").values_list("pk", flat=True))
    changed = by_model = 0
    with transaction.atomic():
        for start in range(0, len(ids), RETAG_CHUNK):
            for need in Need.objects.filter(pk__in=ids[start : start + RETAG_CHUNK]).prefetch_related("tags"):
                tags = need_tags.tags_for(title=need.title, description=need.description)
                by_model += tags.tagged_by == Need.TaggedBy.IPC_MODEL
                held = [(t.scheme, t.code, t.confidence) for t in need.tags.all()]
                if (
                    held != [(t.scheme, t.code, t.confidence) for t in tags.tags]
                    or need.tagged_by != tags.tagged_by
                ):
                    need.tagged_by = tags.tagged_by
                    need.save(update_fields=["tagged_by", "updated_at"])
                    _write_tags(need, tags)
                    changed += 1
            if progress:
                progress(min(start + RETAG_CHUNK, len(ids)), len(ids))
        result = {"needs": len(ids), "changed": changed, "tagged_by_model": by_model}
        audit.record(action="search.need_retag", actor=actor, object_type="search.need", after=result)
    return result


def after_training(job: Job) -> Job | None:
    """Called at the end of the IPC suggestion model's training job: tag the saved needs again, as a job of
    the same user (none when there is no need)."""
    if not Need.objects.exists():
        return None
    return start_job(actor=job.created_by, kind=RETAG_JOB, organisation=job.organisation)


def delete_need(*, actor: Any, need: Need) -> None:
    require_member(actor, need.organisation, Role.MEMBER, Role.ORG_ADMIN, what="delete a technology need")
    with transaction.atomic():
        before = audit.snapshot(need)
        audit.record(
            action="search.need_delete",
            actor=actor,
            organisation=need.organisation,
            target=need,
            before=before,
        )
        need.delete()


def start_refresh(*, actor: Any, full: bool = False, enqueue: bool = True) -> Job:
    """Start the job that refreshes (or, `full`, rebuilds) the keyword index and vectors (operators)."""
    if actor is not None:
        require_role(actor, Role.OPERATOR, what="rebuild the search index")
    return start_job(actor=actor, kind=REFRESH_JOB, params={"full": bool(full)}, enqueue=enqueue)


def after_corpus_refresh(job: Job) -> None:
    """Called at the end of the corpus refresh job (which the patent import triggers): refresh the
    search index too, as a job of the same user."""
    if not Job.objects.filter(kind=REFRESH_JOB, status__in=ACTIVE).exists():
        start_job(
            actor=job.created_by, kind=REFRESH_JOB, params={"full": False}, organisation=job.organisation
        )


def _active_embed_jobs() -> QuerySet[Job]:
    return Job.objects.filter(kind=EMBED_JOB, status__in=ACTIVE)


def active_embed_job() -> Job | None:
    """The embed job queued or running, if there is one."""
    return _active_embed_jobs().order_by("created_at").first()


def start_embed(*, actor: Any, enqueue: bool = True) -> Job:
    """Start (or, after a restart stopped it, resume) the background job that embeds the patents still
    without a semantic vector (operators, as for rebuilding the index). When one is already queued or
    running, that one is returned and no second job is started."""
    if actor is not None:
        require_role(actor, Role.OPERATOR, what="rebuild the search index")
    active = active_embed_job()
    if active is not None:
        return active
    return start_job(actor=actor, kind=EMBED_JOB, params={}, enqueue=enqueue)


def after_index_refresh(job: Job, *, pending: int) -> Job | None:
    """Called at the end of a search refresh (or embed) job that left `pending` patents without vectors:
    start the embed job as the same user, unless one (other than `job`) is queued or running."""
    if pending <= 0:
        return None
    if _active_embed_jobs().exclude(pk=job.pk).exists():
        return None
    return start_job(actor=job.created_by, kind=EMBED_JOB, params={}, organisation=job.organisation)
