"""Live training in the browser against the command line, in one run (prints figures).

1. CLI: `python -m hnviz train --json` for the toy (1-D regression), Split Digits and Permuted
   Digits presets;
   steps/s = steps / the run's training wall time.
2. Browser: the real app (`streamlit run app.py`) in headless Chromium; open the Train page with
   the same preset, press Play, and poll the page's "Overall: step N / M" text until the run is
   done. steps/s = steps / (time from the click to the page showing the last step), so the
   redraws and the browser round trips are included.
3. Responsiveness: Pause (click → Play shown again and the step counter frozen) and Step (click
   → the counter moved by one evaluation interval), each measured 3 times.
4. A fresh session's first page load (new browser context each time, after one warm-up load),
   against a bare Streamlit page (benchmarks/bare_page.py) served and loaded the same way in the
   same run: the part of a first load that is Streamlit's own.

Goals (issue 8): browser ≥ 0.7× the CLI's steps/s; the default toy run in the browser < 2× its
CLI wall time; Pause/Step ≈ one tick (0.3 s); a fresh first page < 1.5 s.

Usage: PYTHONPATH=. .venv/bin/python benchmarks/bench_live.py [--quick]
(--quick: 400 iterations per task instead of the presets' 4000 / 1000.)
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from _app import ROOT, app, bare_app, browser, click, load_time, new_page, shown_step, wait_button

BENCHES = {"regression1d": "toy (1-D regression)", "split-digits": "Split Digits",
           "permuted-digits": "Permuted Digits"}


def cli_run(benchmark: str, iters: int | None) -> dict:
    argv = [sys.executable, "-m", "hnviz", "train", "--benchmark", benchmark, "--json", "--quiet"]
    if iters:
        argv += ["--iters", str(iters)]
    t0 = time.perf_counter()
    out = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=True)
    process_s = time.perf_counter() - t0
    s = json.loads(out.stdout.strip().splitlines()[-1])
    steps = sum(1 for _ in s["acc_matrix"]) * (iters or 0) or None
    return {"train_s": s["wall_s"], "process_s": process_s, "steps": steps, "summary": s}


def browser_run(page, url: str) -> dict:
    """Open the Train page at `url`, press Play, wait until the shown step reaches the total."""
    load_time(page, url)
    wait_button(page, "Play")
    before = shown_step(page)  # the page may show a finished demo run until Play starts ours
    click(page, "Play")
    t0 = time.perf_counter()
    seen, last, total, started = set(), None, None, False
    while True:
        cur = shown_step(page)
        started = started or (cur is not None and cur != before and cur[0] < cur[1])
        if cur is not None and started:
            last, total = cur
            seen.add(last)
            if last >= total:
                break
        if time.perf_counter() - t0 > 1800:
            raise RuntimeError(f"browser run did not finish in 30 min (at step {last})")
        page.wait_for_timeout(50)
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "steps": total, "redraws": len(seen)}


def pause_latency(page, url: str, repeats: int = 3) -> list[float]:
    out = []
    load_time(page, url)
    for i in range(repeats):
        stage = "Play shown"
        try:
            wait_button(page, "Play")
            click(page, "Play")
            stage = "Pause shown after Play"
            wait_button(page, "Pause")
            page.wait_for_timeout(1500)
            t0 = time.perf_counter()
            click(page, "Pause")
            stage = "Play shown after Pause"
            wait_button(page, "Play", timeout=60_000)
        except Exception as e:
            shot = ROOT / "test-artifacts" / f"bench_live_pause_{i}.png"
            shot.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(shot))
            raise RuntimeError(f"repeat {i + 1}: waiting for {stage} ({shot})") from e
        # frozen: the counter must not move for a second after Play is back
        while True:
            a = shown_step(page)
            page.wait_for_timeout(50)
            if shown_step(page) == a:
                break
        dt = time.perf_counter() - t0
        before = shown_step(page)
        page.wait_for_timeout(1000)
        if shown_step(page) != before:
            dt = float("inf")  # kept training after Pause
        out.append(dt)
    return out


def step_latency(page, url: str, repeats: int = 3) -> list[float]:
    out = []
    load_time(page, url)
    wait_button(page, "Step")
    for _ in range(repeats):
        before = shown_step(page)  # the first Step may replace a finished demo by a new run
        t0 = time.perf_counter()
        click(page, "Step")
        while True:
            cur = shown_step(page)
            if cur is not None and cur != before:
                break
            if time.perf_counter() - t0 > 60:
                raise RuntimeError("Step did not advance within 60 s")
            page.wait_for_timeout(20)
        out.append(time.perf_counter() - t0)
        page.wait_for_timeout(300)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="400 iterations per task")
    ap.add_argument("--worker-nice", type=int, default=None,
                    help="HNVIZ_WORKER_NICE for the app's training workers (default: the app's)")
    a = ap.parse_args()
    env = {} if a.worker_nice is None else {"HNVIZ_WORKER_NICE": str(a.worker_nice)}
    iters = 400 if a.quick else None
    q = f"&iters={iters}" if iters else ""

    cli = {b: cli_run(b, iters) for b in BENCHES}
    with app(env) as (url, _pid), bare_app() as bare_url, browser() as br:
        load_time(new_page(br), url + "/Train")  # warm-up: first import of everything
        load_time(new_page(br), bare_url)
        loads, train_loads, bare_loads = [], [], []
        for _ in range(4):  # alternated, so drift in the machine's load hits all three
            loads.append(load_time(new_page(br), url + "/"))
            train_loads.append(load_time(new_page(br), url + "/Train"))
            bare_loads.append(load_time(new_page(br), bare_url))
        med = {k: statistics.median(v) for k, v in
               (("home", loads), ("Train", train_loads), ("bare", bare_loads))}
        print("fresh session, first page load (s): home " + ", ".join(f"{x:.2f}" for x in loads)
              + f" (median {med['home']:.2f}); Train "
              + ", ".join(f"{x:.2f}" for x in train_loads)
              + f" (median {med['Train']:.2f}); bare Streamlit page "
              + ", ".join(f"{x:.2f}" for x in bare_loads)
              + f" (median {med['bare']:.2f}) -> home {med['home'] / med['bare']:.2f}x, "
              f"Train {med['Train'] / med['bare']:.2f}x the bare page", flush=True)
        print(f"{'':24s} {'CLI steps/s':>12s} {'browser steps/s':>16s} {'ratio':>6s}   "
              f"{'CLI wall':>9s} {'browser wall':>13s} {'ratio':>6s}  redraws", flush=True)
        for b, label in BENCHES.items():
            w = browser_run(new_page(br), f"{url}/Train?benchmark={b}{q}")
            c = cli[b]
            c_rate, w_rate = w["steps"] / c["train_s"], w["steps"] / w["wall_s"]
            print(f"{label:24s} {c_rate:12.0f} {w_rate:16.0f} {w_rate / c_rate:6.2f}   "
                  f"{c['train_s']:8.1f}s {w['wall_s']:12.1f}s {w['wall_s'] / c['train_s']:6.2f}"
                  f"  {w['redraws']}", flush=True)
        print("(CLI wall = its training loop; whole CLI processes incl. imports: "
              + ", ".join(f"{cli[b]['process_s']:.1f} s" for b in BENCHES) + ")")
        for what, fn in (("Pause → Play shown and counter frozen", pause_latency),
                         ("Step → counter moved", step_latency)):
            try:
                xs = fn(new_page(br), f"{url}/Train?benchmark=regression1d")
                print(f"{what} (s): " + ", ".join(f"{x:.2f}" for x in xs)
                      + f"   median {statistics.median(xs):.2f}", flush=True)
            except Exception as e:  # noqa: BLE001 - report, do not hide the other figures
                print(f"{what}: FAILED ({type(e).__name__}: {str(e).splitlines()[0]})")


if __name__ == "__main__":
    main()
