"""Sweep throughput through Dask against the default local pool, and the scheduler's cost per run.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_sweep_dask.py [--runs 16] [--iters 200]

1. Throughput: the same grid (1-D toy, --runs runs of --iters iterations per task, no lookahead)
   with 1, 2 and 4 workers, on the local backend (worker processes) and on a Dask LocalCluster
   of as many worker processes, alternating local / dask --repeats times (median shown). Wall
   time is `run_sweep` end to end, including starting the workers (each imports torch) and
   writing every run file and the manifest: what a user waits for. Printed as runs per minute.
2. Overhead per run: near-empty runs (one task, one iteration) through each backend on one
   warm worker (started and given one run first, so start-up is excluded): wall time / runs.
   inline = the same work in this process (no transport at all); dask − inline is what going
   through the scheduler costs per run (submit, schedule, log events, result back).

Figures are noisy on a shared machine; compare the columns of one run, not across runs.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

from hnviz.core.presets import default_config
from hnviz.sweeps import make_grid, run_sweep
from hnviz.sweeps.backends import Finished, Job, Lost, open_backend


def timed(grid, backend: str, jobs: int, tmp: str, tag: str) -> float:
    t0 = time.perf_counter()
    m = run_sweep(grid, os.path.join(tmp, tag), backend=backend, jobs=jobs, progress=False,
                  grid_points=20)
    wall = time.perf_counter() - t0
    assert m["counts"]["ok"] == len(m["runs"]), m["counts"]
    return wall


def per_run(backend: str, cfg: dict, n: int) -> float:
    """Seconds per near-empty run through `backend` on one warm worker."""
    be = open_backend(backend, 1)
    try:
        drain(be, [Job(0, cfg, 2)])  # start the worker and warm it up
        t0 = time.perf_counter()
        drain(be, [Job(i, cfg, 2) for i in range(1, n + 1)])
        return (time.perf_counter() - t0) / n
    finally:
        be.close()


def drain(be, jobs: list[Job]) -> None:
    for job in jobs:
        be.submit(job)
    pending = {job.id for job in jobs}
    while pending:
        for ev in be.poll(0.5):
            if isinstance(ev, Lost):
                raise RuntimeError(ev.reason)
            if isinstance(ev, Finished):
                pending.discard(ev.id)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=16, help="runs in the throughput grid")
    p.add_argument("--iters", type=int, default=200, help="iterations per task (3 tasks)")
    p.add_argument("--workers", default="1,2,4")
    p.add_argument("--repeats", type=int, default=2, help="A B pairs per worker count")
    p.add_argument("--empty", type=int, default=100, help="near-empty runs per overhead pass")
    a = p.parse_args()
    try:
        import distributed  # noqa: F401
    except ImportError:  # `make bench` installs requirements.txt only
        print("bench_sweep_dask: skipped, needs dask[distributed] (requirements-dev.txt)")
        return
    base = default_config("regression1d", "hnet").replace(
        train={"iters_per_task": a.iters, "lookahead": False})
    grid = make_grid([base], {"beta": list(np.round(np.logspace(-4, 0, a.runs), 8))})
    print(f"throughput: {a.runs} runs × 3 tasks × {a.iters} iters (1-D toy), "
          f"{os.cpu_count()} cores, median of {a.repeats} (local, dask) pairs; wall time "
          "includes starting the workers")
    print(f"{'workers':>7} | {'local s':>8} {'runs/min':>8} | {'dask s':>8} {'runs/min':>8} | "
          "dask/local throughput")
    with tempfile.TemporaryDirectory() as tmp:
        for w in (int(x) for x in a.workers.split(",")):
            walls: dict[str, list[float]] = {"local": [], "dask": []}
            for r in range(a.repeats):
                for backend in walls:
                    walls[backend].append(timed(grid, backend, w, tmp, f"{backend}{w}-{r}"))
            local, dask = (float(np.median(walls[b])) for b in ("local", "dask"))
            print(f"{w:>7} | {local:8.1f} {60 * a.runs / local:8.1f} | {dask:8.1f} "
                  f"{60 * a.runs / dask:8.1f} | {local / dask:6.2f}x")

    empty = default_config("regression1d", "hnet").replace(
        task={"n_tasks": 1}, train={"iters_per_task": 1, "eval_every": 1}).to_dict()
    print(f"\noverhead: {a.empty} near-empty runs (1 task, 1 iteration) on one warm worker, "
          f"median of {a.repeats} alternating passes")
    costs: dict[str, list[float]] = {"inline": [], "local": [], "dask": []}
    for _ in range(a.repeats):
        for backend in costs:
            costs[backend].append(per_run(backend, empty, a.empty))
    med = {b: float(np.median(v)) for b, v in costs.items()}
    for b, v in med.items():
        print(f"  {b:>6}: {1000 * v:7.1f} ms per run")
    print(f"going through the dask scheduler adds {1000 * (med['dask'] - med['inline']):.1f} ms "
          f"per run (the local pool {1000 * (med['local'] - med['inline']):.1f} ms)")


if __name__ == "__main__":
    main()
