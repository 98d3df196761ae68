"""Spreadsheet imports: every row loads or is reported (line, column, value, reason); a re-import changes
nothing; a file that cannot be imported, or a failure part-way, leaves nothing behind."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from ipops.assets import importing, services
from ipops.assets.models import AssetImport, Copyright, GeographicalIndication, Trademark
from ipops.core.models import AuditEntry

from .conftest import (
    ENTERPRISE,
    TRADEMARK_HEADER,
    TRADEMARK_ROWS,
    UNIVERSITY,
    registry_state,
    upload_of,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.django_db


def run_import(
    region: dict,
    tmp_path: Path,
    rows: list,
    *,
    kind: str = "trademark",
    user: str = "ent_admin",
    encoding: str = "utf-8",
    name: str = "商标台账.csv",
) -> AssetImport:
    path = (
        write_csv(tmp_path / name, rows, encoding)
        if name.endswith(".csv")
        else write_xlsx(tmp_path / name, rows)
    )
    return services.import_assets(actor=region[user], kind=kind, path=path, file_name=name)


def problems(record: AssetImport) -> list[tuple[int, str, str]]:
    return [(p["line"], p["column"], p["value"]) for p in record.problems]


def test_a_clean_file_loads_every_row_with_defaults(region: dict, tmp_path: Path) -> None:
    record = run_import(region, tmp_path, [TRADEMARK_HEADER, *TRADEMARK_ROWS])
    assert (record.rows_read, record.created, record.rejected) == (4, 4, 0)
    assert record.problems == []
    marks = {t.number: t for t in Trademark.objects.all()}
    assert marks["23456781"].nice_classes == [9, 42] and marks["23456781"].expiry_date == date(2027, 6, 6)
    # 有效期至 left empty: ten years from registration, ending the day before
    assert marks["23456782"].expiry_date == date(2027, 6, 6)
    assert marks["30123457"].nice_classes == [35, 42] and marks["30123457"].status == "registered"
    assert marks["30123457"].app_date == date(2018, 5, 3)
    assert marks["51234568"].status == "applied" and marks["51234568"].expiry_date is None
    assert all(
        t.organisation.name == ENTERPRISE and t.created_by.username == "ent_admin" for t in marks.values()
    )
    assert all(t.owner_organisation is None for t in marks.values())  # ownership comes from a confirmed claim
    entry = AuditEntry.objects.get(action="trademark.import")
    assert entry.after["created"] == 4 and len(entry.after["changes"]) == 4


def test_reimporting_the_same_file_changes_nothing(region: dict, tmp_path: Path) -> None:
    run_import(region, tmp_path, [TRADEMARK_HEADER, *TRADEMARK_ROWS])
    before = tuple(Trademark.objects.order_by("number").values_list())
    again = run_import(region, tmp_path, [TRADEMARK_HEADER, *TRADEMARK_ROWS])
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 4, 0)
    assert tuple(Trademark.objects.order_by("number").values_list()) == before  # updated_at included


def test_a_newer_file_updates_in_place(region: dict, tmp_path: Path) -> None:
    run_import(region, tmp_path, [TRADEMARK_HEADER, *TRADEMARK_ROWS])
    rows = [list(r) for r in TRADEMARK_ROWS]
    rows[3][6], rows[3][8] = "2022-01-14", "已注册"  # 智排云 registered meanwhile
    record = run_import(region, tmp_path, [TRADEMARK_HEADER, *rows])
    assert (record.created, record.updated, record.unchanged) == (0, 1, 3)
    mark = Trademark.objects.get(number="51234568")
    assert mark.status == "registered" and mark.expiry_date == date(2032, 1, 13)
    change = AuditEntry.objects.filter(action="trademark.import").first().after["changes"][0]
    assert change["before"]["status"] == "applied" and change["after"]["status"] == "registered"


def test_a_changed_registration_date_moves_a_computed_expiry(region: dict, tmp_path: Path) -> None:
    run_import(region, tmp_path, [TRADEMARK_HEADER, *TRADEMARK_ROWS])
    rows = [list(r) for r in TRADEMARK_ROWS]
    rows[1][6] = "2017/6/14"
    run_import(region, tmp_path, [TRADEMARK_HEADER, *rows])
    assert Trademark.objects.get(number="23456782").expiry_date == date(2027, 6, 13)
    assert Trademark.objects.get(number="23456781").expiry_date == date(2027, 6, 6)  # given in the file


def test_bad_rows_are_reported_and_the_good_ones_load(region: dict, tmp_path: Path) -> None:
    rows = [
        TRADEMARK_HEADER,
        TRADEMARK_ROWS[0],
        ["23456790", "朝知云", "9;46", "", ENTERPRISE, "", "2018-01-01", "", ""],  # line 3: class 46
        [
            "23456791",
            "朝知研",
            "42",
            "",
            ENTERPRISE,
            "2018-02-30",
            "2019-01-01",
            "",
            "",
        ],  # line 4: no such day
        TRADEMARK_ROWS[0],  # line 5: the same number again
        ["23456792", "", "42", "", ENTERPRISE, "", "2019-01-01", "", ""],  # line 6: no mark
        ["23456793", "朝知行", "42", "", ENTERPRISE, "2019-03-01", "2018-01-01", "", ""],  # line 7: order
        ["23456794", "朝知达", "42", "", ENTERPRISE, "", "", "", "已注册"],  # line 8: registered, no date
        ["ABC-1", "朝知通", "42", "", ENTERPRISE, "", "2019-01-01", "", ""],  # line 9: not a number
        ["23456795", "朝知汇", "42", "", ENTERPRISE, "", "2019-01-01", "", "已转让"],  # line 10: status
        ["", "", "", "", "", "", "", "", ""],  # blank line: skipped
        TRADEMARK_ROWS[1],  # line 12
    ]
    record = run_import(region, tmp_path, rows)
    assert (record.rows_read, record.created, record.rejected) == (10, 2, 8)
    assert set(Trademark.objects.values_list("number", flat=True)) == {"23456781", "23456782"}
    assert problems(record) == [
        (3, "国际分类", "9;46"),
        (4, "申请日", "2018-02-30"),
        (5, "注册号", "23456781"),
        (6, "商标名称", ""),
        (7, "注册日", "2018-01-01"),
        (8, "注册日", ""),
        (9, "注册号", "ABC-1"),
        (10, "状态", "已转让"),
    ]
    assert all(p["reason"] for p in record.problems)
    assert "46" in record.problems[0]["reason"]
    assert "2" in record.problems[2]["reason"]  # points at line 2, where the number was loaded


def test_xlsx_with_real_date_and_number_cells(region: dict, tmp_path: Path) -> None:
    rows = [
        [*TRADEMARK_HEADER, "驰名商标", "备注"],
        [
            23456781,
            "朝知",
            9,
            "计算机软件",
            ENTERPRISE,
            date(2016, 4, 12),
            date(2017, 6, 7),
            None,
            "已注册",
            "是",
            "x",
        ],
        [
            30123457,
            "朝知智排",
            "35;42",
            "",
            ENTERPRISE,
            None,
            date(2019, 2, 14),
            date(2029, 2, 13),
            None,
            "否",
            "",
        ],
    ]
    record = run_import(region, tmp_path, rows, name="商标台账.xlsx")
    assert (record.created, record.rejected) == (2, 0)
    assert record.ignored_columns == ["备注"]
    mark = Trademark.objects.get(number="23456781")
    assert mark.nice_classes == [9] and mark.is_well_known and mark.expiry_date == date(2027, 6, 6)
    assert Trademark.objects.get(number="30123457").expiry_date == date(2029, 2, 13)


def test_gbk_csv_is_read(region: dict, tmp_path: Path) -> None:
    record = run_import(region, tmp_path, [TRADEMARK_HEADER, *TRADEMARK_ROWS], encoding="gbk")
    assert record.created == 4
    assert Trademark.objects.get(number="23456781").owner_name == ENTERPRISE


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        ("\ufeff注册号,商标名称,国际分类,注册人\n".encode(), "no data rows"),
        ("注册号,商标名称,注册人\n23456781,朝知,某公司\n".encode(), "国际分类"),  # missing required column
        ("注册号,商标名称,国际分类,注册人\n".encode("utf-16"), "not a text"),  # wrong encoding: UTF-16
        (b"\xff\xfe\xfa,\x80\x80\n1,2\n" * 3, "encoding"),  # neither UTF-8 nor GBK
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, ".xls"),
    ],
)
def test_files_that_cannot_be_imported_leave_nothing(
    region: dict, tmp_path: Path, content: bytes, needle: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before, entries = registry_state(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        services.import_assets(actor=region["ent_admin"], kind="trademark", path=path, file_name="bad.csv")
    assert needle in " ".join(caught.value.message_dict["file"])
    assert registry_state() == before and AuditEntry.objects.count() == entries


def test_a_failure_part_way_leaves_nothing(region: dict, tmp_path: Path, monkeypatch) -> None:
    """The whole import is one transaction: an error on the third row undoes the first two."""
    calls = {"n": 0}
    real = importing.load_row

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(importing, "load_row", failing)
    path = write_csv(tmp_path / "t.csv", [TRADEMARK_HEADER, *TRADEMARK_ROWS])
    before, entries = registry_state(), AuditEntry.objects.count()
    with pytest.raises(RuntimeError):
        services.import_assets(actor=region["ent_admin"], kind="trademark", path=path, file_name="t.csv")
    assert calls["n"] == 3
    assert registry_state() == before and AuditEntry.objects.count() == entries


def test_numbers_entered_for_another_organisation_are_reported_not_taken_over(
    region: dict, tmp_path: Path
) -> None:
    run_import(region, tmp_path, [TRADEMARK_HEADER, *TRADEMARK_ROWS])
    rows = [list(TRADEMARK_ROWS[0])]
    rows[0][1] = "冒用"
    record = run_import(region, tmp_path, [TRADEMARK_HEADER, *rows], user="univ_admin")
    assert (record.created, record.updated, record.rejected) == (0, 0, 1)
    assert problems(record) == [(2, "注册号", "23456781")]
    assert Trademark.objects.get(number="23456781").name == "朝知"


def test_an_operator_imports_for_an_organisation_and_may_update_any(
    region: dict, tmp_path: Path, enterprise
) -> None:
    from ipops.accounts.models import Organisation

    university = Organisation.objects.get(name=UNIVERSITY)
    path = write_csv(tmp_path / "t.csv", [TRADEMARK_HEADER, *TRADEMARK_ROWS[:2]])
    record = services.import_assets(
        actor=region["operator"], kind="trademark", path=path, file_name="t.csv", organisation=university
    )
    assert record.created == 2 and record.organisation == university
    assert set(Trademark.objects.values_list("organisation__name", flat=True)) == {UNIVERSITY}
    rows = [list(TRADEMARK_ROWS[0])]
    rows[0][3] = "计算机软件；技术咨询；云计算"
    path = write_csv(tmp_path / "t2.csv", [TRADEMARK_HEADER, *rows])
    again = services.import_assets(actor=region["operator"], kind="trademark", path=path, file_name="t2.csv")
    assert again.updated == 1


def test_copyrights_import(region: dict, tmp_path: Path) -> None:
    header = [
        "登记号",
        "作品类别",
        "作品/软件名称",
        "版本号",
        "著作权人",
        "完成日期",
        "首次发表日期",
        "登记日期",
    ]
    rows = [
        header,
        [
            "2023SR0123456",
            "",
            "朝知智能排产系统",
            "V1.0",
            ENTERPRISE,
            "2022-11-30",
            "2023-01-15",
            "2023-03-02",
        ],
        ["2023SR0123457", "计算机软件", "朝知数据中台", "V2.1", ENTERPRISE, "2022-12-01", "", "2023-03-09"],
        [
            "国作登字-2021-F-00012345",
            "美术作品",
            "朝知吉祥物“小智”",
            "",
            ENTERPRISE,
            "2020-06-01",
            "2020-07-01",
            "2021-02-03",
        ],
        [
            "国作登字-2021-A-00054321",
            "",
            "朝知技术白皮书",
            "",
            ENTERPRISE,
            "2020-06-01",
            "",
            "2021-02-03",
        ],  # kind?
        ["2023SR0123458", "美术作品", "版本不对", "V1.0", ENTERPRISE, "", "", "2023-03-09"],  # version on art
        ["2023SR0123459", "", "早于完成", "V1.0", ENTERPRISE, "2023-01-01", "2022-01-01", "2023-03-09"],
    ]
    record = run_import(region, tmp_path, rows, kind="copyright", name="软著.csv")
    assert (record.created, record.rejected) == (3, 3)
    assert [(p[0], p[1]) for p in problems(record)] == [(5, "作品类别"), (6, "版本号"), (7, "首次发表日期")]
    assert Copyright.objects.get(number="2023SR0123456").kind == "software"
    assert Copyright.objects.get(number="国作登字-2021-F-00012345").kind == "art"


def test_geographical_indications_import(region: dict, tmp_path: Path) -> None:
    header = ["批准号", "地理标志名称", "产品", "保护类型", "地区代码", "批准日期", "持有人", "状态"]
    rows = [
        header,
        [
            "2010年第127号",
            "朝阳小米",
            "小米",
            "地理标志产品",
            "110105",
            "2010-09-16",
            "朝阳区小米产业协会",
            "",
        ],
        [
            "12345679",
            "朝阳大枣",
            "大枣",
            "地理标志证明商标",
            "110105",
            "2015-03-21",
            "朝阳区果品协会",
            "保护中",
        ],
        [
            "AGI01234",
            "朝阳蜂蜜",
            "蜂蜜",
            "农产品地理标志",
            "110199",
            "2016-05-05",
            "朝阳区养蜂协会",
            "",
        ],  # no such region
        ["AGI01235", "朝阳核桃", "核桃", "驰名商标", "110105", "", "朝阳区林果协会", ""],  # not a GI kind
    ]
    record = run_import(region, tmp_path, rows, kind="gi", name="地标.xlsx")
    assert (record.created, record.rejected) == (2, 2)
    assert [(p[0], p[1]) for p in problems(record)] == [(4, "地区代码"), (5, "保护类型")]
    gi = GeographicalIndication.objects.get(number="2010年第127号")
    assert gi.kind == "product" and gi.status == "protected" and gi.region_code == "110105"


# --- the import page ------------------------------------------------------------------------------------


def post_file(client: Client, path: Path, kind_slug: str = "trademarks", **extra) -> object:
    return client.post(f"/assets/{kind_slug}/import/", {"file": upload_of(path), **extra})


def test_the_page_shows_the_report_and_offers_it_as_excel(login, tmp_path: Path) -> None:
    rows = [
        TRADEMARK_HEADER,
        TRADEMARK_ROWS[0],
        ["23456790", "朝知云", "9;46", "", ENTERPRISE, "", "2018-01-01", "", ""],
    ]
    client = login("ent_user")
    response = post_file(client, write_csv(tmp_path / "台账.csv", rows))
    record = AssetImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assets/imports/{record.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "台账.csv" in html and "9;46" in html and 'data-count="rejected">1<' in html
    report = client.get(f"/assets/imports/{record.pk}/report/")
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    values = list(sheet.values)
    assert values[1][:3] == (3, "国际分类", "9;46") and values[1][3]
    assert AuditEntry.objects.filter(action="trademark.import_report").count() == 1


def test_the_page_shows_a_file_problem_on_the_form(login, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    response = post_file(login("ent_admin"), path)
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert not AssetImport.objects.exists()


def test_import_reports_are_not_shown_to_other_organisations(login, tmp_path: Path) -> None:
    from .conftest import assert_refused

    post_file(login("ent_admin"), write_csv(tmp_path / "t.csv", [TRADEMARK_HEADER, *TRADEMARK_ROWS]))
    record = AssetImport.objects.get()
    assert_refused(lambda: login("bank_admin").get(f"/assets/imports/{record.pk}/"))
    assert_refused(lambda: login("bank_admin").get(f"/assets/imports/{record.pk}/report/"))
    assert login("operator").get(f"/assets/imports/{record.pk}/").status_code == 200


def test_the_template_has_the_documented_headers(login) -> None:
    response = login("ent_user").get("/assets/copyrights/import/template/")
    assert response.status_code == 200
    header = next(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert header[:3] == ("登记号", "作品类别", "作品/软件名称")


def test_status_and_kind_in_any_language_or_spelling(region: dict, tmp_path: Path) -> None:
    header = ["登记号", "作品类别", "作品/软件名称", "著作权人", "登记日期", "状态"]
    rows = [
        header,
        ["国作登字-2021-F-00000001", "Work of fine art", "图一", ENTERPRISE, "2021-02-03", "Registered"],
        ["国作登字-2021-F-00000002", "美术作品（平面）", "图二", ENTERPRISE, "2021-02-03", "已撤销登记"],
        ["国作登字-2021-F-00000003", "摄影", "图三", ENTERPRISE, "2021-02-03", "expired"],
    ]
    record = run_import(region, tmp_path, rows, kind="copyright")
    assert record.rejected == 0, record.problems
    found = dict(Copyright.objects.values_list("number", "status"))
    assert found == {
        "国作登字-2021-F-00000001": "registered",
        "国作登字-2021-F-00000002": "cancelled",
        "国作登字-2021-F-00000003": "expired",
    }
    assert set(Copyright.objects.values_list("kind", flat=True)) == {"art", "photography"}
