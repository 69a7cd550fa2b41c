"""Browser-test harness: a real `streamlit run app.py` server driven by headless Debian Chromium.

Fixtures
    app_server           (session) base URL "http://127.0.0.1:<port>" of `streamlit run app.py`
                         started in the repo root with HNVIZ_RUNS_DIR=app_server_runs_dir.
    app_server_runs_dir  (session) the server's (initially empty) runs folder, a Path.
    browser_page         (function) a Playwright sync `Page`, 1400x1000, in a fresh browser context
                         (no state shared between tests). A failing test leaves
                         test-artifacts/screenshots/FAILED-<test>.png.

Helpers (wait_for_app, run_and_wait, assert_no_exception, screenshot, goto_app, start_streamlit)
live in tests/e2e/helpers.py: `from tests.e2e.helpers import wait_for_app, ...`.

Every test under tests/e2e is marked `e2e` (deselect with -m "not e2e"). Without /usr/bin/chromium
or the `playwright` package the tests are skipped, unless HNVIZ_E2E_REQUIRED=1 (set by .ci/run
when chromium is installed), where they fail instead.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import (
    APP_PATH,
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    screenshot,
    start_streamlit,
    stop_server,
)

_E2E_DIR = Path(__file__).resolve().parent


def _e2e_required() -> bool:
    return os.environ.get("HNVIZ_E2E_REQUIRED", "") == "1"


def _browser_stack_problem() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return "Debian chromium not installed: apt-get install -y chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "python package `playwright` not installed: run `make test` (requirements-dev.txt)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    # Keep each phase's report on the item so browser_page can screenshot failed tests.
    rep = yield
    setattr(item, f"_hnviz_rep_{rep.when}", rep)
    return rep


@pytest.fixture(scope="session")
def _e2e_prereqs() -> None:
    problem = _browser_stack_problem()
    if problem:
        if _e2e_required():
            pytest.fail(f"{problem} (HNVIZ_E2E_REQUIRED=1: failing instead of skipping)")
        pytest.skip(problem)


@pytest.fixture(scope="session")
def app_server_runs_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="hnviz-e2e-runs-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def app_server(_e2e_prereqs: None, app_server_runs_dir: Path) -> Iterator[str]:
    """Base URL of `streamlit run app.py`; stopped (whole process group) after the session."""
    if not APP_PATH.exists():
        pytest.skip("app.py does not exist yet")
    log_dir = Path(tempfile.mkdtemp(prefix="hnviz-e2e-server-"))
    proc, base_url = start_streamlit(APP_PATH, app_server_runs_dir, log_dir / "streamlit.log")
    try:
        yield base_url
    finally:
        stop_server(proc)
        shutil.rmtree(log_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def _chromium(_e2e_prereqs: None):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(_chromium, request: pytest.FixtureRequest):
    """A fresh 1400x1000 Playwright page; JS errors are collected in `page.hnviz_page_errors`."""
    context = _chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    page.hnviz_page_errors = page_errors
    try:
        yield page
    finally:
        rep = getattr(request.node, "_hnviz_rep_call", None)
        if rep is not None and rep.failed:
            try:
                path = screenshot(page, "FAILED-" + request.node.name)
                print(f"\nscreenshot of the failed test: {path}")
                if page_errors:
                    print("browser page errors:\n  " + "\n  ".join(page_errors))
            except Exception as exc:  # a dead page must not hide the real failure
                print(f"\n(could not take a failure screenshot: {exc})")
        context.close()
