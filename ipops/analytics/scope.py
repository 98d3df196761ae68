"""What a navigation analysis covers: IPC prefixes, keywords, a GB/T 2260 region and application years.

A `Scope` is validated when it is made (reversed years, unreadable IPC codes, a malformed region code raise
`ScopeError` subclasses whose message is translatable and safe to show); `check_known_ipc` also checks the
codes against the loaded IPC scheme. Every module applies the same scope the same way (see
`ipops.analytics.engine.scoped_patents`):

- IPC: a patent matches when any of its IPC classifications starts with one of the prefixes (a section,
  class, subclass or whole main group such as ``G06F 16/``) or equals one of the subgroups given;
- keywords: any keyword appears in the title or the abstract (case-insensitive for Latin letters);
- region: the patent's most specific region code (district, else city, else province) starts with the
  code's significant digits (``320000`` → ``32``, ``320600`` → ``3206``);
- years: application year within the range, both ends included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ScopeError(ValueError):
    """A scope that cannot be analysed; `message` is for the user."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class YearsReversedError(ScopeError):
    pass


class UnknownIpcError(ScopeError):
    def __init__(self, codes: Iterable[str], message: str | Promise | None = None) -> None:
        self.codes = list(codes)
        super().__init__(
            message
            or _(
                "Unknown IPC code(s): %(codes)s. Give sections, classes, subclasses or groups, e.g. G06F 16/."
            )
            % {"codes": ", ".join(self.codes)}
        )


class BadRegionError(ScopeError):
    pass


class BadYearsError(ScopeError):
    pass


_REGION_RE = re.compile(r"^\d{6}$", re.ASCII)
_YEARS_RE = re.compile(r"^\s*(\d{4})?\s*[-–~至]\s*(\d{4})?\s*$|^\s*(\d{4})\s*$", re.ASCII)
_LIST_SPLIT_RE = re.compile(r"[;,，；、|\n]+")
MIN_YEAR, MAX_YEAR = 1800, 2200


def _split(text: str | Iterable[str] | None) -> list[str]:
    if text is None:
        return []
    items = _LIST_SPLIT_RE.split(text) if isinstance(text, str) else list(text)
    return [item.strip() for item in items if item and item.strip()]


def normalise_ipc_prefixes(codes: Iterable[str]) -> tuple[str, ...]:
    """Canonical prefixes (``g06f16`` → ``G06F 16/``), in the order given, without duplicates."""
    from ipops.reference.industries import PrefixError, normalise_prefix

    result: list[str] = []
    bad: list[str] = []
    for raw in codes:
        try:
            code = normalise_prefix(raw)
        except (PrefixError, ValueError):
            bad.append(raw)
            continue
        if code not in result:
            result.append(code)
    if bad:
        raise UnknownIpcError(bad)
    return tuple(result)


@dataclass(frozen=True)
class Scope:
    """The patents an analysis covers. Empty fields do not restrict."""

    ipc: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    region: str = ""
    year_from: int | None = None
    year_to: int | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ipc", normalise_ipc_prefixes(_split(self.ipc)))
        keywords = tuple(dict.fromkeys(_split(self.keywords)))
        object.__setattr__(self, "keywords", keywords)
        region = (self.region or "").strip()
        if region and not _REGION_RE.match(region):
            raise BadRegionError(
                _("“%(value)s” is not a six-digit GB/T 2260 region code.") % {"value": region}
            )
        if region and region_prefix(region) == "":
            raise BadRegionError(_("Region code %(value)s names no region.") % {"value": region})
        object.__setattr__(self, "region", region)
        for year in (self.year_from, self.year_to):
            if year is not None and not MIN_YEAR <= int(year) <= MAX_YEAR:
                raise BadYearsError(
                    _("The year %(year)s is out of range (%(low)s–%(high)s).")
                    % {"year": year, "low": MIN_YEAR, "high": MAX_YEAR}
                )
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise YearsReversedError(
                _("The years are reversed: %(start)s is after %(end)s. Give the earlier year first.")
                % {"start": self.year_from, "end": self.year_to}
            )

    @classmethod
    def parse(
        cls,
        *,
        ipc: str | Iterable[str] | None = None,
        keywords: str | Iterable[str] | None = None,
        region: str | None = None,
        years: str | None = None,
    ) -> Scope:
        """A scope from the text a user types: lists separated by commas, semicolons or 、; years
        ``2010-2020``, ``2015-``, ``-2018`` or ``2019``."""
        year_from, year_to = parse_years(years or "")
        return cls(
            ipc=tuple(_split(ipc)),
            keywords=tuple(_split(keywords)),
            region=region or "",
            year_from=year_from,
            year_to=year_to,
        )

    @property
    def region_prefix(self) -> str:
        return region_prefix(self.region) if self.region else ""

    @property
    def region_level(self) -> str:
        """'' (no region), 'province', 'city' or 'district'."""
        if not self.region:
            return ""
        return {2: "province", 4: "city"}.get(len(self.region_prefix), "district")

    @property
    def is_empty(self) -> bool:
        return not (self.ipc or self.keywords or self.region or self.year_from or self.year_to)

    def without_region(self) -> Scope:
        return Scope(ipc=self.ipc, keywords=self.keywords, year_from=self.year_from, year_to=self.year_to)

    def years_only(self) -> Scope:
        return Scope(year_from=self.year_from, year_to=self.year_to)

    def check_known_ipc(self) -> list[str]:
        """Raise `UnknownIpcError` for codes the loaded IPC scheme does not have; notes (for the report)
        when the scheme is not loaded, so the codes were checked for form only."""
        if not self.ipc:
            return []
        from ipops.reference.models import IpcEntry

        if not IpcEntry.objects.exists():
            return [str(_("The IPC scheme is not loaded: the IPC codes were checked for their form only."))]
        wanted = {code: scheme_code(code) for code in self.ipc}
        known = set(IpcEntry.objects.filter(code__in=set(wanted.values())).values_list("code", flat=True))
        unknown = [code for code, entry in wanted.items() if entry not in known]
        if unknown:
            raise UnknownIpcError(unknown)
        return []

    def as_dict(self) -> dict[str, Any]:
        return {
            "ipc": list(self.ipc),
            "keywords": list(self.keywords),
            "region": self.region,
            "year_from": self.year_from,
            "year_to": self.year_to,
        }


def region_prefix(code: str) -> str:
    """The significant digits of a GB/T 2260 code: province ``32``, city ``3206``, district ``320623``."""
    if code.endswith("0000"):
        return code[:2].rstrip() if code[:2] != "00" else ""
    if code.endswith("00"):
        return code[:4]
    return code


def scheme_code(prefix: str) -> str:
    """The IPC scheme entry a canonical prefix names (``G06F 16/`` → ``G06F 16/00``)."""
    return prefix + "00" if prefix.endswith("/") else prefix


def parse_years(text: str) -> tuple[int | None, int | None]:
    """``2010-2020`` → (2010, 2020); ``2015-`` → (2015, None); ``2019`` → (2019, 2019); '' → (None, None)."""
    if not text or not text.strip():
        return None, None
    found = _YEARS_RE.match(text)
    if not found:
        raise BadYearsError(
            _("“%(value)s” is not a year range: write FROM-TO, e.g. 2010-2020.") % {"value": text}
        )
    start, end, single = found.groups()
    if single:
        return int(single), int(single)
    if not start and not end:
        raise BadYearsError(
            _("“%(value)s” is not a year range: write FROM-TO, e.g. 2010-2020.") % {"value": text}
        )
    return (int(start) if start else None, int(end) if end else None)
