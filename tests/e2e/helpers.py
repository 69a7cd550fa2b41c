"""Helpers for the browser tests (fixtures live in tests/e2e/conftest.py).

    from tests.e2e.helpers import assert_no_exception, goto_app, run_and_wait, screenshot, wait_for_app

    wait_for_app(page, timeout=60_000, settle_ms=500)  wait until the script run has finished
    run_and_wait(page, action, timeout=60_000)         do `action()`, wait for the rerun it causes
    assert_no_exception(page)                          fail if an exception box is on screen
    screenshot(page, name, full_page=True) -> Path     save test-artifacts/screenshots/<name>.png
    goto_app(page, url, timeout=60_000)                goto + wait_for_app + assert_no_exception
    start_streamlit(script, runs_dir, log_path)        -> (Popen, base_url); stop_server(proc)

Streamlit 1.67 frontend facts these rely on: the root `[data-testid="stApp"]` carries
`data-test-script-state` ("initial" | "running" | "notRunning" | "rerunRequested" |
"stopRequested" | "compilationError") and `data-test-connection-state` ("CONNECTED", ...). While a
run is in progress the status widget `[data-testid="stStatusWidget"]` shows
`[data-testid="stStatusWidgetRunningIcon"]` (aria-label "Running..."). Exceptions render as
`[data-testid="stException"]`.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_PATH = REPO_ROOT / "app.py"
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}
SERVER_START_TIMEOUT_S = 60.0

APP_SELECTOR = '[data-testid="stApp"]'
STATUS_WIDGET_SELECTOR = '[data-testid="stStatusWidget"]'
RUNNING_ICON_SELECTOR = '[data-testid="stStatusWidgetRunningIcon"]'
EXCEPTION_SELECTOR = '[data-testid="stException"]'
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'  # a drawn Plotly figure

_APP_IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  const state = app.getAttribute('data-test-script-state');
  const conn = app.getAttribute('data-test-connection-state');
  if (conn !== 'CONNECTED') return false;
  if (state !== 'notRunning' && state !== 'compilationError') return false;
  return !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]');
}"""

_APP_STATE_JS = """() => {
  const a = document.querySelector('[data-testid="stApp"]');
  return a ? [a.getAttribute('data-test-script-state'),
              a.getAttribute('data-test-connection-state')] : null;
}"""

_RUN_WATCH_JS = """() => {
  window.__hnvizSawRun = false;
  const app = document.querySelector('[data-testid="stApp"]');
  const check = () => {
    const s = app.getAttribute('data-test-script-state');
    if (s === 'running' || s === 'rerunRequested') window.__hnvizSawRun = true;
  };
  if (window.__hnvizRunObserver) window.__hnvizRunObserver.disconnect();
  window.__hnvizRunObserver = new MutationObserver(check);
  window.__hnvizRunObserver.observe(app, {attributes: true,
                                          attributeFilter: ['data-test-script-state']});
}"""


# ------------------------------------------------------------------------------------- browser


def wait_for_app(page, timeout: float = 60_000, settle_ms: int = 500) -> None:
    """Wait until Streamlit is connected and has finished running the script.

    Done means: `stApp` is CONNECTED, its script state is "notRunning" (or "compilationError")
    and no running icon is shown, and that still holds `settle_ms` later. A widget-triggered
    rerun only flips the state after a server round trip, so for interactions prefer
    `run_and_wait`. Raises AssertionError (with the last seen state) after `timeout` ms.
    """
    deadline = time.monotonic() + timeout / 1000
    page.wait_for_selector(APP_SELECTOR, state="attached", timeout=timeout)
    while True:
        remaining_ms = max(1.0, (deadline - time.monotonic()) * 1000)
        try:
            page.wait_for_function(_APP_IDLE_JS, timeout=remaining_ms, polling=100)
        except Exception as exc:
            raise AssertionError(
                f"Streamlit app still busy after {timeout / 1000:.0f}s "
                f"(script state, connection state = {page.evaluate(_APP_STATE_JS)})"
            ) from exc
        page.wait_for_timeout(settle_ms)
        if page.evaluate(_APP_IDLE_JS):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"Streamlit app did not settle within {timeout / 1000:.0f}s")


def run_and_wait(
    page, action: Callable[[], object], timeout: float = 60_000, start_timeout: float = 5_000
) -> None:
    """Run `action()` (a click, a fill, ...) and wait for the script rerun it triggers to end.

    If no rerun starts within `start_timeout` ms (the action changed nothing), this returns after
    the usual `wait_for_app` settle.
    """
    page.evaluate(_RUN_WATCH_JS)
    action()
    try:
        page.wait_for_function("() => window.__hnvizSawRun === true", timeout=start_timeout)
    except Exception:
        pass  # no rerun observed: nothing to wait for beyond the settle below
    wait_for_app(page, timeout=timeout)


def choose_option(page, label: str, option: str, tries: int = 3) -> None:
    """Pick `option` in the selectbox labelled `label`. A rerun that lands just after the click
    (e.g. one recording a slider's value in the URL) redraws the widget and closes its list, so
    the list is opened again until the option shows (at most `tries` times)."""
    box = page.get_by_test_id("stSelectbox").filter(has_text=label).locator("input")
    item = page.get_by_role("option", name=option)
    for attempt in range(tries):
        box.click()
        try:
            item.wait_for(timeout=5_000)
            break
        except Exception:  # noqa: BLE001 - the list closed again: reopen it
            if attempt == tries - 1:
                raise
            wait_for_app(page)
    item.click()


def assert_no_exception(page) -> None:
    """Fail with the exception text if Streamlit shows an exception box."""
    boxes = page.locator(EXCEPTION_SELECTOR)
    if boxes.count():
        texts = [t.strip()[:2000] for t in boxes.all_inner_texts()]
        raise AssertionError("Streamlit exception on page:\n" + "\n---\n".join(texts))


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save a PNG to test-artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "screenshot"
    path = SCREENSHOT_DIR / f"{safe}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def goto_app(page, url: str, timeout: float = 60_000) -> None:
    """Open `url`, wait for the script run to finish and check that no exception is shown."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout)
    wait_for_app(page, timeout=timeout)
    assert_no_exception(page)


# -------------------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def health_ok(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200 and resp.read().decode().strip() == "ok"
    except (urllib.error.URLError, OSError):
        return False


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group, SIGKILL after 10 s."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def start_streamlit(
    script: Path,
    runs_dir: Path,
    log_path: Path,
    timeout: float = SERVER_START_TIMEOUT_S,
    extra_env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen, str]:
    """Start `python -m streamlit run <script>` (cwd = repo root) on a free port.

    Returns (process, base_url). The server runs in its own process group with
    HNVIZ_RUNS_DIR=runs_dir and its stdout+stderr in `log_path`. If /_stcore/health does not
    answer "ok" within `timeout` seconds, the server is stopped and the test fails showing the
    tail of its log.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    env = {**os.environ, "HNVIZ_RUNS_DIR": str(runs_dir), "PYTHONUNBUFFERED": "1",
           "HNVIZ_WORKERS": "2"}  # the real worker processes (the unit tests use 0: a thread)
    env.update(extra_env or {})
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if health_ok(base_url):
            return proc, base_url
        time.sleep(0.25)
    exited = proc.poll()
    stop_server(proc)
    output = Path(log_path).read_text(errors="replace")[-6000:]
    what = (
        f"exited with code {exited}" if exited is not None else f"not healthy after {timeout:.0f}s"
    )
    pytest.fail(f"streamlit server for {Path(script).name} {what}:\n{output}", pytrace=False)
