"""The analysis job: the run's frozen scope over one snapshot, then the report files."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from ipops.core.jobs import JobError, Progress, job_handler
from ipops.core.models import Job
from ipops.corpus.query import connect, snapshot_info
from ipops.corpus.store import SnapshotMissingError
from ipops.navigation import report
from ipops.navigation.models import ProjectRun
from ipops.navigation.scope import analytics_scope, scope_of
from ipops.navigation.services import RUN_JOB

logger = logging.getLogger(__name__)


def run_engine(scope: Any, progress: Progress) -> tuple[dict[str, Any], str]:
    """The analytics engine's modules for the scope; ({}, why) when the engine is not installed."""
    try:
        from ipops.analytics.run import run_analyses  # type: ignore[import-not-found,unused-ignore]

        engine_scope = analytics_scope(scope)
    except ImportError:
        return {}, str(_("The analytics engine is not installed: the report shows the hit-set overview."))
    except ValueError as error:  # the engine's ScopeError: a scope it cannot analyse
        return {}, str(_("The analytics engine refused the scope: %(error)s") % {"error": error})
    try:
        result = run_analyses(engine_scope, backend="duckdb", progress=progress)
    except Exception as error:  # the overview still stands; the failure is shown on the report
        logger.exception("navigation: the analytics engine failed")
        return {}, str(
            _("The analytics engine failed (%(error)s): the report shows the hit-set overview.")
            % {"error": error}
        )
    return json.loads(report.dumps(result)), ""


@job_handler(RUN_JOB, title=_("Navigation analyses"), writes=True)
def run_navigation(job: Job, progress: Progress) -> dict[str, Any]:
    run = ProjectRun.objects.select_related("project").get(pk=job.params["run"])
    scope = scope_of(run.scope)  # the copy taken when the run started, industry prefixes included
    progress.set_total(4)
    try:
        con = connect()
    except SnapshotMissingError:
        raise JobError(
            str(_("There is no data snapshot yet. An operator builds it with `manage.py refresh_derived`."))
        ) from None
    folder = report.runs_dir() / str(run.pk)
    try:
        info = snapshot_info() or {}
        progress.message(str(_("Counting the hit set")))
        overview = report.build_overview(con, scope)
        progress.advance()
        progress.message(str(_("Running the analyses")))
        analyses, note = run_engine(scope, progress)
        if note:
            progress.message(note)
        progress.advance()
        specs = report.charts(overview, analyses)
        folder.mkdir(parents=True, exist_ok=True)
        progress.message(str(_("Writing the dataset")))
        report.write_dataset(folder / report.REPORT_FILES["xlsx"], con, scope, specs)
        (folder / report.REPORT_FILES["json"]).write_text(
            report.dumps({"scope": run.scope, "overview": overview, "analyses": analyses}), encoding="utf-8"
        )
        progress.advance()
        run.hits = overview["hits"]
        run.overview = {**overview, "engine_note": note}
        run.analyses = analyses
        run.snapshot = json.loads(
            report.dumps({k: info.get(k) for k in ("generation", "watermark", "refreshed_at")})
        )
        run.files_dir = str(folder)
        progress.message(str(_("Writing the report")))
        report.write_documents(folder, project=run.project, run=run, conclusions=run.project.conclusions)
        progress.advance()
        run.save(update_fields=["hits", "overview", "analyses", "snapshot", "files_dir", "updated_at"])
    except Exception:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        con.close()
    return {
        "run": str(run.pk),
        "hits": overview["hits"],
        "files": sorted(p.name for p in Path(folder).iterdir()),
    }
