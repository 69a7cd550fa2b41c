"""Browser: the Embedding space page draws the landscape of the 2-D regression demo, a click on
the plane shows the network generated there, and the Interpolation page animates a walk."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import (
    APP_PATH,
    assert_no_exception,
    goto_app,
    run_and_wait,
    screenshot,
)

pytestmark = pytest.mark.skipif(not APP_PATH.exists(), reason="app.py does not exist yet")


def _plot_area(page, index: int = 0):
    chart = page.locator('[data-testid="stPlotlyChart"]').nth(index)
    chart.scroll_into_view_if_needed()
    drag = chart.locator(".nsewdrag").first
    drag.wait_for(state="visible")
    return drag.bounding_box()


def test_click_on_plane_shows_generated_network(app_server: str, browser_page) -> None:
    page = browser_page
    goto_app(page, f"{app_server}/Embedding_space", timeout=120_000)
    page.get_by_text("Click anywhere on the plane").wait_for()
    screenshot(page, "embedding_plane")
    box = _plot_area(page)
    x, y = box["x"] + box["width"] * 0.37, box["y"] + box["height"] * 0.55

    def click() -> None:
        page.mouse.move(x, y)
        page.wait_for_timeout(300)  # let plotly register the hovered point
        page.mouse.click(x, y)

    run_and_wait(page, click, timeout=90_000)
    assert_no_exception(page)
    panel = page.get_by_text("Network generated at (")
    panel.wait_for(timeout=30_000)
    assert panel.count() >= 1
    screenshot(page, "embedding_clicked")
    assert not page.hnviz_page_errors, page.hnviz_page_errors


def test_interpolation_page_animates(app_server: str, browser_page) -> None:
    page = browser_page
    goto_app(page, f"{app_server}/Interpolation", timeout=120_000)
    page.get_by_text("▶ Play").first.wait_for()
    page.get_by_text("▶ Play").first.click()
    page.wait_for_timeout(1500)  # frames play in the browser, no rerun
    assert_no_exception(page)
    screenshot(page, "interpolation")
    assert not page.hnviz_page_errors, page.hnviz_page_errors
