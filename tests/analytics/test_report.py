"""The report files: HTML with ECharts and a data table beside each chart, a PDF in which Chinese renders
with the vendored font, the Excel dataset and analyses.json; the command and its errors."""

from __future__ import annotations

import json
import re
import zlib
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from ipops.analytics.report import render_html, render_pdf, svg_bars
from ipops.analytics.run import comparable, run_analyses
from ipops.analytics.scope import Scope

pytestmark = pytest.mark.django_db


def pdf_streams(pdf: bytes) -> list[bytes]:
    """Every stream of the PDF, inflated where it is compressed."""
    found = []
    for match in re.finditer(rb"stream\r?\n", pdf):
        start = match.end()
        end = pdf.find(b"endstream", start)
        try:
            found.append(zlib.decompress(pdf[start:end]))
        except zlib.error:
            found.append(pdf[start:end])
    return found


def pdf_font_names(pdf: bytes) -> set[str]:
    names = set()
    for data in [pdf, *pdf_streams(pdf)]:
        names.update(m.decode("latin-1") for m in re.findall(rb"/FontName\s*/([^\s/<>\[\]]+)", data))
    return names


def pdf_text_chars(pdf: bytes) -> set[str]:
    """Characters the PDF's fonts map glyphs to (their ToUnicode CMaps): what a reader extracts."""
    chars: set[str] = set()
    for data in pdf_streams(pdf):
        if b"beginbfchar" not in data and b"beginbfrange" not in data:
            continue
        text = data.decode("latin-1")
        for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
            for _src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                chars.add(bytes.fromhex(dst).decode("utf-16-be", "ignore"))
        for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
            for lo, hi, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                first = int(dst, 16)
                for i in range(int(hi, 16) - int(lo, 16) + 1):
                    chars.add(chr(first + i))
    return set("".join(chars))


def test_svg_bars_are_drawn_to_scale() -> None:
    svg = svg_bars(["2017", "2018"], [10, 5], marked=[False, True])
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([0-9.]+)"', svg)]
    assert widths[0] == pytest.approx(2 * widths[1])
    assert svg.count("#a6c5ea") == 1  # the incomplete year is pale
    assert svg_bars([], []) == ""
    assert "&lt;b&gt;" in svg_bars(["<b>"], [1])


def test_command_writes_the_four_files(real_snapshot: Path, tmp_path: Path) -> None:
    conclusions = tmp_path / "conclusions.txt"
    conclusions.write_text("区域专利以实用新型为主。\n\n建议关注通信领域。", encoding="utf-8")
    out = tmp_path / "report"
    with translation.override("zh-hans"):
        call_command(
            "navigation_report",
            snapshot=str(real_snapshot),
            title="专利导航报告样例",
            conclusions=str(conclusions),
            out=str(out),
            stdout=open("/dev/null", "w"),  # noqa: SIM115
        )
        expected = run_analyses(Scope(), snapshot=real_snapshot)
    assert sorted(p.name for p in out.iterdir()) == [
        "analyses.json",
        "data.xlsx",
        "report.html",
        "report.pdf",
    ]

    written = json.loads((out / "analyses.json").read_text(encoding="utf-8"))
    assert comparable(written) == json.loads(json.dumps(comparable(expected)))

    page = (out / "report.html").read_text(encoding="utf-8")
    assert "专利导航报告样例" in page and "建议关注通信领域。" in page
    assert "echarts" in page and 'id="report-charts"' in page
    charts = json.loads(re.search(r'id="report-charts"[^>]*>(.*?)</script>', page, re.S).group(1))
    ids = {c["id"] for c in charts}
    assert {"chart-trend", "chart-lifecycle-fit", "chart-applicants", "chart-network", "chart-regions"} <= ids
    for chart_id in ids:  # every chart has a container, and a data table beside it
        block = page.split(f'id="{chart_id}"', 1)[1].split('<div class="pair">', 1)[0]
        assert "<table>" in block, chart_id
    top = expected["modules"]["applicants"]["table"]["rows"][0]["name"]
    assert top in page

    book = openpyxl.load_workbook(out / "data.xlsx", read_only=True)
    trend = list(book["trend"].values)
    assert len(trend) - 1 == len(expected["modules"]["trend"]["table"]["rows"])
    assert trend[1][0] == expected["modules"]["trend"]["table"]["rows"][0]["year"]

    pdf = (out / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    fonts = pdf_font_names(pdf)
    # the vendored Noto Sans SC subsets, embedded under the families the report gives them
    assert any(name.split("+")[-1].startswith("IPOps-SC-") for name in fonts), fonts
    # Every Chinese character of the title, the conclusions and the top applicant's name (an SVG chart
    # label too) is drawn from the embedded vendored font and maps back to its text.
    wanted = set("专利导航报告样例区域专利以实用新型为主建议关注通信领域" + top)
    assert wanted <= pdf_text_chars(pdf)


def test_pdf_has_static_charts_and_no_script(real_snapshot: Path) -> None:
    result = run_analyses(Scope.parse(years="2016-2019"), snapshot=real_snapshot)
    static = render_html(result, interactive=False)
    assert "<script" not in static and static.count("<svg") >= 5
    assert render_pdf(result).startswith(b"%PDF")


def test_an_empty_scope_gives_a_clear_empty_report(real_snapshot: Path, tmp_path: Path) -> None:
    out = tmp_path / "empty"
    with translation.override("en"):
        call_command(
            "navigation_report",
            snapshot=str(real_snapshot),
            ipc="A01K",
            years="2019-2019",
            out=str(out),
            stdout=open("/dev/null", "w"),  # noqa: SIM115
        )
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "No patents in scope" in page and "Widen the scope" in page
    result = json.loads((out / "analyses.json").read_text(encoding="utf-8"))
    assert result["empty"] is True
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"years": "2020-2010"}, "reversed"),
        ({"ipc": "G06F, QQQ"}, "QQQ"),
        ({"region": "44030"}, "44030"),
        ({"years": "recent"}, "recent"),
    ],
)
def test_bad_input_is_a_clear_error(
    real_snapshot: Path, tmp_path: Path, options: dict[str, Any], message: str
) -> None:
    out = tmp_path / "never"
    with translation.override("en"), pytest.raises(CommandError, match=message):
        call_command("navigation_report", snapshot=str(real_snapshot), out=str(out), **options)
    assert not out.exists()


def test_no_snapshot_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="refresh_derived"):
        call_command("navigation_report", snapshot=str(tmp_path / "nothing"), out=str(tmp_path / "out"))


def test_only_the_font_subsets_a_report_needs_are_loaded() -> None:
    from ipops.analytics.report import font_css_for

    latin = font_css_for("abc")
    chinese = font_css_for("abc专利导航")
    assert 0 < latin.count("@font-face") < chinese.count("@font-face") < 20
    assert "file://" in chinese and "./files" not in chinese
