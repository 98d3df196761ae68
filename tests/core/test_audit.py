"""The audit log: written with the change, append-only, and a broken chain is found."""

from __future__ import annotations

from itertools import pairwise

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction

from ipops.accounts.models import Organisation
from ipops.core import audit
from ipops.core.models import AppendOnlyError, AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db


def drop_triggers() -> None:
    """What an attacker with database access would do first (rolled back with the test)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
            cursor.execute("DROP TRIGGER core_auditentry_no_delete")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_append_only ON core_auditentry")


def write_entries(n: int) -> list[AuditEntry]:
    return [
        audit.record(action="test.event", object_type="test", object_id=str(i), after={"i": i})
        for i in range(n)
    ]


def test_entries_chain_and_verify() -> None:
    entries = write_entries(5)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == audit.GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in pairwise(entries))
    assert audit.verify_chain() == []
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.last_hash) == (5, entries[-1].hash)


def test_orm_refuses_to_change_or_delete_an_entry() -> None:
    entry = write_entries(1)[0]
    entry.action = "forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.event"


def test_database_refuses_raw_update_and_delete() -> None:
    write_entries(2)
    for sql in ("UPDATE core_auditentry SET action = 'forged'", "DELETE FROM core_auditentry"):
        with (
            pytest.raises((IntegrityError, DatabaseError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditEntry.objects.filter(action="test.event").count() == 2


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("UPDATE core_auditentry SET after = '{\"i\": 99}' WHERE seq = 2", "content changed"),
        ("UPDATE core_auditentry SET actor_username = 'someone' WHERE seq = 3", "content changed"),
        ("DELETE FROM core_auditentry WHERE seq = 2", "missing"),
        ("DELETE FROM core_auditentry WHERE seq = 4", "newest entries are missing"),
    ],
)
def test_tampering_is_detected(tamper: str, expected: str) -> None:
    write_entries(4)
    drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(tamper)
    problems = audit.verify_chain()
    assert problems, "tampering went unnoticed"
    assert any(expected in p.problem for p in problems)
    with pytest.raises(CommandError, match="tampered"):
        call_command("verify_audit")


def test_verify_command_reports_an_intact_log(capsys: pytest.CaptureFixture[str]) -> None:
    write_entries(3)
    call_command("verify_audit")
    assert "3 entries" in capsys.readouterr().out


def test_entry_rolls_back_with_the_change() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(action="test.rolled_back")
        raise RuntimeError
    assert not AuditEntry.objects.filter(action="test.rolled_back").exists()
    entry = audit.record(action="test.after")
    assert entry.seq == 1  # the rolled-back entry left no gap in the chain
    assert audit.verify_chain() == []


def test_snapshot_redacts_secrets_and_diff_keeps_changes(region: dict) -> None:
    user = region["ent_admin"]
    snap = audit.snapshot(user)
    assert snap["password"] == audit.REDACTED
    assert snap["username"] == "ent_admin"
    before, after = audit.diff({"a": 1, "b": 2, "updated_at": "x"}, {"a": 1, "b": 3, "updated_at": "y"})
    assert (before, after) == ({"b": 2}, {"b": 3})


def test_a_request_writes_its_id_and_address(login, region: dict) -> None:
    pending = Organisation.objects.get(status="pending")
    response = login("operator").post(
        f"/accounts/admin/organisations/{pending.pk}/",
        {"action": "approve", "note": ""},
        HTTP_X_REQUEST_ID="req-12345678",
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="organisation.approve", object_id=str(pending.pk))
    assert entry.request_id == "req-12345678"
    assert entry.ip_address == "127.0.0.1"
    assert entry.actor_username == "operator"
    assert entry.before == {"decided_at": None, "status": "pending"}
    assert entry.after["status"] == "active"
    assert response["X-Request-ID"] == "req-12345678"


@pytest.mark.django_db(transaction=True)
def test_guard_lifted_for_a_transactional_test_is_back_afterwards_a() -> None:
    write_entries(1)


def test_guard_lifted_for_a_transactional_test_is_back_afterwards_b() -> None:
    test_database_refuses_raw_update_and_delete()


def test_guard_lifted_for_a_transactional_test_is_back_afterwards_c() -> None:
    test_database_refuses_raw_update_and_delete()  # b's own DDL, if any, was rolled back with b
