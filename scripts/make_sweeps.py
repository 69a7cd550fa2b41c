"""Regenerate the bundled sweeps in assets/sweeps/ (the explorer's first-open content).

    PYTHONPATH=. .venv/bin/python scripts/make_sweeps.py [--only toy-hnet-beta,...] [--jobs N]

Each sweep is run with the normal sweep code (`hnviz.sweeps.run_sweep`) into runs/sweeps-build/
(resumable, gitignored); only its `sweep.json` is copied into assets/sweeps/<name>/: the manifest
carries every accuracy matrix and, for the 1-D toy, each task's generated function on a 200-point
grid, which is all the explorer needs. About 20 minutes on 2 shared cores (toy-hnet-beta 227 s,
digits-hnet-beta 330 s, digits-compression 306 s).

Iterations are below the interactive presets so the whole set builds in minutes; they are recorded
in each manifest (`iters_per_task`) and shown in the app.

The compression pair (the lecture's compression step, hnviz.analysis.compression):
`digits-compression` trains HNET on Split Digits over chunk size × hidden widths of the
hypernetwork (16 sizes, compression ratios 0.16 to 8.1), `digits-baselines` fine-tuning and EWC
with the same budget and seeds, for the reference lines (~6 minutes together on 2 cores). They go
one folder deeper, assets/sweeps/compression/{hnet,baselines}/, so the β explorer (which lists
the sweeps directly under assets/sweeps/) does not offer them as strength sweeps:

    PYTHONPATH=. .venv/bin/python scripts/make_sweeps.py --only digits-compression,digits-baselines

The long-memory ratio sweep (the Paper page's Long memory view, issue 20): `long-compression`
trains HNET on Permuted Digits-100 from the long-sequence preset (`Benchmark.long`: its target,
chunks, β, 500 steps per task), with the hypernetwork's last hidden layer at 32, 64, 128 (the
preset) and 256 units: compression ratios 0.29, 0.51, 0.93 and 1.78, seed 0 only (each run is
10-15 minutes on one core). It is bundled beside the reproduction runs it is drawn against,
assets/paper/permuted-digits-100/ratio/sweep.json:

    PYTHONPATH=. .venv/bin/python scripts/make_sweeps.py --only long-compression --jobs 2
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

CHUNK_SIZES = (50, 200, 1000, 2000)  # Split Digits' target has 16,802 weights (one head)
HNET_HIDDEN = ((8, 8), (16, 16), (32, 32), (64, 64))

LONG_HIDDEN = ((64, 32), (64, 64), (64, 128), (64, 256))

# name -> (benchmark, methods, {config field: values} (their product), iters per task; None:
# the preset's)
SWEEPS = {
    "toy-hnet-beta": ("regression1d", ("hnet",), {"train.beta": TOY_BETAS}, TOY_ITERS),
    "toy-ewc-lambda": ("regression1d", ("ewc",), {"train.ewc_lambda": LAMBDAS}, TOY_ITERS),
    "toy-si-c": ("regression1d", ("si",), {"train.si_c": CS}, TOY_ITERS),
    "digits-hnet-beta": ("split-digits", ("hnet",), {"train.beta": DIGITS_BETAS}, DIGITS_ITERS),
    "digits-ewc-lambda": ("split-digits", ("ewc",), {"train.ewc_lambda": LAMBDAS},
                          DIGITS_ITERS),
    "digits-si-c": ("split-digits", ("si",), {"train.si_c": CS}, DIGITS_ITERS),
    "digits-compression": ("split-digits", ("hnet",),
                           {"hnet.chunk_size": CHUNK_SIZES, "hnet.hidden": HNET_HIDDEN},
                           DIGITS_ITERS),
    # the budget as the one (fixed) axis: fine-tuning has no strength to sweep
    "digits-baselines": ("split-digits", ("finetune", "ewc"),
                         {"train.iters_per_task": (DIGITS_ITERS,)}, DIGITS_ITERS),
    "long-compression": ("permuted-digits", ("hnet",), {"hnet.hidden": LONG_HIDDEN}, None),
}
# sweeps of a long sequence: the number of tasks (from the benchmark's long-sequence preset)
N_TASKS = {"long-compression": 100}
SWEEP_SEEDS = {"long-compression": (0,)}  # default: SEEDS


# where a sweep's manifest goes under assets/ (default: sweeps/<its name>)
DEST = {"digits-compression": "sweeps/compression/hnet",
        "digits-baselines": "sweeps/compression/baselines",
        "long-compression": "paper/permuted-digits-100/ratio"}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", help="comma-separated sweep names (default: all)")
    p.add_argument("--jobs", type=int, default=os.cpu_count())
    p.add_argument("--build", default=str(ROOT / "runs" / "sweeps-build"))
    a = p.parse_args()
    names = a.only.split(",") if a.only else list(SWEEPS)
    for name in names:
        bench, methods, params, iters = SWEEPS[name]
        # Sweeps train without the paper's lookahead (the toy preset's Train-page default):
        # it costs ~1.7x per step and the bundled grids were built without it.
        bases = [default_config(bench, m, n_tasks=N_TASKS.get(name)) for m in methods]
        train = {"lookahead": False} if iters is None else {"iters_per_task": iters,
                                                            "lookahead": False}
        bases = [b.replace(train=train) for b in bases]
        t0 = time.perf_counter()
        build = Path(a.build) / name
        m = run_sweep(make_grid(bases, params, SWEEP_SEEDS.get(name, SEEDS)), build,
                      jobs=a.jobs, name=name, progress=False)
        dest = ROOT / "assets" / DEST.get(name, f"sweeps/{name}")
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(build / "sweep.json", dest / "sweep.json")
        failed = sum(r["status"] != "ok" for r in m["runs"])
        print(f"{name}: {len(m['runs'])} runs ({failed} failed) in "
              f"{time.perf_counter() - t0:.0f} s -> {dest.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
