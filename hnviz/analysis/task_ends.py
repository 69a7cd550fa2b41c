"""The functions of a 1-D regression run after each of its tasks (the lecture's forgetting story).

A run file holds only its final state. `record_task_ends(trainer)` trains a run task by task and,
at the end of each task, samples every task's function on one x grid
(`hnviz.analysis.views.train_extras`). `task_ends_dict` / `parse_task_ends` turn that into a small
JSON document and back (assets/lecture/*.json, written by scripts/make_lecture_assets.py):

    {"format": "hnviz-task-ends", "version": 1,
     "name": "HNET β=0.005", "method": "hnet", "config": RunConfig dict,
     "task_names": [T], "grid": [G],
     "data": [{"x": [N], "y": [N]}] per task (its training points, evenly subsampled),
     "after": [{"task": k, "step": s, "preds": [T][G]}]   k = tasks trained so far (1..T),
                                                          preds[j] = task j's function then}

Numbers are rounded to 4 significant digits (a few KB per run); a non-finite value is null.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .views import train_extras

FORMAT = "hnviz-task-ends"
VERSION = 1
GRID_POINTS = 100  # x samples of each function (the live charts use 300)
DATA_POINTS = 40  # training points kept per task (the plot's background)
MAX_FILE_BYTES = 2_000_000  # a bundled file is a few KB; anything this big is not one
MAX_TASKS, MAX_GRID = 20, 2000


class TaskEndsError(ValueError):
    """A task-ends document that cannot be used; the message says why, in one line."""


@dataclass(frozen=True)
class TaskEnds:
    name: str  # "HNET β=0.005"
    method: str  # registry name, "hnet"
    config: dict[str, Any]  # the RunConfig as a dict (what was trained)
    task_names: tuple[str, ...]  # [T]
    grid: np.ndarray  # [G] float32, the shared x grid
    data: tuple[tuple[np.ndarray, np.ndarray], ...]  # per task (x [N], y [N]) float32
    steps: tuple[int, ...]  # [K] global step at the end of task k
    preds: np.ndarray  # [K, T, G] float32 (NaN: not finite): preds[k, j] after task k + 1

    @property
    def n_tasks(self) -> int:
        return len(self.task_names)


def _r(v: float) -> float | None:
    """4 significant digits; None for NaN/Inf (JSON has neither)."""
    return float(f"{v:.4g}") if math.isfinite(v) else None


def record_task_ends(trainer, grid_points: int = GRID_POINTS) -> list[dict[str, Any]]:
    """Train `trainer` (a regression run) to its end, stopping exactly at each task's end to
    sample every task's function: [{"task": k, "step": s, "grid": [G], "preds": [T][G]}], one per
    task trained here. Raises RuntimeError if training diverges."""
    if not trainer.seq.is_regression:
        raise ValueError("task ends are recorded for regression runs only")
    out = []
    while not trainer.done:
        trainer.advance(trainer.iters - trainer.step_in_task)  # to the end of the current task
        if trainer.error:
            raise RuntimeError(f"training diverged: {trainer.error}")
        ex = train_extras(trainer, grid_points)
        out.append({"task": trainer.task, "step": trainer.global_step, "grid": ex["grid"],
                    "preds": ex["preds"]})
    return out


def _subsample(x: np.ndarray, y: np.ndarray, n: int) -> tuple[list, list]:
    order = np.argsort(x)
    idx = order[np.linspace(0, len(x) - 1, min(n, len(x))).round().astype(int)]
    return [_r(float(v)) for v in x[idx]], [_r(float(v)) for v in y[idx]]


def task_ends_dict(trainer, snapshots: list[dict[str, Any]], name: str, task_names: list[str],
                   data_points: int = DATA_POINTS) -> dict[str, Any]:
    """The JSON document of a run's `record_task_ends` snapshots (see the module docstring)."""
    data = []
    for tk in trainer.seq.tasks:
        x, y = _subsample(tk.x_train[:, 0].cpu().numpy(), tk.y_train[:, 0].cpu().numpy(),
                          data_points)
        data.append({"x": x, "y": y})
    return {"format": FORMAT, "version": VERSION, "name": name, "method": trainer.cfg.train.method,
            "config": trainer.cfg.to_dict(), "task_names": list(task_names),
            "grid": [_r(v) for v in snapshots[0]["grid"]], "data": data,
            "after": [{"task": s["task"], "step": s["step"],
                       "preds": [[_r(v) for v in row] for row in s["preds"]]}
                      for s in snapshots]}


def _floats(v: Any, what: str, n: int | None = None) -> np.ndarray:
    if not isinstance(v, list) or (n is not None and len(v) != n):
        raise TaskEndsError(f"{what} must be a list of {n if n is not None else ''} numbers")
    if not all(x is None or (isinstance(x, (int, float)) and not isinstance(x, bool)) for x in v):
        raise TaskEndsError(f"{what} holds something that is not a number")
    return np.asarray([np.nan if x is None else x for x in v], dtype=np.float32)


def parse_task_ends(d: Any) -> TaskEnds:
    """A checked TaskEnds from the JSON document. Raises TaskEndsError naming what is wrong."""
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise TaskEndsError("not an hnviz task-ends document")
    if d.get("version") != VERSION:
        raise TaskEndsError(f"task-ends version {d.get('version')!r} (this hnviz reads "
                            f"{VERSION})")
    names = d.get("task_names")
    if not isinstance(names, list) or not 1 <= len(names) <= MAX_TASKS or \
            not all(isinstance(n, str) for n in names):
        raise TaskEndsError(f"task_names must be 1 to {MAX_TASKS} strings")
    T = len(names)
    grid = _floats(d.get("grid"), "grid")
    if not 2 <= len(grid) <= MAX_GRID or not np.isfinite(grid).all():
        raise TaskEndsError(f"grid must hold 2 to {MAX_GRID} finite numbers")
    raw = d.get("data")
    if not isinstance(raw, list) or len(raw) != T:
        raise TaskEndsError(f"data must hold one entry per task ({T})")
    data = []
    for j, rec in enumerate(raw):
        if not isinstance(rec, dict):
            raise TaskEndsError(f"data[{j}] must be an object with x and y")
        x = _floats(rec.get("x"), f"data[{j}].x")
        data.append((x, _floats(rec.get("y"), f"data[{j}].y", len(x))))
    after = d.get("after")
    if not isinstance(after, list) or not 1 <= len(after) <= T:
        raise TaskEndsError(f"after must hold 1 to {T} snapshots")
    steps, preds = [], []
    for k, s in enumerate(after):
        if not isinstance(s, dict) or s.get("task") != k + 1:
            raise TaskEndsError(f"after[{k}] must be the snapshot after task {k + 1}")
        step = s.get("step")
        if not isinstance(step, int) or isinstance(step, bool) or step < 0:
            raise TaskEndsError(f"after[{k}].step must be a step number")
        rows = s.get("preds")
        if not isinstance(rows, list) or len(rows) != T:
            raise TaskEndsError(f"after[{k}].preds must hold one function per task ({T})")
        preds.append(np.stack([_floats(r, f"after[{k}].preds[{j}]", len(grid))
                               for j, r in enumerate(rows)]))
        steps.append(step)
    cfg = d.get("config")
    name, method = d.get("name"), d.get("method")
    if not isinstance(cfg, dict) or not isinstance(name, str) or not isinstance(method, str):
        raise TaskEndsError("name, method and config must be given")
    return TaskEnds(name, method, cfg, tuple(names), grid, tuple(data), tuple(steps),
                    np.stack(preds))


def load_task_ends(path: str | Path) -> TaskEnds:
    """Read and check a task-ends file. Raises TaskEndsError (one line) for any bad file."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_FILE_BYTES:
            raise TaskEndsError(f"{p.name} is larger than {MAX_FILE_BYTES // 1_000_000} MB")
        d = json.loads(p.read_text())
    except FileNotFoundError:
        raise TaskEndsError(f"{p.name} is missing (make assets writes it)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise TaskEndsError(f"{p.name} is not readable JSON: {e}") from None
    try:
        return parse_task_ends(d)
    except TaskEndsError as e:
        raise TaskEndsError(f"{p.name}: {e}") from None
