"""Long task sequences: wall time of a whole run with the evaluation schedule of long sequences
(B, `core/evaluation.py`) against the old one that evaluates every task after every task with
every head (A: `LONG_SEQUENCE` raised above n_tasks), alternating A B A B in one process. Also the
memory of permuted data: lazy permutations against a materialized copy per task.

Prints figures; not a test. Usage:
    python benchmarks/bench_long_sequence.py [--n-tasks 80] [--method finetune] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hnviz.core import evaluation  # noqa: E402
from hnviz.core.limits import HARD  # noqa: E402
from hnviz.core.presets import default_config  # noqa: E402
from hnviz.core.sizes import format_bytes  # noqa: E402
from hnviz.core.trainer import Trainer  # noqa: E402


def run_s(cfg, old_schedule: bool) -> tuple[float, list]:
    """Seconds for a whole run (construction incl. R0, training, every evaluation)."""
    saved = evaluation.LONG_SEQUENCE
    if old_schedule:
        evaluation.LONG_SEQUENCE = 10**9  # every sequence is "short": the old full schedule
    try:
        t0 = time.perf_counter()
        tr = Trainer(cfg, limits=HARD)
        tr.run(chunk=1000)
        return time.perf_counter() - t0, tr.history["R"]
    finally:
        evaluation.LONG_SEQUENCE = saved


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-tasks", type=int, default=80)
    ap.add_argument("--method", default="finetune")
    ap.add_argument("--iters", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    cfg = default_config("permuted-digits", a.method).replace(
        task={"n_tasks": a.n_tasks}, train={"iters_per_task": a.iters})
    print(f"{a.method} on permuted-digits, {a.n_tasks} tasks × {a.iters} iters "
          f"(long-sequence threshold: {evaluation.LONG_SEQUENCE} tasks)")
    times: dict[str, list[float]] = {"A old (all tasks, all heads)": [],
                                     "B new (schedule, own head)": []}
    for _ in range(a.rounds):
        for label, old in zip(times, (True, False)):
            s, R = run_s(cfg, old)
            times[label].append(s)
            cells = sum(v is not None for row in R for v in row)
            print(f"  {label}: {s:7.2f} s  ({cells} cells of R evaluated)")
    ta, tb = times.values()
    print(f"median A / B: {statistics.median(ta) / statistics.median(tb):.1f}×")

    # Data of permuted tasks: one shared copy + a permutation per task (before: a copy per task).
    from hnviz.core.benchmarks import build_tasks

    seq = build_tasks(cfg.task)
    shared = {id(t.base_train) for t in seq.tasks} | {id(t.base_test) for t in seq.tasks}
    tk = seq.tasks[0]
    per_copy = (tk.base_train.numel() + tk.base_test.numel()) * 4
    print(f"permuted data: {len(shared)} input tensors shared by {seq.n_tasks} tasks "
          f"({format_bytes(per_copy)}); materialized copies would take "
          f"{format_bytes(per_copy * (seq.n_tasks - 1))} more (permuted-MNIST: 220 MB per task)")


if __name__ == "__main__":
    main()
