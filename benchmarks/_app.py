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


_NICED: dict[int, tuple[int, int]] = {}  # id(browser) -> (its process id, niceness)


def keep_niced(b) -> None:
    """Renice a niced browser's whole process tree: Chromium resets the priority of the
    renderers it starts, so call this after opening pages (cheap; /proc only)."""
    pid, nice = _NICED.get(id(b), (None, 0))
    if pid is None:
        return
    for p in [pid, *descendants(pid)]:
        try:
            os.setpriority(os.PRIO_PROCESS, p, nice)
        except OSError:
            pass


@contextmanager
def browsers(*nices: int):
    """Headless Chromium instances, one per entry of `nices` (one Playwright driver: its sync
    API cannot be nested). A niceness > 0 runs that browser and its renderers at a lower CPU
    priority, standing in for browsers on other machines (a class's laptops) when server-side
    figures are measured on one machine."""
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="hnviz-bench-chromium-"))
    try:
        with sync_playwright() as pw:
            launched = []
            try:
                for nice in nices:
                    exe = CHROMIUM
                    if nice != 0:
                        exe = str(tmp / f"chromium-nice{int(nice)}")
                        pidfile = tmp / f"pid-{len(launched)}"
                        Path(exe).write_text(f'#!/bin/sh\necho $$ > {pidfile}\n'
                                             f'exec nice -n {int(nice)} {CHROMIUM} "$@"\n')
                        os.chmod(exe, 0o755)
                    launched.append(pw.chromium.launch(executable_path=exe, headless=True,
                                                       args=CHROMIUM_ARGS))
                    if nice != 0:
                        _NICED[id(launched[-1])] = (int(pidfile.read_text()), int(nice))
                yield launched
            finally:
                for b in launched:
                    b.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def browser(nice: int = 0):
    """One headless Chromium (see `browsers`)."""
    with browsers(nice) as (b,):
        yield b


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


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its descendants, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in [pid, *descendants(pid)]:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


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
