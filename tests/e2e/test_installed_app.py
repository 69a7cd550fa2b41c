"""The installed package serves the app: `hnviz app` from a venv where pip installed hnviz's wheel
(tests/packaging_helpers.py; in CI a fresh install from the package index), started in an empty
folder outside the repository with no PYTHONPATH, for a user with no hnviz settings. The pages,
the bundled demo runs and the diagrams come from the package (hnviz/_app); a headless Chromium
opens the Home and Forgetting pages."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.helpers import CHART, goto_app, health_ok, screenshot, stop_server
from tests.packaging_helpers import clean_env


def test_hnviz_app_serves_the_installed_package_from_any_folder(installed_hnviz, browser_page,
                                                                tmp_path: Path) -> None:
    from tests.e2e.helpers import free_port

    env, page = installed_hnviz, browser_page
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "app.log"
    with open(log, "wb") as f:
        proc = subprocess.Popen([env.hnviz, "app", "--port", str(port), "--address", "127.0.0.1"],
                                cwd=work, env=clean_env(HOME=str(home), XDG_DATA_HOME=""),
                                stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not health_ok(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"hnviz app did not come up:\n{log.read_text()[-4000:]}")
            time.sleep(0.25)
        first = log.read_text().splitlines()[0]
        package_app = next(env.root.glob("lib/python*/site-packages/hnviz/_app"))
        assert f"serving {package_app} " in first, first
        assert str(home / ".local" / "share" / "hnviz" / "runs") in first, first

        goto_app(page, url)  # Home: its diagram is a bundled asset
        assert "hypernetworks" in page.locator("h1").first.inner_text()
        img = page.locator('[data-testid="stImage"] img').first
        img.wait_for(timeout=30_000)
        assert page.evaluate("(i) => i.complete && i.naturalWidth > 0", img.element_handle())
        assert "Active run" in page.locator('[data-testid="stSidebar"]').inner_text()
        screenshot(page, "installed_home")

        goto_app(page, url + "/Forgetting")  # the bundled demo runs, drawn
        page.wait_for_selector(CHART, timeout=60_000)
        assert page.locator(CHART).count() >= 4
        screenshot(page, "installed_forgetting")
        assert not page.hnviz_page_errors
        assert not (work / "runs").exists()  # nothing in the folder it was started from
    finally:
        stop_server(proc)
