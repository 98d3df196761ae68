"""In a real browser: log in as two roles, switch language, and see only what each role may see."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from tests.browser.chromium import click_and_load, screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/workspace/$"))


def log_out(page) -> None:
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_url(re.compile(r".*/$"))


def nav_text(page) -> str:
    return page.inner_text("#main-nav")


def nav_has(page, href: str) -> bool:
    return page.locator(f"#main-nav a[href='{href}']").count() == 1


def test_two_roles_and_the_language_switch(page, live_server, region: dict) -> None:
    base = live_server.url
    page.goto(base + "/")
    assert "知识产权" in page.inner_text("#portal-title")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.inner_text("#language-switch button[value=en]") == "English"
    screenshot(page, "home-zh")

    # the enterprise administrator: own organisation, no audit log, no platform administration
    log_in(page, base, "ent_admin")
    assert page.get_attribute("#workspace-title", "data-workspace") == "enterprise"
    assert "我的机构" in nav_text(page)
    assert nav_has(page, "/accounts/organisation/")
    assert not nav_has(page, "/platform/audit/") and not nav_has(page, "/accounts/admin/organisations/")
    click_and_load(page, "#language-switch button[value=en]")
    assert page.get_attribute("html", "lang") == "en"
    assert "My organisation" in nav_text(page)
    page.goto(base + "/accounts/organisation/")
    assert page.get_attribute("html", "lang") == "en"  # the choice sticks
    assert "ent_user" in page.inner_text("#member-table")
    response = page.goto(base + "/platform/audit/")
    assert response.status == 403
    assert "permission" in page.inner_text("#error-message")
    screenshot(page, "enterprise-denied-en")
    log_out(page)

    # the auditor: the audit log and nothing to administer; the language is still English
    log_in(page, base, "auditor")
    assert page.get_attribute("html", "lang") == "en"
    assert "Audit log" in nav_text(page) and nav_has(page, "/platform/audit/")
    assert not nav_has(page, "/accounts/admin/users/") and not nav_has(page, "/accounts/admin/organisations/")
    page.click("text=Audit log")
    page.fill("#id_action", "auth.login")
    click_and_load(page, ".filter-bar button[type=submit]")
    rows = page.locator("#audit-table tbody tr")
    shown = rows.count()
    assert shown >= 2
    assert all("auth.login" in rows.nth(i).inner_text() for i in range(shown))
    screenshot(page, "auditor-audit-log-en")

    # export the filtered log: a background job whose page follows its progress until the file is ready
    page.click("#audit-export button")
    page.wait_for_url(re.compile(r".*/platform/jobs/[0-9a-f-]+/$"))
    assert page.get_attribute("#job-progress", "data-status") == "queued"
    call_command("db_worker", batch=True, queue_name="default", interval=0.1, verbosity=0)
    page.wait_for_selector("#job-download", timeout=10_000)  # htmx polled the page to its end
    assert page.get_attribute("#job-progress", "data-status") == "succeeded"
    with page.expect_download() as download_info:
        page.click("#job-download")
    download = download_info.value
    assert download.suggested_filename.startswith("audit-log-") and download.suggested_filename.endswith(
        ".xlsx"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    assert sheet.max_row == 1 + shown  # the export carries the page's filter
    screenshot(page, "auditor-export-job-en")
    click_and_load(page, "#language-switch button[value=zh-hans]")
    assert "审计日志" in nav_text(page)
