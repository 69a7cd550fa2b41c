"""Long sequences in the compressive regime (the paper's abstract: "long memory lifetimes are
achieved in a compressive regime"): HNET on Permuted Digits with 100 tasks and a hypernetwork
SMALLER than its target (compression ratio = hypernet parameters incl. every task and chunk
embedding / target parameters < 1).

Prints the mean final accuracy over all tasks, forgetting, the compression ratio, and the step
time of task 100 against task 1. The step cost stays flat because each step regularizes
`--reg-tasks` previous tasks in a deterministic cycle (every previous task once every
⌈t/k⌉ steps), not all of them: measured after the run by timing training steps of task 1 and of the last task
alternately (A B A B, same process), and during the run as each task's mean step time.

Prints figures; not a test. Runtime ~ n_tasks × iters × a few ms, plus evaluation. Usage:
    python benchmarks/bench_long_compressive.py [--n-tasks 100] [--iters 200] [--seed 0]
        [--hnet-hidden 50,50] [--chunk-size 200] [--reg-tasks 1] [--beta 0.2] [--rounds 4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hnviz.core.limits import LIBRARY  # noqa: E402
from hnviz.core.presets import default_config  # noqa: E402
from hnviz.core.sizes import param_counts  # noqa: E402
from hnviz.core.trainer import Trainer  # noqa: E402


def _ints(s: str) -> tuple[int, ...]:
    return tuple(int(v) for v in s.split(",") if v.strip())


def train_timed(tr: Trainer) -> list[float]:
    """Train to the end; the mean seconds per training step of every task (its last step, which
    evaluates, not counted)."""
    per_task = []
    while not tr.done:
        t0 = time.perf_counter()
        tr.advance(tr.iters - 1)  # eval_every = iters: no evaluation in here
        per_task.append((time.perf_counter() - t0) / max(1, tr.iters - 1))
        tr.advance(1)  # the task's last step, its evaluation (row of R)
    return per_task


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
    ap.add_argument("--n-tasks", type=int, default=100)
    ap.add_argument("--iters", type=int, default=200, help="training steps per task")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--hnet-hidden", type=_ints, default=(50, 50))
    ap.add_argument("--chunk-size", type=int, default=200)
    ap.add_argument("--reg-tasks", type=int, default=None,
                    help="previous tasks regularized per step (default: the preset's)")
    ap.add_argument("--beta", type=float, default=None, help="default: the preset's")
    ap.add_argument("--rounds", type=int, default=4, help="A B rounds of the step timing")
    ap.add_argument("--steps", type=int, default=50, help="steps per timing round")
    a = ap.parse_args()
    train = {"iters_per_task": a.iters, "eval_every": a.iters, "seed": a.seed}
    if a.reg_tasks is not None:
        train["reg_tasks"] = a.reg_tasks
    if a.beta is not None:
        train["beta"] = a.beta
    cfg = default_config("permuted-digits", "hnet").replace(
        task={"n_tasks": a.n_tasks, "seed": a.seed}, train=train,
        hnet={"hidden": a.hnet_hidden, "chunk_size": a.chunk_size})
    pc = param_counts(cfg)
    print(f"HNET on permuted-digits: {a.n_tasks} tasks × {a.iters} steps, β={cfg.train.beta:g}, "
          f"reg_tasks={cfg.train.reg_tasks}, hnet hidden {list(a.hnet_hidden)}, chunks of "
          f"{a.chunk_size}, seed {a.seed}")
    print(f"target {pc.target:,} parameters, hypernet {pc.hnet:,} (incl. {a.n_tasks} task and "
          f"{pc.chunks} chunk embeddings): compression ratio {pc.compression:.3f}"
          + ("  (compressive regime)" if pc.compression < 1 else "  (NOT compressive)"))
    tr = Trainer(cfg, limits=LIBRARY)
    t0 = time.perf_counter()
    per_task = train_timed(tr)
    wall = time.perf_counter() - t0
    if tr.error:
        print(f"error: {tr.error}")
        return
    s = tr.summary()
    R = tr.history["R"]
    during = [R[j][j] for j in range(len(R))]
    print(f"mean final accuracy over all {a.n_tasks} tasks: {s['mean_final']:.4f}   "
          f"(right after training each task: {statistics.mean(during):.4f})")
    print(f"forgetting: {s['forgetting']:.4f}   BWT: {s['bwt']:+.4f}   "
          f"first task at the end: {R[-1][0]:.4f} (right after it: {R[0][0]:.4f})")
    print(f"whole run: {wall:.1f} s; mean step time in the run: task 1 {1e3 * per_task[0]:.2f} "
          f"ms, task {len(per_task)} {1e3 * per_task[-1]:.2f} ms "
          f"(ratio {per_task[-1] / per_task[0]:.2f})")
    # task 1 has no previous task to regularize; task 2 is the first that does
    shown = sorted({0, min(1, a.n_tasks - 1), a.n_tasks - 1})
    times: dict[int, list[float]] = {t: [] for t in shown}
    for _ in range(a.rounds):  # A B (C) A B (C)
        for t in times:
            times[t].append(step_seconds(tr, t, a.steps))
    med = {t: statistics.median(v) for t, v in times.items()}
    last = shown[-1]
    print(f"step time, alternated ({a.rounds} rounds of {a.steps} steps): "
          + ", ".join(f"task {t + 1} {1e3 * m:.2f} ms" for t, m in med.items()))
    print(f"task {last + 1} / task 1 = {med[last] / med[0]:.2f}; task {last + 1} / task 2 "
          f"(both regularize {cfg.train.reg_tasks or 'all'} previous) = "
          f"{med[last] / med[shown[1]]:.2f}")


if __name__ == "__main__":
    main()
