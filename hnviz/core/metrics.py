"""Continual-learning metrics as pure functions of the matrix R[after task i, on task j].

R is T×T (row i: evaluated right after training task i, on every task j, also future ones);
`r0` [T] is the evaluation before any training (the b_j of FWT). For accuracy higher is better;
for regression MSE pass `higher_is_better=False` and "forgetting" becomes the MSE increase.
Definitions (Lopez-Paz & Ranzato 2017; Chaudhry et al. 2018):

  ACC          = 1/T · Σ_j R[T−1, j]
  BWT          = 1/(T−1) · Σ_{j<T−1} (R[T−1, j] − R[j, j])
  FWT          = 1/(T−1) · Σ_{j>0}   (R[j−1, j] − b_j)
  forgetting_j = max_{i<T−1} R[i, j] − R[T−1, j]   (j < T−1), averaged over j

FWT above is zero-shot transfer: a task's value before it is trained, against the untrained
network's b_j. For learners that start every task from where they are (HNET: a new embedding),
transfer shows instead in how well a task is learned. Against the from-scratch control S (method
`scratch`: each task trained alone from a fresh network with the same budget; S its R):

  FWT_scratch  = 1/(T−1) · Σ_{j>0} (R[j, j] − S[j, j])        (`fwt_vs_scratch`)

the accuracy right after training task j minus what training j alone reaches, over tasks 2..T
(task 1 has nothing before it). > 0: earlier tasks helped (the paper's split CIFAR claim).

Cells may be empty (None): long sequences evaluate only part of R (`evaluation.py`). Every sum
and maximum runs over the cells that are there, every mean divides by their count; a value
with no cell to compute it from is None (forgetting of a task) or NaN (a mean over nothing).
With no empty cells these are the formulas above, operation for operation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Matrix = Sequence[Sequence[float | None]]


@dataclass(frozen=True)
class Metric:
    """What R holds for a kind of task, and which way is better."""

    name: str  # "accuracy" | "mse": the value stored in run files and sweep manifests
    label: str  # for people: "accuracy", "MSE"
    higher_is_better: bool
    # A task counts as solved at this value or better (the embedding plane's "which task wins"
    # view leaves a point to no task where none is solved): 80% accuracy (chance is 50% on a
    # two-class task); test MSE 0.05 (the toy's functions vary by ±1: y's variance is ~0.3).
    solved: float

    def is_solved(self, value):
        """value (a number or an array) at least as good as `solved`."""
        return value >= self.solved if self.higher_is_better else value <= self.solved


ACCURACY = Metric("accuracy", "accuracy", True, solved=0.8)
MSE = Metric("mse", "MSE", False, solved=0.05)
METRICS = {m.name: m for m in (ACCURACY, MSE)}
# The one place a benchmark's kind decides its metric (and so "higher is better").
METRIC_OF_KIND = {"classification": ACCURACY, "regression": MSE}


def metric_named(name: str) -> Metric:
    """The Metric called `name` ("accuracy" | "mse"); ValueError for anything else."""
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(f"unknown metric {name!r}; expected one of {tuple(METRICS)}") from None


def _sign(higher_is_better: bool) -> float:
    return 1.0 if higher_is_better else -1.0


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def mean_final(R: Matrix) -> float:
    """Average over tasks seen so far of the last row (on tasks 0..len(R)-1)."""
    if not R:
        return math.nan
    n = len(R)
    return _mean([v for v in R[-1][:n] if v is not None])


def bwt(R: Matrix, higher_is_better: bool = True) -> float:
    """Backward transfer; negative means forgetting (for MSE the sign is flipped so that
    negative still means 'got worse')."""
    n = len(R)
    if n < 2:
        return 0.0
    s = _sign(higher_is_better)
    return _mean([s * (R[-1][j] - R[j][j]) for j in range(n - 1)
                  if R[-1][j] is not None and R[j][j] is not None])


def fwt(R: Matrix, r0: Sequence[float | None], higher_is_better: bool = True) -> float:
    n = len(R)
    if n < 2:
        return 0.0
    s = _sign(higher_is_better)
    return _mean([s * (R[j - 1][j] - r0[j]) for j in range(1, n)
                  if R[j - 1][j] is not None and r0[j] is not None])


def diagonal(R: Matrix) -> list[float | None]:
    """R[j, j] for every trained task j: the value right after training it."""
    return [R[j][j] if j < len(R[j]) else None for j in range(len(R))]


def fwt_vs_scratch(R: Matrix, scratch: Matrix, higher_is_better: bool = True) -> float:
    """Forward transfer against the from-scratch control (see the module docstring):
    1/(T−1) · Σ_{j>0} (R[j, j] − S[j, j]) over the tasks both have trained (NaN: none)."""
    s = _sign(higher_is_better)
    mine, theirs = diagonal(R), diagonal(scratch)
    return _mean([s * (mine[j] - theirs[j]) for j in range(1, min(len(mine), len(theirs)))
                  if mine[j] is not None and theirs[j] is not None])


def forgetting_per_task(R: Matrix, higher_is_better: bool = True) -> list[float | None]:
    """For each task j < last: best earlier value minus final value (≥ 0 means forgotten);
    None where the last row or every earlier row lacks task j."""
    n = len(R)
    s = _sign(higher_is_better)
    out: list[float | None] = []
    for j in range(n - 1):
        earlier = [s * R[i][j] for i in range(j, n - 1) if R[i][j] is not None]
        if not earlier or R[-1][j] is None:
            out.append(None)
            continue
        out.append(max(earlier) - s * R[-1][j])
    return out


def forgetting(R: Matrix, higher_is_better: bool = True) -> float:
    f = [v for v in forgetting_per_task(R, higher_is_better) if v is not None]
    return sum(f) / len(f) if f else 0.0


def summarize(R: Matrix, r0: Sequence[float] | None = None,
              higher_is_better: bool = True, scratch: Matrix | None = None) -> dict[str, float]:
    """ACC, BWT, forgetting, and FWT when r0 is given; with a from-scratch control's R
    (`scratch`) also `fwt_scratch` (`fwt_vs_scratch`)."""
    out = {
        "mean_final": mean_final(R),
        "bwt": bwt(R, higher_is_better),
        "forgetting": forgetting(R, higher_is_better),
    }
    if r0 is not None and len(r0) >= len(R):
        out["fwt"] = fwt(R, r0, higher_is_better)
    if scratch is not None:
        out["fwt_scratch"] = fwt_vs_scratch(R, scratch, higher_is_better)
    return out


def task_curves(evals: Sequence[dict], n_tasks: int) -> dict[int, tuple[list[int], list[float]]]:
    """Per-task curves over training steps from the trainer's periodic evaluations:
    {task j: (steps, values)} with the points where task j had been seen (and evaluated)."""
    curves: dict[int, tuple[list[int], list[float]]] = {j: ([], []) for j in range(n_tasks)}
    for rec in evals:
        for j, v in enumerate(rec["values"]):
            if v is None:
                continue
            curves[j][0].append(rec["step"])
            curves[j][1].append(v)
    return curves
