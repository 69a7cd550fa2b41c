"""EmbeddingPoint: one value type for a point in embedding space, float32 from every source."""

from __future__ import annotations

import numpy as np
import pytest

from hnviz.analysis import landscape
from hnviz.analysis.points import MAX_ABS, EmbeddingPoint

PCA_PLANE = landscape.embedding_plane(
    np.random.default_rng(0).normal(size=(4, 5)).astype(np.float32))  # D = 5


def test_values_are_float32_and_the_point_is_a_value() -> None:
    p = EmbeddingPoint.of(np.array([0.1, -0.2]))  # float64 in
    assert p.emb == (float(np.float32(0.1)), float(np.float32(-0.2)))
    assert p.to_array().dtype == np.float32 and p.dim == 2
    assert p == EmbeddingPoint.of(np.array([0.1, -0.2], dtype=np.float32))
    assert len({p, EmbeddingPoint.of([0.1, -0.2])}) == 1  # hashable: its own cache key
    with pytest.raises(ValueError):
        EmbeddingPoint.of([0.0, np.nan])
    with pytest.raises(ValueError):
        EmbeddingPoint.of([])


def test_click_customdata_in_every_form_plotly_sends() -> None:
    ident = landscape.embedding_plane(np.eye(2, dtype=np.float32))
    uv = np.float32([0.30000001, -1.7])
    want = EmbeddingPoint.on_plane(ident, uv)
    assert want.emb == want.uv == tuple(float(x) for x in uv)  # the identity plane: e = (u, v)
    clicks = [{"customdata": [float(uv[0]), float(uv[1])]},  # a list
              {"customdata": {"0": float(uv[0]), "1": float(uv[1])}},  # a typed array
              {"x": float(uv[0]), "y": float(uv[1])}]  # no customdata
    assert [EmbeddingPoint.from_click(c, ident) for c in clicks] == [want] * 3
    assert EmbeddingPoint.from_click({"customdata": "?"}, ident) is None
    assert EmbeddingPoint.from_click({"x": float("inf"), "y": 0}, ident) is None


def test_on_a_pca_plane_the_point_is_the_plane_point_in_float32() -> None:
    p = EmbeddingPoint.on_plane(PCA_PLANE, (0.5, -0.25))
    assert p.dim == 5 and p.uv == (0.5, -0.25)
    np.testing.assert_array_equal(p.to_array(), PCA_PLANE.to_emb(np.float32([[0.5, -0.25]]))[0])


@pytest.mark.parametrize("plane", [None, PCA_PLANE])
def test_url_round_trip_is_exact(plane) -> None:
    emb = np.random.default_rng(1).normal(size=5).astype(np.float32) * 3
    p = EmbeddingPoint.of(emb)
    back, why = EmbeddingPoint.from_url(p.to_url(), 5, plane)
    assert why is None and back.emb == p.emb  # bit for bit
    np.testing.assert_array_equal(back.to_array(), emb)
    if plane is not None:
        np.testing.assert_allclose(back.uv, plane.to_plane(emb[None])[0], rtol=1e-6)
    assert EmbeddingPoint.of([0.1, -0.2]).to_url() == "0.1,-0.2"  # short and readable


def test_bad_url_values_say_why() -> None:
    assert EmbeddingPoint.from_url("1,2,3", 2) == (
        None, "has 3 coordinates; this run's embeddings have 2")
    assert EmbeddingPoint.from_url("1,x", 2)[1] == "is not a list of numbers"
    assert "finite" in EmbeddingPoint.from_url("1,nan", 2)[1]
    assert "finite" in EmbeddingPoint.from_url(f"1,{MAX_ABS * 10}", 2)[1]
    assert EmbeddingPoint.from_url("1," * 10**6, 2)[1] == "is too long"


def test_coords_text() -> None:
    assert EmbeddingPoint.of([0.1, -0.2], uv=(0.1, -0.2)).coords_text() == "(0.10, -0.20)"
    assert EmbeddingPoint.of(np.arange(8)).coords_text() == "(0.00, 1.00, 2.00, … 8-D)"
