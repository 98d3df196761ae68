"""Dates as patent exports write them: 2013.01.02, 2013-1-2, 2013/01/02, 20130102, 2013年1月2日,
Excel serial numbers (41276) and the date/datetime objects an XLSX cell holds."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 with Excel's 1900 leap-year bug absorbed
EARLIEST, LATEST_YEARS_AHEAD = date(1900, 1, 1), 2
_SEPARATED = re.compile(
    r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*[.\-/月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{4,5}(?:\.0+)?$")


class DateError(ValueError):
    def __init__(self, raw: Any, message: str) -> None:
        super().__init__(message)
        self.raw, self.message = raw, message


def parse_date(raw: Any) -> date | None:
    """The date, or None for an empty cell; DateError (message in the user's language) when unreadable."""
    if raw is None:
        return None
    if isinstance(raw, datetime):
        return check_range(raw.date(), raw)
    if isinstance(raw, date):
        return check_range(raw, raw)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return from_serial(raw, raw)
    text = str(raw).strip().translate(FULL_WIDTH_DIGITS)
    if not text:
        return None
    if match := _SEPARATED.match(text) or _COMPACT.match(text):
        year, month, day = (int(g) for g in match.groups())
        try:
            return check_range(date(year, month, day), raw)
        except ValueError:
            raise DateError(raw, _("“%(value)s” is not a real calendar date.") % {"value": raw}) from None
    if _SERIAL.match(text):
        return from_serial(float(text), raw)
    raise DateError(
        raw, _("“%(value)s” is not a date the platform can read (use 2013-01-02).") % {"value": raw}
    )


def from_serial(serial: float, raw: Any) -> date:
    if not 1 <= serial < 2958466:
        raise DateError(
            raw, _("“%(value)s” is not a date the platform can read (use 2013-01-02).") % {"value": raw}
        )
    return check_range(EXCEL_EPOCH + timedelta(days=int(serial)), raw)


def check_range(value: date, raw: Any) -> date:
    if value < EARLIEST or value.year > date.today().year + LATEST_YEARS_AHEAD:
        raise DateError(
            raw, _("The date %(value)s is outside the plausible range.") % {"value": value.isoformat()}
        )
    return value


FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９．－／", "0123456789.-/")
