"""Browser: the Embedding space page draws the landscape of the 2-D regression demo and a click on
the plane shows the network generated there; its link restores that point in a fresh browser
context. The Interpolation page's one animation moves all three markers (the function, the dot on
the plane, the marker of every task along the path) and the α readout, keeps the plane's landscape
while it plays, and its link restores the walk and α."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.helpers import (
    APP_PATH,
    VIEWPORT,
    assert_no_exception,
    goto_app,
    run_and_wait,
    screenshot,
)

pytestmark = pytest.mark.skipif(not APP_PATH.exists(), reason="app.py does not exist yet")

WALK = ".st-key-interp_walk .js-plotly-plot"
# The walk figure's moving markers, as drawn (plotly's _fullData holds decoded arrays).
_MARKERS_JS = """sel => {
  const gd = document.querySelector(sel);
  const tr = m => gd._fullData.filter(d => d.meta === m);
  const s = gd.layout.sliders[0];
  return {morph: Array.from(tr('walk:morph')[0].y).map(v => +v.toFixed(6)),
          dot: [tr('walk:dot')[0].x[0], tr('walk:dot')[0].y[0]],
          marker: Array.from(tr('walk:marker')[0].y).map(v => +v.toFixed(6)),
          markerAlpha: tr('walk:marker')[0].x[0],
          readout: tr('walk:readout')[0].text[0],
          landscape: gd.querySelectorAll('.imagelayer image').length,
          alpha: s.steps[s.active].label};
}"""


@pytest.fixture
def fresh_page(_chromium):
    """Opens pages in new browser contexts (no cookies, no session: a recipient of a link)."""
    contexts = []

    def new_page():
        ctx = _chromium.new_context(viewport=VIEWPORT)
        ctx.set_default_timeout(30_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.hnviz_page_errors = []
        page.on("pageerror", lambda exc: page.hnviz_page_errors.append(str(exc)))
        return page

    yield new_page
    for ctx in contexts:
        ctx.close()


def _query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(url).query).items()}


def _selected(page, label: str) -> str:
    """What a selectbox shows (its input's value)."""
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True))
    return box.locator("input").input_value()


def _plot_area(page, index: int = 0):
    chart = page.locator('[data-testid="stPlotlyChart"]').nth(index)
    chart.scroll_into_view_if_needed()
    drag = chart.locator(".nsewdrag").first
    drag.wait_for(state="visible")
    return drag.bounding_box()


def test_embedding_click_and_its_link_in_a_fresh_context(app_server: str, browser_page,
                                                          fresh_page) -> None:
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
    coords = re.search(r"Network generated at (\(.*?\))", panel.first.inner_text()).group(1)
    screenshot(page, "embedding_clicked")
    q = _query(page.url)
    assert q["point"] and q["run"] and q["color"] == "best", page.url
    assert not page.hnviz_page_errors, page.hnviz_page_errors

    other = fresh_page()  # the recipient of the link
    goto_app(other, page.url, timeout=120_000)
    other.get_by_text(f"Network generated at {coords}").wait_for(timeout=30_000)
    assert _query(other.url) == q
    assert not other.hnviz_page_errors, other.hnviz_page_errors


def test_interpolation_play_moves_all_three_markers_and_the_link_keeps_alpha(
        app_server: str, browser_page, fresh_page) -> None:
    page = browser_page
    goto_app(page, f"{app_server}/Interpolation?from=e1&to=e3&path=spherical&alpha=0.25",
             timeout=120_000)
    page.wait_for_selector(WALK)
    assert _selected(page, "From").startswith("task 1")
    assert _selected(page, "To").startswith("task 3")
    before = page.evaluate(_MARKERS_JS, WALK)
    assert before["alpha"] == "0.25" and before["markerAlpha"] == 0.25
    page.get_by_text("▶ Play").first.click()  # plays α = 0.25 … 1 in the browser, no rerun
    page.wait_for_function(
        "sel => { const s = document.querySelector(sel).layout.sliders[0];"
        " return s.steps[s.active].label === '1.00'; }", arg=WALK, timeout=30_000)
    after = page.evaluate(_MARKERS_JS, WALK)
    assert after["markerAlpha"] == 1.0
    # the readout follows the frames, and the plane keeps its landscape while they play
    assert before["readout"].startswith("α = 0.25") and after["readout"].startswith("α = 1.00")
    assert before["landscape"] == after["landscape"] == 1
    assert after["morph"] != before["morph"], "the generated function did not move"
    assert after["dot"] != before["dot"], "the dot on the plane did not move"
    assert after["marker"] != before["marker"], "the every-task marker did not move"
    assert_no_exception(page)
    screenshot(page, "interpolation")
    # the slider's position reaches the address bar (hnviz.ui.url.slider), so the link keeps α
    page.wait_for_function("() => new URL(location.href).searchParams.get('alpha') === '1.00'",
                           timeout=10_000)
    q = _query(page.url)
    assert {k: q[k] for k in ("from", "to", "path", "alpha")} == {
        "from": "e1", "to": "e3", "path": "spherical", "alpha": "1.00"}
    assert not page.hnviz_page_errors, page.hnviz_page_errors

    other = fresh_page()
    goto_app(other, page.url, timeout=120_000)
    other.wait_for_selector(WALK)
    restored = other.evaluate(_MARKERS_JS, WALK)
    assert restored == after  # same frame: every marker where the sender left it
    assert not other.hnviz_page_errors, other.hnviz_page_errors
