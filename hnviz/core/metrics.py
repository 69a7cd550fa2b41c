"""Continual-learning metrics as pure functions of the matrix R[after task i, on task j].

R is T×T (row i: evaluated right after training task i, on every task j, also future ones);
`r0` [T] is the evaluation before any training (the b_j of FWT). For accuracy higher is better;
for regression MSE pass `higher_is_better=False` and "forgetting" becomes the MSE increase.
Definitions (Lopez-Paz & Ranzato 2017; Chaudhry et al. 2018):

  ACC          = 1/T · Σ_j R[T−1, j]
  BWT          = 1/(T−1) · Σ_{j<T−1} (R[T−1, j] − R[j, j])
  FWT          = 1/(T−1) · Σ_{j>0}   (R[j−1, j] − b_j)
  forgetting_j = max_{i<T−1} R[i, j] − R[T−1, j]   (j < T−1), averaged over j
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Matrix = Sequence[Sequence[float]]


@dataclass(frozen=True)
class Metric:
    """What R holds for a kind of task, and which way is better."""

    name: str  # "accuracy" | "mse": the value stored in run files and sweep manifests
    label: str  # for people: "accuracy", "MSE"
    higher_is_better: bool


ACCURACY = Metric("accuracy", "accuracy", True)
MSE = Metric("mse", "MSE", False)
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


def mean_final(R: Matrix) -> float:
    """Average over tasks seen so far of the last row (on tasks 0..len(R)-1)."""
    if not R:
        return math.nan
    last = R[-1]
    n = len(R)
    return sum(last[:n]) / n


def bwt(R: Matrix, higher_is_better: bool = True) -> float:
    """Backward transfer; negative means forgetting (for MSE the sign is flipped so that
    negative still means 'got worse')."""
    n = len(R)
    if n < 2:
        return 0.0
    s = _sign(higher_is_better)
    return sum(s * (R[-1][j] - R[j][j]) for j in range(n - 1)) / (n - 1)


def fwt(R: Matrix, r0: Sequence[float], higher_is_better: bool = True) -> float:
    n = len(R)
    if n < 2:
        return 0.0
    s = _sign(higher_is_better)
    return sum(s * (R[j - 1][j] - r0[j]) for j in range(1, n)) / (n - 1)


def forgetting_per_task(R: Matrix, higher_is_better: bool = True) -> list[float]:
    """For each task j < last: best earlier value minus final value (≥ 0 means forgotten)."""
    n = len(R)
    s = _sign(higher_is_better)
    out = []
    for j in range(n - 1):
        best = max(s * R[i][j] for i in range(j, n - 1))
        out.append(best - s * R[-1][j])
    return out


def forgetting(R: Matrix, higher_is_better: bool = True) -> float:
    f = forgetting_per_task(R, higher_is_better)
    return sum(f) / len(f) if f else 0.0


def summarize(R: Matrix, r0: Sequence[float] | None = None,
              higher_is_better: bool = True) -> dict[str, float]:
    out = {
        "mean_final": mean_final(R),
        "bwt": bwt(R, higher_is_better),
        "forgetting": forgetting(R, higher_is_better),
    }
    if r0 is not None and len(r0) >= len(R):
        out["fwt"] = fwt(R, r0, higher_is_better)
    return out


def task_curves(evals: Sequence[dict], n_tasks: int) -> dict[int, tuple[list[int], list[float]]]:
    """Per-task curves over training steps from the trainer's periodic evaluations:
    {task j: (steps, values)} with the points where task j had been seen."""
    curves: dict[int, tuple[list[int], list[float]]] = {j: ([], []) for j in range(n_tasks)}
    for rec in evals:
        for j, v in enumerate(rec["values"]):
            curves[j][0].append(rec["step"])
            curves[j][1].append(v)
    return curves
