"""AppTest: the Embedding space page renders for 2-D (landscape) and 8-D (projection) runs, shows
the network generated at a clicked point, and trains a 2-D run with one click; the plane's
figures (click grid, "which task wins" legend). URL round trips: tests/test_ui_page_urls.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from hnviz.analysis.landscape import compute_landscape
from hnviz.analysis.points import EmbeddingPoint
from hnviz.ui.embedding import figures as figs
from hnviz.ui.embedding import train_2d as embedding_train
from tests.apptest_helpers import active, open_app, wait_until, workspace
from tests.test_analysis_generated import tiny_run

ROOT = Path(__file__).resolve().parents[1]
PAGE = "pages/5_Embedding_space.py"


def _page(select: str | None = None) -> AppTest:
    return open_app(PAGE, select)  # the page loads every demo (the home page only the light ones)


_active = active


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_2d_landscape_and_clicked_point() -> None:
    at = _page()  # the regression HNET demo (2-D embeddings) is active
    assert at.title[0].value == "Embedding space"
    assert at.select_slider(key="emb.res").value == 64
    assert "Network generated at" not in _markdown(at)
    at.select_slider(key="emb.res").set_value(24).run()
    entry = _active(at)
    point = EmbeddingPoint.of([0.1, -0.2], uv=(0.1, -0.2))
    at.session_state["hnviz.ui.emb.clicked"] = {"run_id": entry.run_id, "point": point}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Network generated at (0.10, -0.20)" in _markdown(at)
    assert at.query_params["point"] in ("0.1,-0.2", ["0.1,-0.2"])
    assert not at.error and not at.warning


def test_which_task_wins_has_a_legend_and_its_own_caption() -> None:
    at = _page()
    at.selectbox(key="emb.view").set_value("winner").run()
    assert not at.exception, [e.value for e in at.exception]
    caption = " ".join(c.value for c in at.caption)
    assert "the task whose generated network does best at each point (lowest test MSE)" in caption
    assert "log₁₀" not in caption.split("evaluated")[1]  # the MSE scale is not this view's colour
    assert at.query_params["color"] in ("winner", ["winner"])


def test_high_dim_run_shows_projection() -> None:
    at = _page(select="digits · HNET")
    assert _active(at).view().cfg.hnet.emb_dim > 2
    assert at.radio(key="emb.proj.method").value == "pca"
    at.radio(key="emb.proj.method").set_value("tsne").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.info, "with the training trajectories there are enough points for t-SNE"
    at.toggle(key="emb.proj.traj").set_value(False).run()
    assert at.info and "only 5" in at.info[0].value, "t-SNE on 5 points falls back to PCA"
    at.toggle(key="emb.pca_plane").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.select_slider(key="emb.res").value <= 64


def test_one_click_2d_training(monkeypatch) -> None:
    monkeypatch.setitem(embedding_train.CHOICES, "regression1d", (20, 3e-3))
    at = _page()
    n_before = len(workspace(at).handles())
    at.button(key="emb.train.regression1d").click().run()
    assert not at.exception, [e.value for e in at.exception]
    entry = _active(at)
    assert len(workspace(at).handles()) == n_before + 1
    wait_until(at, lambda: entry.view().done)
    assert entry.source == "trained" and entry.view().finished
    assert entry.view().cfg.hnet.emb_dim == 2 and entry.name.startswith("2-D embeddings")
    assert not at.exception, [e.value for e in at.exception]
    assert at.select_slider(key="emb.res"), "the trained run's plane is drawn"


@pytest.fixture(scope="module")
def land():
    return compute_landscape(tiny_run(), resolution=10)


def test_plane_fig_has_click_grid_with_customdata(land) -> None:
    names = ["a", "b", "c"]
    fig = figs.plane_fig(land, names, "best", clicked=(0.0, 0.0))
    grid = next(tr for tr in fig.data if tr.name == "click grid")
    assert grid.customdata.shape == (100, 2) and grid.customdata.dtype == np.float32
    # the click targets sit exactly on grid points of the heatmap
    assert set(grid.customdata[:, 0]) == set(land.u) and set(grid.customdata[:, 1]) == set(land.v)
    assert fig.data[0].z.dtype == np.float32
    assert not any(tr.showlegend for tr in fig.data), "only the winner view has a legend"
    point = EmbeddingPoint.on_plane(land.plane, (0.25, -0.5))
    marker = figs.plane_fig(land, names, "task:2", clicked=point).data[-1]
    assert marker.name == "clicked" and (marker.x[0], marker.y[0]) == (0.25, -0.5)
    assert len(figs.task_panels_fig(land, names).data) == 3 * (1 + 3)  # heatmap + 3 stars


def test_winner_view_names_every_colour(land) -> None:
    names = ["task 1: a", "task 2: b", "task 3: c"]
    fig = figs.plane_fig(land, names, "winner")
    heat = fig.data[0]
    legend = [tr for tr in fig.data if tr.showlegend]
    assert [tr.name for tr in legend] == names + ["no task solved (every MSE > 0.05)"]
    # the legend's colour of task t is the colour the heatmap paints where task t wins (z = t),
    # and the last entry's where no task is solved (z = -1)
    for z, tr in zip([0, 1, 2, -1], legend):
        pos = (z - heat.zmin) / (heat.zmax - heat.zmin)
        assert tr.marker.color == _colour_at(heat.colorscale, pos)
    assert set(np.unique(heat.z)) <= {-1.0, 0.0, 1.0, 2.0}


def test_winner_view_leaves_points_where_no_task_is_solved_to_none(land) -> None:
    """Where every task's metric is worse than the metric's `solved` threshold, no task
    "wins": the point is grey, not the colour of the least bad task."""
    names = ["task 1: a", "task 2: b", "task 3: c"]
    rng = np.random.default_rng(0)  # MSEs from 1e-3 to 1: some points solve a task, some none
    land = dataclasses.replace(land, values=(10 ** rng.uniform(-3, 0, land.values.shape))
                               .astype(np.float32))
    solved = land.values.min(axis=0) <= 0.05  # [G, G] some task's MSE is at most 0.05
    z = figs.plane_fig(land, names, "winner").data[0].z
    np.testing.assert_array_equal(z == -1, ~solved)
    np.testing.assert_array_equal(z[solved], land.winner()[solved])
    assert (~solved).any() and solved.any(), "this plane has both"
    acc = figs.none_solved_label("accuracy")
    assert acc == "no task solved (every accuracy < 80%)"


def _colour_at(colorscale, pos: float) -> str:
    """The colour of a piecewise-constant Plotly colour scale at `pos` in [0, 1]."""
    for (s0, c0), (s1, c1) in zip(colorscale, colorscale[1:]):
        if s0 <= pos <= s1 and c0 == c1:
            return c0
    raise AssertionError(f"no constant segment at {pos}")


def test_network_figures() -> None:
    xs = np.linspace(0, 1, 5, dtype=np.float32)[None].repeat(2, 0)
    fig = figs.network_regression_fig(xs, xs * 2, [(xs[0], xs[0]), (xs[1], xs[1])], ["a", "b"],
                                      "t", own=xs)
    assert len(fig.data) == 2 + 2 * 2
    bar = figs.network_accuracy_fig([0.5, 0.9], ["a", "b"], "t", own=[1.0, 0.8])
    assert bar.data[0].type == "bar" and list(bar.data[0].text) == ["50%", "90%"]
