"""`rebuild_index --background` (what `make demo` runs) queues the work for the job worker and returns."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from ipops.core.models import Job

pytestmark = pytest.mark.django_db


def test_background_rebuild_queues_the_index_and_the_ipc_suggester() -> None:
    out = io.StringIO()
    call_command("rebuild_index", background=True, stdout=out)
    queued = Job.objects.filter(status=Job.Status.QUEUED)
    assert sorted(queued.values_list("kind", flat=True)) == ["search.ipc_train", "search.refresh"]
    assert queued.get(kind="search.refresh").params["full"] is True
    assert "Queued" in out.getvalue()
