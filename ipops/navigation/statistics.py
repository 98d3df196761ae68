"""Regional IP statistics (STANDARDS.md §3, §7): patents by region and industry, patent-intensive
industries, high-value invention patents by CNIPA's five categories (from `ipops.valuation.high_value`
when installed), and high-value invention patents per 10,000 residents (population: configuration).

One DuckDB connection over the snapshot; the IPC → industry step maps the distinct IPC codes of the
selection once (`ipops.reference.industries.industry_table`) and joins them in DuckDB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ipops.core.excel import xlsx_response
from ipops.core.forms import StyledFormMixin
from ipops.corpus.query import connect
from ipops.corpus.store import SnapshotMissingError
from ipops.navigation.conf import load_config, load_population
from ipops.patents.filters import region_names
from ipops.patents.views import member_required
from ipops.reference.industries import industry_table

LEVELS = {"province": "province_code", "city": "city_code", "district": "district_code"}


@dataclass(frozen=True)
class StatsQuery:
    level: str = "district"
    within: str = ""  # a GB/T 2260 code the regions must lie in ("" = everywhere)
    scheme: str = "patent_intensive"
    year_from: int | None = None
    year_to: int | None = None
    real_only: bool = False


@dataclass
class Statistics:
    query: StatsQuery
    patents: int = 0
    regions: list[dict[str, Any]] = field(default_factory=list)
    industries: list[dict[str, Any]] = field(default_factory=list)
    matrix_industries: list[str] = field(default_factory=list)
    matrix: list[dict[str, Any]] = field(default_factory=list)
    high_value: dict[str, Any] | None = None
    high_value_note: str = ""
    scheme_is_starter: bool | None = None
    scheme_name: str = ""
    population_note: str = ""


def _within_clause(code: str) -> tuple[str, list[Any]]:
    if not code:
        return "", []
    if code.endswith("0000"):
        return "p.province_code = ?", [code]
    if code.endswith("00"):
        return "p.city_code = ?", [code]
    return "p.district_code = ?", [code]


def _where(query: StatsQuery) -> tuple[str, list[Any]]:
    clauses, params = [], []
    within, values = _within_clause(query.within)
    if within:
        clauses.append(within)
        params.extend(values)
    if query.year_from is not None:
        clauses.append("p.app_year >= ?")
        params.append(query.year_from)
    if query.year_to is not None:
        clauses.append("p.app_year <= ?")
        params.append(query.year_to)
    if query.real_only:
        clauses.append("NOT p.synthetic")
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _high_value(con: duckdb.DuckDBPyConnection) -> tuple[Any, str]:
    try:
        from ipops.valuation import high_value
    except ImportError:
        return None, _("High-value categories need the valuation module, which is not installed.")
    return high_value, ""


def compute(query: StatsQuery, con: duckdb.DuckDBPyConnection | None = None) -> Statistics:
    own = con is None
    db = connect() if con is None else con
    try:
        return _compute(db, query)
    finally:
        if own:
            db.close()


def _compute(con: duckdb.DuckDBPyConnection, query: StatsQuery) -> Statistics:
    from ipops.reference.models import IndustryScheme

    column = LEVELS[query.level]
    where, params = _where(query)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE st_sel AS SELECT p.id, p.{column} AS region, p.patent_type FROM patents p{where}",  # noqa: S608 (column from LEVELS, bound values)
        params,
    )
    stats = Statistics(query=query)
    stats.patents = int(con.execute("SELECT count(*) FROM st_sel").fetchone()[0])  # type: ignore[index]
    scheme = IndustryScheme.objects.filter(key=query.scheme).first()
    language = get_language() or "zh-hans"
    stats.scheme_is_starter = scheme.is_starter if scheme else None
    stats.scheme_name = scheme.name(language) if scheme else query.scheme

    # high-value flags per patent, when the valuation module is there
    module, stats.high_value_note = _high_value(con)
    if module is not None:
        table = module.high_value_table(con)
        con.register("st_hv_all", table)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE st_hv AS SELECT h.* FROM st_hv_all h JOIN st_sel s ON s.id = h.patent_id"
        )
        con.unregister("st_hv_all")
        summary = module.summary(con.sql("SELECT * FROM st_hv").to_arrow_table())
        stats.high_value = {
            **summary,
            "rows": [
                {
                    "key": key,
                    "label": str(module.CATEGORY_LABELS[key]),
                    "met": summary["categories"][key]["met"],
                    "undeterminable": summary["categories"][key]["undeterminable"],
                    "why": str(module.WHY_UNDETERMINABLE[key]),
                }
                for key in module.CATEGORIES
            ],
        }
        hv_join = "LEFT JOIN st_hv h ON h.patent_id = s.id"
        hv_cols = "count(*) FILTER (h.is_high_value), count(*) FILTER (h.is_high_value IS NULL AND s.patent_type = 'invention')"
    else:
        hv_join, hv_cols = "", "NULL, NULL"

    population = load_population()
    names = region_names()
    rows = con.execute(
        f"SELECT s.region, count(*), count(*) FILTER (s.patent_type = 'invention'), {hv_cols} "  # noqa: S608
        f"FROM st_sel s {hv_join} GROUP BY 1 ORDER BY 2 DESC, 1"
    ).fetchall()
    for code, total, inventions, high, unknown in rows:
        code = code or ""
        people = population.get(code)
        per_10k = (high * 10_000 / people.population) if (people and high is not None) else None
        stats.regions.append(
            {
                "code": code,
                "name": names.get(code, code) if code else _("(region not known)"),
                "patents": int(total),
                "inventions": int(inventions),
                "high_value": None if high is None else int(high),
                "high_value_unknown": None if unknown is None else int(unknown),
                "population": people.population if people else None,
                "per_10k": per_10k,
            }
        )

    # industries: distinct IPC codes of the selection → industries (once), joined back
    codes = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT c.code FROM classifications c JOIN st_sel s ON s.id = c.patent_id WHERE c.scheme = 'ipc'"
        ).fetchall()
    ]
    con.register("st_map", industry_table(codes, query.scheme))
    top = int(load_config()["statistics_top_industries"])
    industries = con.execute(
        "SELECT m.industry_code, min(m.industry_name_zh), min(m.industry_name_en), count(DISTINCT s.id) AS n "
        "FROM st_sel s JOIN classifications c ON c.patent_id = s.id AND c.scheme = 'ipc' "
        "JOIN st_map m ON m.ipc = c.code GROUP BY 1 ORDER BY n DESC, 1"
    ).fetchall()
    zh = language.lower().startswith("zh")
    for code, name_zh, name_en, n in industries:
        stats.industries.append(
            {
                "code": code,
                "name": name_zh if zh or not name_en else name_en,
                "patents": int(n),
                "share": n / stats.patents if stats.patents else None,
            }
        )
    top_codes = [i["code"] for i in stats.industries[:top]]
    stats.matrix_industries = [i["name"] for i in stats.industries[:top]]
    if top_codes:
        cells = con.execute(
            "SELECT s.region, m.industry_code, count(DISTINCT s.id) FROM st_sel s "
            "JOIN classifications c ON c.patent_id = s.id AND c.scheme = 'ipc' JOIN st_map m ON m.ipc = c.code "
            "GROUP BY 1, 2"
        ).fetchall()
        by_region: dict[str, dict[str, int]] = {}
        for region, industry, n in cells:
            by_region.setdefault(region or "", {})[industry] = int(n)
        for region in stats.regions:
            counts = by_region.get(region["code"], {})
            stats.matrix.append(
                {
                    "name": region["name"],
                    "code": region["code"],
                    "counts": [counts.get(c, 0) for c in top_codes],
                }
            )
    con.unregister("st_map")
    stats.population_note = str(load_config().get("population_note", ""))
    return stats


class StatisticsForm(StyledFormMixin, forms.Form):
    level = forms.ChoiceField(
        label=gettext_lazy("Regions by"),
        choices=[
            ("province", gettext_lazy("Province")),
            ("city", gettext_lazy("City")),
            ("district", gettext_lazy("District")),
        ],
        required=False,
    )
    within = forms.CharField(label=gettext_lazy("Within region (GB/T 2260)"), required=False, max_length=6)
    scheme = forms.ChoiceField(label=gettext_lazy("Industry classification"), required=False)
    year_from = forms.IntegerField(
        label=gettext_lazy("Application year from"), required=False, min_value=1900, max_value=2100
    )
    year_to = forms.IntegerField(
        label=gettext_lazy("Application year to"), required=False, min_value=1900, max_value=2100
    )
    real_only = forms.BooleanField(
        label=gettext_lazy("Real data only (leave out synthetic records)"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from ipops.reference.models import IndustryScheme

        language = get_language() or "zh-hans"
        self.fields["scheme"].choices = [  # type: ignore[attr-defined]
            (s.key, s.name(language)) for s in IndustryScheme.objects.order_by("key")
        ] or [("patent_intensive", _("Patent-intensive industries"))]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        within = (data.get("within") or "").strip()
        if within and (len(within) != 6 or not within.isdigit()):
            self.add_error("within", _("A region is a six-digit GB/T 2260 code, such as 110105."))
        a, b = data.get("year_from"), data.get("year_to")
        if a is not None and b is not None and a > b:
            self.add_error("year_to", _("The end year is before the start year."))
        return data

    def query(self) -> StatsQuery:
        data = self.cleaned_data
        return StatsQuery(
            level=data.get("level") or "district",
            within=(data.get("within") or "").strip(),
            scheme=data.get("scheme") or "patent_intensive",
            year_from=data.get("year_from"),
            year_to=data.get("year_to"),
            real_only=bool(data.get("real_only")),
        )


@require_safe
@member_required
def statistics_page(request: HttpRequest) -> HttpResponseBase:
    form = StatisticsForm(request.GET or None)
    query = form.query() if form.is_bound and form.is_valid() else StatsQuery()
    if form.is_bound and not form.is_valid():
        return render(request, "navigation/statistics.html", {"form": form, "stats": None})
    try:
        stats = compute(query)
    except SnapshotMissingError:
        return render(
            request, "navigation/statistics.html", {"form": form, "stats": None, "no_snapshot": True}
        )
    export = request.GET.get("export")
    if export in ("regions", "industries"):
        return _export(request, stats, export)
    return render(
        request,
        "navigation/statistics.html",
        {"form": form, "stats": stats, "query": request.GET.urlencode()},
    )


def _export(request: HttpRequest, stats: Statistics, kind: str) -> HttpResponseBase:
    filters = {k: v for k, v in stats.query.__dict__.items()}
    if kind == "regions":
        headers = [
            _("Region code"),
            _("Region"),
            _("Patents"),
            _("Invention patents"),
            _("High-value invention patents"),
            _("Inventions whose high value is undetermined"),
            _("Resident population"),
            _("High-value invention patents per 10,000 residents"),
        ]
        rows = (
            [
                r["code"],
                r["name"],
                r["patents"],
                r["inventions"],
                r["high_value"],
                r["high_value_unknown"],
                r["population"],
                r["per_10k"],
            ]
            for r in stats.regions
        )
    else:
        headers = [_("Industry code"), _("Industry"), _("Patents"), _("Share of patents")]
        rows = ([i["code"], i["name"], i["patents"], i["share"]] for i in stats.industries)
    return xlsx_response(
        actor=request.user,
        action="navigation.statistics.export",
        filters=filters,
        filename=f"regional-statistics-{kind}.xlsx",
        sheet_title=_("Regional statistics"),
        headers=headers,
        rows=rows,
        tmp_dir=Path(settings.DATA_DIR) / "tmp",
    )
