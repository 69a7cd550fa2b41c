"""2-D / 3-D projections of task embeddings: PCA, UMAP, t-SNE.

PCA is linear and can project new points with the same map (trajectories, interpolation paths):

    z = (e − μ) · Vₖᵀ        Vₖ: top-k right singular vectors of the centred embeddings

explained variance ratio of component i = σᵢ² / Σⱼ σⱼ². UMAP and t-SNE are non-linear and only
place the points they were fitted on, so trajectory points must be part of the fit to be drawn.
Both need more than a handful of points; with fewer (`MIN_POINTS`) the projection falls back to
PCA and says why in `Projection.note`. UMAP is imported only when asked for (numba JIT: slow).
All three are deterministic for a given seed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

METHODS = ("pca", "umap", "tsne")
MIN_POINTS = {"pca": 1, "umap": 8, "tsne": 8}
LABELS = {"pca": "PCA", "umap": "UMAP", "tsne": "t-SNE"}


@dataclass(frozen=True)
class PCAModel:
    mean: np.ndarray  # [D]
    components: np.ndarray  # [k, D] orthonormal rows (zero rows when k > rank)
    explained: np.ndarray  # [k] explained variance ratio per component

    def transform(self, x: np.ndarray) -> np.ndarray:
        """[N, D] -> [N, k]."""
        return (np.asarray(x, dtype=np.float64) - self.mean) @ self.components.T


def pca_fit(x: np.ndarray, k: int = 2) -> PCAModel:
    """PCA by SVD with a deterministic sign (largest-magnitude loading positive)."""
    x = np.asarray(x, dtype=np.float64)  # [N, D]
    mu = x.mean(axis=0)
    _, s, vt = np.linalg.svd(x - mu, full_matrices=False)  # s [r], vt [r, D]
    var = s**2
    total = var.sum()
    comps = np.zeros((k, x.shape[1]))
    ratio = np.zeros(k)
    r = min(k, vt.shape[0])
    comps[:r] = vt[:r]
    if total > 0:
        ratio[:r] = var[:r] / total
    for i in range(r):
        if comps[i, np.argmax(np.abs(comps[i]))] < 0:
            comps[i] *= -1
    return PCAModel(mu, comps, ratio)


@dataclass(frozen=True)
class Projection:
    coords: np.ndarray  # [N, k] float32
    method: str  # the method actually used
    requested: str  # the method asked for
    explained: tuple[float, ...] = ()  # PCA only: explained variance ratio per axis
    note: str = ""  # why a fallback happened (empty when none)
    pca: PCAModel | None = None  # PCA only: to project more points the same way


def default_perplexity(n: int) -> float:
    """t-SNE perplexity for n points: 30 for big sets, about (n − 1)/3 for small ones."""
    return float(max(1.0, min(30.0, (n - 1) / 3)))


def default_n_neighbors(n: int) -> int:
    return int(max(2, min(15, n - 1)))


def project(x: np.ndarray, method: str = "pca", k: int = 2, seed: int = 0,
            n_neighbors: int | None = None, min_dist: float = 0.1,
            perplexity: float | None = None) -> Projection:
    """Project points x [N, D] to k dimensions with `method` (see module docstring)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    if method != "pca" and n < MIN_POINTS[method]:
        note = (f"{LABELS[method]} needs at least {MIN_POINTS[method]} points and there are "
                f"only {n}; showing PCA instead.")
        return _pca(x, k, method, note)
    if method == "pca":
        return _pca(x, k, method, "")
    if method == "tsne":
        return _tsne(x, k, seed, perplexity)
    return _umap(x, k, seed, n_neighbors, min_dist)


def _pca(x: np.ndarray, k: int, requested: str, note: str) -> Projection:
    model = pca_fit(x, k)
    return Projection(model.transform(x).astype(np.float32), "pca", requested,
                      tuple(float(r) for r in model.explained), note, model)


def _tsne(x: np.ndarray, k: int, seed: int, perplexity: float | None) -> Projection:
    from sklearn.manifold import TSNE

    n = x.shape[0]
    p = default_perplexity(n) if perplexity is None else float(perplexity)
    note = ""
    if p >= n:
        p, note = default_perplexity(n), f"perplexity must be below the number of points ({n}); used {default_perplexity(n):.3g}."
    init = "pca" if x.shape[1] >= k else "random"
    tsne = TSNE(n_components=k, perplexity=p, init=init, random_state=seed,
                method="exact" if k > 2 or n < 200 else "barnes_hut", learning_rate="auto")
    return Projection(tsne.fit_transform(x).astype(np.float32), "tsne", "tsne", note=note)


def _umap(x: np.ndarray, k: int, seed: int, n_neighbors: int | None,
          min_dist: float) -> Projection:
    import umap  # lazy: importing umap compiles numba code (seconds)

    n = x.shape[0]
    nn = default_n_neighbors(n) if n_neighbors is None else int(n_neighbors)
    note = ""
    if nn >= n:
        nn, note = n - 1, f"n_neighbors must be below the number of points ({n}); used {n - 1}."
    # spectral init needs a well-connected graph; tiny sets use a random start
    init = "spectral" if n > max(2 * nn, 20) else "random"
    reducer = umap.UMAP(n_components=k, n_neighbors=max(2, nn), min_dist=float(min_dist),
                        random_state=seed, init=init, n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        coords = reducer.fit_transform(x)
    return Projection(np.asarray(coords, dtype=np.float32), "umap", "umap", note=note)
