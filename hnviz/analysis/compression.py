"""Accuracy against compression ratio, read from sweep manifests (the paper's compressive regime).

A compression sweep trains HNET over hypernetwork sizes (e.g. `hnet.chunk_size` × `hnet.hidden`)
and seeds; a baseline sweep trains other methods (fine-tuning, EWC) with the same budget. For
each grid point the compression ratio

    ratio = hypernetwork weights (θ_h, chunk and task embeddings) / target network weights

is computed from the point's config by arithmetic (`hnviz.core.sizes.param_counts`; no model is
built), and the final accuracy averaged over tasks (`summary.mean_final`) is averaged over seeds.
Points are grouped into curves by one field (`hnet.hidden` by default: one line per hypernetwork
body, its chunk sizes along it). Failed or unfinished runs are left out of the means.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from hnviz.core.config import RunConfig
from hnviz.core.sizes import param_counts

from .sweeps import SweepFileError, format_value, read_manifest

CURVE_FIELD = "hnet.hidden"


@dataclass(frozen=True)
class CompressionCurve:
    """One line of the figure: points of one value of the curve field, ordered by ratio."""

    label: str  # "hidden 32x32"
    ratio: np.ndarray  # [P] hypernet / target weights
    mean: np.ndarray  # [P] final accuracy, mean over seeds
    std: np.ndarray  # [P] its std over seeds (0 for one seed)
    n_seeds: np.ndarray  # [P] finished runs per point
    hnet_params: np.ndarray  # [P] int
    target_params: np.ndarray  # [P] int
    point_labels: tuple[str, ...]  # [P] "chunk_size 400 · hidden 32x32"


@dataclass(frozen=True)
class Reference:
    """A baseline's final accuracy (mean and std over its finished runs)."""

    method: str
    mean: float
    std: float
    n: int


@dataclass(frozen=True)
class CompressionSweep:
    benchmark: str
    iters_per_task: int
    seeds: tuple[int, ...]
    curves: tuple[CompressionCurve, ...]
    refs: dict[str, Reference]  # method -> Reference, in manifest order


def point_config(d: dict[str, Any], run: dict[str, Any]) -> RunConfig:
    """The config of a manifest run: its base config with the run's swept fields set."""
    key = f"{run.get('benchmark')}|{run.get('method')}"
    base = (d.get("base_configs") or {}).get(key)
    if not isinstance(base, dict):
        raise SweepFileError(f"the manifest has no base config for {key}")
    sections: dict[str, dict[str, Any]] = {}
    for name, value in (run.get("params") or {}).items():
        section, _, attr = name.partition(".")
        if not attr:
            section, attr = "train", name
        sections.setdefault(section, {})[attr] = tuple(value) if isinstance(value, list) \
            else value
    return RunConfig.from_dict(base).replace(**sections)


def _final(run: dict[str, Any]) -> float | None:
    if run.get("status") != "ok":
        return None
    v = (run.get("summary") or {}).get("mean_final")
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None


def _mean_std(vals: list[float]) -> tuple[float, float]:
    a = np.asarray(vals, dtype=np.float64)
    return float(a.mean()), float(a.std(ddof=1)) if len(a) > 1 else 0.0


def compression_curves(d: dict[str, Any], method: str = "hnet",
                       curve_field: str = CURVE_FIELD) -> list[CompressionCurve]:
    """The curves of `method`'s runs in manifest `d` (read_manifest's shape), one per value of
    `curve_field` (one curve if the sweep does not vary it)."""
    points: dict[tuple, list[float]] = defaultdict(list)
    first: dict[tuple, dict[str, Any]] = {}
    for r in d["runs"]:
        if r.get("method") != method:
            continue
        key = tuple(sorted((f, format_value(v)) for f, v in (r.get("params") or {}).items()))
        first.setdefault(key, r)
        v = _final(r)
        if v is not None:
            points[key].append(v)
    groups: dict[str, list[tuple]] = defaultdict(list)
    for key in first:
        if points.get(key):
            groups[dict(key).get(curve_field, "")].append(key)
    curves = []
    for value, keys in groups.items():
        rows = []
        for key in keys:
            pc = param_counts(point_config(d, first[key]))
            if pc.hnet is None:
                raise SweepFileError(f"{method} has no hypernetwork: no compression ratio")
            m, s = _mean_std(points[key])
            label = " · ".join(f"{f.split('.')[-1]} {v}" for f, v in key)
            rows.append((pc.hnet / pc.target, m, s, len(points[key]), pc.hnet, pc.target, label))
        rows.sort()
        cols = list(zip(*rows))
        name = curve_field.split(".")[-1]
        curves.append(CompressionCurve(
            f"{name} {value}" if value else method, np.asarray(cols[0]), np.asarray(cols[1]),
            np.asarray(cols[2]), np.asarray(cols[3], dtype=np.int64),
            np.asarray(cols[4], dtype=np.int64), np.asarray(cols[5], dtype=np.int64),
            tuple(cols[6])))
    curves.sort(key=lambda c: c.hnet_params.min())
    return curves


def references(d: dict[str, Any]) -> dict[str, Reference]:
    """Every method's mean final accuracy over all its finished runs in `d`."""
    vals: dict[str, list[float]] = {}
    for r in d["runs"]:
        v = _final(r)
        if v is not None:
            vals.setdefault(str(r.get("method")), []).append(v)
    return {m: Reference(m, *_mean_std(v), len(v)) for m, v in vals.items()}


def load_compression(hnet_sweep: str | os.PathLike, baseline_sweep: str | os.PathLike | None,
                     method: str = "hnet", curve_field: str = CURVE_FIELD) -> CompressionSweep:
    """The compression figure's numbers from a sweep folder of `method` over hypernetwork sizes
    and (optionally) one of baselines trained with the same benchmark and iterations. Raises
    SweepFileError (one line) for unreadable, mismatched or empty sweeps."""
    d = read_manifest(hnet_sweep)
    curves = compression_curves(d, method, curve_field)
    if not curves:
        raise SweepFileError(f"{hnet_sweep}: no finished {method} runs")
    refs: dict[str, Reference] = {}
    if baseline_sweep is not None:
        b = read_manifest(baseline_sweep)
        if b.get("benchmark") != d.get("benchmark") or \
                b.get("iters_per_task") != d.get("iters_per_task"):
            raise SweepFileError(f"{baseline_sweep} was trained on another benchmark or budget "
                                 f"than {hnet_sweep}")
        refs = {m: r for m, r in references(b).items() if m != method}
    return CompressionSweep(str(d["benchmark"]), int(d.get("iters_per_task") or 0),
                            tuple(int(s) for s in d.get("seeds") or ()), tuple(curves), refs)
