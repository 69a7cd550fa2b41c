"""One analysis call per view: plane_view, network_view, path_view, projection_view return what
the Embedding space and Interpolation pages draw, consistent with each other and with the run."""

from __future__ import annotations

import numpy as np
import pytest

from hnviz.analysis import embedding_views as views
from hnviz.analysis import generated
from hnviz.analysis.landscape import embedding_plane
from hnviz.analysis.points import EmbeddingPoint
from tests.test_analysis_generated import tiny_run


@pytest.fixture(scope="module")
def run():
    return tiny_run()  # 1-D regression, 3 tasks, 2-D embeddings


@pytest.fixture(scope="module")
def plane(run):
    return views.plane_view(run, resolution=12, margin=0.3)


def test_plane_view_landscape_and_trajectories(run, plane) -> None:
    land = plane.landscape
    assert land.values.shape == (3, 12, 12) and land.values.dtype == np.float32
    assert land.u.dtype == land.v.dtype == np.float32 and plane.axis_names == ("e₁", "e₂")
    assert set(plane.trajectories) == {0, 1, 2}
    for t, tr in plane.trajectories.items():  # each path ends at the learned embedding
        np.testing.assert_array_equal(tr[-1], land.task_points[t])


def test_a_click_gives_exactly_the_evaluated_grid_network(run, plane) -> None:
    land = plane.landscape
    uv, vals = land.click_grid(6)  # stride 2 on the 12-point grid
    assert uv.shape == (36, 2) and vals.shape == (3, 36)
    m = 14
    point = EmbeddingPoint.from_click({"customdata": [float(x) for x in uv[m]]}, land.plane)
    i, j = int(np.flatnonzero(land.v == uv[m, 1])[0]), int(np.flatnonzero(land.u == uv[m, 0])[0])
    np.testing.assert_array_equal(point.to_array(), land.grid_embeddings()[i * 12 + j])
    nv = views.network_view(run, point)
    np.testing.assert_allclose(nv.metrics, land.values[:, i, j], rtol=1e-5)
    np.testing.assert_array_equal(vals[:, m], land.values[:, i, j])


def test_network_view_at_a_task_embedding_is_that_task_network(run) -> None:
    E = generated.task_embeddings(run)
    assert E.dtype == np.float32
    own = views.own_metrics(run)
    np.testing.assert_allclose(own, run.evaluate(range(3)), rtol=1e-6)
    nv = views.network_view(run, EmbeddingPoint.of(E[1]))
    assert nv.metrics[1] == pytest.approx(own[1], rel=1e-5)
    assert nv.xs.shape == nv.curves.shape == nv.own_curves.shape == (3, views.CURVE_POINTS)
    np.testing.assert_allclose(nv.curves[1], nv.own_curves[1], rtol=1e-5, atol=1e-6)
    assert len(nv.data) == 3


@pytest.mark.parametrize("kind", ["linear", "spherical"])
def test_path_view_from_task_to_task(run, kind) -> None:
    E = generated.task_embeddings(run)
    a, b = EmbeddingPoint.of(E[0]), EmbeddingPoint.of(E[2])
    pv = views.path_view(run, a, b, kind, extrapolate=True)
    assert pv.alphas[0] == -0.5 and pv.alphas[-1] == 1.5 and len(pv.alphas) == 41
    assert pv.path.dtype == np.float32 and pv.path.shape == (41, 2)
    i0, i1 = pv.index_of(0.0), pv.index_of(1.0)
    np.testing.assert_array_equal(pv.path[i0], E[0])  # the endpoints exactly
    np.testing.assert_array_equal(pv.path[i1], E[2])
    own = views.own_metrics(run)
    assert pv.metrics.shape == (41, 3)
    assert pv.metrics[i0, 0] == pytest.approx(own[0], rel=1e-5)
    assert pv.metrics[i1, 2] == pytest.approx(own[2], rel=1e-5)
    assert pv.curves.shape == (41, 3, views.CURVE_POINTS)
    np.testing.assert_array_equal(pv.path_uv, pv.path)  # 2-D: the plane is the space
    np.testing.assert_array_equal(pv.task_uv, E)
    assert not pv.straight


def test_path_view_on_the_pca_plane_and_degenerate_slerp() -> None:
    run = tiny_run(emb_dim=4)
    E = generated.task_embeddings(run)
    a = EmbeddingPoint.of(E[0])
    pv = views.path_view(run, a, EmbeddingPoint.of(E[1]), "linear")
    plane = embedding_plane(E)
    np.testing.assert_allclose(pv.path_uv, plane.to_plane(pv.path), rtol=1e-6)
    assert pv.axis_names[0].startswith("PC1") and "PCA" in pv.plane_title
    parallel = views.path_view(run, a, EmbeddingPoint.of(2 * E[0]), "spherical")
    assert parallel.straight
    with pytest.raises(ValueError):
        views.path_view(run, a, EmbeddingPoint.of([0.0, 1.0]))


def test_projection_view_trajectories_end_at_the_learned_embeddings(run) -> None:
    pr = views.projection_view(run, "pca", 2, with_traj=True)
    assert pr.final.shape == (3, 2) and set(pr.trajectories) == {0, 1, 2}
    for t, tr in pr.trajectories.items():
        np.testing.assert_array_equal(tr[-1], pr.final[t])
    plain = views.projection_view(run, "pca", 2, with_traj=False)
    assert plain.trajectories == {} and len(plain.projection.coords) == 3
