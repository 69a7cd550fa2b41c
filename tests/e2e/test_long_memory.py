"""Browser, 1280×720 (a projector): the Paper page's Long memory view from the bundled runs
(assets/paper/permuted-digits-100: no training wait). The per-task figure opens at the end of the
sequence, its Plotly slider scrubs "after task t" in the browser (the server never redraws it),
early tasks keep their accuracy for HNET and fade for fine-tuning, and the summary bars and the
accuracy-against-compression figure (the line at ratio 1) are drawn."""

from __future__ import annotations

import json

import pytest

from hnviz.ui.lecture.layout import STEPS
from tests.e2e.helpers import (
    APP_PATH,
    REPO_ROOT,
    assert_no_exception,
    goto_app,
    screenshot,
    wait_for_app,
)

BUNDLED = sorted((REPO_ROOT / "assets" / "paper" / "permuted-digits-100").glob("sweep*.json"))
pytestmark = [
    pytest.mark.skipif(not APP_PATH.exists(), reason="app.py does not exist yet"),
    pytest.mark.skipif(not BUNDLED, reason="permuted-digits-100 is not bundled "
                       "(python -m hnviz reproduce --experiment permuted-digits-100 --bundle "
                       "assets/paper)"),
]
PROJECTOR = {"width": 1280, "height": 720}
SECTION = '[data-testid="stPlotlyChart"]'
# the lecture's "Compression" step (1-based, as in ?step=)
COMPRESSION_STEP = next(i + 1 for i, s in enumerate(STEPS) if s.title == "Compression")

# the per-task figure's traces: {meta: [y...]} and its title, read from the drawn plot
_TRACES_JS = """gd => ({title: gd.layout.title.text,
  y: Object.fromEntries(gd.data.map(t => [t.meta, t.y]))})"""


def _memory_chart(page):
    """The Plotly element of the per-task figure (the one with a slider), once drawn."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some("
        "gd => gd.layout && gd.layout.sliders && gd.layout.sliders.length)", timeout=60_000)
    charts = page.locator(f"{SECTION} .js-plotly-plot")
    for i in range(charts.count()):
        c = charts.nth(i)
        if c.evaluate("gd => !!(gd.layout.sliders && gd.layout.sliders.length)"):
            return c
    raise AssertionError("no figure with a slider on the page")


def _click_step(page, chart, k: int) -> None:
    """Click the k-th tick of the figure's slider (on the rail, where plotly.js listens), the
    slider scrolled into view first (a click goes to viewport coordinates)."""
    chart.locator("g.slider-group").scroll_into_view_if_needed()
    tick = chart.locator("g.slider-group .slider-tick-rect").nth(k).bounding_box()
    rail = chart.locator("g.slider-group rect.slider-rail-touch-rect").bounding_box()
    assert tick and rail
    page.mouse.click(tick["x"] + tick["width"] / 2, rail["y"] + rail["height"] / 2)


def _mean(values) -> float:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals)


def test_long_memory_view_scrubs_after_task_t_in_the_browser(app_server, browser_page):
    page = browser_page
    page.set_viewport_size(PROJECTOR)
    goto_app(page, f"{app_server}/Paper?exp=permuted-digits-100", timeout=120_000)
    page.get_by_role("heading", name="Long memory").wait_for(timeout=60_000)
    _no_error(page)
    chart = _memory_chart(page)
    chart.scroll_into_view_if_needed()
    end = chart.evaluate(_TRACES_JS)
    T = len(end["y"]["memory:hnet"])
    assert f"after task {T} of {T}" in end["title"]
    screenshot(page, "long_memory_end", full_page=False)

    # HNET's runs are those of the manifest its row in the bundle's table names (a narrowed
    # reproduce run replaced the cell; the older manifest still holds the former preset's runs)
    paper = REPO_ROOT / "assets" / "paper"
    row = next(r for r in json.loads((paper / "table.json").read_text())["rows"]
               if r["experiment"] == "permuted-digits-100" and r["method"] == "hnet")
    runs = [r for r in json.loads((paper / row["sweep"]).read_text())["runs"]
            if r["method"] == "hnet" and r["status"] == "ok"]
    assert len(runs) == row["n"]
    want = _mean([r["summary"]["mean_final"] for r in runs])
    assert _mean(end["y"]["memory:hnet"]) == pytest.approx(want, abs=1e-6)
    # the story the view tells: HNET keeps its early tasks, fine-tuning does not
    first10 = slice(0, 10)
    assert _mean(end["y"]["memory:hnet"][first10]) > _mean(
        end["y"]["memory:finetune"][first10]) + 0.3

    chart.evaluate("gd => { gd.__drawnBefore = true; }")
    _click_step(page, chart, 1)  # after task 10: tasks 11..T not learned yet
    page.wait_for_function("gd => gd.layout.title.text.includes('after task 10 of')",
                           arg=chart.element_handle())
    early = chart.evaluate(_TRACES_JS)
    assert all(v is None for v in early["y"]["memory:finetune"][10:])
    assert early["y"]["memory:finetune"][0] is not None
    screenshot(page, "long_memory_after_10", full_page=False)
    wait_for_app(page)
    assert chart.evaluate("gd => gd.__drawnBefore === true"), "the server redrew the figure"
    assert not page.hnviz_page_errors

    # the summary and the compression figure below it
    page.get_by_text("Mean final accuracy over all").first.scroll_into_view_if_needed()
    _no_error(page)
    screenshot(page, "long_memory_summary", full_page=False)
    ratio = page.locator(f"{SECTION} .js-plotly-plot").filter(has_text="against compression")
    drawn = ratio.first.evaluate(
        "gd => gd._fullData.filter(t => t.name && t.name.startsWith('HNET'))"
        ".map(t => ({x: Array.from(t.x), y: Array.from(t.y)}))")
    sweep = paper / "permuted-digits-100" / "ratio" / "sweep.json"
    if sweep.exists():  # the ratio sweep: HNET's accuracy at each of its sizes, below and above 1
        runs = [r for r in json.loads(sweep.read_text())["runs"] if r["status"] == "ok"]
        (curve,) = drawn
        assert len(curve["x"]) == len(runs) >= 3
        assert min(curve["x"]) < 1 < max(curve["x"])
        assert sorted(curve["y"]) == pytest.approx(
            sorted(r["summary"]["mean_final"] for r in runs), abs=1e-6)
    else:  # the bundled HNET runs alone: one point at their ratio
        assert len(drawn) == 1 and len(drawn[0]["x"]) == 1


def _no_error(page) -> None:
    """No exception box and no error alert on the page."""
    assert_no_exception(page)
    errors = [t for t in page.locator('[data-testid="stAlertContainer"]').all_inner_texts()
              if "went wrong" in t or "Could not" in t or "Error" in t]
    assert not errors, errors


def test_lecture_compression_step_shows_the_100_tasks(app_server, browser_page):
    """The lecture's compression step: its selector's second figure is the long-memory one,
    the whole sequence at once with the slider over "after task t", on one 1280×720 screen."""
    page = browser_page
    page.set_viewport_size(PROJECTOR)
    goto_app(page, f"{app_server}/Lecture?step={COMPRESSION_STEP}", timeout=120_000)
    page.get_by_text("Long memory: 100 tasks", exact=True).click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some("
        "gd => gd.layout && gd.layout.sliders && gd.layout.sliders.length)", timeout=60_000)
    wait_for_app(page)
    chart = _memory_chart(page)
    end = chart.evaluate(_TRACES_JS)
    T = len(end["y"]["memory:hnet"])
    assert T == 100 and f"after task {T} of {T}" in end["title"]
    assert "compression ratio" in end["title"]
    box = chart.bounding_box()
    assert box and box["y"] + box["height"] <= PROJECTOR["height"] + 1, box  # on the screen
    _no_error(page)
    screenshot(page, "long_memory_lecture", full_page=False)
