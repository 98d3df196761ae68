"""The indexes on the patent table: what the filters need and nothing every import row pays for in vain."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from ipops.patents.models import Patent

pytestmark = pytest.mark.django_db

PLAIN_INDEXED = ("pub_number", "app_number", "province_code", "district_code")


def _indexes_by_column() -> dict[str, list[dict]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Patent._meta.db_table)
    by_column: dict[str, list[dict]] = {}
    for info in found.values():
        if info["index"] or info["unique"]:
            for column in info["columns"]:
                by_column.setdefault(column, []).append(info)
    return by_column


def test_number_and_region_columns_have_one_index_each() -> None:
    by_column = _indexes_by_column()
    for column in PLAIN_INDEXED:
        assert len(by_column.get(column, [])) == 1, (column, by_column.get(column))
    # the IPC filter matches main_ipc by prefix, so PostgreSQL keeps its pattern-ops twin there
    assert len(by_column["main_ipc"]) == (2 if connection.vendor == "postgresql" else 1)
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [Patent._meta.db_table, "%pattern_ops%"],
        )
        definitions = [row[0] for row in cursor.fetchall()]
    assert len(definitions) == 1 and "(main_ipc varchar_pattern_ops)" in definitions[0]


def test_publication_number_stays_unique_and_several_patents_may_lack_one() -> None:
    Patent.objects.create(pub_number="CN1234567A", title="甲", content_hash="a")
    Patent.objects.create(pub_number=None, app_number="2012202497674", title="乙", content_hash="b")
    Patent.objects.create(pub_number=None, app_number="2012202497675", title="丙", content_hash="c")
    with pytest.raises(IntegrityError), transaction.atomic():
        Patent.objects.create(pub_number="CN1234567A", title="丁", content_hash="d")
    assert Patent.objects.count() == 3
