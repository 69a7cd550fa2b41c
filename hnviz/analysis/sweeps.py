"""Sweep manifests: read any version, as tidy arrays [value, seed, ...] per one-axis slice.

A sweep folder holds `sweep.json` (the manifest, written by `hnviz.sweeps`) and, for user sweeps,
one checkpoint per run. The manifest alone carries everything the explorer draws, so bundled
sweeps ship without checkpoints. Version 2 (written since the grid became any fields):

    {"format": "hnviz-sweep", "version": 2, "name", "created", "updated", "wall_s",
     "status": "running" | "done" | "cancelled" | "error", "error": message of "error",
     "backend": "local" | "dask" | "ray", "address": the cluster's address or null,
     "workers": number of workers, "n_skipped": runs found finished when it (re)started,
     "counts": {"pending", "running", "ok", "failed"},
     "benchmarks": [B], "methods": [M], "seeds": [S],
     "axes": {method: [{"field": "train.beta", "values": [V]}, ...]}   (a product per method)
     "presets": {"benchmark|method": {field: the preset's value}},   (the explorer's star)
     "base_configs": {"benchmark|method": RunConfig dict},
     "task_sets": {key: {"benchmark", "n_tasks", "metric", "tasks": [{"name", "label"?,
                   "formula"?, "range"?, "x"?, "y"?, "grid"?, "classes"?}]}},
                   (regression: data + x-grid; classification: the registry's names, labels)
     "runs": [{"file", "benchmark", "method", "params": {field: value}, "value": the first
               param's value, "seed", "task_set", "status": "pending" | "running" | "ok" |
               "failed", "error": why it failed, "attempts", "worker", "host", "device",
               "skipped"?, "summary": {... "acc_matrix": R [T][T] ...}, "functions"?: [[G]]}],
     and, as in version 1, the first benchmark's / method's / axis's view: "benchmark",
     "method", "param", "values", "paper_value", "metric", "iters_per_task", "base_config",
     "tasks"}

Version 1 (the bundled sweeps; one method, one TrainConfig float `param`) had only that last
group and runs {"file", "value", "seed", "status", "error", "summary", "functions"?};
`read_manifest` upgrades it in memory to the shape above, so everything below reads both.

A *slice* is one benchmark, one method and one numeric axis, the other axes held at one value
each: `slices(d)` lists them, `load_sweep(path, slice_id)` turns one into a `Sweep` with numpy
arrays indexed [value, seed, ...] (failed, running or pending runs are NaN, so means over seeds
use `nanmean`). `grid_rows(d)` lists every run of any grid as a flat row.
"""

from __future__ import annotations

import dataclasses
import itertools
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
VERSION = 2
MANIFEST = "sweep.json"
GRID_POINTS = 200  # x-grid samples of each regression task's generated function


class SweepFileError(ValueError):
    """A sweep folder or manifest that cannot be read; the message says why, in one line."""


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
    """The manifest of a sweep folder (or a sweep.json path), checked and in the version-2 shape
    (a version-1 manifest is upgraded in memory). Raises SweepFileError."""
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
    if not isinstance(d["runs"], list) or not all(isinstance(r, dict) for r in d["runs"]):
        raise SweepFileError(f"{p}: 'runs' must be a list of objects")
    if d["version"] < 2:
        _upgrade_v1(d)
    for key, kind in (("axes", dict), ("task_sets", dict), ("presets", dict)):
        if not isinstance(d.get(key), kind):
            raise SweepFileError(f"{p}: manifest is missing {key!r}")
    for r in d["runs"]:
        if not isinstance(r.get("params"), dict):
            raise SweepFileError(f"{p}: a run has no 'params'")
    return d


def _upgrade_v1(d: dict[str, Any]) -> None:
    """Version 1 -> the version-2 shape: one benchmark, method and TrainConfig axis."""
    b, m, fld = d["benchmark"], d["method"], f"train.{d['param']}"
    d.setdefault("benchmarks", [b])
    d.setdefault("methods", [m])
    d.setdefault("axes", {m: [{"field": fld, "values": d["values"]}]})
    d.setdefault("presets", {f"{b}|{m}": {fld: d.get("paper_value")}})
    d.setdefault("task_sets", {b: {"benchmark": b, "n_tasks": len(d.get("tasks") or []) or None,
                                   "metric": d.get("metric", "accuracy"),
                                   "tasks": d.get("tasks") or []}})
    for r in d["runs"]:
        r.setdefault("benchmark", b)
        r.setdefault("method", m)
        r.setdefault("params", {fld: r.get("value")})
        r.setdefault("task_set", b)


def _key(v: Any) -> Any:
    """A JSON value as a dict key (lists -> tuples; ints and floats compare equal)."""
    if isinstance(v, list):
        return tuple(_key(x) for x in v)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return v


def _numeric(values: list[Any]) -> bool:
    return bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                for v in values)


def format_value(v: Any) -> str:
    """A value as people read it: 0.001, 50x50, true."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return "0" if v == 0 else f"{v:g}"
    if isinstance(v, (list, tuple)):
        return "x".join(str(x) for x in v) or "none"
    return str(v)


# ------------------------------------------------------------------------------ slices
@dataclass(frozen=True)
class Slice:
    """One benchmark, one method, one numeric axis varied; the other axes held fixed."""

    benchmark: str
    method: str
    field: str  # "train.beta"
    fixed: tuple[tuple[str, Any], ...] = ()  # ((field, value), ...) of the other axes
    id: str = ""  # "" when the manifest has this one slice only (every version-1 sweep)

    @property
    def fixed_text(self) -> str:
        """'hnet.hidden=50x50, train.lr=0.001' (empty when nothing is held fixed)."""
        return ", ".join(f"{f}={format_value(v)}" for f, v in self.fixed)


def slices(d: dict[str, Any], explorable: bool = False) -> list[Slice]:
    """Every one-axis slice of a manifest (as read by `read_manifest`): per benchmark and method,
    each numeric axis, at each combination of the other axes' values. explorable=True: only
    along each method's first numeric axis that keeps the task count (what the β explorer
    offers: one entry per benchmark, method and fixed values)."""
    out: list[Slice] = []
    first: dict[str, str | None] = {}  # method -> its explorable axis
    for b in d.get("benchmarks") or []:
        for m in d.get("methods") or []:
            axes = [a for a in d["axes"].get(m, []) if isinstance(a, dict)
                    and isinstance(a.get("values"), list)]
            numeric = [a for a in axes if _numeric(a["values"])]
            first[m] = next((a["field"] for a in numeric if a["field"] != "task.n_tasks"), None)
            for a in numeric:
                others = [o for o in axes if o is not a]
                for combo in itertools.product(*(o["values"] for o in others)):
                    fixed = tuple((o["field"], v) for o, v in zip(others, combo))
                    sid = json.dumps([b, m, a["field"], [list(f) for f in fixed]])
                    out.append(Slice(b, m, a["field"], fixed, sid))
    if len(out) == 1:
        out = [dataclasses.replace(out[0], id="")]
    if explorable:
        out = [s for s in out if s.field == first.get(s.method)]
    return out


def _find_slice(d: dict[str, Any], slice_id: str, where: str) -> Slice:
    found = slices(d)
    if not found:
        raise SweepFileError(f"{where}: the sweep has no numeric axis to draw")
    if not slice_id:
        return found[0]
    for s in found:
        if s.id == slice_id:
            return s
    raise SweepFileError(f"{where}: no slice {slice_id!r} in this sweep")


def _in_slice(run: dict[str, Any], s: Slice) -> bool:
    if run.get("benchmark") != s.benchmark or run.get("method") != s.method:
        return False
    params = run.get("params") or {}
    return all(_key(params.get(f)) == _key(v) for f, v in s.fixed)


@dataclass
class Sweep:
    """One slice of a sweep as arrays. Axes: V values × S seeds × T tasks (× G grid points)."""

    name: str
    path: str
    benchmark: str
    method: str
    param: str  # the varied field as v1 named it: "beta" for train.*, else the full field
    values: np.ndarray  # [V] swept values (ascending)
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
    field: str = ""  # "train.beta"
    fixed: tuple[tuple[str, Any], ...] = ()  # the other axes' values in this slice
    slice: str = ""  # Slice.id
    running: np.ndarray | None = None  # [V, S] bool: the run is being trained right now

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


def load_sweep(path: str | os.PathLike, slice_id: str = "") -> Sweep:
    """Read one slice of a sweep folder (or its sweep.json) into arrays; the first slice when
    `slice_id` is empty (a version-1 sweep has one). A sweep still running reads as far as it
    got. Raises SweepFileError."""
    d = read_manifest(path)
    s = _find_slice(d, slice_id, str(path))
    runs = [r for r in d["runs"] if _in_slice(r, s)]
    axis = next(a for a in d["axes"][s.method] if a["field"] == s.field)
    values = sorted(dict.fromkeys(float(v) for v in axis["values"]))
    seeds = [int(x) for x in d["seeds"]]
    v_index = {v: k for k, v in enumerate(values)}
    s_index = {x: k for k, x in enumerate(seeds)}
    sets = {r.get("task_set") for r in runs}
    task_sets = [d["task_sets"].get(k) or {} for k in sets]
    if len({ts.get("n_tasks") for ts in task_sets}) > 1:
        raise SweepFileError(f"{path}: the task count changes along {s.field}; read its runs "
                             "with grid_rows()")
    ts = task_sets[0] if task_sets else {}
    tasks = ts.get("tasks") or (d.get("tasks") if d["version"] < 2 else None) or []
    T = len(tasks) or _n_tasks(runs)
    V, S = len(values), len(seeds)
    R = np.full((V, S, T, T), np.nan)
    ok = np.zeros((V, S), dtype=bool)
    running = np.zeros((V, S), dtype=bool)
    errors: dict[tuple[int, int], str] = {}
    G = max((len(t.get("grid", [])) for t in tasks), default=0)
    funcs = np.full((V, S, T, G), np.nan) if G else None
    for run in runs:
        value = (run.get("params") or {}).get(s.field)
        vi = v_index.get(_key(value)) if isinstance(_key(value), float) else None
        si = s_index.get(run.get("seed"))
        if vi is None or si is None:
            continue
        status = run.get("status")
        running[vi, si] = status == "running"
        if status == "failed":
            errors[(vi, si)] = str(run.get("error") or "failed")
        mat = (run.get("summary") or {}).get("acc_matrix") or []
        for i, row in enumerate(mat[:T]):
            R[vi, si, i, :len(row[:T])] = [_num(v) for v in row[:T]]
        ok[vi, si] = status == "ok" and len(mat) == T
        if funcs is not None and run.get("functions"):
            for t, ys in enumerate(run["functions"][:T]):
                funcs[vi, si, t, :len(ys[:G])] = [_num(v) for v in ys[:G]]
    base = (d.get("base_configs") or {}).get(f"{s.benchmark}|{s.method}") or d.get(
        "base_config") or {}
    fixed = dict(s.fixed)
    iters = fixed.get("train.iters_per_task", (base.get("train") or {}).get(
        "iters_per_task", d.get("iters_per_task")))
    preset = (d["presets"].get(f"{s.benchmark}|{s.method}") or {}).get(s.field)
    param = s.field.split(".", 1)[1] if s.field.startswith("train.") else s.field
    return Sweep(name=d.get("name") or Path(path).name, path=str(path), benchmark=s.benchmark,
                 method=s.method, param=param, values=np.asarray(values), seeds=seeds,
                 metric=ts.get("metric") or d.get("metric", "accuracy"),
                 paper_value=preset if isinstance(preset, (int, float)) else None,
                 iters_per_task=iters, status=d.get("status", "done"), R=R, ok=ok,
                 errors=errors, tasks=tasks, functions=funcs, manifest=d, field=s.field,
                 fixed=s.fixed, slice=s.id, running=running)


def _num(v: Any) -> float:
    return float(v) if isinstance(v, (int, float)) else math.nan


def _n_tasks(runs: list[dict[str, Any]]) -> int:
    for run in runs:
        mat = (run.get("summary") or {}).get("acc_matrix")
        if mat:
            return len(mat[0])
    return 1


def grid_rows(d: dict[str, Any]) -> list[dict[str, Any]]:
    """Every run of any grid as one flat row: benchmark, method, each param, seed, status,
    error, the final mean metric, attempts, worker and device (a table of the whole sweep)."""
    rows = []
    for r in d["runs"]:
        summary = r.get("summary") or {}
        rows.append({"benchmark": r.get("benchmark"), "method": r.get("method"),
                     **{f: format_value(v) for f, v in (r.get("params") or {}).items()},
                     "seed": r.get("seed"), "status": r.get("status"),
                     "mean_final": summary.get("mean_final"), "error": r.get("error"),
                     "attempts": r.get("attempts"), "worker": r.get("worker"),
                     "device": r.get("device")})
    return rows


# ------------------------------------------------------------------------------ finding sweeps
@dataclass(frozen=True)
class SweepRef:
    """A sweep (one slice of it) found on disk, with what a selector shows before loading it."""

    path: str
    name: str
    benchmark: str
    method: str
    param: str
    status: str
    source: str  # "bundled" | "user"
    n_done: int
    n_total: int
    slice: str = ""  # Slice.id ("" for a one-slice sweep)
    fixed: str = ""  # Slice.fixed_text

    @property
    def key(self) -> str:
        """Unique among refs: the folder, plus the slice of a multi-slice sweep."""
        return f"{self.path}#{self.slice}" if self.slice else self.path


def find_sweeps(root: str | os.PathLike, source: str) -> list[SweepRef]:
    """Every readable sweep directly under `root`, one ref per slice the explorer can draw
    (unreadable folders, and grids without a numeric axis, are skipped)."""
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
        for s in slices(d, explorable=True):
            runs = [r for r in d["runs"] if _in_slice(r, s)]
            n_done = sum(r.get("status") in ("ok", "failed") for r in runs)
            param = s.field.split(".", 1)[1] if s.field.startswith("train.") else s.field
            out.append(SweepRef(path=str(sub), name=d.get("name") or sub.name,
                                benchmark=s.benchmark, method=s.method, param=param,
                                status=d.get("status", "done"), source=source, n_done=n_done,
                                n_total=len(runs), slice=s.id, fixed=s.fixed_text))
    return out


@dataclass(frozen=True)
class SweepProgress:
    """How far a sweep being written has got (from its manifest)."""

    done: int  # ok + failed
    total: int
    status: str  # "starting" before the manifest exists, then the manifest's
    ok: int = 0
    failed: int = 0
    running: int = 0
    backend: str | None = None
    address: str | None = None  # the cluster's, or None (this machine)
    workers: int | None = None


def progress(path: str | os.PathLike) -> SweepProgress:
    """The progress of a sweep folder; status "starting" before its manifest exists."""
    try:
        d = read_manifest(path)
    except SweepFileError:
        return SweepProgress(0, 0, "starting")
    statuses = [r.get("status") for r in d["runs"]]
    ok, failed = statuses.count("ok"), statuses.count("failed")
    return SweepProgress(ok + failed, len(statuses), d.get("status", "running"), ok, failed,
                         statuses.count("running"), d.get("backend"), d.get("address"),
                         d.get("workers"))
