"""A real Chromium (Debian's package) driven by Playwright against the live test server.

The fixtures are registered once, in tests/conftest.py, so browser tests anywhere in the suite share one
Playwright session (a second one in the same thread fails)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"


def chromium_path() -> str:
    path = os.environ.get("IPOPS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Chromium is not installed: `apt-get install chromium` (what .ci/run does)")
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls in the tests are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(
        locale="en-US"
    )  # an English browser: the platform must still start in Chinese
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def click_and_load(page: object, selector: str) -> None:
    """Click something that loads a new page, and return once that page has loaded.

    `page.wait_for_load_state()` after a click returns at once while the old page is still the loaded one,
    so whatever is read next may come from the page being left (a filtered table read as empty)."""
    with page.expect_navigation():
        page.click(selector)
