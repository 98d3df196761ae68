"""Excel export of any list: streamed rows, header row in the user's language, a frozen header."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Text starting with one of these would run as a formula in a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@")


def cell_value(value: Any) -> Any:
    """A value Excel shows as the platform does: local time, text for everything non-numeric."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text  # never let exported data run as a formula (CSV/formula injection)
    return text


def write_xlsx(
    path: Path,
    *,
    sheet_title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    on_row: Callable[[], None] | None = None,
) -> int:
    """Write rows to an .xlsx file in constant memory; returns the number of data rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_title[:31])
    sheet.freeze_panes = "A2"
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=str(text))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows:
        sheet.append([cell_value(v) for v in row])
        count += 1
        if on_row is not None:
            on_row()
    book.save(path)
    return count


def xlsx_response(
    *,
    actor: Any,
    action: str,
    filters: dict[str, Any],
    filename: str,
    sheet_title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    tmp_dir: Path,
) -> FileResponse:
    """An export download. Exports hold personal and business data: each one is an audited read."""
    from django.db import transaction

    from ipops.core import audit

    tmp_dir.mkdir(parents=True, exist_ok=True)
    path = tmp_dir / f"export-{timezone.now():%Y%m%d%H%M%S%f}.xlsx"
    count = write_xlsx(path, sheet_title=sheet_title, headers=headers, rows=rows)
    with transaction.atomic():
        audit.record(
            action=action,
            actor=actor,
            object_type="export",
            object_repr=filename,
            after={"filters": filters, "rows": count},
        )
    handle = path.open("rb")
    path.unlink()  # the open handle keeps the data until the response is sent
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_MIME)
