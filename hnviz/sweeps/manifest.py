"""The sweep manifest `sweep.json` as the client writes it: built from the grid, updated as runs
start and finish, rewritten atomically (`write_atomic`: temp file, fsync, rename) after every
change, so a reader (the app, a resumed sweep) sees the old or the new manifest, never a part.
The format (version 2, and how version 1 is still read) is documented in
`hnviz.analysis.sweeps`, which reads it.

Only the client process writes it, from one thread, and every record is addressed by the run's
index: results arriving in any order land in their own record.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from hnviz.analysis.sweeps import FORMAT, VERSION, task_grids, task_info
from hnviz.core.config import RunConfig
from hnviz.core.errors import ConfigError
from hnviz.core.io import RunFileError, read_run_dict, write_atomic

from .grid import Grid, format_value, preset_value, to_json

RUN_STATUSES = ("pending", "running", "ok", "failed")


def new_manifest(grid: Grid, name: str, grid_points: int, backend: str,
                 address: str | None) -> dict[str, Any]:
    """The manifest before any run: grid, configs, tasks of every task set, all runs pending."""
    points = list(grid.points())
    first = grid.bases[0]
    axes = {}
    for base, base_axes in zip(grid.bases, grid.axes):
        axes.setdefault(base.train.method, [{"field": a.field, "values": [to_json(v) for v in
                                                                          a.values]}
                                            for a in base_axes])
    first_axis = grid.axes[0][0]
    presets = {f"{b.task.benchmark}|{b.train.method}": {a.field: preset_value(b, a.field)
                                                         for a in base_axes}
               for b, base_axes in zip(grid.bases, grid.axes)}
    task_sets = _task_sets(points, grid_points)
    first_set = task_sets[points[0].task_set]
    return {
        "format": FORMAT, "version": VERSION, "name": name,
        # v1 fields (the first benchmark, method and axis), still what a one-axis sweep means
        "benchmark": first.task.benchmark, "method": first.train.method,
        "param": first_axis.field.split(".", 1)[1] if first_axis.field.startswith("train.")
        else first_axis.field,
        "values": [to_json(v) for v in first_axis.values], "seeds": list(grid.seeds),
        "paper_value": presets[f"{first.task.benchmark}|{first.train.method}"][first_axis.field],
        "metric": first_set["metric"], "iters_per_task": first.train.iters_per_task,
        "base_config": first.to_dict(), "tasks": first_set["tasks"],
        # v2: the whole grid
        "benchmarks": grid.benchmarks, "methods": grid.methods, "axes": axes,
        "presets": presets, "task_sets": task_sets,
        "base_configs": {f"{b.task.benchmark}|{b.train.method}": b.to_dict()
                         for b in grid.bases},
        "backend": backend, "address": address, "workers": None,
        "status": "running", "error": None, "wall_s": 0.0,
        "created": time.strftime("%Y-%m-%d %H:%M:%S"), "n_skipped": 0,
        "counts": {},
        "runs": [_run_record(p) for p in points],
    }


def _run_record(p) -> dict[str, Any]:
    first = p.params[0][1]
    return {"file": p.file, "benchmark": p.benchmark, "method": p.method,
            "params": {f: to_json(v) for f, v in p.params},
            "value": first if isinstance(first, (int, float)) and not isinstance(first, bool)
            else format_value(first),
            "seed": p.seed, "task_set": p.task_set, "status": "pending", "error": None,
            "attempts": 0, "worker": None, "host": None, "device": None, "summary": None}


def _task_sets(points, grid_points: int) -> dict[str, dict[str, Any]]:
    """What the explorer shows of each task sequence in the grid. Regression (tiny, generated):
    each task's data and x-grid, so the sequence is built here. Classification: names from the
    benchmark's registry entry, without loading data (the client may have none: a cluster's
    workers hold it; and 100 permuted MNIST tasks would take gigabytes)."""
    from hnviz.core.benchmarks import benchmark, build_tasks

    out: dict[str, dict[str, Any]] = {}
    for p in points:
        if p.task_set in out:
            continue
        b = benchmark(p.benchmark)
        n = b.n_tasks(p.config.task)
        if b.kind == "regression":
            seq = build_tasks(p.config.task)
            tasks = task_info(seq, task_grids(seq, grid_points))
        else:
            labels = [b.task_label(t) if b.task_label else None for t in range(n)]
            tasks = [{"name": name, "label": label}
                     for name, label in zip(b.task_names(n), labels)]
        out[p.task_set] = {"benchmark": p.benchmark, "n_tasks": n, "metric": b.metric.name,
                           "tasks": tasks}
    return out


class Manifest:
    """The manifest being written: `data` (the JSON dict) and its file (`sweep.json`)."""

    def __init__(self, file: Path, data: dict[str, Any]):
        self.file, self.data = Path(file), data

    @property
    def runs(self) -> list[dict[str, Any]]:
        return self.data["runs"]

    def counts(self) -> dict[str, int]:
        c = Counter(r["status"] for r in self.runs)
        return {s: c.get(s, 0) for s in RUN_STATUSES}

    def save(self) -> None:
        self.data["counts"] = self.counts()
        self.data["updated"] = time.strftime("%Y-%m-%d %H:%M:%S")
        blob = json.dumps(_jsonable(self.data), separators=(",", ":")).encode()
        write_atomic(self.file, lambda f: f.write(blob))

    def started(self, i: int, info: dict[str, Any]) -> None:
        rec = self.runs[i]
        rec.update(status="running", attempts=rec["attempts"] + 1,
                   **{k: info.get(k) for k in ("worker", "host", "pid", "device")})

    def finished(self, i: int, rec: dict[str, Any]) -> None:
        run = self.runs[i]
        run.update(rec)
        run.pop("pid", None)

    def back_to_pending(self, i: int) -> None:
        if self.runs[i]["status"] == "running":
            self.runs[i]["status"] = "pending"
        self.runs[i].pop("pid", None)


def _jsonable(x: Any) -> Any:
    """NaN/inf -> None so the manifest stays strict JSON."""
    if isinstance(x, float):
        return x if x == x and abs(x) != float("inf") else None
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


def previous_runs(file: Path) -> dict[str, dict[str, Any]]:
    """The run records of the manifest already in the folder, by file name ({} if none or
    unreadable): a resumed sweep keeps how its finished runs went (attempts, worker)."""
    try:
        d = json.loads(Path(file).read_text())
        return {r["file"]: r for r in d["runs"] if isinstance(r, dict) and "file" in r}
    except (OSError, ValueError, TypeError, KeyError):
        return {}


def finished_record(path: Path, cfg_dict: dict[str, Any]) -> dict[str, Any] | None:
    """The record of an existing checkpoint that already holds this run to its end (finished, or
    failed deterministically: diverged), else None (missing, unreadable, another config, or
    interrupted). This is what makes a second invocation resume."""
    if not path.is_file():
        return None
    try:
        raw = read_run_dict(path)
    except RunFileError:
        return None
    state, meta = raw["state"], raw["meta"]
    if "sweep_record" not in meta or not _same_config(raw["config"], cfg_dict):
        return None
    n_tasks = len(raw["history"].get("R0") or [])
    done = state.get("error") is not None or (n_tasks > 0 and state.get("task") == n_tasks)
    return meta["sweep_record"] if done else None


def _same_config(stored: dict[str, Any], cfg_dict: dict[str, Any]) -> bool:
    """The stored run's config is this run's: equal as saved, or once read as a RunConfig (a
    file written before a field existed holds no value for it, and reads as its default: the
    run it describes is the same run), with the data folder compared as the folder it names
    (`../shared/data` and `/work/shared/data` from /work/main are one folder, one run)."""
    if stored == cfg_dict:
        return True
    try:
        a = RunConfig.from_dict(stored).to_dict()
    except (ConfigError, KeyError, TypeError, ValueError):
        return False
    b = dict(cfg_dict)
    if "task" in a and "task" in b:
        a["task"], b["task"] = dict(a["task"]), dict(b["task"])
        for t in (a["task"], b["task"]):
            if t.get("data_root"):
                t["data_root"] = str(Path(t["data_root"]).expanduser().resolve())
    return a == b
