"""Interpolation paths: exact endpoints (embeddings and generated weights), slerp geometry."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hnviz.analysis import generated, interpolation
from tests.test_analysis_generated import tiny_run


@pytest.fixture(scope="module")
def run():
    return tiny_run()


def test_alpha_grid_hits_endpoints_exactly() -> None:
    a = interpolation.alpha_grid(20, -0.5, 1.5)
    assert len(a) == 41 and a[0] == -0.5 and a[-1] == 1.5
    assert 0.0 in a and 1.0 in a
    np.testing.assert_array_equal(interpolation.alpha_grid(4), [0, 0.25, 0.5, 0.75, 1])
    with pytest.raises(ValueError):
        interpolation.alpha_grid(0)


@pytest.mark.parametrize("kind", interpolation.KINDS)
def test_endpoints_reproduce_task_networks(run, kind) -> None:
    E = generated.task_embeddings(run)  # [T, D]
    alphas = interpolation.alpha_grid(10, -0.5, 1.5)
    path = interpolation.interpolate(E[0], E[2], alphas, kind)  # [A, D]
    i0, i1 = int(np.flatnonzero(alphas == 0)[0]), int(np.flatnonzero(alphas == 1)[0])
    np.testing.assert_array_equal(path[i0], E[0])
    np.testing.assert_array_equal(path[i1], E[2])
    W = generated.generate_weights(run, path)  # [A, P]
    assert torch.allclose(W[i0], run.weights_for(0), atol=1e-6)
    assert torch.allclose(W[i1], run.weights_for(2), atol=1e-6)
    m = generated.evaluate_embeddings(run, path[[i0, i1]])  # [2, T]
    np.testing.assert_allclose([m[0, 0], m[1, 2]], run.evaluate([0, 2]), rtol=1e-5, atol=1e-6)


def test_slerp_follows_the_arc() -> None:
    a, b = np.array([2.0, 0.0]), np.array([0.0, 2.0])
    path = interpolation.slerp(a, b, np.array([0.0, 0.5, 1.0, 1.5]))
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 2.0)  # equal norms stay on circle
    np.testing.assert_allclose(path[1], [np.sqrt(2), np.sqrt(2)])
    np.testing.assert_allclose(path[3], [-np.sqrt(2), np.sqrt(2)], atol=1e-12)  # extrapolated
    assert interpolation.slerp_angle(a, b) == pytest.approx(np.pi / 2)


def test_slerp_formula_with_unequal_norms() -> None:
    a, b, al = np.array([1.0, 0.5, -0.2]), np.array([-0.3, 2.0, 0.7]), 0.3
    om = np.arccos(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    want = np.sin((1 - al) * om) / np.sin(om) * a + np.sin(al * om) / np.sin(om) * b
    np.testing.assert_allclose(interpolation.slerp(a, b, np.array([al]))[0], want)


def test_slerp_degenerate_falls_back_to_linear() -> None:
    a = np.array([1.0, 1.0])
    for b in (2 * a, -a, np.zeros(2)):
        assert interpolation.is_degenerate_slerp(a, b)
        np.testing.assert_allclose(interpolation.slerp(a, b, np.array([0.25])), interpolation.lerp(a, b, [0.25]))


def test_lerp_midpoint_and_bad_kind() -> None:
    np.testing.assert_allclose(interpolation.lerp([0, 0], [2, 4], [0.5]), [[1, 2]])
    with pytest.raises(ValueError):
        interpolation.interpolate(np.zeros(2), np.ones(2), [0.5], "cubic")


def test_float32_endpoints_give_a_float32_path() -> None:
    a, b = np.float32([0.1, -2.0]), np.float32([1.5, 0.3])
    for kind in interpolation.KINDS:
        path = interpolation.interpolate(a, b, interpolation.alpha_grid(20), kind)
        assert path.dtype == np.float32
        np.testing.assert_array_equal(path[0], a)
        np.testing.assert_array_equal(path[-1], b)
    assert interpolation.lerp(a, b.astype(np.float64), [0.5]).dtype == np.float64
