"""Benchmark: batched landscape evaluation vs one network at a time.

A 64×64 grid over the 2-D embedding plane of a Split Digits HNET run = 4,096 generated networks,
each scored on every task's test set (5 tasks, ~360 digits). Batched:

    hnet(grid [G², 2]) -> W [G², P] -> targets.forward(target, W, x_test_all) -> [G², B, heads·2]

in memory-bounded chunks. The loop generates and runs one network per task at a time; it is timed on
a subset of the grid (LOOP_SAMPLE networks, checked equal to the batched values) and scaled up.
Prints figures, asserts nothing about time. Run: `PYTHONPATH=. .venv/bin/python benchmarks/bench_landscape.py`.
"""

from __future__ import annotations

import os
import time

import numpy as np

from hnviz.analysis.generated import evaluate_embeddings, evaluate_embeddings_loop
from hnviz.analysis.landscape import compute_landscape
from hnviz.core.presets import default_config
from hnviz.core.threads import threads
from hnviz.core.trainer import Trainer

RES = 64
LOOP_SAMPLE = 128
ITERS_PER_TASK = 100  # a short run: the timing does not depend on how well it is trained


def train_run() -> Trainer:
    cfg = default_config("split-digits", "hnet").replace(
        hnet={"emb_dim": 2}, train={"iters_per_task": ITERS_PER_TASK, "eval_every": 50})
    tr = Trainer(cfg)
    t0 = time.perf_counter()
    tr.run(200)
    print(f"trained split-digits hnet (emb_dim=2, {tr.total_steps} steps) in "
          f"{time.perf_counter() - t0:.1f} s; final accuracies "
          f"{', '.join(f'{a:.2f}' for a in tr.history['R'][-1])}")
    return tr


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    tr = train_run()
    print(f"target params P = {tr.target_params:,}; hnet kind = {tr.cfg.hnet.kind}; "
          f"cores = {os.cpu_count()}; load average = {os.getloadavg()[0]:.1f}")
    land = compute_landscape(tr, RES)
    grid = land.grid_embeddings()  # [4096, 2]
    sample = grid[np.random.default_rng(0).choice(len(grid), LOOP_SAMPLE, replace=False)]
    np.testing.assert_allclose(evaluate_embeddings(tr, sample), evaluate_embeddings_loop(tr, sample),
                               rtol=1e-4, atol=1e-5)
    macs = sum(a * b for b, a in tr.target.linear_shapes)  # per input row
    rows = sum(tk.x_test.shape[0] for tk in tr.seq.tasks)
    gflop = 2 * macs * rows * len(grid) / 1e9
    print(f"target work: {gflop:.0f} GFLOP for the grid ({rows} test inputs x {macs:,} MACs each)")
    # evaluate_embeddings borrows all cores for a grid this big (hnviz.core.threads); the loop
    # gets the same threads so the ratio compares batching alone.
    batched = best_of(lambda: compute_landscape(tr, RES), 3)
    with threads(None):
        loop = best_of(lambda: evaluate_embeddings_loop(tr, sample), 1) * len(grid) / LOOP_SAMPLE
    print(f"{RES}x{RES} grid ({len(grid):,} networks x {tr.n_tasks} tasks, {os.cpu_count()} "
          f"threads): batched {batched * 1e3:6.0f} ms | loop {loop * 1e3:6.0f} ms (timed on "
          f"{LOOP_SAMPLE}, scaled) | ratio {loop / batched:5.1f}x | batched "
          f"{gflop / batched:.0f} GFLOP/s")

if __name__ == "__main__":
    main()
