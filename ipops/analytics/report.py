"""The navigation report from `run_analyses` results: HTML (interactive ECharts), PDF (WeasyPrint, same
template with server-side SVG charts since WeasyPrint runs no JavaScript), the Excel dataset and
``analyses.json``.

The HTML and the PDF come from one template (``analytics/report.html``); ``interactive`` switches between
ECharts containers and static SVG. Every chart has its data table beside it. The PDF uses the vendored Noto
Sans SC font (``static/vendor/noto-sans-sc``) so Chinese renders wherever the report is opened.
"""

from __future__ import annotations

import bisect
import functools
import html
import json
import os
import re
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from ipops.core.excel import cell_value

VENDOR = Path(__file__).resolve().parent.parent / "static" / "vendor"
FONT_CSS = (VENDOR / "noto-sans-sc" / "400.css", VENDOR / "noto-sans-sc" / "700.css")
ECHARTS_JS = VENDOR / "echarts" / "echarts.min.js"
OUTPUT_FILES = ("report.html", "report.pdf", "data.xlsx", "analyses.json")

MAIN = "#206bc4"
PALE = "#a6c5ea"


# --- static SVG charts (for the PDF) ---------------------------------------------------------------------


def svg_bars(
    labels: Sequence[str],
    values: Sequence[float | int | None],
    *,
    marked: Sequence[bool] | None = None,
    width: int = 640,
    bar_height: int = 14,
    label_width: int = 190,
) -> str:
    """Horizontal bars with their labels and values; `marked` bars are pale (incomplete years)."""
    if not labels:
        return ""
    numbers = [float(v) if v is not None else 0.0 for v in values]
    top = max(numbers) if numbers and max(numbers) > 0 else 1.0
    gap = 4
    height = len(labels) * (bar_height + gap) + gap
    span = width - label_width - 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="bars" role="img" font-family="Noto Sans SC, sans-serif">'
    ]
    for i, (label, value) in enumerate(zip(labels, numbers, strict=True)):
        y = gap + i * (bar_height + gap)
        length = max(span * value / top, 0.0)
        colour = PALE if marked and marked[i] else MAIN
        text = html.escape(str(label))
        if len(text) > 28:
            text = text[:27] + "…"
        shown = values[i]
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height - 3}" text-anchor="end" font-size="10">'
            f"{text}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{colour}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + bar_height - 3}" font-size="10">'
            f"{html.escape(_format(shown))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _format(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


# --- sections: charts (ECharts options + SVG) and tables ------------------------------------------------


def _chart(chart_id: str, title: str, option: dict[str, Any], svg: str, table: int = 0) -> dict[str, Any]:
    """A chart; `table` is the index of the section's table that holds its data (shown beside it)."""
    return {"id": chart_id, "title": title, "option": option, "svg": svg, "table": table}


def _pairs(section: dict[str, Any]) -> list[dict[str, Any]]:
    """Each table with the charts drawn from it, in table order."""
    return [
        {"charts": [c for c in section["charts"] if c["table"] == i], "table": table}
        for i, table in enumerate(section["tables"])
    ]


def _bar_option(labels: list[str], values: list[Any], name: str, horizontal: bool = True) -> dict[str, Any]:
    category = {"type": "category", "data": labels[::-1] if horizontal else labels}
    value_axis = {"type": "value"}
    data = values[::-1] if horizontal else values
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 10, "right": 30, "top": 30, "bottom": 10, "containLabel": True},
        "xAxis": value_axis if horizontal else category,
        "yAxis": category if horizontal else value_axis,
        "series": [{"type": "bar", "name": name, "data": data, "itemStyle": {"color": MAIN}}],
    }


def _table(table: dict[str, Any], title: str = "") -> dict[str, Any]:
    keys = [key for key, _label in table["columns"]]
    return {
        "title": title,
        "headers": [label for _key, label in table["columns"]],
        "rows": [[_format(row.get(key)) for key in keys] for row in table["rows"]],
        "empty": not table["rows"],
    }


def _summary(pairs: list[tuple[str, Any]]) -> list[dict[str, str]]:
    return [{"label": label, "value": _format(value)} for label, value in pairs]


def _percent(value: float | None) -> str | None:
    return None if value is None else f"{100 * value:.2f} %"


def _sections(result: dict[str, Any]) -> list[dict[str, Any]]:
    m = result["modules"]
    sections: list[dict[str, Any]] = []

    overview = m["overview"]
    rows = overview["table"]["rows"]
    sections.append(
        {
            "key": "overview",
            "title": overview["title"],
            "summary": _summary(
                [
                    (_("Patents in scope"), overview["total"]),
                    (
                        _("Application years"),
                        f"{overview['first_year'] or '—'}–{overview['last_year'] or '—'}",
                    ),
                    (_("Data cut-off"), overview["cutoff"]),
                    (_("Incomplete from"), overview["incomplete_from"]),
                ]
            ),
            "charts": [
                _chart(
                    "chart-overview",
                    _("Patents by type"),
                    {
                        "tooltip": {"trigger": "item"},
                        "series": [
                            {
                                "type": "pie",
                                "radius": ["35%", "65%"],
                                "data": [{"name": r["patent_type"], "value": r["patents"]} for r in rows],
                            }
                        ],
                    },
                    svg_bars([r["patent_type"] for r in rows], [r["patents"] for r in rows]),
                )
            ]
            if rows
            else [],
            "tables": [_table(overview["table"])],
        }
    )

    trend = m["trend"]
    rows = trend["table"]["rows"]
    years = [str(r["year"]) for r in rows]
    incomplete = [r["year"] for r in rows if r["incomplete"]]
    app_growth, grant_growth = trend["applications_cagr"], trend["grants_cagr"]
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {},
        "grid": {"left": 10, "right": 20, "top": 40, "bottom": 10, "containLabel": True},
        "xAxis": {"type": "category", "data": years},
        "yAxis": {"type": "value"},
        "series": [
            {
                "type": "bar",
                "name": str(_("Applications")),
                "data": [
                    {"value": r["applications"], "itemStyle": {"color": PALE if r["incomplete"] else MAIN}}
                    for r in rows
                ],
                "markArea": {
                    "itemStyle": {"color": "rgba(200,200,200,0.25)"},
                    "data": [[{"xAxis": str(incomplete[0])}, {"xAxis": str(incomplete[-1])}]]
                    if incomplete
                    else [],
                },
            },
            {"type": "line", "name": str(_("Grants")), "data": [r["grants"] for r in rows]},
        ],
    }
    sections.append(
        {
            "key": "trend",
            "title": trend["title"],
            "summary": _summary(
                [
                    (
                        _("CAGR of applications"),
                        f"{_percent(app_growth['cagr']) or '—'} ({app_growth['from'] or '—'}–{app_growth['to'] or '—'})",
                    ),
                    (
                        _("CAGR of grants"),
                        f"{_percent(grant_growth['cagr']) or '—'} ({grant_growth['from'] or '—'}–{grant_growth['to'] or '—'})",
                    ),
                ]
            ),
            "charts": [
                _chart(
                    "chart-trend",
                    _("Applications and grants per year (pale: incomplete)"),
                    option,
                    svg_bars(
                        years, [r["applications"] for r in rows], marked=[r["incomplete"] for r in rows]
                    ),
                )
            ]
            if rows
            else [],
            "tables": [_table(trend["table"])],
        }
    )

    life = m["lifecycle"]
    rows = life["table"]["rows"]
    fit = life["fit"]
    fit_text = (
        _("K = %(k)s, r = %(r)s, t_m = %(tm)s, N/K = %(share)s: %(stage)s")
        % {
            "k": _format(fit["k"]),
            "r": _format(fit["r"]),
            "tm": _format(fit["t_m"]),
            "share": _percent(fit["share"]),
            "stage": fit["stage_label"],
        }
        if fit["converged"]
        else _("Not fitted: %(reason)s The raw curve is shown.") % {"reason": fit["message"]}
    )
    path_option = {
        "tooltip": {"trigger": "item"},
        "grid": {"left": 10, "right": 30, "top": 30, "bottom": 10, "containLabel": True},
        "xAxis": {"type": "value", "name": str(_("Applications"))},
        "yAxis": {"type": "value", "name": str(_("Applicants"))},
        "series": [
            {
                "type": "line",
                "data": [[r["applications"], r["applicants"], r["year"]] for r in rows],
                "label": {"show": True, "formatter": "{@[2]}"},
            }
        ],
    }
    cumulative_option = {
        "tooltip": {"trigger": "axis"},
        "legend": {},
        "grid": {"left": 10, "right": 20, "top": 40, "bottom": 10, "containLabel": True},
        "xAxis": {"type": "category", "data": [str(r["year"]) for r in rows]},
        "yAxis": {"type": "value"},
        "series": [
            {
                "type": "line",
                "name": str(_("Cumulative applications")),
                "data": [r["cumulative"] for r in rows],
            },
            {
                "type": "line",
                "name": str(_("Logistic fit")),
                "data": [r["fitted"] for r in rows],
                "lineStyle": {"type": "dashed"},
            },
        ],
    }
    sections.append(
        {
            "key": "lifecycle",
            "title": life["title"],
            "summary": _summary([(_("Logistic fit"), fit_text)]),
            "charts": [
                _chart(
                    "chart-lifecycle-path",
                    _("Applicants against applications, year by year"),
                    path_option,
                    svg_bars(
                        [str(r["year"]) for r in rows],
                        [r["applicants"] for r in rows],
                        marked=[r["incomplete"] for r in rows],
                    ),
                ),
                _chart(
                    "chart-lifecycle-fit",
                    _("Cumulative applications and the logistic fit"),
                    cumulative_option,
                    svg_bars(
                        [str(r["year"]) for r in rows],
                        [r["cumulative"] for r in rows],
                        marked=[r["incomplete"] for r in rows],
                    ),
                ),
            ]
            if rows
            else [],
            "tables": [_table(life["table"])],
        }
    )

    applicants = m["applicants"]
    rows = applicants["table"]["rows"]
    sections.append(
        {
            "key": "applicants",
            "title": applicants["title"],
            "summary": _summary(
                [
                    (_("Applicants"), applicants["applicant_count"]),
                    (_("CR4 (%)"), applicants["cr4"]),
                    (_("CR8 (%)"), applicants["cr8"]),
                    (_("HHI (0–10,000)"), applicants["hhi"]),
                ]
            ),
            "charts": [
                _chart(
                    "chart-applicants",
                    _("Top applicants"),
                    _bar_option([r["name"] for r in rows], [r["patents"] for r in rows], str(_("Patents"))),
                    svg_bars([r["name"] for r in rows], [r["patents"] for r in rows]),
                )
            ]
            if rows
            else [],
            "tables": [_table(applicants["table"])],
        }
    )

    tech = m["technology"]
    rows = tech["table"]["rows"]
    edges = tech["network"]["edges"]["rows"]
    network_option = {
        "tooltip": {},
        "series": [
            {
                "type": "graph",
                "layout": "force",
                "roam": True,
                "label": {"show": True},
                "force": {"repulsion": 120, "edgeLength": [40, 140]},
                "data": [
                    {"name": n["id"], "value": n["patents"], "symbolSize": 8 + min(n["patents"], 60) / 2}
                    for n in tech["network"]["nodes"]
                ],
                "links": [{"source": e["sa"], "target": e["sb"], "value": e["weight"]} for e in edges],
            }
        ],
    }
    charts = []
    if rows:
        charts.append(
            _chart(
                "chart-subclasses",
                _("IPC subclasses"),
                _bar_option([r["subclass"] for r in rows], [r["patents"] for r in rows], str(_("Patents"))),
                svg_bars([r["subclass"] for r in rows], [r["patents"] for r in rows]),
            )
        )
    if edges:
        charts.append(
            _chart(
                "chart-network",
                _("Co-classification network (subclasses on the same patent)"),
                network_option,
                svg_bars([f"{e['sa']} – {e['sb']}" for e in edges[:20]], [e["weight"] for e in edges[:20]]),
                table=2,
            )
        )
    sections.append(
        {
            "key": "technology",
            "title": tech["title"],
            "summary": _summary(
                [
                    (_("IPC subclasses"), tech["subclass_count"]),
                    (_("IPC main groups"), tech["main_group_count"]),
                ]
            ),
            "charts": charts,
            "tables": [
                _table(tech["table"], str(_("IPC subclasses"))),
                _table(tech["main_groups"], str(_("IPC main groups"))),
                _table(tech["network"]["edges"], str(_("Co-classification edges"))),
            ],
        }
    )

    regions = m["regions"]
    rows = regions["table"]["rows"]
    labels = [r["name"] or r["code"] for r in rows]
    sections.append(
        {
            "key": "regions",
            "title": regions["title"],
            "summary": _summary(
                [
                    (_("Patents with a region"), regions["located"]),
                    (_("Patents without a region"), regions["unlocated"]),
                ]
            ),
            "charts": [
                _chart(
                    "chart-regions",
                    _("Patents by region"),
                    _bar_option(labels, [r["patents"] for r in rows], str(_("Patents"))),
                    svg_bars(labels, [r["patents"] for r in rows]),
                )
            ]
            if rows
            else [],
            "tables": [_table(regions["table"])],
        }
    )

    key = m["key_patents"]
    sections.append(
        {
            "key": "key_patents",
            "title": key["title"],
            "summary": _summary(
                [(_("Indicators not in the data"), "; ".join(u["label"] for u in key["unavailable"]))]
            ),
            "charts": [],
            "tables": [_table(key["table"])],
        }
    )

    industry = m["industry"]
    rows = industry["table"]["rows"]
    labels = [r["name_zh"] or r["code"] for r in rows]
    sections.append(
        {
            "key": "industry",
            "title": industry["title"],
            "summary": _summary(
                [(_("Industry scheme"), industry["scheme"]), (_("Match degree"), industry["match_degree"])]
            ),
            "notes": industry["notes"],
            "charts": [
                _chart(
                    "chart-industry",
                    _("Location quotient by industry"),
                    _bar_option(labels, [r["lq"] for r in rows], str(_("Location quotient"))),
                    svg_bars(labels, [r["lq"] for r in rows]),
                )
            ]
            if rows
            else [],
            "tables": [_table(industry["table"])],
        }
    )
    for section in sections:
        section["pairs"] = _pairs(section)
    return sections


# --- outputs ------------------------------------------------------------------------------------------


def render_html(
    result: dict[str, Any],
    *,
    title: str = "",
    conclusions: str = "",
    interactive: bool = True,
    echarts_src: str | None = None,
) -> str:
    """The report page. Interactive: ECharts (from `echarts_src`, else inlined so the file stands alone);
    otherwise static SVG charts (what the PDF prints)."""
    sections = _sections(result)
    charts = [
        {"id": chart["id"], "option": chart["option"]} for section in sections for chart in section["charts"]
    ]
    context = {
        "title": title or _("Patent navigation report"),
        "result": result,
        "scope": result["scope"],
        "sections": sections,
        "conclusions": [p.strip() for p in conclusions.split("\n\n") if p.strip()],
        "interactive": interactive,
        "charts": charts,
        "echarts_src": echarts_src,
        "echarts_inline": ECHARTS_JS.read_text(encoding="utf-8") if interactive and not echarts_src else "",
    }
    return render_to_string("analytics/report.html", context)


_FACE_RE = re.compile(r"@font-face\s*\{(?P<body>[^}]*)\}", re.S)
_RANGE_RE = re.compile(r"unicode-range:\s*(?P<ranges>[^;]+);")
_URL_RE = re.compile(r"url\(\s*['\"]?\./(?P<path>[^)'\"]+)['\"]?\s*\)")


@functools.lru_cache(maxsize=512)
def _parse_ranges(ranges: str) -> tuple[tuple[int, int], ...]:
    parsed = []
    for part in ranges.split(","):
        part = part.strip().upper().removeprefix("U+")
        if part:
            low, _sep, high = part.partition("-")
            parsed.append((int(low, 16), int(high or low, 16)))
    return tuple(parsed)


def _covers(ranges: str, codepoints: list[int]) -> bool:
    """Whether any of the sorted `codepoints` lies in a unicode-range."""
    for lo, hi in _parse_ranges(ranges):
        at = bisect.bisect_left(codepoints, lo)
        if at < len(codepoints) and codepoints[at] <= hi:
            return True
    return False


def font_cache_dir() -> Path:
    """IPOPS_FONT_CACHE_DIR, else DATA_DIR/cache/fonts (the test settings share one across processes)."""
    configured = getattr(settings, "IPOPS_FONT_CACHE_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "cache" / "fonts"


def decoded_font(path: Path) -> Path:
    """The TrueType file of a vendored WOFF2 subset, decoded once and kept under DATA_DIR/cache/fonts
    (WeasyPrint decodes WOFF2 in pure Python, ~1.5 s a file on every PDF otherwise). Derived data:
    deleting the directory only costs the next PDF the decoding."""
    target = font_cache_dir() / (path.stem + ".ttf")
    if target.exists():
        return target
    from fontTools.ttLib import TTFont

    target.parent.mkdir(parents=True, exist_ok=True)
    font = TTFont(str(path))
    font.flavor = None
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    font.save(str(partial))
    os.replace(partial, target)
    return target


_SUBSET_RE = re.compile(r"noto-sans-sc-(?P<subset>\d+)-\d+-normal")
SVG_FONT = "Noto Sans SC, sans-serif"


def _ttf_url(folder: Path, found: re.Match[str]) -> str:
    return f"url('{decoded_font(folder / found.group('path')).as_uri()}') format('truetype')"


def font_faces_for(text: str) -> tuple[str, list[str]]:
    """@font-face rules for the vendored Noto Sans SC subsets that cover a character of `text` (absolute
    file URLs), and the family names to list.

    The font comes split into ~100 subsets per weight, told apart by unicode-range. WeasyPrint decodes
    every face it is given (slow) and does not pick among same-named faces by unicode-range (characters
    came out as blank glyphs), so each needed subset becomes a family of its own ("IPOps SC 117", with
    both weights) and the families are listed in order: text falls back from one to the next per
    character."""
    codepoints = sorted({ord(ch) for ch in set(text)})
    faces: list[str] = []
    families: list[str] = []
    for path in FONT_CSS:
        if not path.exists():
            continue
        for face in _FACE_RE.finditer(path.read_text(encoding="utf-8")):
            body = face.group("body")
            found = _RANGE_RE.search(body)
            if found is not None and not _covers(found.group("ranges"), codepoints):
                continue
            url = _URL_RE.search(body)
            subset = _SUBSET_RE.search(url.group("path")) if url else None
            family = f"IPOps SC {subset.group('subset') if subset else len(families)}"
            body = re.sub(r"\s*format\('woff2'\)", "", body)
            body = _URL_RE.sub(partial(_ttf_url, path.parent), body)
            body = re.sub(r"font-family:[^;]+;", f"font-family: '{family}';", body)
            body = _RANGE_RE.sub("", body)
            faces.append("@font-face {" + body + "}")
            if family not in families:
                families.append(family)
    return "\n".join(faces), families


def font_css_for(text: str) -> str:
    """The font rules a PDF of `text` needs (see `font_faces_for`)."""
    faces, families = font_faces_for(text)
    listed = ", ".join(f"'{f}'" for f in families) + ", sans-serif"
    return faces + f"\nbody, h1, h2, h3, p, li, table, th, td {{ font-family: {listed} !important; }}"


def render_pdf(result: dict[str, Any], *, title: str = "", conclusions: str = "") -> bytes:
    """The report as PDF (WeasyPrint; static charts; the vendored Noto Sans SC font)."""
    page = render_html(result, title=title, conclusions=conclusions, interactive=False)
    _faces, families = font_faces_for(page)
    page = page.replace(
        f'font-family="{SVG_FONT}"', 'font-family="' + ", ".join([*families, "sans-serif"]) + '"'
    )
    return html_to_pdf(page, base_url=str(VENDOR))


def html_to_pdf(page: str, *, base_url: str) -> bytes:
    """Any page of the platform as PDF with the vendored Noto Sans SC: only the font subsets its characters
    need, each as a family of its own (see `font_faces_for`), so Chinese renders and rendering stays fast."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()  # @font-face rules only load through a font configuration
    stylesheets = [CSS(string=font_css_for(page), font_config=fonts)]
    document = HTML(string=page, base_url=base_url)
    return bytes(document.write_pdf(stylesheets=stylesheets, font_config=fonts))


def write_dataset(result: dict[str, Any], path: Path) -> int:
    """The data tables as one workbook, a sheet per table (the same cells as `ipops.core.excel`)."""
    book = Workbook(write_only=True)
    written = 0
    for section in _dataset_tables(result):
        sheet = book.create_sheet(title=section["name"][:31])
        sheet.freeze_panes = "A2"
        headers = []
        for text in section["headers"]:
            cell = WriteOnlyCell(sheet, value=str(text))
            cell.font = Font(bold=True)
            headers.append(cell)
        sheet.append(headers)
        for row in section["rows"]:
            sheet.append([cell_value(v) for v in row])
            written += 1
    scope_sheet = book.create_sheet(title=str(_("Scope"))[:31])
    for key, value in [
        *result["scope"].items(),
        ("cutoff", result["cutoff"]),
        ("backend", result["backend"]),
    ]:
        scope_sheet.append([key, cell_value(", ".join(value) if isinstance(value, list) else value)])
    book.save(path)
    return written


def _dataset_tables(result: dict[str, Any]) -> list[dict[str, Any]]:
    tables = []
    for name, module in result["modules"].items():
        found = [(name, module["table"])]
        if name == "technology":
            found += [("main_groups", module["main_groups"]), ("network", module["network"]["edges"])]
        for sheet, table in found:
            keys = [k for k, _label in table["columns"]]
            tables.append(
                {
                    "name": sheet,
                    "headers": [label for _key, label in table["columns"]],
                    "rows": [[row.get(k) for k in keys] for row in table["rows"]],
                }
            )
    return tables


def write_report(
    result: dict[str, Any], out_dir: Path, *, title: str = "", conclusions: str = ""
) -> dict[str, Path]:
    """report.html, report.pdf, data.xlsx and analyses.json in `out_dir` (made if missing)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / name for name in OUTPUT_FILES}
    paths["report.html"].write_text(
        render_html(result, title=title, conclusions=conclusions), encoding="utf-8"
    )
    paths["report.pdf"].write_bytes(render_pdf(result, title=title, conclusions=conclusions))
    write_dataset(result, paths["data.xlsx"])
    paths["analyses.json"].write_text(
        json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    return paths


def static_url_of_echarts() -> str:
    """The ECharts URL for pages served by the platform (pass as `echarts_src`)."""
    return f"{settings.STATIC_URL}vendor/echarts/echarts.min.js"
