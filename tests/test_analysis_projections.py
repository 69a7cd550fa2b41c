"""Projections (PCA / t-SNE / UMAP): determinism per seed, explained variance, tiny-n fallback;
embedding trajectories from the training history."""

from __future__ import annotations

import numpy as np
import pytest

from hnviz.analysis import projections, trajectories

X = np.random.default_rng(0).normal(size=(24, 8)) * np.linspace(3, 0.1, 8)  # [N, D]


def test_pca_explained_variance_and_transform() -> None:
    pr = projections.project(X, "pca", k=3)
    assert pr.method == "pca" and pr.coords.shape == (24, 3) and not pr.note
    assert list(pr.explained) == sorted(pr.explained, reverse=True)
    assert 0 < sum(pr.explained) <= 1 + 1e-9
    np.testing.assert_allclose(pr.pca.transform(X), pr.coords, rtol=1e-5, atol=1e-5)
    ref = np.linalg.svd(X - X.mean(0), compute_uv=False) ** 2
    np.testing.assert_allclose(pr.explained, ref[:3] / ref.sum())


def test_pca_pads_when_rank_is_low() -> None:
    pr = projections.project(X[:2, :2], "pca", k=3)
    assert pr.coords.shape == (2, 3) and pr.explained[2] == 0.0
    assert pr.explained[0] == pytest.approx(1.0) and pr.explained[1] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_deterministic_per_seed(method) -> None:
    a, b = projections.project(X, method, seed=3), projections.project(X, method, seed=3)
    np.testing.assert_array_equal(a.coords, b.coords)
    assert a.method == method and a.coords.shape == (24, 2) and a.coords.dtype == np.float32


@pytest.mark.slow
def test_umap_deterministic_per_seed() -> None:
    a = projections.project(X, "umap", seed=1, n_neighbors=5, min_dist=0.2)
    b = projections.project(X, "umap", seed=1, n_neighbors=5, min_dist=0.2)
    assert a.method == "umap"
    np.testing.assert_array_equal(a.coords, b.coords)


@pytest.mark.parametrize("method", ["umap", "tsne"])
def test_tiny_sets_fall_back_to_pca_with_a_reason(method) -> None:
    pr = projections.project(X[:3], method)
    assert pr.method == "pca" and pr.requested == method and "only 3" in pr.note


def test_default_parameters_for_small_sets() -> None:
    assert projections.default_perplexity(7) == pytest.approx(2.0)
    assert projections.default_perplexity(1000) == 30.0
    assert projections.default_n_neighbors(6) == 5 and projections.default_n_neighbors(100) == 15


def test_tsne_perplexity_too_large_is_clamped() -> None:
    pr = projections.project(X[:9], "tsne", perplexity=50)
    assert pr.method == "tsne" and "perplexity" in pr.note


def test_trajectories_grouped_by_task() -> None:
    hist = {"emb_traj": [{"step": 5, "task": 0, "emb": [0, 0]}, {"step": 10, "task": 0,
                                                                 "emb": [1, 0]},
                         {"step": 15, "task": 1, "emb": [2, 2]}]}
    trajs = trajectories.embedding_trajectories(hist)
    assert list(trajs) == [0, 1]
    np.testing.assert_array_equal(trajs[0][0], [5, 10])
    np.testing.assert_array_equal(trajs[0][1], [[0, 0], [1, 0]])
    tasks, pts = trajectories.stacked(trajs)
    np.testing.assert_array_equal(tasks, [0, 0, 1])
    np.testing.assert_array_equal(pts, [[0, 0], [1, 0], [2, 2]])
    assert trajectories.embedding_trajectories({}) == {}
