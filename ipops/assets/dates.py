"""Dates in asset spreadsheets: the patent importer's parser, plus expiry dates that lie years ahead.

`parse_date` (ipops.patents.normalize.dates) refuses dates more than two years ahead, which is right for
filing and grant dates; a trademark's 有效期至 runs up to ten (renewed: twenty) years ahead, so expiry
columns accept dates up to `latest_years_ahead` (rules.json).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from ipops.assets.rules import latest_years_ahead
from ipops.patents.normalize.dates import EXCEL_EPOCH, DateError, parse_date

_SEPARATED = re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*[.\-/月]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_RANGE = re.compile(r"\s*(?:至|到|~|～|—|--)\s*")


def _future_candidate(raw: Any) -> date | None:
    """The date a cell means when it is a plain date in the future; None when it is not one."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return EXCEL_EPOCH + timedelta(days=int(raw)) if 1 <= raw < 2958466 else None
    text = str(raw).strip()
    match = _SEPARATED.match(text) or _COMPACT.match(text)
    if match is None:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def parse_asset_date(raw: Any, *, future: bool = False) -> date | None:
    """A date cell (None when empty); with `future`, also dates up to the configured years ahead, and the
    end of a term written as a range (``2015-03-07至2025-03-06`` → 2025-03-06). Raises DateError."""
    if future and isinstance(raw, str) and _RANGE.search(raw.strip()):
        raw = _RANGE.split(raw.strip())[-1]
    try:
        return parse_date(raw)
    except DateError:
        if not future:
            raise
        candidate = _future_candidate(raw)
        today = date.today()
        if (
            candidate is not None
            and today <= candidate
            and candidate.year <= today.year + latest_years_ahead()
        ):
            return candidate
        raise
