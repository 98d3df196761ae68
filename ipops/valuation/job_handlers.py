"""Background job: batch value scores of every patent in the snapshot, as an Excel file, with progress."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipops.core.excel import write_xlsx
from ipops.core.jobs import JobError, Progress, job_handler
from ipops.core.models import Job

BATCH_JOB_KIND = "valuation.batch_scores"
ROWS_PER_STEP = 10_000


@job_handler(BATCH_JOB_KIND, title=gettext_lazy("Value scores of all patents (Excel)"), writes=False)
def batch_scores(job: Job, progress: Progress) -> dict[str, Any]:
    """params: {"scenario": name}. Steps: life-cycle fits, scoring, then the rows written (per 10,000)."""
    from ipops.corpus.query import SnapshotMissingError, connect
    from ipops.valuation import catalogue
    from ipops.valuation.batch import cached_stages, score_table
    from ipops.valuation.formulas.errors import ValuationInputError

    try:
        con = connect()
    except SnapshotMissingError as exc:
        raise JobError(
            _("The patent snapshot has not been built yet: an operator runs refresh_derived first.")
        ) from exc
    try:
        scenario = catalogue.scenario(job.params.get("scenario"))
        total_patents = int(con.execute("SELECT count(*) FROM patents").fetchone()[0])  # type: ignore[index]
        steps = 2 + max(1, -(-total_patents // ROWS_PER_STEP))
        progress.set_total(steps)
        progress.message(_("Fitting the technology life cycles of the IPC subclasses."))
        stages = cached_stages(con, _today(), catalogue.scoring_rules()["computed"], own_snapshot=True)
        progress.advance()
        progress.message(_("Scoring %(n)d patents.") % {"n": total_patents})
        table = score_table(con, scenario=scenario.key, stages=stages)
        progress.advance()
    except ValuationInputError as exc:
        raise JobError(str(exc.message)) from exc
    finally:
        con.close()
    written = 0

    def on_row() -> None:
        nonlocal written
        written += 1
        if written % ROWS_PER_STEP == 0:
            progress.advance()

    headers = [
        _("Publication number"),
        _("Score"),
        _("Grade"),
        _("Legal"),
        _("Technical"),
        _("Economic"),
        _("Weight covered"),
    ]
    columns = ["pub_number", "score", "grade", "legal", "technical", "economic", "coverage"]
    rows = zip(*(table.column(c).to_pylist() for c in columns), strict=True)
    count = write_xlsx(
        progress.output_path("value-scores.xlsx"),
        sheet_title=_("Value scores"),
        headers=headers,
        rows=rows,
        on_row=on_row,
    )
    progress.advance(max(0, steps - job.done))  # the last, partial step of rows
    progress.message(_("%(n)d patents scored with the scenario %(s)s.") % {"n": count, "s": scenario.key})
    return {"patents": count, "scenario": scenario.key}


def _today() -> Any:
    from datetime import date

    return date.today()
