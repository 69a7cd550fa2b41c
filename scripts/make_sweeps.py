"""Regenerate the bundled sweeps in assets/sweeps/ (the explorer's first-open content).

    PYTHONPATH=. .venv/bin/python scripts/make_sweeps.py [--only toy-hnet-beta,...] [--jobs N]

Each sweep is run with the normal sweep code (`hnviz.sweeps.run_sweep`) into runs/sweeps-build/
(resumable, gitignored); only its `sweep.json` is copied into assets/sweeps/<name>/: the manifest
carries every accuracy matrix and, for the 1-D toy, each task's generated function on a 200-point
grid, which is all the explorer needs. About 5 minutes on 2 cores.

Iterations are below the interactive presets so the whole set builds in minutes; they are recorded
in each manifest (`iters_per_task`) and shown in the app.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from hnviz.core.presets import default_config
from hnviz.sweeps import make_grid, run_sweep

ROOT = Path(__file__).resolve().parents[1]
SEEDS = (0, 1, 2)
TOY_ITERS = 1000  # preset 4000: 1000 already shows the whole trade-off (see docs/SWEEPS.md)
DIGITS_ITERS = 400  # preset 1000
TOY_BETAS = (0, 1e-4, 3e-4, 1e-3, 3e-3, 0.005, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
DIGITS_BETAS = (0, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100)
LAMBDAS = (0, 0.1, 1, 10, 100, 1e3, 1e4, 1e5, 1e6)
CS = (0, 1e-3, 1e-2, 0.1, 1, 10, 100, 1e3, 1e4)

# name -> (benchmark, method, param, values, iters per task)
SWEEPS = {
    "toy-hnet-beta": ("regression1d", "hnet", "beta", TOY_BETAS, TOY_ITERS),
    "toy-ewc-lambda": ("regression1d", "ewc", "ewc_lambda", LAMBDAS, TOY_ITERS),
    "toy-si-c": ("regression1d", "si", "si_c", CS, TOY_ITERS),
    "digits-hnet-beta": ("split-digits", "hnet", "beta", DIGITS_BETAS, DIGITS_ITERS),
    "digits-ewc-lambda": ("split-digits", "ewc", "ewc_lambda", LAMBDAS, DIGITS_ITERS),
    "digits-si-c": ("split-digits", "si", "si_c", CS, DIGITS_ITERS),
}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", help="comma-separated sweep names (default: all)")
    p.add_argument("--jobs", type=int, default=os.cpu_count())
    p.add_argument("--build", default=str(ROOT / "runs" / "sweeps-build"))
    a = p.parse_args()
    names = a.only.split(",") if a.only else list(SWEEPS)
    for name in names:
        bench, method, param, values, iters = SWEEPS[name]
        # Sweeps train without the paper's lookahead (the toy preset's Train-page default):
        # it costs ~1.7x per step and the bundled grids were built without it.
        base = default_config(bench, method).replace(
            train={"iters_per_task": iters, "lookahead": False})
        t0 = time.perf_counter()
        build = Path(a.build) / name
        m = run_sweep(make_grid([base], {f"train.{param}": values}, SEEDS), build,
                      jobs=a.jobs, name=name)
        dest = ROOT / "assets" / "sweeps" / name
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(build / "sweep.json", dest / "sweep.json")
        failed = sum(r["status"] != "ok" for r in m["runs"])
        print(f"{name}: {len(m['runs'])} runs ({failed} failed) in "
              f"{time.perf_counter() - t0:.0f} s -> {dest.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
