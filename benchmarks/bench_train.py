"""Training speed of the core engine (prints figures; not a test).

1. Bare target-network step (finetune, same target and batch) as the baseline unit.
2. HNET step cost as previous tasks accumulate (10 permuted-digits tasks): the output regularizer
   evaluates all previous embeddings in ONE batched hypernet forward, so ms/step should stay
   nearly flat (target: last task ≤ 1.5× the first).
3. A full 5-task Split Digits HNET run with the default chunked hypernetwork (target: well
   under 20 s on 2 cores).
4. Adam on the Permuted Digits preset's trainable tensors: fused (what `make_optimizer` builds)
   against foreach, alternating A B A B.
5. (--tradeoff) The Permuted Digits preset trained in full with reg_tasks = 0 (all previous
   tasks every step), 1 (the preset) and 2 (a deterministic cycle): accuracy, forgetting and
   training ms/step (evaluation excluded) of each.

Usage: python benchmarks/bench_train.py [--iters 200] [--tradeoff]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hnviz.core.presets import default_config  # noqa: E402
from hnviz.core.trainer import Trainer, make_optimizer  # noqa: E402


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
    ap.add_argument("--tradeoff", action="store_true",
                    help="only part 5: accuracy and time of the regularized subset (~1-2 min)")
    a = ap.parse_args()
    if a.tradeoff:
        reg_tasks_tradeoff()
        return

    base = default_config("permuted-digits", "finetune").replace(
        train={"iters_per_task": a.iters, "eval_every": 10**6})
    bare = ms_per_step_by_task(base.replace(task={"n_tasks": 3}))
    bare_ms = sum(bare) / len(bare)
    print(f"bare target step (finetune, permuted-digits target): {bare_ms:.3f} ms/step")

    hnet_cfg = default_config("permuted-digits", "hnet").replace(
        train={"iters_per_task": a.iters, "eval_every": 10**6})
    subset = ms_per_step_by_task(hnet_cfg)  # the preset: a cycle of reg_tasks previous tasks
    all_prev = ms_per_step_by_task(hnet_cfg.replace(train={"reg_tasks": 0}))
    print("HNET ms/step by task (task t has t-1 previous tasks), permuted-digits preset:")
    k = hnet_cfg.train.reg_tasks
    print(f"           all previous (reg_tasks=0)  reg_tasks={k} (preset; a cycle of {k} previous)")
    for t, (a, b) in enumerate(zip(all_prev, subset, strict=True)):
        print(f"  task {t + 1:2d}: {a:6.3f} ms ({a / bare_ms:4.2f}× bare)      "
              f"{b:6.3f} ms ({b / bare_ms:4.2f}× bare)")
    print(f"last/first ratio: all previous {all_prev[-1] / all_prev[0]:.2f}, "
          f"reg_tasks={k} {subset[-1] / subset[0]:.2f}  (target ≤ 1.5)")

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

    adam_fused_vs_foreach()


def adam_fused_vs_foreach(steps: int = 1000, repeats: int = 3) -> None:
    tr = Trainer(default_config("permuted-digits", "hnet"))
    params = tr.method.trainable(0)
    for p in params:
        p.grad = torch.randn_like(p)
    n = sum(p.numel() for p in params)
    times: dict[str, list[float]] = {"fused": [], "foreach": []}
    for _ in range(repeats):
        for kind in times:
            opt = (make_optimizer(params, 1e-3) if kind == "fused"
                   else torch.optim.Adam(params, lr=1e-3, foreach=True))
            assert kind != "fused" or opt.param_groups[0]["fused"]
            opt.step()
            t0 = time.perf_counter()
            for _ in range(steps):
                opt.step()
            times[kind].append(1000 * (time.perf_counter() - t0) / steps)
    f, e = min(times["fused"]), min(times["foreach"])
    print(f"Adam step on the permuted-digits preset's {n} trainable weights: fused {f:.3f} ms, "
          f"foreach {e:.3f} ms (best of {repeats}; foreach/fused {e / f:.1f}×)")


def reg_tasks_tradeoff(values: tuple[int, ...] = (0, 1, 2)) -> None:
    from hnviz.analysis.summary import run_summary

    base = default_config("permuted-digits", "hnet")
    print(f"Permuted Digits preset ({base.task.n_tasks or 10} tasks × "
          f"{base.train.iters_per_task} steps), previous tasks regularized per step:")
    for k in values:
        tr = Trainer(base.replace(train={"reg_tasks": k}))
        tr.run(chunk=1000)
        s = run_summary(tr, tr.history["wall_s"])
        by_task = s["ms_per_step_by_task"]
        label = "all" if k == 0 else f"{k} (cycle)"
        print(f"  reg_tasks={k} [{label:9s}]: mean final acc {100 * s['mean_final']:.1f}%, "
              f"forgetting {100 * s['forgetting']:.2f} points, {s['ms_per_step']:.2f} ms/step "
              f"(task 1 {by_task[0]:.2f} → task 10 {by_task[-1]:.2f})")


if __name__ == "__main__":
    main()
