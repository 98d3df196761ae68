"""In a real browser: an operator creates a navigation project over the real gazette records, runs it (the
job), publishes it; an anonymous visitor opens the published report and sees a chart drawn."""

from __future__ import annotations

import re

import pytest

from ipops.core.jobs import execute_job
from ipops.core.models import Job
from ipops.navigation.models import NavigationProject
from tests.browser.chromium import click_and_load, screenshot
from tests.browser.test_roles_and_language import log_in, log_out
from tests.navigation.conftest import corpus, data_dirs  # noqa: F401  (the real-records fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_publishes_and_anonymous_sees_the_chart(page, live_server, corpus: dict) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    base = live_server.url
    log_in(page, base, "operator")
    page.goto(base + "/navigation/")
    page.click("#new-project")
    page.fill("#id_title", "集成电路产业专利导航")
    page.select_option("#id_kind", "industry")
    page.fill("#id_ipc_codes", "H01L; G06F")
    page.click("#project-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/navigation/[0-9a-f-]{36}/$"))
    assert "集成电路产业专利导航" in page.inner_text("#project-title")
    hits = int(re.search(r"\d+", page.inner_text("#hit-count")).group())
    assert hits > 0

    page.click("#run-button")
    page.wait_for_url(re.compile(r".*/jobs/.*"))
    job = Job.objects.get(kind="navigation.run")
    assert execute_job(str(job.pk)).status == "succeeded"  # the worker's part, in-process
    project = NavigationProject.objects.get(title="集成电路产业专利导航")
    page.goto(f"{base}/navigation/{project.pk}/")
    click_and_load(page, "#publish-button")
    assert page.locator("#public-link").count() == 1
    log_out(page)

    page.goto(f"{base}/navigation/reports/{project.pk}/")
    chart = page.locator(".echart[data-rendered='1']").first
    chart.wait_for()
    assert chart.locator("svg path").count() > 0  # ECharts drew it
    assert page.inner_text("#report-hits") == str(hits)
    assert page.locator("#download-pdf").count() == 1
    screenshot(page, "navigation-report")
