"""Drive the real app for benchmarks: start `streamlit run app.py`, open headless Chromium
sessions, read what the page shows. Shared by bench_live.py and load_app.py (localhost only).

The page facts relied on are the ones the browser tests use (tests/e2e/helpers.py): the Train
page's "Play" / "Pause" / "Step" buttons and its progress text "Overall: step N / M".
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.helpers import (  # noqa: E402
    APP_PATH,
    CHROMIUM,
    CHROMIUM_ARGS,
    start_streamlit,
    stop_server,
    wait_for_app,
)

STEP_RE = re.compile(r"Overall: step ([\d,]+) / ([\d,]+)")
_STEP_JS = """() => {
  const m = [...document.querySelectorAll('[data-testid="stProgress"]')]
     .map(e => e.innerText).find(t => t.includes('Overall: step'));
  return m || null;
}"""


@contextmanager
def app(extra_env: dict[str, str] | None = None):
    """Yield (base_url, server pid) of a fresh app server with an empty runs folder."""
    runs = Path(tempfile.mkdtemp(prefix="hnviz-bench-runs-"))
    log = runs / "streamlit.log"
    proc, url = start_streamlit(APP_PATH, runs, log, extra_env=extra_env)
    try:
        yield url, proc.pid
    finally:
        stop_server(proc)
        shutil.rmtree(runs, ignore_errors=True)


@contextmanager
def bare_app():
    """Yield the base URL of a bare Streamlit page (bare_page.py), the load-time baseline."""
    runs = Path(tempfile.mkdtemp(prefix="hnviz-bench-bare-"))
    proc, url = start_streamlit(Path(__file__).with_name("bare_page.py"), runs,
                                runs / "streamlit.log")
    try:
        yield url
    finally:
        stop_server(proc)
        shutil.rmtree(runs, ignore_errors=True)


@contextmanager
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def new_page(b, width: int = 1400, height: int = 1000):
    ctx = b.new_context(viewport={"width": width, "height": height})
    ctx.set_default_timeout(60_000)
    return ctx.new_page()


def load_time(page, url: str, timeout: float = 120_000) -> float:
    """Seconds from navigation until the first script run has finished (app idle)."""
    t0 = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded", timeout=timeout)
    wait_for_app(page, timeout=timeout, settle_ms=0)
    return time.perf_counter() - t0


def shown_step(page) -> tuple[int, int] | None:
    """(global step, total steps) from the Train page's progress text, or None."""
    text = page.evaluate(_STEP_JS)
    m = STEP_RE.search(text or "")
    if not m:
        return None
    return int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))


def click(page, name: str) -> None:
    page.get_by_role("button", name=re.compile(rf"^\W*{name}\b")).first.click()


def wait_button(page, name: str, timeout: float = 30_000) -> None:
    page.get_by_role("button", name=re.compile(rf"^\W*{name}\b")).first.wait_for(timeout=timeout)


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (MB), from /proc."""
    total = 0
    for p in [pid, *descendants(pid)]:
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
    return total / 2**20


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def percentile(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))]
