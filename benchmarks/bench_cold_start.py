"""The first ▶ after a server start, measured in the browser (prints figures).

For each trial: a fresh `streamlit run app.py` (two worker processes, an empty runs folder) and a
fresh browser. The lecture's live step is opened directly (`/Lecture?step=3`, the page a lecturer
opens first), ▶ Train both is pressed as soon as the page has drawn, and the page's two step
counters ("Overall: step N / M") are watched in the page (a MutationObserver):

    server     `streamlit run` until /_stcore/health answers
    page       navigation until the first script run has finished (the page is drawn)
    progress   the click's dispatch until both counters show a step > 0 (what the lecturer
               waits for), on the page's clock

The same is then measured on the same server, warm, in a new browser context (a second lecturer,
or the page reloaded): the baseline the cold figure is compared with. Then the Train page's ▶ Play
on a cold server the same way (its one counter). Goal (issue 21): the cold first ▶ shows progress
within 1 s of a fresh page.

Usage: PYTHONPATH=. .venv/bin/python benchmarks/bench_cold_start.py [--trials N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from _app import app, browser, new_page, wait_for_app

STEP_RE = re.compile(r"Overall: step ([\d,]+) / ([\d,]+)")
_COUNTERS_JS = """() => [...document.querySelectorAll('[data-testid="stProgress"]')]
  .map(e => e.innerText).filter(t => t.includes('Overall: step'))"""


def counters(page) -> list[tuple[int, int]]:
    """Every "Overall: step N / M" on the page, as (N, M)."""
    return [(int(m.group(1).replace(",", "")), int(m.group(2).replace(",", "")))
            for t in page.evaluate(_COUNTERS_JS) if (m := STEP_RE.search(t))]


# Installed before the click: the page's own clock at the click's dispatch (a capture-phase
# listener) and at the first DOM change after which `n` counters show a run in progress (a
# MutationObserver). Timing in the page excludes what Playwright's click() adds around the
# dispatch (its actionability checks took 0.2-1.2 s here) and the polling interval.
_WATCH_JS = """(n) => {
  window.__hnviz = {click: null, progress: null};
  document.addEventListener('click', () => {
    if (window.__hnviz.click === null) window.__hnviz.click = performance.now(); }, true);
  const re = /Overall: step ([\\d,]+) \\/ ([\\d,]+)/;
  const check = () => {
    if (window.__hnviz.progress !== null || window.__hnviz.click === null) return;
    const c = [...document.querySelectorAll('[data-testid="stProgress"]')]
      .map(e => re.exec(e.innerText)).filter(m => m)
      .map(m => [+m[1].replace(/,/g, ''), +m[2].replace(/,/g, '')]);
    if (c.length >= n && c.slice(0, n).every(([s, m]) => 0 < s && s < m))
      window.__hnviz.progress = performance.now();
  };
  new MutationObserver(check).observe(document.body,
    {subtree: true, childList: true, characterData: true});
}"""


def press_and_wait(page, button: str, n_counters: int, timeout_s: float = 120.0) -> float:
    """Click `button`; seconds from the click's dispatch in the page until `n_counters`
    counters show a run in progress (0 < N < M; the Train page shows no counter for a finished
    demo, the lecture step 0 before ▶), both on the page's clock."""
    page.evaluate(_WATCH_JS, n_counters)
    page.get_by_role("button", name=re.compile(button)).first.click()
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout_s:
        got = page.evaluate("() => window.__hnviz")
        if got["progress"] is not None and got["click"] is not None:
            return (got["progress"] - got["click"]) / 1000
        page.wait_for_timeout(50)
    raise RuntimeError(f"no progress within {timeout_s:.0f} s (counters {counters(page)})")


def open_page(b, url: str) -> tuple[object, float]:
    page = new_page(b, 1280, 720)
    t0 = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded", timeout=120_000)
    wait_for_app(page, timeout=120_000, settle_ms=0)
    return page, time.perf_counter() - t0


def trial(b) -> dict[str, float]:
    out = {}
    t0 = time.perf_counter()
    with app() as (url, _pid):
        out["server"] = time.perf_counter() - t0
        page, out["page"] = open_page(b, f"{url}/Lecture?step=3")
        out["progress"] = press_and_wait(page, "Train both", 2)
        page.context.close()
        time.sleep(3)  # the pair trains on; a second visitor arrives
        page, out["warm page"] = open_page(b, f"{url}/Lecture?step=3")
        out["warm progress"] = press_and_wait(page, "Train both", 2)
        page.context.close()
    t0 = time.perf_counter()
    with app() as (url, _pid):
        page, out["train page"] = open_page(b, f"{url}/Train")
        out["train progress"] = press_and_wait(page, "Play", 1)
        page.context.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=3)
    args = ap.parse_args()
    rows = []
    with browser() as b:
        for i in range(args.trials):
            r = trial(b)
            rows.append(r)
            print(f"trial {i + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in r.items()),
                  flush=True)
    print("\nmedian over trials (shared 2-core machine; other jobs running):")
    for k in rows[0]:
        vals = [r[k] for r in rows]
        print(f"  {k:15s} {statistics.median(vals):6.2f} s   (min {min(vals):.2f}, "
              f"max {max(vals):.2f})")
    cold = statistics.median(r["progress"] for r in rows)
    warm = statistics.median(r["warm progress"] for r in rows)
    print(f"  cold / warm first progress: {cold / warm:.2f}×")


if __name__ == "__main__":
    main()
