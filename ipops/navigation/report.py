"""What a run produces: the hit-set overview (DuckDB over the snapshot), the chart specifications the
report page draws with ECharts (each with its data table), and the downloadable files (dataset Excel,
PDF, standalone HTML) written into the run's folder.

The analytics engine's modules (`ipops.analytics.run.run_analyses`) are added to the run when the engine
is installed; the overview is the hit set's own description (volume, years, applicants, technology,
regions), always available.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from ipops.analytics.formulas import cagr, is_incomplete_year
from ipops.core.excel import cell_value
from ipops.navigation.conf import load_config
from ipops.navigation.scope import ProjectScope, hit_rows, where

logger = logging.getLogger(__name__)

REPORT_FILES = {"pdf": "report.pdf", "xlsx": "data.xlsx", "html": "report.html", "json": "analyses.json"}


def runs_dir() -> Path:
    configured = getattr(settings, "IPOPS_NAVIGATION_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "navigation"


def _incomplete_months() -> int:
    from ipops.analytics.conf import load_config as analytics_config

    return int(analytics_config().get("incomplete_months", 18))


def data_cutoff(con: duckdb.DuckDBPyConnection) -> date | None:
    row = con.execute("SELECT max(pub_date) FROM patents").fetchone()
    return row[0] if row is not None and row[0] else None


def build_overview(con: duckdb.DuckDBPyConnection, scope: ProjectScope) -> dict[str, Any]:
    """Counts describing the hit set. Years inside the incomplete window before the data cut-off (the
    latest publication date in the snapshot) are flagged."""
    top = int(load_config()["overview_top"])
    clause, params = where(scope)
    # DuckDB views cannot hold parameters: materialise the ids of the hit set once instead.
    con.execute(f"CREATE OR REPLACE TEMP TABLE nav_hit_ids AS SELECT p.id FROM patents p{clause}", params)  # noqa: S608
    hits_from = "patents h JOIN nav_hit_ids i ON i.id = h.id"
    counted = con.execute(f"SELECT count(*) FROM {hits_from}").fetchone()  # noqa: S608
    total = int(counted[0]) if counted is not None else 0
    cutoff = data_cutoff(con)
    months = _incomplete_months()
    years = [
        {
            "year": int(y),
            "applications": int(n),
            "granted": int(g),
            "incomplete": bool(cutoff and is_incomplete_year(int(y), cutoff, months)),
        }
        for y, n, g in con.execute(
            f"SELECT h.app_year, count(*), count(h.grant_date) FROM {hits_from} "  # noqa: S608
            "WHERE h.app_year IS NOT NULL GROUP BY 1 ORDER BY 1"
        ).fetchall()
    ]
    complete = [y for y in years if not y["incomplete"]]
    growth = None
    if len(complete) >= 2 and complete[0]["applications"] > 0:
        growth = cagr(
            complete[0]["applications"],
            complete[-1]["applications"],
            complete[-1]["year"] - complete[0]["year"],
        )

    def pairs(sql: str) -> list[dict[str, Any]]:
        return [{"label": str(k or ""), "count": int(n)} for k, n in con.execute(sql, [top]).fetchall()]

    applicants = pairs(
        "SELECT min(a.name), count(DISTINCT a.patent_id) AS n FROM applicants a JOIN nav_hit_ids i ON i.id = a.patent_id "
        "GROUP BY a.applicant_id ORDER BY n DESC, 1 LIMIT ?"
    )
    subclasses = pairs(
        f"SELECT h.main_subclass, count(*) AS n FROM {hits_from} WHERE h.main_subclass <> '' "  # noqa: S608
        "GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?"
    )
    provinces = pairs(
        f"SELECT h.province_code, count(*) AS n FROM {hits_from} WHERE coalesce(h.province_code, '') <> '' "  # noqa: S608
        "GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?"
    )
    districts = pairs(
        f"SELECT h.district_code, count(*) AS n FROM {hits_from} WHERE coalesce(h.district_code, '') <> '' "  # noqa: S608
        "GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?"
    )
    types = pairs(
        f"SELECT h.patent_type, count(*) AS n FROM {hits_from} GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?"  # noqa: S608
    )
    return {
        "hits": total,
        "cutoff": cutoff.isoformat() if cutoff else None,
        "incomplete_months": months,
        "cagr": growth,
        "years": years,
        "applicants": applicants,
        "subclasses": subclasses,
        "provinces": _with_region_names(provinces),
        "districts": _with_region_names(districts),
        "patent_types": types,
    }


def _with_region_names(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = region_names([r["label"] for r in rows])
    return [{**r, "name": names.get(r["label"], r["label"])} for r in rows]


def region_names(codes: Iterable[str]) -> dict[str, str]:
    """GB/T 2260 names of codes (the bundled tables the patent pages use)."""
    from ipops.patents.filters import region_names as names

    table = names()
    return {c: table[c] for c in codes if c in table}


# --- charts --------------------------------------------------------------------------------------------


def charts(overview: dict[str, Any], analyses: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Chart specifications: id, title, type (line/bar/pie), categories, series [{name, data}], and the
    table (headers, rows) shown beside the chart."""
    specs: list[dict[str, Any]] = []
    if analyses and analyses.get("modules"):
        return _analytics_charts(analyses)  # the engine's modules cover the overview's charts and more
    years = overview.get("years") or []
    if years:
        labels = [f"{y['year']}*" if y["incomplete"] else str(y["year"]) for y in years]
        specs.append(
            {
                "id": "trend",
                "title": _("Applications and grants by application year"),
                "type": "line",
                "categories": labels,
                "series": [
                    {"name": _("Applications"), "data": [y["applications"] for y in years]},
                    {"name": _("Granted"), "data": [y["granted"] for y in years]},
                ],
                "note": _("* incomplete: within %(n)d months of the data cut-off (%(cutoff)s)")
                % {"n": overview.get("incomplete_months", 18), "cutoff": overview.get("cutoff") or "—"},
                "headers": [_("Year"), _("Applications"), _("Granted")],
                "rows": [
                    [label, y["applications"], y["granted"]] for label, y in zip(labels, years, strict=True)
                ],
            }
        )
    for key, title, header in (
        ("applicants", _("Top applicants"), _("Applicant")),
        ("subclasses", _("Technology composition by IPC subclass (main classification)"), _("IPC subclass")),
        ("provinces", _("Regional distribution by province"), _("Province")),
        ("districts", _("Regional distribution by district"), _("District")),
        ("patent_types", _("Patent types"), _("Patent type")),
    ):
        rows = overview.get(key) or []
        if not rows:
            continue
        names = [r.get("name") or r["label"] or "—" for r in rows]
        specs.append(
            {
                "id": key,
                "title": title,
                "type": "pie" if key == "patent_types" else "bar",
                "categories": names,
                "series": [{"name": _("Patents"), "data": [r["count"] for r in rows]}],
                "headers": [header, _("Patents")],
                "rows": [[n, r["count"]] for n, r in zip(names, rows, strict=True)],
            }
        )
    return specs


def _analytics_charts(analyses: dict[str, Any]) -> list[dict[str, Any]]:
    """One chart and table for every table of the analytics engine's modules (``{"columns": [[key,
    label], …], "rows": [{key: value}, …]}``): a line over years, otherwise bars of the first numeric
    column against the first column."""
    specs: list[dict[str, Any]] = []
    found = analyses.get("modules")
    modules: dict[str, Any] = found if isinstance(found, dict) else {}
    for name, module in modules.items():
        if not isinstance(module, dict):
            continue
        for part, table in module.items():
            if not (
                isinstance(table, dict)
                and isinstance(table.get("columns"), list)
                and isinstance(table.get("rows"), list)
            ):
                continue
            columns = [
                (str(c[0]), str(c[1]))
                for c in table["columns"]
                if isinstance(c, list | tuple) and len(c) == 2
            ]
            records = [r for r in table["rows"] if isinstance(r, dict)]
            if not columns or not records:
                continue
            keys = [k for k, _label in columns]
            if keys[0] != "year" and all(isinstance(r.get(keys[0]), int | float) for r in records):
                # a rank or number first: label the bars with the first text column instead
                text = next((k for k in keys if all(isinstance(r.get(k), str) for r in records)), None)
                if text is not None:
                    keys = [text, *(k for k in keys if k not in (text, "rank"))]
            numeric = [
                k
                for k in keys[1:]
                if all(
                    isinstance(r.get(k), int | float) and not isinstance(r.get(k), bool)
                    for r in records
                    if r.get(k) is not None
                )
                and any(r.get(k) is not None for r in records)
            ]
            kind = "line" if keys[0] == "year" else ("bar" if numeric else "table")
            shown = numeric[:2] if kind == "line" else numeric[:1]
            title = str(module.get("title") or name)
            specs.append(
                {
                    "id": f"{name}-{part}",
                    "title": title if part == "table" else f"{title} · {part.replace('_', ' ')}",
                    "type": kind,
                    "categories": [str(r.get(keys[0], "")) for r in records[:50]],
                    "series": [
                        {"name": dict(columns)[k], "data": [r.get(k) for r in records[:50]]} for k in shown
                    ],
                    "headers": [label for _key, label in columns],
                    "rows": [[r.get(k) for k, _label in columns] for r in records[:200]],
                }
            )
    return specs


# --- files ---------------------------------------------------------------------------------------------


def write_dataset(
    path: Path, con: duckdb.DuckDBPyConnection, scope: ProjectScope, chart_specs: list[dict[str, Any]]
) -> int:
    """The dataset: every hit (one sheet) and each chart's table (one sheet each)."""
    book = Workbook(write_only=True)

    def sheet(title: str, headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> int:
        ws = book.create_sheet(title=title[:31])
        ws.freeze_panes = "A2"
        cells = []
        for text in headers:
            cell = WriteOnlyCell(ws, value=str(text))
            cell.font = Font(bold=True)
            cells.append(cell)
        ws.append(cells)
        n = 0
        for row in rows:
            ws.append([cell_value(v) for v in row])
            n += 1
        return n

    columns = ("pub_number", "title", "main_ipc", "app_date", "patent_type", "district_code")
    headers = [
        _("Publication number"),
        _("Title"),
        _("Main IPC"),
        _("Application date"),
        _("Patent type"),
        _("District"),
    ]
    count = sheet(_("Hits"), headers, ([r[c] for c in columns] for r in hit_rows(con, scope)))
    used = set()
    for spec in chart_specs:
        title = re.sub(r"[\[\]:*?/\\]", " ", str(spec["title"])).strip()[:28] or "-"
        while title in used:
            title = title[:26] + "~"
        used.add(title)
        sheet(title, spec["headers"], spec["rows"])
    book.save(path)
    return count


def report_context(
    *, project: Any, run: Any, chart_specs: list[dict[str, Any]], conclusions: str
) -> dict[str, Any]:
    return {
        "project": project,
        "run": run,
        "charts": chart_specs,
        "conclusions": conclusions,
        "overview": run.overview,
        "scope": run.scope,
    }


def write_html_and_pdf(folder: Path, context: dict[str, Any]) -> None:
    html = render_to_string("navigation/report_document.html", context)
    (folder / REPORT_FILES["html"]).write_text(html, encoding="utf-8")
    from ipops.analytics.report import html_to_pdf

    (folder / REPORT_FILES["pdf"]).write_bytes(html_to_pdf(html, base_url=str(folder)))


def write_documents(folder: Path, *, project: Any, run: Any, conclusions: str) -> str:
    """report.html and report.pdf of a run with these conclusions: the analytics engine's renderer
    (`ipops.analytics.report`: static SVG charts in the PDF) when the run has the engine's modules, else
    the overview document. Returns which renderer wrote them ("engine" or "overview")."""
    analyses = run.analyses or {}
    if analyses.get("modules"):
        try:
            from ipops.analytics.report import render_html, render_pdf

            html = render_html(analyses, title=project.title, conclusions=conclusions)
            pdf = render_pdf(analyses, title=project.title, conclusions=conclusions)
        except Exception:  # the overview document still stands; the failure is logged
            logger.exception(
                "navigation: the analytics report renderer failed; writing the overview document"
            )
        else:
            (folder / REPORT_FILES["html"]).write_text(html, encoding="utf-8")
            (folder / REPORT_FILES["pdf"]).write_bytes(pdf)
            return "engine"
    specs = charts(run.overview, analyses)
    write_html_and_pdf(
        folder, report_context(project=project, run=run, chart_specs=specs, conclusions=conclusions)
    )
    return "overview"


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)
