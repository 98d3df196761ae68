"""In a real browser: an enterprise user searches the patents with a keyword and a filter, sees the query's
words highlighted and the facet counts, narrows by a facet; types an unbalanced quote and gets a note, not
an error page; describes a need in plain words, sees matches grouped by owner with reasons, and saves it."""

from __future__ import annotations

import re

import pytest

from ipops.patents.models import Patent
from ipops.search.models import Need
from tests.browser.chromium import click_and_load, screenshot
from tests.browser.test_roles_and_language import log_in
from tests.search.conftest import built, corpus, search_dir, vector_cache  # noqa: F401  (the search fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEED = "我们需要一种植保无人机，用于农田喷洒农药"


def shown_patents(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        row.get_attribute("data-patent") for row in page.locator("#search-results .list-group-item").all()
    ]


def test_enterprise_user_searches_filters_and_saves_a_need(  # type: ignore[no-untyped-def]
    page,
    live_server,
    region: dict,
    built: list,  # noqa: F811
) -> None:
    base = live_server.url
    log_in(page, base, "ent_user")

    # keyword + filter: the results are exactly the invention patents whose title holds the word
    page.goto(base + "/search/")
    page.fill("#id_q", "电池")
    page.select_option("#id_patent_type", "invention")
    click_and_load(page, "form.filter-bar button[type=submit]")
    page.locator("#search-results").wait_for()
    expected = {
        str(pk)
        for pk in Patent.objects.filter(title__contains="电池", patent_type="invention").values_list(
            "pk", flat=True
        )
    }
    assert expected and set(shown_patents(page)) == expected
    marks = page.locator("#search-results .result-title mark")
    assert marks.count() >= len(expected) and set(marks.all_inner_texts()) == {"电池"}
    assert page.input_value("#id_q") == "电池" and page.input_value("#id_patent_type") == "invention"

    # facets: counts per IPC subclass; following one keeps the query and the filter and narrows to it
    facet = page.locator("#facets a[data-facet='ipc']").first
    subclass = facet.get_attribute("title")
    count = int(facet.locator("xpath=following-sibling::span").inner_text())
    assert page.locator("#facets a[data-facet='type']").count() >= 1
    facet.click()
    page.wait_for_url(re.compile(r".*ipc=" + subclass))
    page.locator("#search-results").wait_for()
    narrowed = set(shown_patents(page))
    assert len(narrowed) == count and narrowed <= expected
    assert all(
        subclass in Patent.objects.get(pk=pk).classifications.values_list("subclass", flat=True)
        for pk in narrowed
    )

    # an unbalanced quote: the page explains and still searches, no error page
    page.goto(base + "/search/")
    page.fill("#id_q", '"锂电池')
    click_and_load(page, "form.filter-bar button[type=submit]")
    page.locator("#query-notes").wait_for()
    assert page.inner_text("#query-notes").strip()
    assert page.locator("h2.page-title").count() == 1  # the search page itself, not a server error page
    assert page.input_value("#id_q") == '"锂电池'

    # a need in plain words: matches grouped by owner kind, each with a reason; saved for the organisation
    page.goto(base + "/search/needs/")
    page.fill("#id_title", "植保无人机")
    page.fill("#id_description", NEED)
    page.click("#match-button")
    page.locator(".match-row").first.wait_for()
    assert page.locator("[data-group]").count() >= 2
    rows = page.locator(".match-row")
    assert rows.count() >= 1 and all(
        "无人机" in t or "植保" in t or "喷" in t for t in rows.all_inner_texts()[:1]
    )
    assert page.locator(".match-reason").count() == rows.count()
    # the tags the need would be saved with; each subclass opens the keyword search filtered by it
    tag = page.locator("#need-tags a.need-ipc").first
    assert tag.get_attribute("href") == "/search/?ipc=" + tag.get_attribute("data-code")
    screenshot(page, "need-matches-and-tags")
    page.click("#save-need-button")
    page.wait_for_url(re.compile(r".*/search/needs/[0-9a-f-]{36}/$"))
    assert NEED in page.inner_text("#need-description")
    need = Need.objects.get()
    assert need.description == NEED and need.title == "植保无人机"
    assert need.organisation == region["ent_user"].organisation and need.created_by == region["ent_user"]

    # the saved needs, with their tags; a subclass tag filters the list to the needs that carry it
    page.goto(base + "/search/needs/saved/")
    click_and_load(page, "#need-table a.need-ipc")
    assert page.locator("#need-table tbody tr").count() == 1
    assert page.input_value("#id_ipc") == need.subclasses[0]
    screenshot(page, "saved-needs-filtered")
