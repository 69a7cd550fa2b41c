"""Browser tests of the app: every page renders, a short live training runs to the end by
pressing Play, a run is saved, and a garbage upload shows a clear message."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.helpers import (
    CHART,
    assert_no_exception,
    goto_app,
    run_and_wait,
    screenshot,
    wait_for_app,
)


def test_every_page_renders(app_server: str, browser_page) -> None:
    page = browser_page
    for path, name, charts in [("", "home", 0), ("/Train", "train", 3),
                               ("/Forgetting", "forgetting", 4), ("/Checkpoints", "checkpoints", 0),
                               ("/Task_inference", "task_inference", 0),
                               ("/Paper", "paper", 1)]:
        goto_app(page, app_server + path)
        assert page.locator("h1").first.inner_text().strip()
        if charts:
            page.wait_for_selector(CHART, timeout=30_000)
            assert page.locator(CHART).count() >= charts, name
        assert "Active run" in page.locator('[data-testid="stSidebar"]').inner_text()
        screenshot(page, f"app_{name}")
    assert not page.hnviz_page_errors


def test_live_training_to_completion_and_save(app_server: str, browser_page,
                                              app_server_runs_dir: Path) -> None:
    page = browser_page
    goto_app(page, app_server + "/Train?iters=200&beta=0.01")
    from playwright.sync_api import expect

    expect(page.get_by_label("Iterations / task")).to_have_value("200", timeout=10_000)
    page.get_by_role("button", name=re.compile("Play")).click()
    page.get_by_role("button", name=re.compile("Pause")).wait_for(timeout=60_000)
    page.wait_for_timeout(800)
    screenshot(page, "app_train_playing")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("3/3 tasks done").wait_for(timeout=120_000)
    page.get_by_role("button", name=re.compile("Play")).wait_for(timeout=30_000)
    wait_for_app(page)
    assert_no_exception(page)
    assert page.locator(CHART).count() >= 3
    assert page.locator('[data-testid="stMetric"]').count() >= 3
    assert "iters=200" in page.url and "beta=0.01" in page.url
    screenshot(page, "app_train_done")

    page.get_by_text("Save or download this run").click()
    page.get_by_label("Name").fill("e2e run")
    run_and_wait(page, lambda: page.get_by_role("button", name="Save", exact=True).click())
    page.get_by_text("Saved as").wait_for(timeout=10_000)
    assert str(app_server_runs_dir) not in page.content()  # no server path is shown
    assert list(app_server_runs_dir.glob("users/*/saved/e2e-run.pt"))
    # a second save under the same name asks before overwriting
    run_and_wait(page, lambda: page.get_by_role("button", name="Save", exact=True).click())
    page.get_by_text("exists already").wait_for(timeout=10_000)

    goto_app(page, app_server + "/Checkpoints")
    page.get_by_text("e2e run").first.wait_for(timeout=10_000)
    goto_app(page, app_server + "/Forgetting")
    assert page.locator(CHART).count() >= 2
    screenshot(page, "app_forgetting_after_training")


def test_bad_upload_shows_message(app_server: str, browser_page, tmp_path: Path) -> None:
    page = browser_page
    goto_app(page, app_server + "/Checkpoints")
    bad = tmp_path / "garbage.pt"
    bad.write_bytes(b"\x00\x01 definitely not a run file" * 10)
    run_and_wait(page, lambda: page.locator('input[type="file"]').set_input_files(str(bad)))
    page.get_by_text("Could not load garbage.pt").wait_for(timeout=15_000)
    assert_no_exception(page)
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "bundled demo" in sidebar  # the active run (a bundled demo) is untouched
    screenshot(page, "app_checkpoints_bad_upload")
