"""Sweep wall time: the 1-D toy, 12 β values × 3 seeds, in parallel worker processes
(`run_sweep`, all cores) against the same 36 runs one after another in this process.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_sweep.py [--iters 1000] [--jobs N]

Prints both wall times and their ratio. The parallel time includes starting the workers (each
imports torch), which is what a user waits for.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

from hnviz.core.presets import default_config
from hnviz.sweeps import make_grid, run_sweep
from hnviz.sweeps.one_run import train_point

BETAS = (0.0, *np.logspace(-4, 0, 11).round(6))  # 0 plus 11 log-spaced values 1e-4 .. 1
SEEDS = (0, 1, 2)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--iters", type=int, default=1000, help="iterations per task (preset 4000)")
    p.add_argument("--jobs", type=int, default=os.cpu_count())
    p.add_argument("--skip-sequential", action="store_true")
    a = p.parse_args()
    base = default_config("regression1d", "hnet").replace(
        train={"iters_per_task": a.iters, "lookahead": False})  # as the bundled sweeps
    n = len(BETAS) * len(SEEDS)
    print(f"1-D toy sweep: {len(BETAS)} β × {len(SEEDS)} seeds = {n} runs, "
          f"{a.iters} iters/task × 3 tasks, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        grid = make_grid([base], {"train.beta": BETAS}, SEEDS)
        m = run_sweep(grid, os.path.join(tmp, "par"), jobs=a.jobs, progress=False)
        par = time.perf_counter() - t0
        assert all(r["status"] == "ok" for r in m["runs"])
        print(f"parallel   ({a.jobs} workers): {par:7.1f} s")
        if a.skip_sequential:
            return
        t0 = time.perf_counter()
        for point in grid.points():  # trained here, then saved as the sweep's client does
            result = train_point(point.config.to_dict(), 200)
            assert result["record"]["status"] == "ok"
            path = os.path.join(tmp, point.file)
            with open(path, "wb") as f:
                f.write(result["run"])
        seq = time.perf_counter() - t0
        print(f"sequential (1 process):   {seq:7.1f} s")
        print(f"speed-up: {seq / par:.2f}x  ({1000 * seq / (n * 3 * a.iters):.3f} ms per "
              "training step incl. evaluation and saving)")


if __name__ == "__main__":
    main()
