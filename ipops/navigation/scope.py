"""A project's scope, checked, and its hit set over the derived snapshot (DuckDB).

Scope parts, each optional: IPC prefixes and an industry (its IPC prefixes are added to the IPC list:
both say which technology is in scope), keywords (any of them in the title or abstract), a region
(GB/T 2260: a province, city or district code) and application years. Technology, keywords, region and
years narrow the set together. Every value is bound as a query parameter.

When the analytics engine (`ipops.analytics.scope.Scope`) is installed, `analytics_scope` hands the same
scope to it, so analyses and the hit set agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ipops.navigation.conf import load_config
from ipops.patents.normalize.ipc import IpcError
from ipops.reference.industries import PrefixError, normalise_prefix

_SPLIT_RE = re.compile(r"[;,、，；|\n\r]+")
MIN_YEAR, MAX_YEAR = 1900, 2100


@dataclass(frozen=True)
class ProjectScope:
    ipc: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    region: str = ""
    year_from: int | None = None
    year_to: int | None = None
    industry_scheme: str = ""
    industry_code: str = ""
    industry_ipc: tuple[str, ...] = field(default=(), compare=False)

    @property
    def technology(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.ipc, *self.industry_ipc]))

    @property
    def is_empty(self) -> bool:
        return not (self.technology or self.keywords or self.region or self.year_from or self.year_to)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("ipc", "keywords", "industry_ipc"):
            data[key] = list(data[key])
        return data


def split_list(text: str | Iterable[str]) -> list[str]:
    """Items of a list typed in one box (separated by ; , 、 or new lines), blanks dropped, order kept."""
    items = _SPLIT_RE.split(text) if isinstance(text, str) else list(text)
    return list(dict.fromkeys(i.strip() for i in items if i and i.strip()))


def clean_ipc(values: str | Iterable[str]) -> list[str]:
    """IPC prefixes in canonical form. Unreadable ones, and ones the loaded IPC scheme does not list, are
    refused (ValidationError naming them)."""
    items = split_list(values)
    limit = int(load_config()["max_ipc_prefixes"])
    if len(items) > limit:
        raise ValidationError({"ipc_codes": _("At most %(n)d IPC prefixes.") % {"n": limit}})
    cleaned, unreadable = [], []
    for item in items:
        try:
            cleaned.append(normalise_prefix(item))
        except (PrefixError, IpcError):
            unreadable.append(item)
    if unreadable:
        raise ValidationError(
            {
                "ipc_codes": _("Not IPC codes: %(codes)s. Write them as G06N, G06N 3/ or G06N 3/08.")
                % {"codes": ", ".join(unreadable)}
            }
        )
    unknown = unknown_ipc(cleaned)
    if unknown:
        raise ValidationError(
            {"ipc_codes": _("Not in the IPC scheme: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    return list(dict.fromkeys(cleaned))


def unknown_ipc(prefixes: Iterable[str]) -> list[str]:
    """Prefixes whose symbol the loaded IPC scheme does not list ([] when the scheme is not loaded)."""
    from ipops.reference.models import IpcEntry

    if not IpcEntry.objects.exists():
        return []
    symbols = {p: (p[:-1].strip() + "/00" if p.endswith("/") else p) for p in prefixes}
    known = set(IpcEntry.objects.filter(code__in=set(symbols.values())).values_list("code", flat=True))
    return [p for p, s in symbols.items() if s not in known]


def clean_keywords(values: str | Iterable[str]) -> list[str]:
    items = [unicodedata.normalize("NFKC", k) for k in split_list(values)]
    limit = int(load_config()["max_keywords"])
    if len(items) > limit:
        raise ValidationError({"keywords": _("At most %(n)d keywords.") % {"n": limit}})
    return items


def clean_region(value: str) -> str:
    code = (value or "").strip()
    if code and (len(code) != 6 or not code.isdigit()):
        raise ValidationError({"region_code": _("A region is a six-digit GB/T 2260 code, such as 110105.")})
    return code


def clean_years(year_from: int | None, year_to: int | None) -> tuple[int | None, int | None]:
    for name, year in (("year_from", year_from), ("year_to", year_to)):
        if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
            raise ValidationError(
                {name: _("A year between %(a)d and %(b)d.") % {"a": MIN_YEAR, "b": MAX_YEAR}}
            )
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ValidationError({"year_to": _("The end year is before the start year.")})
    return year_from, year_to


def industry_prefixes(scheme: str, code: str) -> list[str]:
    """The IPC prefixes of an industry and of the industries below it."""
    from ipops.reference.models import IndustryClass, IpcConcordance

    industry = IndustryClass.objects.filter(scheme__key=scheme, code=code).first()
    if industry is None:
        return []
    codes, frontier = {industry.pk}, [industry.pk]
    while frontier:
        frontier = list(IndustryClass.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        codes.update(frontier)
    return sorted(
        set(IpcConcordance.objects.filter(industry_id__in=codes).values_list("ipc_prefix", flat=True))
    )


def scope_of(data: Mapping[str, Any]) -> ProjectScope:
    """A ProjectScope from a project's (or a run's frozen) scope mapping; the industry's prefixes are
    resolved now, so a frozen copy keeps them."""
    scheme, code = data.get("industry_scheme") or "", data.get("industry_code") or ""
    frozen = data.get("industry_ipc")
    return ProjectScope(
        ipc=tuple(data.get("ipc") or ()),
        keywords=tuple(data.get("keywords") or ()),
        region=data.get("region") or "",
        year_from=data.get("year_from"),
        year_to=data.get("year_to"),
        industry_scheme=scheme,
        industry_code=code,
        industry_ipc=tuple(frozen)
        if frozen is not None
        else tuple(industry_prefixes(scheme, code) if code else ()),
    )


def _region_column(code: str) -> str:
    if code.endswith("0000"):
        return "province_code"
    if code.endswith("00"):
        return "city_code"
    return "district_code"


def where(scope: ProjectScope, alias: str = "p") -> tuple[str, list[Any]]:
    """A WHERE clause (or "") over the `patents` view under `alias`, and its parameters."""
    clauses: list[str] = []
    params: list[Any] = []
    technology = scope.technology
    if scope.industry_code and not technology:
        clauses.append("FALSE")  # an industry without IPC prefixes matches nothing, not everything
    if technology:
        tests = []
        for prefix in technology:
            if "/" in prefix and not prefix.endswith("/"):
                tests.append("c.code = ?")
            else:
                tests.append("starts_with(c.code, ?)")
            params.append(prefix)
        clauses.append(
            f"{alias}.id IN (SELECT c.patent_id FROM classifications c WHERE c.scheme = 'ipc' "  # noqa: S608 (fixed text, bound values)
            f"AND ({' OR '.join(tests)}))"
        )
    if scope.keywords:
        tests = []
        for keyword in scope.keywords:
            tests.append(
                f"(contains(lower({alias}.title), lower(?)) OR contains(lower(coalesce({alias}.abstract, '')), lower(?)))"
            )
            params.extend([keyword, keyword])
        clauses.append("(" + " OR ".join(tests) + ")")
    if scope.region:
        clauses.append(f"{alias}.{_region_column(scope.region)} = ?")
        params.append(scope.region)
    if scope.year_from is not None:
        clauses.append(f"{alias}.app_year >= ?")
        params.append(scope.year_from)
    if scope.year_to is not None:
        clauses.append(f"{alias}.app_year <= ?")
        params.append(scope.year_to)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def count_hits(con: duckdb.DuckDBPyConnection, scope: ProjectScope) -> int:
    clause, params = where(scope)
    row = con.execute(f"SELECT count(*) FROM patents p{clause}", params).fetchone()  # noqa: S608
    return int(row[0]) if row else 0


HIT_COLUMNS = (
    "id",
    "pub_number",
    "title",
    "main_ipc",
    "app_date",
    "app_year",
    "patent_type",
    "district_code",
)


def hit_rows(
    con: duckdb.DuckDBPyConnection, scope: ProjectScope, *, limit: int | None = None, offset: int = 0
) -> list[dict[str, Any]]:
    """Hits ordered by publication number (stable for paging and for the dataset export)."""
    clause, params = where(scope)
    sql = f"SELECT {', '.join('p.' + c for c in HIT_COLUMNS)} FROM patents p{clause} ORDER BY p.pub_number, p.id"  # noqa: S608
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params = [*params, limit, offset]
    return [dict(zip(HIT_COLUMNS, row, strict=True)) for row in con.execute(sql, params).fetchall()]


def sample_rows(
    con: duckdb.DuckDBPyConnection, scope: ProjectScope, *, size: int, seed: int
) -> list[dict[str, Any]]:
    """A simple random sample without replacement of `size` hits, reproducible from `seed`: the hits are
    ordered by a seeded hash of their id and the first `size` taken."""
    clause, params = where(scope)
    sql = (
        f"SELECT {', '.join('p.' + c for c in HIT_COLUMNS)} FROM patents p{clause} "  # noqa: S608
        "ORDER BY hash(p.id || ?), p.id LIMIT ?"
    )
    rows = con.execute(sql, [*params, str(seed), size]).fetchall()
    return [dict(zip(HIT_COLUMNS, row, strict=True)) for row in rows]


def hit_pub_numbers(con: duckdb.DuckDBPyConnection, scope: ProjectScope) -> set[str]:
    clause, params = where(scope)
    sql = f"SELECT p.pub_number FROM patents p{clause}"  # noqa: S608
    return {normalise_number(r[0]) for r in con.execute(sql, params).fetchall() if r[0]}


def normalise_number(value: str) -> str:
    """A publication number for comparison: NFKC, upper case, no spaces, dots or dashes."""
    return re.sub(r"[\s.\-]", "", unicodedata.normalize("NFKC", value or "").upper())


def analytics_scope(scope: ProjectScope) -> Any:
    """The analytics engine's Scope for this scope (ImportError when the engine is not installed); the
    industry's IPC prefixes are part of its IPC list."""
    from ipops.analytics.scope import Scope

    return Scope(
        ipc=tuple(scope.technology),
        keywords=tuple(scope.keywords),
        region=scope.region,
        year_from=scope.year_from,
        year_to=scope.year_to,
    )
