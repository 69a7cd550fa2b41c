"""Performance landscape of the embedding space: how well the network generated at every point of
a plane of task embeddings does on every task.

For 2-D embeddings the plane is the embedding space itself. For D > 2 it is the affine plane
through the mean of the learned embeddings spanned by their first two principal directions,

    e(u, v) = μ + u·b₁ + v·b₂          (b₁, b₂ orthonormal, [D] each)

(exact for 3 tasks, which always lie in one plane; otherwise tasks off the plane are shown at their
projection and their distance to it is reported). The grid covers the bounding box of the learned
embeddings plus a margin; all G² grid networks are evaluated batched (see `generated`).

Precision follows the embeddings: float32 embeddings (what the hypernetwork holds) give a float32
plane, float32 axes and float32 grid embeddings, so a grid point read back from a click
(`points.EmbeddingPoint.on_plane`) is exactly the embedding that was evaluated there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hnviz.core.metrics import metric_named

from .generated import evaluate_embeddings, task_embeddings

MAX_RESOLUTION = 200


@dataclass(frozen=True)
class Plane:
    origin: np.ndarray  # [D] (float32 for a run's embeddings)
    basis: np.ndarray  # [2, D] orthonormal rows, same dtype

    def to_emb(self, uv: np.ndarray) -> np.ndarray:
        """Plane coordinates [N, 2] -> embeddings [N, D] (the plane's dtype)."""
        return self.origin + np.asarray(uv, dtype=self.basis.dtype) @ self.basis

    def to_plane(self, embs: np.ndarray) -> np.ndarray:
        """Embeddings [N, D] -> plane coordinates [N, 2] (orthogonal projection)."""
        return (np.asarray(embs, dtype=self.basis.dtype) - self.origin) @ self.basis.T

    def distance(self, embs: np.ndarray) -> np.ndarray:
        """Euclidean distance of each embedding [N, D] from the plane: [N]."""
        e = np.asarray(embs, dtype=self.basis.dtype)
        return np.linalg.norm(e - self.to_emb(self.to_plane(e)), axis=-1)

    @property
    def is_identity(self) -> bool:
        return self.basis.shape == (2, 2) and bool(np.allclose(self.basis, np.eye(2))) and \
            not np.any(self.origin)


def embedding_plane(embs: np.ndarray) -> Plane:
    """The plane to draw: the embedding space itself for D = 2, the top-2 PCA plane for D > 2.
    Float embeddings keep their dtype (float32 stays float32)."""
    e = np.asarray(embs)  # [T, D]
    if not np.issubdtype(e.dtype, np.floating):
        e = e.astype(np.float64)
    D = e.shape[1]
    if D < 2:
        raise ValueError("a landscape plane needs embeddings of dimension >= 2")
    if D == 2:
        return Plane(np.zeros(2, dtype=e.dtype), np.eye(2, dtype=e.dtype))
    mu = e.mean(axis=0)
    _, _, vt = np.linalg.svd(e - mu, full_matrices=True)  # vt [D, D]
    basis = vt[:2].copy()
    for i in range(2):  # deterministic sign: largest-magnitude loading positive
        if basis[i, np.argmax(np.abs(basis[i]))] < 0:
            basis[i] *= -1
    return Plane(mu, basis)


def grid_axes(points: np.ndarray, resolution: int, margin: float = 0.3,
              min_span: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced axes (u [G], v [G], float32) over the bounding box of `points` [N, 2],
    widened by `margin` × span on each side (span at least `min_span`, so one or close points get
    room)."""
    if not 2 <= resolution <= MAX_RESOLUTION:
        raise ValueError(f"resolution must be in [2, {MAX_RESOLUTION}]")
    p = np.asarray(points, dtype=np.float64)
    lo, hi = p.min(axis=0), p.max(axis=0)
    center, span = (lo + hi) / 2, np.maximum(hi - lo, min_span)
    half = span * (0.5 + margin)
    axes = [np.linspace(center[i] - half[i], center[i] + half[i], resolution, dtype=np.float32)
            for i in range(2)]
    return axes[0], axes[1]


@dataclass(frozen=True)
class Landscape:
    u: np.ndarray  # [G] first plane coordinate (x axis)
    v: np.ndarray  # [G] second plane coordinate (y axis)
    values: np.ndarray  # [T, G_v, G_u] float32: metric of task t at (u_j, v_i) is values[t, i, j]
    metric: str  # "accuracy" | "mse"
    task_points: np.ndarray  # [T, 2] learned embeddings in plane coordinates
    off_plane: np.ndarray  # [T] distance of each learned embedding from the plane
    plane: Plane

    @property
    def higher_is_better(self) -> bool:
        return metric_named(self.metric).higher_is_better

    def display_values(self) -> np.ndarray:
        """What the heatmaps show: accuracy, or log10 MSE (MSE spans decades). [T, G, G]."""
        if self.higher_is_better:
            return self.values
        return np.log10(np.maximum(self.values, 1e-12)).astype(np.float32)

    def best(self) -> np.ndarray:
        """Combined view: best task at every grid point (max accuracy / min log10 MSE). [G, G]."""
        d = self.display_values()
        return d.max(axis=0) if self.higher_is_better else d.min(axis=0)

    def winner(self, solved_only: bool = False) -> np.ndarray:
        """Which task the generated network solves best at every grid point: [G, G] int.
        With `solved_only`, −1 where it solves no task (no task's metric reaches the metric's
        `solved` threshold: `solved_threshold`)."""
        d = self.display_values()
        w = d.argmax(axis=0) if self.higher_is_better else d.argmin(axis=0)
        if solved_only:
            w = np.where(metric_named(self.metric).is_solved(self.values).any(axis=0), w, -1)
        return w

    @property
    def solved_threshold(self) -> float:
        """The value at which a task counts as solved (`core.metrics.Metric.solved`)."""
        return metric_named(self.metric).solved

    def grid_embeddings(self) -> np.ndarray:
        """All grid points as embeddings [G_v·G_u, D] (row-major over (v, u))."""
        uu, vv = np.meshgrid(self.u, self.v)  # [G_v, G_u]
        return self.plane.to_emb(np.stack([uu.ravel(), vv.ravel()], axis=1))

    def click_stride(self, max_per_axis: int) -> int:
        """Every how many grid points a click target sits so there are <= max_per_axis a side."""
        return max(1, int(np.ceil(len(self.u) / max_per_axis)))

    def click_grid(self, max_per_axis: int) -> tuple[np.ndarray, np.ndarray]:
        """The clickable sub-grid: plane coordinates [M, 2] float32 (exact grid values, row-major
        over (v, u)) and every task's metric there [T, M]."""
        s = self.click_stride(max_per_axis)
        ii, jj = np.arange(0, len(self.v), s), np.arange(0, len(self.u), s)
        uu, vv = np.meshgrid(self.u[jj], self.v[ii])  # [g_v, g_u]
        vals = self.values[:, ii][:, :, jj]  # [T, g_v, g_u]
        uv = np.stack([uu.ravel(), vv.ravel()], axis=1).astype(np.float32)
        return uv, vals.reshape(vals.shape[0], -1)


def compute_landscape(trainer, resolution: int = 64, margin: float = 0.3,
                      max_floats: int | None = None) -> Landscape:
    """Evaluate the generated network at every point of a resolution × resolution grid."""
    embs = task_embeddings(trainer)  # [T, D] float32
    plane = embedding_plane(embs)
    pts = plane.to_plane(embs)  # [T, 2]
    u, v = grid_axes(pts, resolution, margin)  # [G] float32 each
    dist = plane.distance(embs)  # [T]
    grid = Landscape(u, v, np.zeros(0), "", pts, dist, plane).grid_embeddings()  # [G², D]
    kw = {} if max_floats is None else {"max_floats": max_floats}
    vals = evaluate_embeddings(trainer, grid, **kw)  # [G², T] float32
    values = vals.T.reshape(trainer.n_tasks, len(v), len(u))
    return Landscape(u, v, values, trainer.metric_name, pts.astype(np.float32),
                     dist.astype(np.float32), plane)
