"""Benchmark: the Task inference page in the browser against the same views computed by the
library, in the same run (prints figures; not a test).

Browser (the real app, headless Chromium): one click trains HNET+R on Split Digits in CL3 (the
page's own button, 300 steps per task, in a worker process); then
  - done → drawn: from the moment the page shows "5/5 tasks done" until the app is idle with the
    confusion and replay charts for the final state (the views of the finished run are computed
    then: one input, the confusion over every seen task's test set, the replay samples);
  - a new test input: the page opened at `?task=T&input=I` for inputs not shown before (a fresh
    page load of the same user; the confusion and replay views are cached per run version, the
    input's view is computed), against a bare Streamlit page and the same run's Forgetting page
    loaded the same way.
Library: the same config trained in this process, then `input_view`, `confusion` and
`replay_samples` timed directly (what the page computes).

Run: `PYTHONPATH=. .venv/bin/python benchmarks/bench_task_inference_page.py`.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._app import app, bare_app, browser, load_time, new_page  # noqa: E402
from tests.e2e.helpers import wait_for_app  # noqa: E402

INPUTS = [(1, 3), (2, 7), (3, 11), (4, 5)]
CHARTS_JS = "n => document.querySelectorAll('.js-plotly-plot').length >= n"


def library() -> dict[str, float]:
    """Seconds of each view computed directly on an identically configured run."""
    from hnviz.analysis import task_inference as inference
    from hnviz.core.trainer import Trainer
    from hnviz.ui.task_inference.layout import quick_config

    tr = Trainer(quick_config("hnet-replay"))
    tr.run(1000)
    out = {}
    t0 = time.perf_counter()
    inference.confusion(tr)
    out["confusion"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    inference.replay_samples(tr, 8)
    out["replay"] = time.perf_counter() - t0
    times = []
    for task, index in INPUTS:
        t0 = time.perf_counter()
        inference.input_view(tr, task, index)
        times.append(time.perf_counter() - t0)
    out["input"] = statistics.median(times)
    return out


def main() -> None:
    lib = library()
    with bare_app() as bare_url, browser() as b:
        page = new_page(b)
        bare = statistics.median(load_time(page, bare_url) for _ in range(3))
    with app() as (url, _pid), browser() as b:
        page = new_page(b)
        load_time(page, f"{url}/Task_inference")
        page.get_by_role("button", name="Train HNET+R on Split Digits in CL3").click()
        page.get_by_text("5/5 tasks done").first.wait_for(timeout=300_000)
        t0 = time.perf_counter()
        wait_for_app(page, timeout=120_000, settle_ms=200)
        page.wait_for_function(CHARTS_JS, arg=5, timeout=60_000)
        drawn = time.perf_counter() - t0
        run = page.url.split("run=")[1].split("&")[0]
        def fresh(path: str, charts: int) -> float:
            p = page.context.new_page()  # the same user (cookie): the run is theirs
            t0 = time.perf_counter()
            p.goto(f"{url}/{path}", wait_until="domcontentloaded")
            wait_for_app(p, timeout=120_000, settle_ms=0)
            p.wait_for_function(CHARTS_JS, arg=charts, timeout=60_000)
            dt = time.perf_counter() - t0
            p.close()
            return dt

        forgetting = statistics.median(fresh(f"Forgetting?run={run}", 2) for _ in range(3))
        loads = []
        for task, index in INPUTS:
            loads.append(fresh(f"Task_inference?run={run}&task={task}&input={index}", 5))
    page_load = statistics.median(loads)
    print(f"Task inference page, HNET+R on Split Digits in CL3 (5 tasks, 300 steps each); "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"library: one input {1000 * lib['input']:.1f} ms, confusion "
          f"{1000 * lib['confusion']:.1f} ms, replay samples {1000 * lib['replay']:.1f} ms "
          f"(sum {1000 * sum(lib.values()):.1f} ms)")
    print(f"browser: from '5/5 tasks done' shown to every view of the final state drawn "
          f"{drawn:.2f} s")
    print(f"browser: a new test input, fresh page load {page_load:.2f} s (median of "
          f"{len(loads)}: {', '.join(f'{x:.2f}' for x in loads)}) vs a bare Streamlit page "
          f"{bare:.2f} s = {page_load / bare:.2f}x, the same run's Forgetting page "
          f"{forgetting:.2f} s = {page_load / forgetting:.2f}x")


if __name__ == "__main__":
    main()
