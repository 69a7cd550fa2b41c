"""β explorer link in a fresh browser context: the sweep and the scrubber's value come back, and
scrubbing writes the value into the address bar without a rerun of the page."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import APP_PATH, REPO_ROOT, goto_app, screenshot
from tests.e2e.test_embedding import _query, _selected, fresh_page  # noqa: F401 (a fixture)
from tests.e2e.test_explorer import _current_value, _scrub_to

pytestmark = [
    pytest.mark.skipif(not APP_PATH.exists(), reason="app.py does not exist yet"),
    pytest.mark.skipif(not (REPO_ROOT / "assets" / "sweeps" / "digits-hnet-beta").exists(),
                       reason="bundled sweeps missing (scripts/make_sweeps.py)"),
]

SCRUB = ".st-key-scrub"


def test_explorer_link_restores_sweep_and_beta(app_server: str, fresh_page) -> None:  # noqa: F811
    page = fresh_page()
    goto_app(page, f"{app_server}/Beta_explorer?sweep=digits-hnet-beta&beta=100")
    scrub = page.locator(SCRUB)
    scrub.locator(".slider-container").wait_for()
    assert _selected(page, "Sweep") == "Split Digits · HNET (β) · bundled"
    assert _current_value(scrub) == "β = 100"
    scrub.scroll_into_view_if_needed()
    _scrub_to(page, scrub, 0, "β = 0")  # β = 0, in the browser
    page.wait_for_function("() => new URL(location.href).searchParams.get('beta') === '0'",
                           timeout=10_000)
    assert _query(page.url) == {"sweep": "digits-hnet-beta", "beta": "0"}
    screenshot(page, "explorer_link", full_page=False)

    other = fresh_page()
    goto_app(other, page.url)
    scrub = other.locator(SCRUB)
    scrub.locator(".slider-container").wait_for()
    assert _current_value(scrub) == "β = 0"
    assert _selected(other, "Sweep") == "Split Digits · HNET (β) · bundled"
    assert not page.hnviz_page_errors and not other.hnviz_page_errors


def test_slider_moved_before_the_bridge_listened_reaches_the_link(app_server: str,
                                                                  fresh_page) -> None:  # noqa: F811
    """A slider that moved while the URL bridge was not yet listening (on a loaded machine the
    bridge can mount seconds after the chart) is caught up with once it binds: here the slider
    is moved without an event and the bridge made to bind afresh, as it does to a new chart."""
    page = fresh_page()
    goto_app(page, f"{app_server}/Beta_explorer?sweep=digits-hnet-beta&beta=100")
    scrub = page.locator(SCRUB)
    scrub.locator(".slider-container").wait_for()
    page.wait_for_function(f"() => !!document.querySelector('{SCRUB} .js-plotly-plot')"
                           ".__hnvizSliderUrl", timeout=30_000)  # the bridge listens
    scrub.locator(".js-plotly-plot").evaluate(
        "gd => Plotly.relayout(gd, {'sliders[0].active': 0})"
        ".then(() => { gd.__hnvizSliderUrl = null; })")  # moved unseen; the bridge rebinds
    page.wait_for_function("() => new URL(location.href).searchParams.get('beta') === '0'",
                           timeout=10_000)
    assert _query(page.url) == {"sweep": "digits-hnet-beta", "beta": "0"}
    assert not page.hnviz_page_errors
