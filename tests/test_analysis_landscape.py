"""Landscape grid, plane and correctness against direct evaluation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hnviz.analysis import generated, landscape
from tests.test_analysis_generated import tiny_run


@pytest.fixture(scope="module")
def run():
    return tiny_run()


def test_grid_axes_cover_bounding_box_with_margin() -> None:
    pts = np.array([[0.0, 0.0], [2.0, 1.0]])
    u, v = landscape.grid_axes(pts, 11, margin=0.25, min_span=0.5)
    assert (u[0], u[-1]) == pytest.approx((-0.5, 2.5))
    assert (v[0], v[-1]) == pytest.approx((-0.25, 1.25))
    with pytest.raises(ValueError):
        landscape.grid_axes(pts, 1)


def test_plane_is_identity_in_2d_and_pca_plane_otherwise() -> None:
    assert landscape.embedding_plane(np.eye(2)).is_identity
    e = np.random.default_rng(0).normal(size=(3, 5))
    plane = landscape.embedding_plane(e)
    np.testing.assert_allclose(plane.basis @ plane.basis.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(plane.distance(e), 0, atol=1e-12)  # 3 points span a plane
    np.testing.assert_allclose(plane.to_emb(plane.to_plane(e)), e, atol=1e-12)


def test_landscape_values_equal_direct_evaluation(run) -> None:
    ls = landscape.compute_landscape(run, resolution=9, margin=0.2)
    assert ls.values.shape == (3, 9, 9) and ls.metric == "mse"
    for i, j in [(0, 0), (4, 7), (8, 3)]:
        e = torch.tensor([ls.u[j], ls.v[i]], dtype=torch.float32)
        w = run.method.generate(e)  # [P]
        direct = [run.metric(run.target.head(_fwd(run, w, t), t), run.seq.tasks[t].y_test)
                  for t in range(3)]
        np.testing.assert_allclose(ls.values[:, i, j], direct, rtol=1e-4, atol=1e-6)


def _fwd(run, w, t):
    from hnviz.core.targets import forward

    return forward(run.target, w, run.seq.tasks[t].x_test)


def test_landscape_at_learned_embedding_equals_trainer(run) -> None:
    # A grid whose centre is the learned embedding of task 1: that grid point is e_1 itself.
    e1 = generated.task_embeddings(run)[1]
    plane = landscape.embedding_plane(generated.task_embeddings(run))
    u = np.float32(e1[0]) + np.linspace(-1, 1, 5, dtype=np.float32)
    v = np.float32(e1[1]) + np.linspace(-1, 1, 5, dtype=np.float32)
    grid = landscape.Landscape(u, v, np.zeros(0), "", np.zeros((3, 2)), np.zeros(3), plane)
    vals = generated.evaluate_embeddings(run, grid.grid_embeddings())  # [25, T]
    assert vals[12, 1] == pytest.approx(run.evaluate([1])[0], rel=1e-5, abs=1e-6)


def test_combined_views(run) -> None:
    ls = landscape.compute_landscape(run, resolution=6)
    d = ls.display_values()
    np.testing.assert_allclose(d, np.log10(ls.values), rtol=1e-5)  # MSE shown as log10
    np.testing.assert_array_equal(ls.best(), d.min(axis=0))
    np.testing.assert_array_equal(ls.winner(), d.argmin(axis=0))
    solved = (ls.values <= ls.solved_threshold).any(axis=0)  # MSE: at most 0.05
    assert ls.solved_threshold == 0.05
    np.testing.assert_array_equal(ls.winner(solved_only=True),
                                  np.where(solved, d.argmin(axis=0), -1))
    assert ls.grid_embeddings().shape == (36, 2)


def test_float32_embeddings_give_a_float32_plane_and_grid(run) -> None:
    E = generated.task_embeddings(run)
    assert E.dtype == np.float32
    plane = landscape.embedding_plane(E)
    assert plane.basis.dtype == np.float32 and plane.to_emb([[0.5, 0.25]]).dtype == np.float32
    ls = landscape.compute_landscape(run, resolution=5)
    assert ls.u.dtype == ls.v.dtype == ls.grid_embeddings().dtype == np.float32
    np.testing.assert_array_equal(ls.grid_embeddings()[7], [ls.u[2], ls.v[1]])  # e = (u, v)
