"""Applicant entities: how names find their entity, and the operator's merges and splits.

An import finds an applicant for a published name in this order: an operator's spelling decision (after a
split), an operator's key decision (after a merge), then the automatic matching key (`name_key`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from ipops.accounts.roles import Role
from ipops.core import audit
from ipops.core.permissions import require_role
from ipops.patents.models import Applicant, ApplicantAlias, Patent, PatentApplicant
from ipops.patents.normalize.names import clean_name, explain_match, name_key


def resolve(names: Iterable[tuple[str, str]]) -> dict[tuple[str, str], uuid.UUID]:
    """(clean name, key) pairs → the applicant each belongs to, for those that have one (three queries)."""
    pairs = set(names)
    if not pairs:
        return {}
    spellings = dict(
        ApplicantAlias.objects.filter(
            kind=ApplicantAlias.Kind.SPELLING, value__in={n for n, _k in pairs}
        ).values_list("value", "applicant_id")
    )
    keys = {k for _n, k in pairs}
    aliased = dict(
        ApplicantAlias.objects.filter(kind=ApplicantAlias.Kind.KEY, value__in=keys).values_list(
            "value", "applicant_id"
        )
    )
    direct = dict(Applicant.objects.filter(key__in=keys).values_list("key", "id"))
    found: dict[tuple[str, str], uuid.UUID] = {}
    for name, key in pairs:
        applicant_id = spellings.get(name) or aliased.get(key) or direct.get(key)
        if applicant_id is not None:
            found[(name, key)] = applicant_id
    return found


def spellings_of(applicant: Applicant) -> list[dict[str, Any]]:
    rows = (
        PatentApplicant.objects.filter(applicant=applicant)
        .values("raw_name")
        .annotate(patents=Count("patent_id", distinct=True))
        .order_by("-patents", "raw_name")
    )
    return [dict(row) for row in rows]


def merge_evidence(target: Applicant, source: Applicant) -> list[str]:
    """Why the automatic matcher would (or would not) have merged them: shown before the operator decides."""
    return explain_match(target.name, source.name) or [
        _("The automatic matcher keeps these apart; merging is the operator's decision.")
    ]


@transaction.atomic
def merge_applicants(*, actor: Any, target: Applicant, sources: list[Applicant], reason: str) -> Applicant:
    """Make several applicant entities one: their patents and spellings move to `target`; future imports of
    their names land on `target` too."""
    require_role(actor, Role.OPERATOR, what="merge applicants")
    sources = [s for s in sources if s.pk != target.pk]
    if not sources:
        raise ValidationError(_("Choose at least one other applicant to merge into this one."))
    if not reason.strip():
        raise ValidationError(
            {"reason": _("Say why these are the same applicant (it goes into the audit log).")}
        )
    before = {
        "target": audit.snapshot(target),
        "sources": [audit.snapshot(s) | {"patents": s.patent_links.count()} for s in sources],
    }
    source_ids = [s.pk for s in sources]
    touched = list(
        PatentApplicant.objects.filter(applicant_id__in=source_ids).values_list("patent_id", flat=True)
    )
    moved = PatentApplicant.objects.filter(applicant_id__in=source_ids).update(applicant=target)
    Patent.objects.filter(pk__in=touched).update(updated_at=timezone.now())  # derived stores see the change
    ApplicantAlias.objects.filter(applicant_id__in=source_ids).update(applicant=target)
    for source in sources:
        ApplicantAlias.objects.update_or_create(
            kind=ApplicantAlias.Kind.KEY,
            value=source.key,
            defaults={"applicant": target, "reason": reason[:300]},
        )
    Applicant.objects.filter(pk__in=source_ids).delete()
    audit.record(
        action="applicant.merge",
        actor=actor,
        target=target,
        before=before,
        after={"target": str(target.pk), "links_moved": moved, "reason": reason},
    )
    return target


@transaction.atomic
def split_applicant(
    *, actor: Any, applicant: Applicant, spellings: list[str], name: str, reason: str
) -> Applicant:
    """Give some spellings of an applicant an entity of their own (the matcher merged two real applicants)."""
    require_role(actor, Role.OPERATOR, what="split applicants")
    known = {row["raw_name"] for row in spellings_of(applicant)}
    chosen = [s for s in spellings if s in known]
    if not chosen or set(chosen) == known:
        raise ValidationError(_("Choose some, but not all, of the spellings to move to a new applicant."))
    if not reason.strip():
        raise ValidationError(
            {"reason": _("Say why these are a different applicant (it goes into the audit log).")}
        )
    display = clean_name(name or chosen[0])
    new = Applicant.objects.create(
        name=display,
        key=f"{name_key(display)}#split-{uuid.uuid4().hex[:8]}",
        kind=applicant.kind,
        country=applicant.country,
    )
    links = PatentApplicant.objects.filter(applicant=applicant, raw_name__in=chosen)
    touched = list(links.values_list("patent_id", flat=True))
    moved = links.update(applicant=new)
    Patent.objects.filter(pk__in=touched).update(updated_at=timezone.now())  # derived stores see the change
    for spelling in chosen:
        ApplicantAlias.objects.update_or_create(
            kind=ApplicantAlias.Kind.SPELLING,
            value=clean_name(spelling),
            defaults={"applicant": new, "reason": reason},
        )
    audit.record(
        action="applicant.split",
        actor=actor,
        target=new,
        before={"applicant": str(applicant.pk), "spellings": sorted(known)},
        after={
            "new_applicant": audit.snapshot(new),
            "spellings": chosen,
            "links_moved": moved,
            "reason": reason,
        },
    )
    return new
