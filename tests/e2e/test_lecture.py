"""Browser: the lecture mode at a projector's 1280×720. Every step is walked forward and back,
with the arrow keys and with the buttons; on every step nothing scrolls (neither the main
container nor the document), no exception or error is shown, the URL and the "k / 7" indicator
follow, and the sidebar stays hidden. In the live step ▶ trains both runs and both step
counters advance; leaving the step during the run and coming back shows the same two runs.
A screenshot of every step is saved (test-artifacts/screenshots/lecture_step<k>.png)."""

from __future__ import annotations

import re
import time

import pytest

from hnviz.ui.lecture import N_STEPS, STEPS
from tests.e2e.helpers import (
    APP_PATH,
    EXCEPTION_SELECTOR,
    assert_no_exception,
    goto_app,
    screenshot,
    wait_for_app,
)

pytestmark = pytest.mark.skipif(not APP_PATH.exists(), reason="app.py does not exist yet")

PROJECTOR = {"width": 1280, "height": 720}
LIVE = 3
CHARTS = {1: 6, 2: 0, 3: 2, 4: 2, 5: 1, 6: 2, 7: 2}  # as tests/test_ui_lecture.py
_SIZES_JS = """() => {
  const m = document.querySelector('[data-testid="stMain"]');
  const d = document.scrollingElement;
  return {main: [m.scrollHeight, m.clientHeight, m.scrollWidth, m.clientWidth],
          doc: [d.scrollHeight, d.clientHeight, d.scrollWidth, d.clientWidth]};
}"""
_STEP_RE = re.compile(r"Overall: step ([\d,]+) / ([\d,]+)")


def _title(page) -> str:
    return page.locator("p.lecture-title").first.inner_text()


def _arrive(page, k: int, timeout: float = 60_000) -> None:
    """Wait until step k is shown and drawn (the live step keeps polling while its runs train,
    so there the app is never idle: wait for its two charts instead)."""
    page.wait_for_function(
        "k => { const t = document.querySelector('p.lecture-title');"
        " return t && t.innerText.startsWith(k + ' · '); }", arg=k, timeout=timeout)
    if k == LIVE:
        page.wait_for_function(
            "() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] "
            ".js-plotly-plot').length >= 2", timeout=timeout)
        page.wait_for_timeout(800)
    else:
        wait_for_app(page, timeout=timeout)
        if CHARTS[k]:
            page.wait_for_function(
                "n => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] "
                ".js-plotly-plot').length >= n", arg=CHARTS[k], timeout=timeout)
            page.wait_for_timeout(1000)  # Plotly lays a chart out twice (automatic margins)


def _check(page, k: int, shot: str | None = None) -> None:
    """Step k is shown whole: title, indicator, URL, no scrolling, no exception or error."""
    assert _title(page).startswith(f"{k} · {STEPS[k - 1].title}")
    assert page.locator(".lecture-count").first.inner_text().strip() == f"{k} / {N_STEPS}"
    assert re.search(rf"[?&]step={k}(&|$)", page.url), page.url
    assert page.locator(EXCEPTION_SELECTOR).count() == 0
    assert_no_exception(page)
    errors = [t for t in page.locator('[data-testid="stAlertContainer"]').all_inner_texts()
              if "went wrong" in t or "Could not" in t]
    assert not errors, errors
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    s = page.evaluate(_SIZES_JS)
    assert s["main"][0] <= s["main"][1] and s["doc"][0] <= s["doc"][1], (k, s)
    assert s["main"][2] <= s["main"][3] and s["doc"][2] <= s["doc"][3], (k, s)
    if shot:
        screenshot(page, shot, full_page=False)


def _counters(page) -> list[int]:
    texts = page.locator('[data-testid="stProgress"]').all_inner_texts()
    return [int(m.group(1).replace(",", "")) for t in texts if (m := _STEP_RE.search(t))]


def _live(page) -> list[int]:
    """Press ▶ Train both; both runs' step counters must advance."""
    page.get_by_role("button", name=re.compile("Train both")).click()
    page.get_by_role("button", name=re.compile("Pause")).wait_for(timeout=90_000)
    deadline = time.monotonic() + 120
    first = None
    while time.monotonic() < deadline:
        c = _counters(page)
        if len(c) == 2 and all(v > 0 for v in c):
            if first is None:
                first = c
            elif all(b > a for a, b in zip(first, c)) or all(v == 3000 for v in c):
                return c
        page.wait_for_timeout(500)
    raise AssertionError(f"the live runs' step counters did not both advance: {first} -> "
                         f"{_counters(page)}")


def test_lecture_walks_every_step_at_1280x720(app_server: str, _chromium) -> None:
    ctx = _chromium.new_context(viewport=PROJECTOR)
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    try:
        goto_app(page, f"{app_server}/Lecture?step=1", timeout=120_000)
        _arrive(page, 1)
        # forward with the → key (the live step trains while we go on)
        for k in range(1, N_STEPS + 1):
            _check(page, k, shot=f"lecture_step{k}")
            if k == LIVE:
                counters = _live(page)
                _check(page, k, shot="lecture_step3_training")
                assert len(counters) == 2
            if k < N_STEPS:
                page.keyboard.press("ArrowRight")
                _arrive(page, k + 1)
        # back with the Back button: the live step shows the same two runs
        for k in range(N_STEPS, 1, -1):
            page.get_by_role("button", name=re.compile("Back")).click()
            _arrive(page, k - 1)
            _check(page, k - 1)
            if k - 1 == LIVE:
                assert len(_counters(page)) == 2
        assert page.get_by_role("button", name=re.compile("Back")).is_disabled()
        # forward with the Next button, back with the ← key
        for k in range(1, N_STEPS):
            page.get_by_role("button", name=re.compile("Next")).click()
            _arrive(page, k + 1)
            _check(page, k + 1)
        assert page.get_by_role("button", name=re.compile("Next")).is_disabled()
        for k in range(N_STEPS, 1, -1):
            page.keyboard.press("ArrowLeft")
            _arrive(page, k - 1)
            _check(page, k - 1)
        assert not page_errors, page_errors
    finally:
        ctx.close()


def test_lecture_step_links_in_a_fresh_browser(app_server: str, _chromium) -> None:
    """A lecturer's link opens its step directly; a wrong one says so and shows step 1."""
    ctx = _chromium.new_context(viewport=PROJECTOR)
    try:
        page = ctx.new_page()
        goto_app(page, f"{app_server}/Lecture?step=6", timeout=120_000)
        _arrive(page, 6)
        _check(page, 6)
        goto_app(page, f"{app_server}/Lecture?step=99", timeout=120_000)
        _arrive(page, 1)
        page.get_by_text("There is no step 99").wait_for()
        _check(page, 1, shot="lecture_wrong_step")  # the report fits on the screen too
    finally:
        ctx.close()
