"""Jobs of the core app: export the (filtered) audit log to Excel."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipops.core.excel import write_xlsx
from ipops.core.filters import AuditFilterForm
from ipops.core.jobs import JobError, Progress, job_handler
from ipops.core.models import AuditEntry, Job

AUDIT_COLUMNS = [
    ("seq", gettext_lazy("No.")),
    ("occurred_at", gettext_lazy("Time")),
    ("actor_username", gettext_lazy("User")),
    ("organisation_name", gettext_lazy("Organisation")),
    ("action", gettext_lazy("Action")),
    ("object_type", gettext_lazy("Object type")),
    ("object_id", gettext_lazy("Object id")),
    ("object_repr", gettext_lazy("Object")),
    ("before", gettext_lazy("Before")),
    ("after", gettext_lazy("After")),
    ("request_id", gettext_lazy("Request id")),
    ("ip_address", gettext_lazy("IP address")),
    ("hash", gettext_lazy("Hash")),
]


@job_handler("audit.export_xlsx", title=gettext_lazy("Audit log export (Excel)"), writes=False, private=True)
def export_audit_log(job: Job, progress: Progress) -> dict[str, Any]:
    form = AuditFilterForm(job.params)
    if not form.is_valid():
        raise JobError(_("The export filter is not valid: %(errors)s") % {"errors": form.errors.as_text()})
    entries = form.filter(AuditEntry.objects.order_by("seq"))
    progress.set_total(entries.count())
    path = progress.output_path(f"audit-log-{job.created_at:%Y%m%d-%H%M%S}.xlsx")
    rows = ([getattr(e, name) for name, _label in AUDIT_COLUMNS] for e in entries.iterator(chunk_size=2000))
    count = write_xlsx(
        path,
        sheet_title=_("Audit log"),
        headers=[str(label) for _name, label in AUDIT_COLUMNS],
        rows=rows,
        on_row=progress.advance,
    )
    progress.message(_("%(n)d entries exported.") % {"n": count})
    return {"rows": count}
