"""Training speed of the core engine (prints figures; not a test).

1. Bare target-network step (finetune, same target and batch) as the baseline unit.
2. HNET step cost as previous tasks accumulate (10 permuted-digits tasks): the output regularizer
   evaluates all previous embeddings in ONE batched hypernet forward, so ms/step should stay
   nearly flat (target: last task ≤ 1.5× the first).
3. A full 5-task Split Digits HNET run with the default chunked hypernetwork (target: well
   under 20 s on 2 cores).

Usage: python benchmarks/bench_train.py [--iters 200]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hnviz.core.presets import default_config  # noqa: E402
from hnviz.core.trainer import Trainer  # noqa: E402


def ms_per_step_by_task(cfg) -> list[float]:
    tr = Trainer(cfg)
    out = []
    for _ in range(tr.n_tasks):
        tr.advance(10)  # warm-up inside the task (begin_task, optimizer state)
        t0 = time.perf_counter()
        tr.advance(tr.iters - 10)
        out.append(1000 * (time.perf_counter() - t0) / (tr.iters - 10))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=200, help="iters per task for parts 1-2")
    a = ap.parse_args()

    base = default_config("permuted-digits", "finetune").replace(
        train={"iters_per_task": a.iters, "eval_every": 10**9})
    bare = ms_per_step_by_task(base.replace(task={"n_tasks": 3}))
    bare_ms = sum(bare) / len(bare)
    print(f"bare target step (finetune, permuted-digits target): {bare_ms:.3f} ms/step")

    hnet_cfg = default_config("permuted-digits", "hnet").replace(
        train={"iters_per_task": a.iters, "eval_every": 10**9})
    subset = ms_per_step_by_task(hnet_cfg)  # the preset: reg_tasks=1
    all_prev = ms_per_step_by_task(hnet_cfg.replace(train={"reg_tasks": 0}))
    print("HNET ms/step by task (task t has t-1 previous tasks), permuted-digits preset:")
    print("           all previous (reg_tasks=0)  reg_tasks=1 (preset; one random previous task)")
    for t, (a, b) in enumerate(zip(all_prev, subset, strict=True)):
        print(f"  task {t + 1:2d}: {a:6.3f} ms ({a / bare_ms:4.2f}× bare)      "
              f"{b:6.3f} ms ({b / bare_ms:4.2f}× bare)")
    print(f"last/first ratio: all previous {all_prev[-1] / all_prev[0]:.2f}, "
          f"reg_tasks=1 {subset[-1] / subset[0]:.2f}  (target ≤ 1.5)")

    cfg = default_config("split-digits", "hnet")
    tr = Trainer(cfg)
    t0 = time.perf_counter()
    tr.run(chunk=500)
    wall = time.perf_counter() - t0
    s = tr.summary()
    print(f"split-digits HNET full run ({tr.n_tasks} tasks × {cfg.train.iters_per_task} iters, "
          f"{cfg.hnet.kind} hnet): {wall:.2f} s, {1000 * wall / tr.total_steps:.3f} ms/step "
          f"({1000 * wall / tr.total_steps / bare_ms:.2f}× bare); mean final acc "
          f"{s['mean_final']:.4f}, forgetting {100 * s['forgetting']:.2f} points  (target < 20 s)")


if __name__ == "__main__":
    main()
