"""The append-only, hash-chained audit log: writing entries, snapshots of records, verifying the chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from ipops.core.models import AuditChainHead, AuditEntry
from ipops.core.request_context import current_request

REDACTED = "[redacted]"
SECRET_FIELDS = frozenset({"password", "key_hash", "token_hash"})
GENESIS_HASH = "0" * 64


def to_json_value(value: Any) -> Any:
    """The JSON form a value takes in the log (dates as ISO text, UUIDs and decimals as strings)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The concrete field values of a record as JSON values; secrets are redacted."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        name = field.attname
        value = field.value_from_object(instance)
        if field.name in SECRET_FIELDS:
            value = REDACTED if value else ""
        elif hasattr(value, "name") and isinstance(field, models.FileField):
            value = value.name or ""
        data[name] = value
    return to_json_value(data)


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict | None, dict | None]:
    """Keep only the fields that changed (both sides), for readable update entries."""
    if before is None or after is None:
        return before, after
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    changed.discard("updated_at")
    return {k: before.get(k) for k in sorted(changed)}, {k: after.get(k) for k in sorted(changed)}


def entry_hash(content: dict[str, Any], prev_hash: str) -> str:
    payload = json.dumps({"content": content, "prev": prev_hash}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_username",
    "organisation_id",
    "organisation_name",
    "request_id",
    "ip_address",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
)


def entry_content(entry: AuditEntry) -> dict[str, Any]:
    content = {name: getattr(entry, name) for name in HASHED_FIELDS}
    content["occurred_at"] = entry.occurred_at.astimezone(UTC).isoformat()
    return to_json_value(content)


def record(
    *,
    action: str,
    actor: Any = None,
    organisation: Any = None,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Runs inside the caller's transaction, so it commits or rolls back with the change."""
    if organisation is None and actor is not None and getattr(actor, "is_authenticated", False):
        organisation = getattr(actor, "organisation", None)
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
        object_repr = object_repr or str(target)[:200]
    info = current_request()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            seq=head.seq + 1,
            occurred_at=timezone.now(),
            actor_id=str(actor.pk) if getattr(actor, "pk", None) else "",
            actor_username=getattr(actor, "username", "") or "",
            organisation_id=str(organisation.pk) if organisation is not None else "",
            organisation_name=str(organisation)[:200] if organisation is not None else "",
            request_id=info.request_id,
            ip_address=info.ip_address,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:200],
            before=to_json_value(before) if before is not None else None,
            after=to_json_value(after) if after is not None else None,
            prev_hash=head.last_hash,
        )
        entry.hash = entry_hash(entry_content(entry), entry.prev_hash)
        entry.save(force_insert=True)
        AuditChainHead.objects.filter(pk=1).update(seq=entry.seq, last_hash=entry.hash)
    return entry


def record_update(
    *, action: str, actor: Any, target: models.Model, before: dict[str, Any], organisation: Any = None
) -> AuditEntry:
    """An update of `target`: only the fields that changed since `before` (its earlier snapshot)."""
    changed_before, changed_after = diff(before, snapshot(target))
    return record(
        action=action,
        actor=actor,
        organisation=organisation,
        target=target,
        before=changed_before,
        after=changed_after,
    )


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"entry #{self.seq}: {self.problem}"


def verify_chain(entries: Iterable[AuditEntry] | None = None) -> list[ChainProblem]:
    """Every break in the chain: a changed entry, a missing or inserted one, a cut-off tail."""
    problems: list[ChainProblem] = []
    if entries is None:
        entries = AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)
    expected_seq, prev_hash = 1, GENESIS_HASH
    for entry in entries:
        if entry.seq != expected_seq:
            problems.append(ChainProblem(expected_seq, f"missing; the next entry found is #{entry.seq}"))
        if entry.prev_hash != prev_hash:
            problems.append(ChainProblem(entry.seq, "does not link to the entry before it"))
        if entry_hash(entry_content(entry), entry.prev_hash) != entry.hash:
            problems.append(ChainProblem(entry.seq, "content changed after it was written"))
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != expected_seq - 1 or head.last_hash != prev_hash):
        problems.append(ChainProblem(head.seq, "the newest entries are missing (chain head does not match)"))
    return problems
