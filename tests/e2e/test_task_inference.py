"""Browser: the Task inference page trains HNET+R on Split Digits in CL3 with one click (in the
worker pool), then shows the curves (task given vs inferred), the score of each task embedding for
one test input, the task confusion and the replay model's samples; the input is in the URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.helpers import APP_PATH, assert_no_exception, goto_app, run_and_wait, screenshot

pytestmark = pytest.mark.skipif(not APP_PATH.exists(), reason="app.py does not exist yet")


def test_train_a_cl3_run_and_see_task_inference(app_server: str, browser_page) -> None:
    page = browser_page
    goto_app(page, f"{app_server}/Task_inference", timeout=120_000)
    page.get_by_text("Task inference").first.wait_for()
    run_and_wait(page, lambda: page.get_by_role(
        "button", name="Train HNET+R on Split Digits in CL3").click(), timeout=90_000)
    # the page draws at once (the views of the run so far) and polls while the run trains in a
    # worker (~5-20 s)
    page.get_by_text("What the replay model rehearses").wait_for(timeout=60_000)
    page.get_by_text("5/5 tasks done").first.wait_for(timeout=180_000)
    page.get_by_text("Which task is inferred").wait_for()
    assert_no_exception(page)
    for label in ("Task given", "Task inferred", "Task inferred right"):
        assert page.get_by_text(label, exact=True).count() >= 1, label
    # charts drawn: curves, input image, scores, confusion, replay grid
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot').length >= 5", timeout=60_000)
    bars = page.evaluate("""() => {
      const gd = [...document.querySelectorAll('.js-plotly-plot')]
        .find(g => g.data && g.data[0].type === 'bar');
      return gd ? Array.from(gd.data[0].y) : null; }""")
    assert bars is not None and len(bars) == 5
    assert abs(sum(bars) - 1.0) < 1e-3  # the task classifier's probabilities
    q = {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}
    assert q.get("task") == "0" and q.get("input") == "0" and q.get("run"), page.url
    screenshot(page, "task_inference")
