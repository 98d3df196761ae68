"""The portal and workspaces: Chinese first, English sticks, each organisation type its workspace,
and the navigation only offers what the user may open."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

WORKSPACE_OF_USER = {
    "operator": "operator",
    "secadmin": "operator",
    "auditor": "operator",
    "ent_admin": "enterprise",
    "univ_user": "research",
    "bank_user": "finance",
    "guarantor_admin": "finance",
    "agency_admin": "agency",
    "appraiser": "appraisal",
}


def test_home_is_chinese_by_default_even_for_an_english_browser(region: dict) -> None:
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-CN">' in html
    assert "知识产权" in html


def test_english_switch_sticks_across_pages(region: dict) -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    for path in ["/", "/accounts/login/", "/accounts/register/"]:
        page = client.get(path)
        assert page["Content-Language"] == "en", path
        assert '<html lang="en">' in page.content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert client.get("/")["Content-Language"] == "zh-hans"


def test_an_unknown_language_falls_back_to_chinese(region: dict) -> None:
    client = Client()
    client.cookies["django_language"] = "fr"
    assert client.get("/")["Content-Language"] == "zh-hans"


@pytest.mark.parametrize(("username", "workspace"), WORKSPACE_OF_USER.items())
def test_each_organisation_type_lands_on_its_workspace(login, username: str, workspace: str) -> None:
    page = login(username).get("/workspace/")
    assert page.status_code == 200
    assert f'data-workspace="{workspace}"' in page.content.decode()


def test_pending_organisation_sees_that_it_awaits_approval(login) -> None:
    html = login("pending_admin").get("/workspace/").content.decode()
    assert 'id="pending-notice"' in html
    assert 'data-centre="admin"' not in html  # nothing to open until approved


def nav_links(html: str) -> list[str]:
    nav = html[html.index('id="main-nav"') : html.index("</aside>")]
    return re.findall(r'href="([^"]+)"', nav)


@pytest.mark.parametrize(
    ("username", "must", "must_not"),
    [
        ("operator", ["/accounts/admin/organisations/", "/platform/jobs/"], ["/platform/audit/"]),
        ("secadmin", ["/accounts/admin/users/"], ["/platform/audit/"]),
        ("auditor", ["/platform/audit/"], ["/accounts/admin/organisations/", "/accounts/admin/users/"]),
        ("ent_admin", ["/accounts/organisation/"], ["/platform/audit/", "/accounts/admin/users/"]),
        ("bank_user", ["/platform/jobs/"], ["/accounts/admin/organisations/"]),
    ],
)
def test_navigation_shows_only_what_the_user_may_open(
    login, username: str, must: list, must_not: list
) -> None:
    client = login(username)
    links = nav_links(client.get("/workspace/").content.decode())
    for link in must:
        assert link in links
    for link in must_not:
        assert link not in links
    for link in links:  # no dead links
        assert client.get(link, follow=True).status_code == 200, link  # a redirect to a page is not dead


def test_lists_export_to_excel(login) -> None:
    import io

    import openpyxl

    client = login("operator")
    response = client.get("/accounts/admin/organisations/", {"export": "xlsx", "kind": "bank"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert len(rows) == 2 and "示范银行" in rows[1][0]
    users = client.get("/accounts/admin/users/", {"export": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(users.streaming_content))).active.values)
    assert len(rows) == 1 + 13


def test_excel_export_neutralises_formulas(login, region: dict) -> None:
    import io

    import openpyxl

    from ipops.accounts.models import Organisation

    Organisation.objects.filter(kind="bank").update(address='=HYPERLINK("http://x")')
    response = login("operator").get("/accounts/admin/organisations/", {"export": "xlsx", "kind": "bank"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.cell(row=2, column=6).value.startswith("'=")


def test_empty_list_tells_what_to_do(login) -> None:
    html = login("operator").get("/accounts/admin/organisations/", {"q": "不存在的机构"}).content.decode()
    assert "organisation-table" in html and ("清除筛选" in html or "Clear the filter" in html)


def test_pages_paginate(login) -> None:
    from ipops.core import audit

    for i in range(30):
        audit.record(action="test.filler", object_id=str(i))
    page = login("auditor").get("/platform/audit/", {"size": 25})
    assert page.context["page"].paginator.per_page == 25
    assert page.context["page"].paginator.count > 25
    second = login("auditor").get("/platform/audit/", {"size": 25, "page": 2})
    assert second.context["page"].number == 2


def test_404_page_is_in_the_users_language(region: dict) -> None:
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.get("/no/such/page/")
    assert response.status_code == 404 and "There is nothing at this address" in response.content.decode()
    assert Client().get("/api/nothing").json()["code"] == "not_found"
