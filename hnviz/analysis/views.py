"""Small derived data a live page redraws on every update, computed where the model lives.

`train_extras(trainer)` is what the Train page needs beyond the trainer's history: for 1-D
regression each task's generated function on a shared x grid (the live function plot); nothing
for classification (its charts come from the history). It runs in the worker process that hosts a
live run (hnviz.live calls it by dotted path at every published update) and once for runs held in
the server (demos, loaded files), so it must stay cheap: T forward passes of G points.
"""

from __future__ import annotations

import numpy as np

from .generated import task_functions

GRID_POINTS = 300
GRID_PAD = 0.05  # the grid extends this fraction of the data range beyond the data


def regression_grid(trainer, n: int = GRID_POINTS) -> np.ndarray:
    """One x grid [G] float32 over all tasks' training inputs, padded on both sides."""
    lo = min(float(tk.x_train.min()) for tk in trainer.seq.tasks)
    hi = max(float(tk.x_train.max()) for tk in trainer.seq.tasks)
    pad = GRID_PAD * (hi - lo)
    return np.linspace(lo - pad, hi + pad, n, dtype=np.float32)


def train_extras(trainer, grid_points: int = GRID_POINTS) -> dict:
    """{"grid": [G], "preds": [T][G]} for regression runs (floats), {} otherwise; G =
    grid_points (the live charts use GRID_POINTS; the lecture's recorded curves fewer)."""
    if not trainer.seq.is_regression:
        return {}
    grid = regression_grid(trainer, grid_points)  # [G]
    preds = task_functions(trainer, np.tile(grid, (trainer.seq.n_tasks, 1)))  # [T, G]
    return {"grid": grid.tolist(), "preds": preds.tolist()}


def regression_data(seq) -> list[tuple[list[float], list[float]]]:
    """Each task's training points [(x, y)] of a regression TaskSequence (static per run; the
    plot's background)."""
    return [(tk.x_train[:, 0].tolist(), tk.y_train[:, 0].tolist()) for tk in seq.tasks]
