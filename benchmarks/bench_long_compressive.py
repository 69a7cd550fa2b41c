"""Long sequences in the compressive regime (the paper's abstract: "long memory lifetimes are
achieved in a compressive regime"): HNET on a permuted benchmark with 100 tasks, from the
benchmark's long-sequence preset (`Benchmark.long`, what `python -m hnviz train --benchmark
permuted-digits --n-tasks 100 --method hnet` uses), whose hypernetwork is SMALLER than its
target (compression ratio = hypernet parameters incl. every task and chunk embedding / target
parameters ≤ 1).

Prints the mean final accuracy over all tasks, forgetting, the compression ratio, the wall time
(training and evaluation apart) and whether the cost is flat in the number of tasks:

- the step time of the last task against task 2 (the first that regularizes a previous task)
  and against task k + 1 (with `reg_tasks` = k, the first that regularizes k tasks' worth),
  measured after the run by timing training steps of tasks 1, 2 and T alternately (A B C A B C,
  same process, so load on a shared machine hits all three alike) and during the run as each
  task's mean step time;
- the evaluation time per task in the run: a row of R after task i costs task i and i+1, and
  every seen task only every ⌈T/10⌉ tasks (`evaluation.py`), so its mean stays O(T) per task.

Prints figures; not a test. Usage (any preset field can be overridden, e.g. for the frontier):
    python benchmarks/bench_long_compressive.py [--benchmark permuted-digits] [--n-tasks 100]
        [--iters N] [--seed 0] [--beta B] [--reg-tasks K] [--reg-choice cycle|random|chunks]
        [--hnet-hidden 64,64] [--chunk-size C] [--target-hidden 256,256] [--lr LR]
        [--data-root DIR] [--rounds 4] [--steps 50]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hnviz.core.config import REG_CHOICES  # noqa: E402
from hnviz.core.evaluation import full_row  # noqa: E402
from hnviz.core.limits import HARD  # noqa: E402
from hnviz.core.presets import default_config  # noqa: E402
from hnviz.core.sizes import param_counts  # noqa: E402
from hnviz.core.trainer import Trainer  # noqa: E402


def _ints(s: str) -> tuple[int, ...]:
    return tuple(int(v) for v in s.split(",") if v.strip())


def train_timed(tr: Trainer) -> tuple[list[float], list[float]]:
    """Train to the end: (mean seconds per training step of every task, its last step not
    counted; seconds of each task's last step with its evaluation, the row of R)."""
    per_step, per_eval = [], []
    while not tr.done:
        t0 = time.perf_counter()
        tr.advance(tr.iters - 1)  # eval_every = iters: no evaluation in here
        per_step.append((time.perf_counter() - t0) / max(1, tr.iters - 1))
        t0 = time.perf_counter()
        tr.advance(1)  # the task's last step, its evaluation (row of R)
        per_eval.append(time.perf_counter() - t0)
    return per_step, per_eval


def step_seconds(tr: Trainer, t: int, steps: int) -> float:
    """Seconds per training step of task t on the finished run (its weights change; only the
    time is kept): what a step of task t costs with t previous tasks to draw from."""
    tr.task, tr.step_in_task, tr.opt = t, 0, None
    tr._begin_task()  # the snapshot of tasks < t and a fresh optimizer, as in the run
    t0 = time.perf_counter()
    for s in range(steps):
        tr.step_in_task = s
        tr._step()
    return (time.perf_counter() - t0) / steps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--benchmark", default="permuted-digits")
    ap.add_argument("--n-tasks", type=int, default=100)
    ap.add_argument("--iters", type=int, help="training steps per task (default: the preset's)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--beta", type=float)
    ap.add_argument("--lr", type=float)
    ap.add_argument("--reg-tasks", type=int)
    ap.add_argument("--reg-choice", choices=REG_CHOICES)
    ap.add_argument("--hnet-hidden", type=_ints)
    ap.add_argument("--chunk-size", type=int)
    ap.add_argument("--emb-dim", type=int)
    ap.add_argument("--target-hidden", type=_ints)
    ap.add_argument("--data-root")
    ap.add_argument("--rounds", type=int, default=4, help="A B C rounds of the step timing")
    ap.add_argument("--steps", type=int, default=50, help="steps per timing round")
    a = ap.parse_args()
    cfg = default_config(a.benchmark, "hnet", n_tasks=a.n_tasks)
    train = {k: v for k, v in {"iters_per_task": a.iters, "beta": a.beta, "lr": a.lr,
                               "reg_tasks": a.reg_tasks, "reg_choice": a.reg_choice}.items()
             if v is not None}
    iters = train.get("iters_per_task", cfg.train.iters_per_task)
    hnet = {k: v for k, v in {"hidden": a.hnet_hidden, "chunk_size": a.chunk_size,
                              "emb_dim": a.emb_dim}.items() if v is not None}
    cfg = cfg.replace(task={"seed": a.seed, **({"data_root": a.data_root} if a.data_root
                                              else {})},
                      train={**train, "seed": a.seed, "eval_every": iters}, hnet=hnet,
                      target={"hidden": a.target_hidden} if a.target_hidden else {})
    pc = param_counts(cfg)
    tr_cfg, h = cfg.train, cfg.hnet
    print(f"HNET on {a.benchmark}: {a.n_tasks} tasks × {tr_cfg.iters_per_task} steps, "
          f"β={tr_cfg.beta:g}, lr={tr_cfg.lr:g}, {tr_cfg.reg_tasks or 'all'} previous tasks "
          f"per step ({tr_cfg.reg_choice}), target {list(cfg.target.hidden)}, hnet "
          f"{h.kind} {list(h.hidden)}, chunks of {h.chunk_size}, seed {a.seed}")
    print(f"target {pc.target:,} weights, hypernet {pc.hnet:,} (incl. {a.n_tasks} task and "
          f"{pc.chunks} chunk embeddings): compression ratio {pc.compression:.3f}"
          + ("  (compressive regime)" if pc.compression <= 1 else "  (NOT compressive)"))
    tr = Trainer(cfg, limits=HARD)
    t0 = time.perf_counter()
    per_step, per_eval = train_timed(tr)
    wall = time.perf_counter() - t0
    if tr.error:
        print(f"error: {tr.error}")
        return
    s = tr.summary()
    R = tr.history["R"]
    during = [R[j][j] for j in range(len(R))]
    timing = tr.history["timing"]
    print(f"mean final accuracy over all {a.n_tasks} tasks: {s['mean_final']:.4f}   "
          f"(right after training each task: {statistics.mean(during):.4f})")
    print(f"forgetting: {s['forgetting']:.4f}   BWT: {s['bwt']:+.4f}   "
          f"first task at the end: {R[-1][0]:.4f} (right after it: {R[0][0]:.4f})")
    print(f"whole run: {wall:.1f} s (training {timing['train_s']:.1f} s, evaluation "
          f"{timing['eval_s']:.1f} s); mean step time in the run: task 2 "
          f"{1e3 * per_step[min(1, len(per_step) - 1)]:.2f} ms, task {len(per_step)} "
          f"{1e3 * per_step[-1]:.2f} ms")
    T = len(per_eval)
    full = [per_eval[i] for i in range(T) if full_row(i, T)]
    sparse = [per_eval[i] for i in range(T) if not full_row(i, T)]
    print(f"evaluation at a task's end: {1e3 * statistics.mean(sparse or [math.nan]):.1f} ms "
          f"(tasks i and i+1), {1e3 * statistics.mean(full):.1f} ms on the {len(full)} full "
          f"rows (every seen task); mean {1e3 * statistics.mean(per_eval):.1f} ms per task")
    # tasks 1, 2, k + 1 (the first whose step regularizes k of its previous tasks; before it
    # a step regularizes all t < k of them, so it is cheaper) and T
    k = tr_cfg.reg_tasks
    shown = sorted({0, min(1, a.n_tasks - 1), *([k] if 1 < k < a.n_tasks - 1 else []),
                    a.n_tasks - 1})
    times: dict[int, list[float]] = {t: [] for t in shown}
    for _ in range(a.rounds):  # A B C A B C
        for t in times:
            times[t].append(step_seconds(tr, t, a.steps))
    med = {t: statistics.median(v) for t, v in times.items()}
    last = shown[-1]
    print(f"step time, alternated ({a.rounds} rounds of {a.steps} steps): "
          + ", ".join(f"task {t + 1} {1e3 * m:.2f} ms" for t, m in med.items()))
    print(f"task {last + 1} / task 2 = {med[last] / med[shown[1]]:.2f}   (task {last + 1} / "
          f"task 1 = {med[last] / med[0]:.2f})")
    if k in med and k != last:
        print(f"task {last + 1} / task {k + 1} (both regularize {k} previous tasks' worth) = "
              f"{med[last] / med[k]:.2f}")


if __name__ == "__main__":
    main()
