"""Sweeps as tidy arrays: one regularizer strength swept over a grid × seeds.

A sweep folder holds `sweep.json` (the manifest, written by `hnviz.sweep`) and, for user sweeps,
one checkpoint per run. The manifest alone carries everything the explorer draws, so bundled
sweeps ship without checkpoints:

    {"format": "hnviz-sweep", "version": 1, "name", "benchmark", "method",
     "param": "beta" | "ewc_lambda" | "si_c", "values": [V], "seeds": [S],
     "paper_value": the preset's strength, "metric": "mse" | "accuracy", "iters_per_task",
     "base_config": RunConfig dict, "status": "running" | "done" | "cancelled",
     "tasks": [{"name", "formula"?, "range"?, "x"?, "y"?, "grid"?}]   (regression: data + x-grid)
     "runs": [{"file", "value", "seed", "status": "ok" | "failed" | "pending", "error",
               "summary": {... "acc_matrix": R [T][T] ...}, "functions": [[G] per task]?}]}

`load_sweep` turns that into `Sweep` with numpy arrays indexed [value, seed, ...]; failed or
pending runs are NaN, so means over seeds use `nanmean`.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hnviz.analysis.generated import task_functions
from hnviz.core.method_specs import param_symbol
from hnviz.core.metrics import METRICS, metric_named

FORMAT = "hnviz-sweep"
VERSION = 1
MANIFEST = "sweep.json"
GRID_POINTS = 200  # x-grid samples of each regression task's generated function


class SweepFileError(ValueError):
    """A sweep folder or manifest that cannot be read; the message says why, in one line."""


def run_file_name(param: str, value: float, seed: int) -> str:
    """Deterministic checkpoint name of one grid point, e.g. `beta=0.001_seed=1.pt`."""
    return f"{param}={value:g}_seed={seed}.pt"


# ------------------------------------------------------------------------------ regression curves
@torch.no_grad()
def task_grids(seq, n: int = GRID_POINTS) -> list[list[float]]:
    """Per task an evenly spaced x-grid over its input range (from the test inputs, which are a
    linspace over the range)."""
    out = []
    for tk in seq.tasks:
        lo, hi = float(tk.x_test.min()), float(tk.x_test.max())
        out.append(np.linspace(lo, hi, n).tolist())
    return out


@torch.no_grad()
def regression_functions(trainer, grids: list[list[float]]) -> list[list[float]]:
    """Task t's generated function f(x; f_h(e_t)) sampled on grids[t]: [T][G] floats (rounded to
    5 significant digits to keep manifests small)."""
    return [[_round(v) for v in row] for row in task_functions(trainer, grids).tolist()]


def task_info(seq, grids: list[list[float]] | None) -> list[dict[str, Any]]:
    """What the explorer shows of each task: name, and for regression the training data + grid."""
    from hnviz.core.tasks import REGRESSION_DEFAULTS

    out: list[dict[str, Any]] = []
    for t, tk in enumerate(seq.tasks):
        rec: dict[str, Any] = {"name": tk.name}
        if seq.is_regression:
            fn = REGRESSION_DEFAULTS[t] if t < len(REGRESSION_DEFAULTS) else None
            rec.update(formula=fn.formula if fn else "", range=list(fn.range) if fn else [],
                       x=[_round(v) for v in tk.x_train[:, 0].tolist()],
                       y=[_round(v) for v in tk.y_train[:, 0].tolist()],
                       grid=[_round(v) for v in grids[t]] if grids else [])
        elif tk.classes:
            rec["classes"] = list(tk.classes)
        out.append(rec)
    return out


def _round(v: float, digits: int = 5) -> float | None:
    if not math.isfinite(v):
        return None
    return float(f"{v:.{digits}g}")


# ------------------------------------------------------------------------------ reading
def read_manifest(path: str | os.PathLike) -> dict[str, Any]:
    """The manifest of a sweep folder (or a sweep.json path), checked. Raises SweepFileError."""
    p = Path(path)
    if p.is_dir():
        p = p / MANIFEST
    try:
        d = json.loads(p.read_text())
    except FileNotFoundError:
        raise SweepFileError(f"no sweep manifest at {p}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SweepFileError(f"{p} is not a readable sweep manifest: {e}") from None
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise SweepFileError(f"{p} is not an hnviz sweep manifest")
    if not isinstance(d.get("version"), int) or d["version"] > VERSION:
        raise SweepFileError(f"{p}: sweep format version {d.get('version')!r} is newer than this "
                             f"hnviz (reads up to {VERSION})")
    for key in ("param", "values", "seeds", "runs", "benchmark", "method"):
        if key not in d:
            raise SweepFileError(f"{p}: manifest is missing {key!r}")
    if d.get("metric", "accuracy") not in METRICS:
        raise SweepFileError(f"{p}: unknown metric {d['metric']!r}")
    return d


@dataclass
class Sweep:
    """One sweep as arrays. Axes: V values × S seeds × T tasks (× G grid points)."""

    name: str
    path: str
    benchmark: str
    method: str
    param: str
    values: np.ndarray  # [V] swept strengths (ascending)
    seeds: list[int]
    metric: str  # "mse" | "accuracy"
    paper_value: float | None
    iters_per_task: int | None
    status: str
    R: np.ndarray  # [V, S, T, T] metric after task i on task j; NaN where missing
    ok: np.ndarray  # [V, S] bool: the run finished without error
    errors: dict[tuple[int, int], str]  # (vi, si) -> error message of failed runs
    tasks: list[dict[str, Any]] = field(default_factory=list)
    functions: np.ndarray | None = None  # [V, S, T, G] regression outputs on each task's grid
    manifest: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def higher_is_better(self) -> bool:
        return metric_named(self.metric).higher_is_better

    @property
    def n_tasks(self) -> int:
        return self.R.shape[-1]

    @property
    def final(self) -> np.ndarray:
        """[V, S, T] metric on every task after the last task."""
        return self.R[:, :, -1, :]

    @property
    def newest(self) -> np.ndarray:
        """[V, S] plasticity: metric on the newest task right after learning it, R[T-1, T-1]."""
        return self.R[:, :, -1, -1]

    @property
    def old_mean(self) -> np.ndarray:
        """[V, S] stability: mean metric on the old tasks 0..T-2 after the last task."""
        if self.n_tasks < 2:
            return np.full(self.R.shape[:2], np.nan)
        return _nanmean(self.R[:, :, -1, :-1], axis=-1)

    @property
    def label(self) -> str:
        """The swept parameter's symbol: β, λ, c, ..."""
        return param_symbol(self.param)

    @property
    def grids(self) -> list[list[float]]:
        return [t.get("grid", []) for t in self.tasks]


def _nanmean(a: np.ndarray, axis: int) -> np.ndarray:
    """nanmean without the all-NaN RuntimeWarning (all-NaN slices give NaN)."""
    n = np.sum(~np.isnan(a), axis=axis)
    s = np.nansum(a, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, s / np.maximum(n, 1), np.nan)


def seed_stats(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[V, S, ...] -> (mean, std) over seeds ignoring NaN (failed runs): each [V, ...]."""
    mean = _nanmean(a, axis=1)
    dev = (a - np.expand_dims(mean, 1)) ** 2
    n = np.sum(~np.isnan(a), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        std = np.where(n > 0, np.sqrt(np.nansum(dev, axis=1) / np.maximum(n, 1)), np.nan)
    return mean, std


def load_sweep(path: str | os.PathLike) -> Sweep:
    """Read a sweep folder (or its sweep.json) into arrays. Raises SweepFileError."""
    d = read_manifest(path)
    values = [float(v) for v in d["values"]]
    seeds = [int(s) for s in d["seeds"]]
    order = np.argsort(values, kind="stable")
    vals = np.asarray(values)[order]
    v_index = {values[i]: k for k, i in enumerate(order)}
    s_index = {s: k for k, s in enumerate(seeds)}
    T = _n_tasks(d)
    V, S = len(vals), len(seeds)
    R = np.full((V, S, T, T), np.nan)
    ok = np.zeros((V, S), dtype=bool)
    errors: dict[tuple[int, int], str] = {}
    tasks = d.get("tasks") or []
    G = max((len(t.get("grid", [])) for t in tasks), default=0)
    funcs = np.full((V, S, T, G), np.nan) if G else None
    for run in d["runs"]:
        vi, si = v_index.get(float(run.get("value", math.nan))), s_index.get(run.get("seed"))
        if vi is None or si is None:
            continue
        if run.get("status") == "failed":
            errors[(vi, si)] = str(run.get("error") or "failed")
        mat = (run.get("summary") or {}).get("acc_matrix") or []
        for i, row in enumerate(mat[:T]):
            R[vi, si, i, :len(row[:T])] = [_num(v) for v in row[:T]]
        ok[vi, si] = run.get("status") == "ok" and len(mat) == T
        if funcs is not None and run.get("functions"):
            for t, ys in enumerate(run["functions"][:T]):
                funcs[vi, si, t, :len(ys)] = [_num(v) for v in ys]
    return Sweep(name=d.get("name") or Path(path).name, path=str(path), benchmark=d["benchmark"],
                 method=d["method"], param=d["param"], values=vals, seeds=seeds,
                 metric=d.get("metric", "accuracy"), paper_value=d.get("paper_value"),
                 iters_per_task=d.get("iters_per_task"), status=d.get("status", "done"), R=R,
                 ok=ok, errors=errors, tasks=tasks, functions=funcs, manifest=d)


def _num(v: Any) -> float:
    return float(v) if isinstance(v, (int, float)) else math.nan


def _n_tasks(d: dict[str, Any]) -> int:
    if d.get("tasks"):
        return len(d["tasks"])
    for run in d["runs"]:
        mat = (run.get("summary") or {}).get("acc_matrix")
        if mat:
            return len(mat[0])
    return 1


# ------------------------------------------------------------------------------ finding sweeps
@dataclass(frozen=True)
class SweepRef:
    """A sweep folder found on disk, with what a selector shows before loading it."""

    path: str
    name: str
    benchmark: str
    method: str
    param: str
    status: str
    source: str  # "bundled" | "user"
    n_done: int
    n_total: int


def find_sweeps(root: str | os.PathLike, source: str) -> list[SweepRef]:
    """Every readable sweep directly under `root` (unreadable folders are skipped)."""
    out = []
    base = Path(root)
    if not base.is_dir():
        return out
    for sub in sorted(base.iterdir()):
        if not (sub / MANIFEST).is_file():
            continue
        try:
            d = read_manifest(sub)
        except SweepFileError:
            continue
        n_done = sum(r.get("status") in ("ok", "failed") for r in d["runs"])
        out.append(SweepRef(path=str(sub), name=d.get("name") or sub.name,
                            benchmark=d["benchmark"], method=d["method"], param=d["param"],
                            status=d.get("status", "done"), source=source, n_done=n_done,
                            n_total=len(d["values"]) * len(d["seeds"])))
    return out


def progress(path: str | os.PathLike) -> tuple[int, int, str]:
    """(finished runs, total runs, status) of a sweep being written; (0, 0, "starting") before
    its manifest exists."""
    try:
        d = read_manifest(path)
    except SweepFileError:
        return 0, 0, "starting"
    n_done = sum(r.get("status") in ("ok", "failed") for r in d["runs"])
    return n_done, len(d["values"]) * len(d["seeds"]), d.get("status", "running")
