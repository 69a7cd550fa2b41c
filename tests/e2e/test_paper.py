"""Browser: the Paper page of a server reading a bundle the test made ($HNVIZ_PAPER_DIR; see
tests/paper_helpers.py): the table and the chart (bars and the paper's marker) are drawn, and a
row's Train link opens the Train page with that run's configuration."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import (
    APP_PATH,
    CHART,
    assert_no_exception,
    goto_app,
    screenshot,
    start_streamlit,
    stop_server,
    wait_for_app,
)
from tests.paper_helpers import ITERS, SOURCE, bundle

pytestmark = pytest.mark.skipif(not APP_PATH.exists(), reason="app.py does not exist yet")
TABLE = '[data-testid="stDataFrame"]'


@pytest.fixture(scope="module")
def paper_server(_e2e_prereqs) -> Iterator[str]:
    """Base URL of a server whose Paper page reads the test's bundle."""
    folder, _ = bundle()
    tmp = Path(tempfile.mkdtemp(prefix="hnviz-e2e-paper-"))
    (tmp / "runs").mkdir()
    proc, url = start_streamlit(APP_PATH, tmp / "runs", tmp / "streamlit.log",
                                extra_env={"HNVIZ_PAPER_DIR": str(folder)})
    try:
        yield url
    finally:
        stop_server(proc)
        shutil.rmtree(tmp, ignore_errors=True)


def test_paper_page_shows_table_and_chart_and_links_to_train(paper_server, browser_page):
    page = browser_page
    goto_app(page, f"{paper_server}/Paper", timeout=120_000)
    page.wait_for_selector(TABLE, timeout=30_000)
    page.wait_for_selector(CHART, timeout=30_000)
    chart = page.locator(CHART).first
    assert chart.locator(".barlayer .point").count() == 3  # 4 rows, one failed: a gap
    assert chart.locator(".scatterlayer .point").count() == 1  # the paper's number
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text(f"[1] {SOURCE}").wait_for()
    assert "exp=split-digits" in page.url
    screenshot(page, "app_paper")

    main.get_by_text("Sweep manifest: split-digits/sweep.json").click()
    main.get_by_text("This row's 2 point(s):").wait_for()
    main.get_by_text("Sweep manifest: split-digits/sweep.json").scroll_into_view_if_needed()
    screenshot(page, "app_paper_row")

    link = main.get_by_role("link", name="Train · seed 0")
    assert "scenario=cl1" in link.get_attribute("href")
    link.click()
    page.wait_for_url(lambda u: "/Train" in u, timeout=30_000)
    wait_for_app(page)
    assert_no_exception(page)
    from playwright.sync_api import expect

    expect(page.get_by_label("Iterations / task")).to_have_value(str(ITERS), timeout=20_000)
    assert "benchmark=split-digits" in page.url and f"iters={ITERS}" in page.url
    assert not page.hnviz_page_errors
