"""When the trainer evaluates which task: the evaluation schedule, short and long sequences.

R[after task i, on task j] is what the metrics read (`metrics.py`). Evaluating every task after
every task costs T² evaluations, each O(T) with one head per task: fine for the benchmarks'
usual 3-10 tasks, hours for 1000. So:

  n_tasks <= LONG_SEQUENCE (50): everything, as always (bit for bit the recorded golden runs):
      row i of R holds every task 0..T-1; a periodic evaluation holds every seen task 0..t.
  n_tasks > LONG_SEQUENCE: row i holds task i (R[i, i]: BWT, forgetting) and task i + 1
      (R[i, i+1]: FWT); a "full" row also every seen task 0..i: the last row (ACC, BWT) and every
      ⌈T / FULL_ROWS⌉-th (forgetting's earlier maxima). A periodic evaluation holds the current
      task only. The other cells are None (null in JSON). Each evaluation runs only the task's
      own head (`targets.forward_head`). That is O(T) evaluations per run instead of O(T²).

R0 (before any training, FWT's baseline) always holds every task. Every list keeps its length
(rows of T cells, periodic values of t+1), so readers index as before and skip None.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

LOG_EVERY = 5  # history["loss"] gets a row every LOG_EVERY steps of a task (and its first)
LONG_SEQUENCE = 50  # more tasks than this: the sparse schedule below
FULL_ROWS = 10  # about this many complete rows of R in a long sequence (plus the last)


def is_long(n_tasks: int) -> bool:
    """Does a sequence of `n_tasks` use the sparse schedule?"""
    return n_tasks > LONG_SEQUENCE


def full_row(i: int, n_tasks: int) -> bool:
    """Does row i of R (after task i) hold every seen task?"""
    if not is_long(n_tasks):
        return True
    return i == n_tasks - 1 or (i + 1) % math.ceil(n_tasks / FULL_ROWS) == 0


def row_tasks(i: int, n_tasks: int) -> list[int]:
    """Tasks evaluated for row i of R, right after training task i."""
    if not is_long(n_tasks):
        return list(range(n_tasks))
    seen = range(i + 1) if full_row(i, n_tasks) else [i]
    return [*seen, *([i + 1] if i + 1 < n_tasks else [])]


def periodic_tasks(t: int, n_tasks: int) -> list[int]:
    """Tasks evaluated every `eval_every` steps while training task t."""
    return list(range(t + 1)) if not is_long(n_tasks) else [t]


def cells(values: Mapping[int, float], n: int) -> list[float | None]:
    """{task: value} -> [value or None] * n (a row of R, or periodic values of length n)."""
    return [values.get(j) for j in range(n)]
