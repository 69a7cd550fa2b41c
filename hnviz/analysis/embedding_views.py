"""Everything one view of the Embedding space and Interpolation pages draws, in one call each.

    plane_view(trainer, resolution, margin)               -> PlaneView
        the performance landscape (its click grid: `Landscape.click_grid`) and the training
        trajectories on its plane
    network_view(trainer, point)                          -> NetworkView
        the network generated at an `EmbeddingPoint`: its metric on every task next to each
        task's own network, and (regression) its functions on every task's inputs
    path_view(trainer, a, b, kind, extrapolate)           -> PathView
        a walk from point a to point b: α grid, path [A, D], metrics [A, T], (regression) the
        functions along it [A, T, X], and the path drawn on a plane
    projection_view(trainer, method, k, seed, params, with_traj) -> ProjectionView
        the task embeddings (and trajectories) projected by PCA / UMAP / t-SNE

The pages cache each call by (run version, the view's parameters); a point is its own cache key.
Embeddings stay float32 from the hypernetwork to the figures (no float64 round trip).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import generated, interpolation, trajectories
from .landscape import Landscape, compute_landscape, embedding_plane
from .points import EmbeddingPoint
from .projections import Projection, project
from .views import regression_data

CURVE_POINTS = 120  # x values per task for the regression curves
CURVE_PAD = 0.05  # the curves extend this fraction of each task's input range beyond it
STEPS_PER_UNIT = 20  # α = i / 20
EXTRAPOLATE = (-0.5, 1.5)  # α range with "extrapolate"


def own_metrics(trainer) -> np.ndarray:
    """Each task's metric with its own learned embedding (the run's current state): [T] float32.
    A finished run's last accuracy-matrix row, else a fresh evaluation."""
    R = trainer.history.get("R") or []
    if trainer.finished and len(R) == trainer.n_tasks:
        return np.asarray(R[-1], dtype=np.float32)
    return np.asarray(trainer.evaluate(range(trainer.n_tasks)), dtype=np.float32)


# ----------------------------------------------------------------------------------- plane
@dataclass(frozen=True)
class PlaneView:
    landscape: Landscape
    trajectories: dict[int, np.ndarray]  # task -> [n + 1, 2] float32 plane coords, ending at e_t
    axis_names: tuple[str, str]


def plane_axis_names(landscape: Landscape) -> tuple[str, str]:
    if landscape.plane.is_identity:
        return "e₁", "e₂"
    return "PC1 of the embeddings", "PC2 of the embeddings"


def plane_view(trainer, resolution: int, margin: float) -> PlaneView:
    """The landscape of the run's embedding plane and each task's training trajectory on it."""
    land = compute_landscape(trainer, resolution, margin)
    final = generated.task_embeddings(trainer)  # [T, D]
    trajs = {}
    for t, (_steps, e) in trajectories.embedding_trajectories(trainer.history).items():
        if t < len(final):
            trajs[t] = land.plane.to_plane(np.concatenate([e, final[t:t + 1]])).astype(np.float32)
    return PlaneView(land, trajs, plane_axis_names(land))


# ----------------------------------------------------------------------------------- network
@dataclass(frozen=True)
class NetworkView:
    point: EmbeddingPoint
    metrics: np.ndarray  # [T] float32: the generated network on every task's test set
    own: np.ndarray  # [T] float32: each task's own network (its learned embedding)
    xs: np.ndarray | None = None  # [T, X] regression: inputs per task
    curves: np.ndarray | None = None  # [T, X] the generated network, task t's head on xs[t]
    own_curves: np.ndarray | None = None  # [T, X] each task's own network
    data: list | None = None  # regression: [(x [N], y [N])] per task (views.regression_data)


def network_view(trainer, point: EmbeddingPoint) -> NetworkView:
    """What the network generated at `point` does: W = f_h(e, θ_h), scored on every task."""
    e = point.to_array()[None]  # [1, D]
    metrics = generated.evaluate_embeddings(trainer, e)[0]  # [T]
    own = own_metrics(trainer)
    if not trainer.seq.is_regression:
        return NetworkView(point, metrics, own)
    xs = generated.regression_inputs(trainer, CURVE_POINTS, pad=CURVE_PAD)  # [T, X]
    curves = generated.regression_curves(trainer, e, xs)[0]  # [T, X]
    return NetworkView(point, metrics, own, xs, curves, generated.task_functions(trainer, xs),
                       regression_data(trainer.seq))


# ----------------------------------------------------------------------------------- path
@dataclass(frozen=True)
class PathView:
    a: EmbeddingPoint
    b: EmbeddingPoint
    kind: str  # the path asked for: "linear" | "spherical"
    straight: bool  # spherical asked for but the arc is undefined: the path is the straight line
    alphas: np.ndarray  # [A] float64, α = i / 20 exactly
    path: np.ndarray  # [A, D] float32
    metrics: np.ndarray  # [A, T] float32
    path_uv: np.ndarray  # [A, 2] float32: the path on the drawing plane
    task_uv: np.ndarray  # [T, 2] float32: the learned embeddings on it
    axis_names: tuple[str, str]
    plane_title: str
    xs: np.ndarray | None = None  # [T, X] regression
    curves: np.ndarray | None = None  # [A, T, X]
    data: list | None = None

    def index_of(self, alpha: float) -> int:
        """The frame nearest to α."""
        return int(np.argmin(np.abs(self.alphas - float(alpha))))


def alpha_range(extrapolate: bool) -> tuple[float, float]:
    return EXTRAPOLATE if extrapolate else (0.0, 1.0)


def _drawing_plane(embs: np.ndarray, path: np.ndarray):
    """(path [A, 2], tasks [T, 2], axis names, title): D = 1 on a line, D = 2 as is, D > 2 on
    the PCA plane of the task embeddings (the landscape's plane)."""
    if embs.shape[1] == 1:
        def pad(x):
            return np.hstack([x, np.zeros_like(x)])
        return pad(path), pad(embs), ("e", ""), "The path in embedding space"
    plane = embedding_plane(embs)
    if plane.is_identity:
        return path, embs, ("e₁", "e₂"), "The path in embedding space"
    return (plane.to_plane(path), plane.to_plane(embs), ("PC1 of the embeddings",
            "PC2 of the embeddings"), "The path in the PCA plane of the embeddings")


def path_view(trainer, a: EmbeddingPoint, b: EmbeddingPoint, kind: str = "linear",
              extrapolate: bool = False) -> PathView:
    """The walk e(α) from a to b (see `interpolation`) and what the network does along it."""
    if a.dim != b.dim:
        raise ValueError(f"endpoints of different dimensions ({a.dim} and {b.dim})")
    ea, eb = a.to_array(), b.to_array()
    alphas = interpolation.alpha_grid(STEPS_PER_UNIT, *alpha_range(extrapolate))  # [A]
    path = interpolation.interpolate(ea, eb, alphas, kind)  # [A, D] float32
    straight = kind == "spherical" and interpolation.is_degenerate_slerp(ea, eb)
    metrics = generated.evaluate_embeddings(trainer, path)  # [A, T]
    embs = generated.task_embeddings(trainer)
    puv, tuv, axes, title = _drawing_plane(embs, path)
    kw = {}
    if trainer.seq.is_regression:
        xs = generated.regression_inputs(trainer, CURVE_POINTS, pad=CURVE_PAD)
        kw = dict(xs=xs, curves=generated.regression_curves(trainer, path, xs),
                  data=regression_data(trainer.seq))
    return PathView(a, b, kind, straight, alphas, path, metrics, puv.astype(np.float32),
                    tuv.astype(np.float32), axes, title, **kw)


# ----------------------------------------------------------------------------------- projection
@dataclass(frozen=True)
class ProjectionView:
    projection: Projection  # of the final embeddings [+ every trajectory point]
    final: np.ndarray  # [T, k] the learned embeddings
    trajectories: dict[int, np.ndarray]  # task -> [n + 1, k], ending at the learned embedding
    own: np.ndarray  # [T] each task's metric (for hover and colour)


def projection_view(trainer, method: str, k: int, seed: int = 0,
                    params: tuple = (None, 0.1, None), with_traj: bool = True) -> ProjectionView:
    """Task embeddings projected to k dimensions; params = (n_neighbors, min_dist, perplexity).
    With trajectories, every recorded embedding is part of the fit (UMAP and t-SNE only place
    points they were fitted on)."""
    final = generated.task_embeddings(trainer)  # [T, D]
    T = len(final)
    tasks, pts = trajectories.stacked(trajectories.embedding_trajectories(trainer.history)) \
        if with_traj else (np.zeros(0, dtype=np.int64), np.zeros((0, final.shape[1])))
    x = np.concatenate([final, pts]) if len(pts) else final
    n_neighbors, min_dist, perplexity = params
    proj = project(x, method, k, seed, n_neighbors=n_neighbors, min_dist=min_dist,
                   perplexity=perplexity)
    coords = proj.coords
    trajs = {}
    for t in range(T):
        m = np.flatnonzero(tasks == t) + T
        if len(m):
            trajs[t] = np.concatenate([coords[m], coords[t:t + 1]])
    return ProjectionView(proj, coords[:T], trajs, own_metrics(trainer))
