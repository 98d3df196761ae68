"""The patent browser's pages: the list (each filter, sort, pagination, Excel export, empty states), a patent's
record, an applicant's page; who may open them; synthetic records labelled wherever they are shown."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import openpyxl
import pytest
from django.test import Client

from ipops.core.models import AuditEntry
from ipops.patents.models import (
    Applicant,
    Classification,
    Dataset,
    ImportBatch,
    LegalEvent,
    Patent,
    PatentApplicant,
)

pytestmark = pytest.mark.django_db

GAZETTE_PROVENANCE = (
    "Bibliographic data of Chinese patents as published in the CNIPA patent gazette (专利公报), "
    "taken from the CNIPA patent search and analysis system on 2019-07-09."
)


def make_patent(
    *,
    title: str,
    pub_number: str | None,
    app_number: str,
    applicants: list[tuple[Applicant, str]] | None = None,
    ipc: list[str] | None = None,
    **fields: Any,
) -> Patent:
    patent = Patent.objects.create(
        title=title, pub_number=pub_number, app_number=app_number, content_hash="x", **fields
    )
    for position, (applicant, raw_name) in enumerate(applicants or []):
        PatentApplicant.objects.create(
            patent=patent, applicant=applicant, position=position, raw_name=raw_name
        )
    for position, code in enumerate(ipc or []):
        Classification.objects.create(
            patent=patent, code=code, subclass=code[:4], is_main=position == 0, position=position
        )
    return patent


@pytest.fixture
def data(region: dict) -> dict[str, Any]:
    return build_data(region)


def build_data(region: dict) -> dict[str, Any]:
    """Four patents: two real (Jiangsu railway parts), two synthetic (Beijing), with distinct dates so that
    every sort order differs."""
    gazette = Dataset.objects.create(
        name="CNIPA gazette 2019-07-09",
        description=GAZETTE_PROVENANCE,
        licence="Public government information (CNIPA)",
    )
    synthetic = Dataset.objects.create(
        name="Demo patents", description="Made up for the demo.", licence="CC0-1.0", synthetic=True
    )
    batch = ImportBatch.objects.create(
        dataset=gazette,
        file_name="gazette-20190709.xlsx",
        file_format="cnipa",
        status=ImportBatch.Status.DONE,
        created_by=region["operator"],
    )
    haigang = Applicant.objects.create(
        name="南通海港机械有限公司",
        key="nantong haigang",
        kind="enterprise",
        country="CN",
        region_code="320685",
    )
    tsinghua = Applicant.objects.create(
        name="清华大学", key="tsinghua", kind="university", country="CN", region_code="110108"
    )
    p1 = make_patent(
        title="一种铁路轨枕",
        title_en="Railway sleeper",
        pub_number="CN110000001A",
        app_number="CN201910000001.X",
        patent_type="invention",
        app_date=date(2019, 3, 1),
        pub_date=date(2019, 7, 9),
        main_ipc="E01B 3/32",
        ipc=["E01B 3/32", "E01B 9/00"],
        applicants=[(haigang, "南通海港机械有限公司")],
        applicants_text="南通海港机械有限公司",
        inventors="张三; 李四",
        address="226634 江苏省南通市海安县老坝港镇海港村16组",
        province_code="320000",
        city_code="320600",
        district_code="320685",
        legal_status="granted",
        extra={"页数": "12"},
        dataset=gazette,
        last_import=batch,
    )
    LegalEvent.objects.create(patent=p1, date=date(2020, 5, 1), code="授权", description="授权公告")
    p2 = make_patent(
        title="一种轨道扣件",
        pub_number="CN210000002U",
        app_number="CN201820000002.1",
        patent_type="utility_model",
        app_date=date(2018, 5, 10),
        pub_date=date(2021, 1, 5),
        main_ipc="E01B 9/30",
        ipc=["E01B 9/30"],
        applicants=[(haigang, "南通海港机械有限公司（NT）")],
        applicants_text="南通海港机械有限公司（NT）",
        province_code="320000",
        city_code="320600",
        legal_status="lapsed",
        dataset=gazette,
    )
    p3 = make_patent(
        title="包装盒",
        pub_number="CN300000003S",
        app_number="CN202130000003.2",
        patent_type="design",
        app_date=date(2021, 8, 1),
        pub_date=date(2022, 2, 1),
        locarno="09-03",
        applicants=[(tsinghua, "清华大学")],
        applicants_text="清华大学",
        province_code="110000",
        city_code="110100",
        district_code="110108",
        legal_status="published",
        dataset=synthetic,
    )
    p4 = make_patent(
        title="电池管理方法",
        pub_number=None,
        app_number="CN202210000004.0",
        patent_type="invention",
        app_date=date(2022, 3, 3),
        main_ipc="H01M 10/42",
        ipc=["H01M 10/42"],
        applicants=[(tsinghua, "清华大学")],
        applicants_text="清华大学",
        province_code="110000",
        dataset=synthetic,
    )
    return {
        "p1": p1,
        "p2": p2,
        "p3": p3,
        "p4": p4,
        "haigang": haigang,
        "tsinghua": tsinghua,
        "gazette": gazette,
        "synthetic": synthetic,
    }


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def listed(client: Client, **params: Any) -> list[str]:
    response = client.get("/patents/", params)
    assert response.status_code == 200
    return [p.number for p in response.context["page"]]


P1, P2, P3, P4 = "CN110000001A", "CN210000002U", "CN300000003S", "CN202210000004.0"


# --- filters -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {P1, P2, P3, P4}),
        ({"q": "轨枕"}, {P1}),
        ({"q": "sleeper"}, {P1}),
        ({"q": "CN2100"}, {P2}),
        ({"q": "清华"}, {P3, P4}),
        ({"patent_type": "utility_model"}, {P2}),
        ({"patent_type": "invention"}, {P1, P4}),
        ({"ipc": "E01B"}, {P1, P2}),
        ({"ipc": "E01B 9/"}, {P1, P2}),  # P1 through its second classification
        ({"ipc": "E01B 3/"}, {P1}),
        ({"ipc": "e01b3"}, {P1}),  # any spelling: a main group without "/" means that group
        ({"ipc": "ｅ０１ｂ　３／３２"}, {P1}),  # full-width
        ({"ipc": "H01M 10/4"}, {P4}),
        ({"ipc": "H"}, {P4}),
        ({"applicant": "海港"}, {P1, P2}),
        ({"applicant": "（NT）"}, {P2}),  # a spelling as published
        ({"region": "320000"}, {P1, P2}),
        ({"region": "110000"}, {P3, P4}),
        ({"region": "110100"}, {P3}),  # a city code
        ({"region": "320685"}, {P1}),  # a district code
        ({"year_from": "2021"}, {P3, P4}),
        ({"year_to": "2019"}, {P1, P2}),
        ({"year_from": "2019", "year_to": "2021"}, {P1, P3}),
        ({"legal_status": "lapsed"}, {P2}),
        ({"ipc": "E01B", "legal_status": "granted"}, {P1}),
    ],
)
def test_each_filter_narrows_the_list(login, data: dict, params: dict, expected: set[str]) -> None:
    assert set(listed(login("ent_user"), **params)) == expected


def test_dataset_filter(login, data: dict) -> None:
    client = login("ent_user")
    assert set(listed(client, dataset=str(data["synthetic"].pk))) == {P3, P4}
    assert set(listed(client, dataset=str(data["gazette"].pk))) == {P1, P2}


@pytest.mark.parametrize(
    "params",
    [{"ipc": "XYZ"}, {"ipc": "E01 3/"}, {"region": "beijing"}, {"year_from": "2022", "year_to": "2020"}],
)
def test_an_invalid_filter_says_why_and_lists_nothing(login, data: dict, params: dict) -> None:
    response = english(login("ent_user")).get("/patents/", params)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert list(response.context["page"]) == []
    assert "invalid-feedback" in response.content.decode()


def test_region_choices_are_the_provinces_that_occur_with_their_names(login, data: dict) -> None:
    form = login("ent_user").get("/patents/").context["form"]
    choices = dict(form.fields["region"].widget.choices)
    assert set(choices) == {"", "110000", "320000"}
    assert choices["320000"] == "江苏省 (320000)"


# --- sorting and pagination ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("", [P3, P2, P1, P4]),  # default: newest publication first; no publication date last
        ("-pub_date", [P3, P2, P1, P4]),
        ("pub_date", [P1, P2, P3, P4]),
        ("-app_date", [P4, P3, P1, P2]),
        ("app_date", [P2, P1, P3, P4]),
        ("number", [P1, P4, P2, P3]),
        ("-number", [P3, P2, P4, P1]),
    ],
)
def test_sort_orders(login, data: dict, sort: str, order: list[str]) -> None:
    assert listed(login("ent_user"), sort=sort) == order


def test_pagination_keeps_the_filter(login, data: dict) -> None:
    for n in range(30):
        make_patent(
            title=f"钢轨 {n}",
            pub_number=f"CN9{n:08d}A",
            app_number=f"CN2023{n:08d}",
            pub_date=date(2023, 1, 1 + n % 28),
        )
    client = login("ent_user")
    first = client.get("/patents/", {"q": "钢轨"})
    assert first.context["page"].paginator.count == 30 and len(first.context["page"]) == 25
    assert "q=%E9%92%A2%E8%BD%A8&amp;page=2" in first.content.decode()
    second = client.get("/patents/", {"q": "钢轨", "page": 2})
    assert len(second.context["page"]) == 5
    assert set(listed(client, q="钢轨", page=1)).isdisjoint(listed(client, q="钢轨", page=2))
    assert len(listed(client, q="钢轨", size=50)) == 30


# --- export ------------------------------------------------------------------------------------------


def test_excel_export_of_the_filtered_list_is_audited(login, data: dict) -> None:
    client = english(login("bank_user"))
    response = client.get("/patents/", {"export": "xlsx", "ipc": "E01B", "sort": "pub_date"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert rows[0] == (
        "Number",
        "Title",
        "Patent type",
        "Application date",
        "Publication date",
        "Main IPC",
        "Applicants",
        "Region",
        "Legal status",
        "Source",
    )
    assert len(rows) == 3
    number, title, kind, app_date, pub_date, main_ipc, applicants, region_, status, source = rows[1]
    assert (number, title, kind, main_ipc) == (P1, "一种铁路轨枕", "Invention", "E01B 3/32")
    assert (app_date, pub_date) == ("2019-03-01", "2019-07-09")
    assert applicants == "南通海港机械有限公司"
    assert region_ == "江苏省 南通市 海安市"
    assert status == "Granted, in force" and source == "CNIPA gazette 2019-07-09"
    assert rows[2][0] == P2 and rows[2][8] == "Lapsed (fees not paid)"
    entry = AuditEntry.objects.get(action="patent.export")
    assert entry.actor_username == "bank_user"
    assert entry.after == {"filters": {"ipc": "E01B", "sort": "pub_date"}, "rows": 2}


def test_export_labels_synthetic_sources(login, data: dict) -> None:
    response = english(login("ent_user")).get("/patents/", {"export": "xlsx", "q": "清华"})
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert {row[9] for row in rows[1:]} == {"Demo patents (synthetic)"}


# --- empty states --------------------------------------------------------------------------------------


def test_empty_list_tells_a_member_that_the_centre_imports_data(login) -> None:
    html = english(login("ent_user")).get("/patents/").content.decode()
    assert 'id="patents-empty"' in html and "No patents yet" in html
    assert "operators import patent data" in html
    assert "/patents/imports/" not in html and "Export to Excel" not in html


def test_empty_list_offers_an_operator_the_import_page(login) -> None:
    html = english(login("operator")).get("/patents/").content.decode()
    assert 'id="import-link"' in html and 'href="/patents/imports/"' in html


def test_no_match_says_to_widen_the_filter(login, data: dict) -> None:
    html = english(login("ent_user")).get("/patents/", {"q": "不存在的专利"}).content.decode()
    assert 'id="patents-no-match"' in html and "Widen the filter" in html
    assert 'id="patents-empty"' not in html


# --- synthetic label -------------------------------------------------------------------------------------


def test_synthetic_records_are_labelled_in_the_list_and_on_their_page(login, data: dict) -> None:
    client = english(login("ent_user"))
    html = client.get("/patents/").content.decode()
    rows = {
        pk: html[html.index(f'data-patent="{pk}"') :].split("</tr>", 1)[0]
        for pk in (data["p1"].pk, data["p3"].pk)
    }
    assert "synthetic-label" in rows[data["p3"].pk]
    assert "synthetic-label" not in rows[data["p1"].pk]
    assert "synthetic-label" in client.get(f"/patents/{data['p3'].pk}/").content.decode()
    assert "synthetic-label" not in client.get(f"/patents/{data['p1'].pk}/").content.decode()
    applicant_page = client.get(f"/patents/applicants/{data['tsinghua'].pk}/").content.decode()
    assert "synthetic-label" in applicant_page


# --- the patent's page -----------------------------------------------------------------------------------


def test_patent_page_shows_the_record_and_its_provenance(login, data: dict) -> None:
    p1 = data["p1"]
    html = english(login("ent_user")).get(f"/patents/{p1.pk}/").content.decode()
    for text in [
        "一种铁路轨枕",
        "Railway sleeper",
        "CN201910000001.X",
        "张三; 李四",
        "江苏省南通市海安县老坝港镇海港村16组",
        "江苏省 (320000)",
        "海安市 (320685)",
        "Granted, in force",
        "授权公告",  # legal event
        "页数",  # extra field
        GAZETTE_PROVENANCE,
        "Public government information (CNIPA)",
        "gazette-20190709.xlsx",
    ]:
        assert text in html, text
    assert f'href="/patents/applicants/{data["haigang"].pk}/"' in html


def test_patent_page_shows_codes_only_without_reference_data(login, data: dict) -> None:
    html = login("ent_user").get(f"/patents/{data['p1'].pk}/").content.decode()
    assert "E01B 3/32" in html and "E01B 9/00" in html
    assert "ipc-title" not in html


def test_patent_page_shows_ipc_titles_in_the_users_language(login, data: dict) -> None:
    from ipops.reference.models import IpcEntry

    IpcEntry.objects.create(code="E01B", kind="subclass", title_zh="铁路轨道", title_en="PERMANENT WAY")
    IpcEntry.objects.create(
        code="E01B 3/00",
        kind="main_group",
        title_zh="横向轨枕",
        title_en="Transverse or longitudinal sleepers",
    )
    IpcEntry.objects.create(code="E01B 3/32", kind="subgroup", title_zh="混凝土轨枕", title_en="of concrete")
    client = login("ent_user")
    chinese = client.get(f"/patents/{data['p1'].pk}/").content.decode()
    assert '<span class="ipc-title">混凝土轨枕</span>' in chinese and "铁路轨道" in chinese
    assert "of concrete" not in chinese
    english_html = english(client).get(f"/patents/{data['p1'].pk}/").content.decode()
    assert '<span class="ipc-title">of concrete</span>' in english_html and "PERMANENT WAY" in english_html


def test_patent_page_shows_the_technology_field_of_the_main_ipc(login, data: dict) -> None:
    from ipops.reference.models import IpcTechnologyField, TechnologyField

    civil = TechnologyField.objects.create(
        number=35,
        sector_en="Other fields",
        sector_zh="其他领域",
        name_en="Civil engineering",
        name_zh="土木工程",
    )
    IpcTechnologyField.objects.create(ipc_prefix="E01B", field=civil)
    client = login("ent_user")
    assert (
        '<dd class="col-7" id="technology-field">土木工程</dd>'
        in client.get(f"/patents/{data['p1'].pk}/").content.decode()
    )
    assert 'id="technology-field"' not in client.get(f"/patents/{data['p4'].pk}/").content.decode()


def test_unknown_patent_is_404(login, data: dict) -> None:
    assert login("ent_user").get("/patents/00000000-0000-0000-0000-000000000000/").status_code == 404


# --- the applicant's page ------------------------------------------------------------------------------


def test_applicant_page_lists_its_patents_and_the_spellings_seen(login, data: dict) -> None:
    haigang = data["haigang"]
    make_patent(
        title="轨枕模具",
        pub_number="CN110000005A",
        app_number="CN201910000005.0",
        applicants=[(haigang, "南通海港机械有限公司")],
    )
    response = english(login("ent_user")).get(f"/patents/applicants/{haigang.pk}/")
    assert response.status_code == 200
    assert {p.number for p in response.context["page"]} == {P1, P2, "CN110000005A"}
    spellings = [(s["raw_name"], s["count"]) for s in response.context["spellings"]]
    assert spellings == [("南通海港机械有限公司", 2), ("南通海港机械有限公司（NT）", 1)]
    html = response.content.decode()
    assert 'id="applicant-patent-count">3<' in html
    assert "Enterprise" in html and "海安市 (320685)" in html
    assert 'id="applicant-actions"' not in html  # merging and splitting is for operators
    operator_html = english(login("operator")).get(f"/patents/applicants/{haigang.pk}/").content.decode()
    assert 'id="applicant-actions"' in operator_html


# --- who may see -----------------------------------------------------------------------------------------


def pages(data: dict) -> list[str]:
    return ["/patents/", f"/patents/{data['p1'].pk}/", f"/patents/applicants/{data['haigang'].pk}/"]


def test_anonymous_visitors_are_sent_to_log_in(data: dict) -> None:
    for path in pages(data):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next="), path


def test_member_of_a_pending_organisation_is_refused_and_audited(login, data: dict) -> None:
    client = login("pending_admin")
    for path in pages(data):
        assert client.get(path).status_code == 403, path
    assert AuditEntry.objects.filter(action="auth.denied", actor_username="pending_admin").count() == 3


@pytest.mark.parametrize("username", ["ent_user", "univ_admin", "bank_user", "operator", "auditor"])
def test_members_of_active_organisations_may_browse(login, data: dict, username: str) -> None:
    client = login(username)
    for path in pages(data):
        assert client.get(path).status_code == 200, path


def test_the_list_is_read_only(login, data: dict) -> None:
    assert login("operator").post("/patents/", {}).status_code == 405


def test_navigation_offers_patents_to_members_of_active_organisations(login, data: dict) -> None:
    assert 'href="/patents/"' in login("ent_user").get("/workspace/").content.decode()
    assert 'href="/patents/"' not in login("pending_admin").get("/workspace/").content.decode()
