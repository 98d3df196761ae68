"""Legal status and legal events from a legal-status feed, onto the patents the platform holds.

Two layouts (import format ``legal-events``, detected from the file):

- a USPTO Patent Examination Data System pull, JSON lines: one application per line with its status text
  and its prosecution events (``application_number``, ``status``, ``prosecution_events``: code, description,
  date);
- a legal-status table, CSV or XLSX, one event per row: application number, date, event, description (the
  columns of a CNIPA 法律状态 export — 申请号, 法律状态公告日, 法律状态, 法律状态信息 — or their English names;
  the names are configuration).

A feed updates what it knows about applications already held: every patent with the application number
(an application's publication and its grant are two patents) gets the feed's events — they replace the
events of the same source, so re-importing the same file changes nothing — and the status they imply. An
application the platform does not hold is reported, not created: a feed carries no bibliographic data.
Rows are read as a stream; a table's events are gathered per application (its rows need not be sorted),
so a table's memory grows with its number of applications. Every rejected row and every skipped event is
in the row-level report. Rules a region may change (status words, column names, source names) are in
``config/legal_events.json``, overridable by the JSON file the ``IPOPS_LEGAL_EVENTS_CONFIG`` setting names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _

from ipops.core.config_files import load_with_override
from ipops.patents.importers.base import FileProblem, Problem
from ipops.patents.importers.loader import Counts
from ipops.patents.importers.normalise import cn_application_number, date_of, legal_status_of
from ipops.patents.importers.pipeline import Report
from ipops.patents.importers.tabular import cell_text, header_index, read_table
from ipops.patents.models import ImportBatch, LegalEvent, LegalStatus, Patent

FORMAT = "legal-events"
CONFIG_FILE = Path(__file__).resolve().parent / "config" / "legal_events.json"
BATCH = 500  # applications looked up and written at a time
Event = tuple[date, str, str]  # (date, code, description)


def load_config() -> dict[str, Any]:
    config = load_with_override(
        CONFIG_FILE,
        getattr(settings, "IPOPS_LEGAL_EVENTS_CONFIG", None),
        what="Legal-events configuration",
    )
    known = set(LegalStatus.values)
    named = [entry.get("status") for entry in config.get("statuses", [])] + [config.get("pending_status")]
    if any(status not in known for status in named):
        raise ImproperlyConfigured(
            f"Legal-events configuration: statuses must be among {sorted(known)}, not {named}"
        )
    return config


@dataclass
class FeedRecord:
    """What a feed says of one application."""

    line: int  # the first line of the application in the file
    app_number: str  # as the platform stores it
    source: str
    status: str | None = None  # the platform's legal status, None: the feed does not say
    events: list[Event] = field(default_factory=list)
    raw_number: str = ""


def stored_app_number(raw: str, *, country: str = "") -> tuple[str, str]:
    """(the application number as the platform stores it, problem): CN numbers checked, others compacted."""
    text = "".join(raw.split()).upper()
    if not text:
        return "", _("The application number is missing.")
    if country:
        return (text if text.startswith(country) else country + text.replace("/", "").replace(",", "")), ""
    if text.startswith(("CN", "ZL")) or text[:1].isdigit():
        number, message = cn_application_number(text)
        return (number.compact, "") if number is not None else ("", message)
    return text, ""


def peds_status(text: str, config: dict[str, Any]) -> str:
    lowered = " ".join(text.lower().split())
    for entry in config["statuses"]:
        if any(word in lowered for word in entry["words"]):
            return str(entry["status"])
    return str(config["pending_status"])


def read_peds(path: Path, config: dict[str, Any], counts: Counts) -> Iterator[FeedRecord | Problem]:
    source = str(config["sources"]["peds"])
    with path.open(encoding="utf-8-sig") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            counts.rows_read += 1
            try:
                item = json.loads(text)
            except ValueError as exc:
                yield Problem(
                    line, "", text[:80], _("The line is not valid JSON: %(error)s") % {"error": exc}
                )
                continue
            if not isinstance(item, dict):
                yield Problem(line, "", text[:80], _("The line is not a JSON object."))
                continue
            raw_number = cell_text(item.get("application_number"))
            number, problem = stored_app_number(raw_number, country="US")
            if problem:
                yield Problem(line, "application_number", raw_number, problem)
                continue
            record = FeedRecord(line, number, source, raw_number=raw_number)
            status_text = cell_text(item.get("status"))
            if status_text:
                record.status = peds_status(status_text, config)
            events = item.get("prosecution_events") or []
            if not isinstance(events, list):
                yield Problem(line, "prosecution_events", str(events)[:80], _("The events are not a list."))
                continue
            for event in events:
                found = _event(line, event if isinstance(event, dict) else {}, "date", "code", "description")
                if isinstance(found, Problem):
                    yield found
                else:
                    record.events.append(found)
            yield record


def _event(line: int, values: dict[str, Any], date_key: str, code_key: str, text_key: str) -> Event | Problem:
    """An event of a row, or the warning that it was skipped (the rest of the row still loads)."""
    code = cell_text(values.get(code_key))[:40]
    raw_date = values.get(date_key)
    day, message = date_of(raw_date) if cell_text(raw_date) else (None, _("The event has no date."))
    if day is None:
        return Problem(
            line,
            date_key,
            cell_text(raw_date),
            _("Event skipped: %(reason)s") % {"reason": message},
            "warning",
        )
    if not code:
        return Problem(line, code_key, "", _("Event skipped: it has no event name."), "warning")
    return day, code, cell_text(values.get(text_key))[:500]


def table_columns(header: dict[str, int], config: dict[str, Any]) -> dict[str, int]:
    by_name = {name.lower(): position for name, position in header.items()}
    columns: dict[str, int] = {}
    for ours, names in config["table_columns"].items():
        for name in names:
            if name.lower() in by_name:
                columns[ours] = by_name[name.lower()]
                break
    missing = [ours for ours in ("app_number", "date", "code") if ours not in columns]
    if missing:
        raise FileProblem(
            _(
                "A legal-status table needs the columns 申请号 (application number), 法律状态公告日 (date) and "
                "法律状态 (event). Found: %(columns)s."
            )
            % {"columns": "、".join(list(header)[:12])}
        )
    return columns


def read_legal_status_table(
    path: Path, config: dict[str, Any], counts: Counts
) -> Iterator[FeedRecord | Problem]:
    source = str(config["sources"]["table"])
    rows = read_table(path)
    try:
        _line, header_cells = next(rows)
    except StopIteration:
        raise FileProblem(_("The file is empty.")) from None
    columns = table_columns(header_index(header_cells), config)
    gathered: dict[str, FeedRecord] = {}
    for line, cells in rows:
        values = {
            ours: cells[position] if position < len(cells) else "" for ours, position in columns.items()
        }
        if not any(cell_text(v) for v in values.values()):
            continue
        counts.rows_read += 1
        raw_number = cell_text(values["app_number"])
        number, problem = stored_app_number(raw_number)
        if problem:
            yield Problem(line, "app_number", raw_number, problem)
            continue
        record = gathered.get(number)
        if record is None:
            record = gathered[number] = FeedRecord(line, number, source, raw_number=raw_number)
        found = _event(line, values, "date", "code", "description")
        if isinstance(found, Problem):
            yield found
        else:
            record.events.append(found)
    for record in gathered.values():
        # the status is that of the latest event that names one (same-day events: the later row wins)
        for _day, code, description in sorted(record.events, key=lambda e: e[0]):
            status = legal_status_of(f"{code} {description}")
            if status is not None:
                record.status = status
        yield record


def detect_layout(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"{"):
        return "peds"
    return "table"


def apply_records(records: list[FeedRecord], counts: Counts, report: Report) -> None:
    """Write what a batch of applications says onto the patents that have their application numbers."""
    patents: dict[str, list[tuple[Any, str]]] = {}
    for pk, app, status in Patent.objects.filter(app_number__in={r.app_number for r in records}).values_list(
        "pk", "app_number", "legal_status"
    ):
        patents.setdefault(app, []).append((pk, status))
    sources = {r.source for r in records}
    held_ids = [pk for found in patents.values() for pk, _status in found]
    stored: dict[tuple[Any, str], set[Event]] = {}
    for pk, source, day, code, description in LegalEvent.objects.filter(
        patent_id__in=held_ids, source__in=sources
    ).values_list("patent_id", "source", "date", "code", "description"):
        stored.setdefault((pk, source), set()).add((day, code, description))
    replace: list[tuple[Any, FeedRecord]] = []
    new_status: dict[str, list[Any]] = {}
    for record in records:
        found = patents.get(record.app_number)
        if not found:
            counts.rejected += 1
            report.add(
                Problem(
                    record.line,
                    "app_number",
                    record.raw_number,
                    _(
                        "No patent with this application number is held; import the patent first "
                        "(%(n)d events not loaded)."
                    )
                    % {"n": len(record.events)},
                )
            )
            continue
        changed = False
        for pk, status in found:
            if stored.get((pk, record.source), set()) != set(record.events):
                replace.append((pk, record))
                changed = True
            if record.status is not None and record.status != status:
                new_status.setdefault(record.status, []).append(pk)
                changed = True
        if changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
    if replace:
        by_source: dict[str, list[Any]] = {}
        for pk, record in replace:
            by_source.setdefault(record.source, []).append(pk)
        for source, ids in by_source.items():
            LegalEvent.objects.filter(patent_id__in=ids, source=source).delete()
        LegalEvent.objects.bulk_create(
            LegalEvent(patent_id=pk, date=day, code=code, description=text, source=record.source)
            for pk, record in replace
            for day, code, text in sorted(set(record.events))
        )
    now = timezone.now()
    touched = {pk for pk, _record in replace}
    for status, ids in new_status.items():
        Patent.objects.filter(pk__in=ids).update(legal_status=status, updated_at=now)
        touched -= set(ids)
    if touched:  # the derived stores pick changed patents up by updated_at
        Patent.objects.filter(pk__in=touched).update(updated_at=now)


def run_legal_events_import(
    *,
    path: Path,
    file_name: str,
    report_path: Path,
    actor: Any = None,
    job: Any = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportBatch:
    """Import a legal-status feed (inside the caller's transaction). Raises FileProblem when the file cannot
    be read at all."""
    config = load_config()
    layout = detect_layout(path)
    reader = read_peds if layout == "peds" else read_legal_status_table
    batch = ImportBatch.objects.create(job=job, file_name=file_name, file_format=FORMAT, created_by=actor)
    counts = Counts()
    report = Report(report_path)
    pending: list[FeedRecord] = []
    try:
        for item in reader(path, config, counts):
            if isinstance(item, Problem):
                report.add(item)
                if item.is_error:
                    counts.rejected += 1
                else:
                    counts.warnings += 1
                continue
            pending.append(item)
            if len(pending) >= BATCH:
                apply_records(pending, counts, report)
                pending = []
                if on_progress is not None:
                    on_progress(counts.rows_read)
        apply_records(pending, counts, report)
    finally:
        report.close()
    if counts.rows_read == 0:
        raise FileProblem(_("The file has no data rows."))
    batch.rows_read, batch.updated, batch.unchanged = counts.rows_read, counts.updated, counts.unchanged
    batch.rejected, batch.warnings = counts.rejected, counts.warnings
    batch.status = ImportBatch.Status.DONE
    batch.report_file = report_path.name
    batch.save()
    return batch
