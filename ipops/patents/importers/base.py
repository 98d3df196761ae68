"""What every importer produces: source rows in the platform's field names, and problems with their line.

A parser reads one file format and yields `SourceRow`s (raw text, in our field names) and `Problem`s (a
row it could not read). A file it cannot read at all raises `FileProblem`. Normalisation and loading are
shared by all formats (`normalise.py`, `loader.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

# The platform's patent fields that a source column can map to (documented in docs/import-guide.*.md).
FIELDS: dict[str, Any] = {
    "pub_number": _("Publication (announcement) number, e.g. CN202644312U"),
    "app_number": _("Application number, e.g. CN201220249767.4"),
    "title": _("Title"),
    "title_en": _("English title"),
    "abstract": _("Abstract"),
    "first_claim": _("First claim (主权项)"),
    "app_date": _("Application date"),
    "pub_date": _("Publication date"),
    "grant_date": _("Grant date"),
    "main_ipc": _("Main IPC class"),
    "ipc": _("All IPC classes, separated by ;"),
    "locarno": _("Locarno class (designs)"),
    "applicants": _("Applicants / patentees, separated by ;"),
    "inventors": _("Inventors / designers, separated by ;"),
    "address": _("Applicant address"),
    "agency": _("Patent agency (name and code)"),
    "agents": _("Patent agents"),
    "priority": _("Priority"),
    "legal_status": _("Legal status"),
    "country": _("Country of the publication (default CN)"),
    "kind": _("Kind code"),
}
REQUIRED_ANY_OF = ("pub_number", "app_number")  # a row needs one of these, and a title


@dataclass
class SourceRow:
    line: int  # the row's line (CSV) or row number (XLSX) as the user sees it in the file
    values: dict[str, Any]  # our field name → raw value (text, or a date/number an XLSX cell holds)
    extra: dict[str, str] = field(default_factory=dict)  # columns we do not map: kept with the record


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    value: str
    reason: str  # already in the user's language
    severity: str = "error"  # "error": the row is rejected; "warning": the row loads, the field is left empty

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class FileProblem(Exception):
    """The file cannot be imported at all (wrong encoding, wrong format, empty, unreadable header …)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Parser(Protocol):
    format_name: str

    def rows(self) -> Iterator[SourceRow | Problem]: ...
