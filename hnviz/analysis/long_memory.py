"""Long memory: how every task of a long sequence fares as more tasks are learned, per method,
read from a sweep manifest (the `reproduce` experiments permuted-digits-100 /
permuted-mnist-100, whose runs record their accuracy matrix R in their summary).

A long sequence (more than `evaluation.LONG_SEQUENCE` tasks) fills R sparsely: row i (after task
i) holds task i and i+1, and every seen task only on "full" rows, every ⌈T/10⌉-th and the last
(`evaluation.full_row`). The view reads those full rows: after task t (t = 10, 20, …, 100) the
accuracy of each of the tasks 1..t, averaged over the seeds that finished, beside the accuracy
each task had right after it was trained (R[j, j]). (After task 1 the only seen task is
evaluated too: t = 1 is the first full row.)

    memories = long_memory(manifest)            # {method: MethodMemory}, manifest order
    m.after        (1, 10, 20, ..., 100)        # task counts with a full row
    m.acc          [len(after), T]               # mean over seeds; NaN for tasks not yet seen
    m.final, m.final_std, m.during  [T]

Pure (numpy only): the app's Long memory view and its tests read it; nothing is trained.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .compression import CompressionCurve, Reference
from .sweeps import SweepFileError


@dataclass(frozen=True)
class MethodMemory:
    """One method's memory over a long sequence, averaged over its finished seeds."""

    method: str
    seeds: tuple[int, ...]  # the seeds whose runs finished
    n_tasks: int
    after: tuple[int, ...]  # task counts t (1-based) after which every seen task was evaluated
    acc: np.ndarray  # [len(after), T] accuracy of task j after task t (NaN: j ≥ t or missing)
    final: np.ndarray  # [T] accuracy of every task after the last one (mean over seeds)
    final_std: np.ndarray  # [T] its sample std over seeds (0 for one seed)
    during: np.ndarray  # [T] R[j, j]: right after training task j (mean over seeds)
    mean_final: float  # mean of `final` over tasks, mean over seeds (the summary's mean_final)
    mean_final_std: float  # the sample std over seeds of each seed's mean final (0: one seed)
    forgetting: float  # the runs' summary forgetting, mean over seeds
    compression: float | None  # hypernetwork / target weights (methods with a hypernetwork)
    hnet_params: int | None  # trainable hypernetwork weights (summary's hnet_params)
    target_params: int | None  # target network weights
    ms_per_step: float | None  # training ms per step, mean over seeds (None: not recorded)


def _cell(v: Any) -> float:
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else math.nan


def full_rows(R: list[list[Any]]) -> dict[int, list[float]]:
    """{t: accuracies of tasks 1..t after task t} for the rows of R that hold every seen task
    (t = row index + 1)."""
    out = {}
    for i, row in enumerate(R):
        seen = [_cell(v) for v in row[:i + 1]]
        if len(seen) == i + 1 and not any(math.isnan(v) for v in seen):
            out[i + 1] = seen
    return out


def _ok_runs(d: dict[str, Any], method: str) -> list[dict[str, Any]]:
    return [r for r in d.get("runs", []) if r.get("method") == method and r.get("status") == "ok"
            and isinstance((r.get("summary") or {}).get("acc_matrix"), list)]


def _mean(values: list[float | None]) -> float | None:
    vals = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    return float(np.mean(vals)) if vals else None


def method_memory(d: dict[str, Any], method: str) -> MethodMemory | None:
    """`method`'s memory from manifest `d` (`analysis.sweeps.read_manifest`'s shape), or None
    when none of its runs finished. SweepFileError when its runs disagree on the number of
    tasks."""
    runs = _ok_runs(d, method)
    if not runs:
        return None
    sizes = {len(r["summary"]["acc_matrix"]) for r in runs}
    if len(sizes) != 1:
        raise SweepFileError(f"the {method} runs have different numbers of tasks: {sorted(sizes)}")
    T = sizes.pop()
    rows = [full_rows(r["summary"]["acc_matrix"]) for r in runs]
    after = tuple(sorted(set.intersection(*(set(x) for x in rows))))
    if T not in after:
        raise SweepFileError(f"the {method} runs have no complete last row of R")
    acc = np.full((len(after), len(runs), T), np.nan)
    for k, t in enumerate(after):
        for s, x in enumerate(rows):
            acc[k, s, :t] = x[t]
    during = np.array([[_cell(r["summary"]["acc_matrix"][j][j]) for j in range(T)]
                       for r in runs])  # [S, T]
    final = acc[-1]  # [S, T]
    summaries = [r["summary"] for r in runs]
    return MethodMemory(
        method=method, seeds=tuple(int(r.get("seed", 0)) for r in runs), n_tasks=T, after=after,
        acc=acc.mean(axis=1),  # the same cells are there in every run (NaN: not seen yet)
        final=final.mean(axis=0),
        final_std=final.std(axis=0, ddof=1) if len(runs) > 1 else np.zeros(T),
        during=during.mean(axis=0),
        mean_final=float(final.mean()),
        mean_final_std=float(final.mean(axis=1).std(ddof=1)) if len(runs) > 1 else 0.0,
        forgetting=_mean([s.get("forgetting") for s in summaries]) or 0.0,
        compression=_mean([s.get("compression") for s in summaries]),
        hnet_params=summaries[0].get("hnet_params"),
        target_params=summaries[0].get("target_params"),
        ms_per_step=_mean([s.get("ms_per_step") for s in summaries]))


def merge_manifests(docs: Sequence[tuple[str, dict[str, Any]]],
                    owner: dict[str, str] | None = None) -> dict[str, Any]:
    """One manifest from an experiment's bundled manifests `docs` [(file name, manifest)]:
    each method's runs from the manifest `owner` names for it (the reproduction table's row for
    the method: a narrowed `reproduce --methods` run that replaced a method's cell leaves that
    method's older runs in the manifest they came from), from all of them where it names none
    or a file that is not among `docs`."""
    owner = {m: f for m, f in (owner or {}).items() if f in {name for name, _ in docs}}
    methods = list(dict.fromkeys(m for _, d in docs for m in d.get("methods") or []))
    runs = [r for name, d in docs for r in d.get("runs", [])
            if owner.get(str(r.get("method")), name) == name]
    return {"methods": methods, "runs": runs}


def long_memory(d: dict[str, Any]) -> dict[str, MethodMemory]:
    """Every method of manifest `d` with a finished run: {method: MethodMemory}, in the
    manifest's method order. SweepFileError when there is none."""
    methods = list(dict.fromkeys([*(d.get("methods") or []),
                                  *(str(r.get("method")) for r in d.get("runs", []))]))
    out = {}
    for m in methods:
        mem = method_memory(d, m)
        if mem is not None:
            out[m] = mem
    if not out:
        raise SweepFileError("no finished run with an accuracy matrix")
    return out


def ratio_view(mem: dict[str, MethodMemory]) -> tuple[list[CompressionCurve],
                                                      dict[str, Reference]]:
    """The bundled runs as the accuracy-against-compression figure's data
    (`compression_figures.compression_fig`): each method with a hypernetwork one point at its
    compression ratio (mean final accuracy ± std over seeds), the others reference lines."""
    curves, refs = [], {}
    for name, m in mem.items():
        n = len(m.seeds)
        if m.compression is None:
            refs[name] = Reference(name, m.mean_final, m.mean_final_std, n)
            continue
        curves.append(CompressionCurve(
            label=f"{name} ({m.n_tasks} tasks)", ratio=np.array([m.compression]),
            mean=np.array([m.mean_final]), std=np.array([m.mean_final_std]),
            n_seeds=np.array([n]), hnet_params=np.array([m.hnet_params or 0]),
            target_params=np.array([m.target_params or 0]),
            point_labels=(f"ratio {m.compression:.2f}",)))
    return curves, refs
