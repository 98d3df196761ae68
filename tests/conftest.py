"""Shared fixtures: the demo region loaded through the real services, clients logged in as its users."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client

from ipops.accounts.models import Organisation, User
from ipops.core import audit_guard
from ipops.core.models import AuditEntry
from tests.browser.chromium import browser, page  # noqa: F401  (the Chromium fixtures, for every browser test)

PASSWORD = "Ipops-Demo-2026"


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


@pytest.fixture(autouse=True)
def _flushable_audit_table(request: pytest.FixtureRequest) -> Iterator[None]:
    """Transactional tests end with a flush, which the append-only triggers refuse: lift them for it.

    `pytest_runtest_teardown` below puts them back once the flush is done, so every test runs against
    the guarded table.
    """
    marker = request.node.get_closest_marker("django_db")
    yield
    if marker is not None and marker.kwargs.get("transaction", False):
        with connection.cursor() as cursor:
            audit_guard.remove(cursor.execute, connection.vendor)
        request.node.stash[GUARD_LIFTED] = True


GUARD_LIFTED = pytest.StashKey[bool]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    yield
    if item.stash.get(GUARD_LIFTED, False) and nextitem is not None:  # after the last test the DB is gone
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            with connection.cursor() as cursor:
                audit_guard.install(cursor.execute, connection.vendor)
            connection.close()


@pytest.fixture
def region(db: None) -> dict[str, User]:
    """The demo region (centre, one organisation of each kind, a pending one) and its users by name."""
    call_command("load_demo", without_patents=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return {u.username: u for u in User.objects.select_related("organisation")}


@pytest.fixture
def login(region: dict[str, User]) -> Callable[[str], Client]:
    """A client with a real session for one of the demo users (force_login: no password check)."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(region[username])
        return client

    return make


@pytest.fixture
def audit_count() -> Callable[[], int]:
    return lambda: AuditEntry.objects.count()


def org(name_part: str) -> Organisation:
    return Organisation.objects.get(name__contains=name_part)
