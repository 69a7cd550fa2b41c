"""Smoke test: the home page renders, finishes its script run and shows no exception."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import APP_PATH, assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.skipif(not APP_PATH.exists(), reason="app.py does not exist yet")


def test_home_page_renders(app_server: str, browser_page) -> None:
    page = browser_page
    page.goto(app_server, wait_until="domcontentloaded")
    wait_for_app(page)
    assert_no_exception(page)

    heading = page.locator('[data-testid="stHeading"] h1, [data-testid="stMarkdownContainer"] h1')
    assert heading.count() >= 1, "home page has no st.title / h1 heading"
    assert heading.first.inner_text().strip(), "home page title is empty"
    assert page.title().strip(), "browser tab title is empty"
    screenshot(page, "smoke_home")
