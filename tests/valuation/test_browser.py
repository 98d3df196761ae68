"""In a real browser: a bank user values a real gazette patent with the online tool and sees the radar chart
drawn on the report; the PDF link is there."""

from __future__ import annotations

import re

import pytest

from ipops.patents.models import Patent
from ipops.valuation.models import Valuation
from tests.browser.chromium import screenshot
from tests.browser.test_roles_and_language import log_in

from .test_services import FULL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bank_user_values_a_patent_and_sees_the_radar_chart(page, live_server, granted: dict) -> None:  # type: ignore[no-untyped-def]
    Patent.objects.filter(pub_number="CN102889890B").update(legal_status="granted")
    base = live_server.url
    log_in(page, base, "bank_user")
    page.goto(base + "/valuation/")
    page.click("#new-valuation")
    page.fill("#id_number", "CN102889890B")
    page.select_option("#id_scenario", "finance")
    for code, level in FULL.items():
        page.select_option(f"#id_level_{code}", str(level))
    page.fill("#id_revenue", "2000000")
    page.fill("#id_royalty_rate", "0.04")
    page.fill("#id_economic_life_years", "6")
    page.click("#submit-valuation")
    page.wait_for_url(re.compile(r".*/valuation/[0-9a-f-]{36}/$"))
    valuation = Valuation.objects.get()
    assert valuation.results["score"] in page.inner_text("#total-score")
    assert str(valuation.value) in page.inner_text("#money-value")
    chart = page.locator("#radar-chart[data-rendered='1']")
    chart.wait_for()
    assert chart.locator("canvas").count() > 0  # ECharts drew it
    assert page.locator("#pdf-link").count() == 1
    assert "v1" in page.inner_text("#scenario-label") and "finance" not in page.inner_text("#scenario-label")
    screenshot(page, "valuation-report")
