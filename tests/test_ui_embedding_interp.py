"""AppTest + figures: the Interpolation page (regression walk, classification curves, a point as
an endpoint, extrapolation, slerp) and the one animated figure whose frames move every marker.
URL round trips: tests/test_ui_page_urls.py."""

from __future__ import annotations

import json

import numpy as np
from streamlit.testing.v1 import AppTest

from hnviz.analysis.points import EmbeddingPoint
from hnviz.ui import interp_figures as figs
from tests.apptest_helpers import active, open_app

PAGE = "pages/5_Interpolation.py"


def _page(select: str | None = None, **query: str) -> AppTest:
    return open_app(PAGE, select, **query)


_active = active


def walk_spec(at: AppTest) -> dict:
    """The walk figure as plotly JSON (what the browser receives)."""
    chart = next(c for c in at.get("plotly_chart") if '"walk:dot"' in c.proto.spec)
    return json.loads(chart.proto.spec)


def title_of(spec: dict) -> str:
    return spec["layout"]["title"]["text"]


def test_regression_walk_slerp_and_extrapolation() -> None:
    at = _page()
    assert at.title[0].value == "Interpolation"
    assert at.selectbox(key="interp.from").value == "task:0"
    assert at.selectbox(key="interp.to").value == "task:1"
    spec = walk_spec(at)
    assert title_of(spec).startswith("α = 0.50 · task 1 ")
    assert spec["layout"]["sliders"][0]["active"] == 10 and len(spec["frames"]) == 21
    at.radio(key="interp.kind").set_value("spherical").run()
    at.toggle(key="interp.extrap").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    spec = walk_spec(at)
    assert len(spec["frames"]) == 41 and title_of(spec).startswith("α = 0.50")
    assert not at.error and not at.warning


def test_point_is_an_endpoint_and_classification_curves() -> None:
    at = _page(select="digits · HNET")
    entry = _active(at)
    D = entry.view().cfg.hnet.emb_dim
    at.session_state["hnviz.ui.interp.point"] = {"run_id": entry.run_id,
                                                 "point": EmbeddingPoint.of([0.1] * D)}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="interp.from").value == "task:0"  # a widget the user set stays
    assert at.selectbox(key="interp.from").options[-1].startswith("point (")
    at.selectbox(key="interp.from").set_value("point").run()
    at.selectbox(key="interp.to").set_value("task:4").run()
    spec = walk_spec(at)
    assert title_of(spec).startswith("α = 0.50 · task 1 ") and "%" in title_of(spec)
    assert at.query_params["point"] in (",".join(["0.1"] * D), [",".join(["0.1"] * D)])
    assert not at.error and not at.warning


def _walk(metric: str = "mse", regression: bool = True, land=None):
    rng = np.random.default_rng(0)
    alphas = np.linspace(0, 1, 6)
    xs = np.linspace(0, 1, 4, dtype=np.float32)[None].repeat(2, 0)  # [T=2, X]
    curves = rng.normal(size=(6, 2, 4)).astype(np.float32)  # [A, T, X]
    values = rng.uniform(0.1, 1, size=(6, 2)).astype(np.float32)  # [A, T]
    path = np.stack([alphas, 1 - alphas], axis=1).astype(np.float32)  # [A, 2]
    tasks = np.array([[0, 1], [1, 0]], np.float32)
    kw = dict(xs=xs, curves=curves, data=[(xs[0], xs[0]), (xs[1], xs[1])]) if regression else {}
    fig = figs.walk_fig(alphas, values, ["task 1: a", "task 2: b"], metric, path, tasks, 2, 0, 1,
                        land, **kw)
    return fig, alphas, values, curves, path


def test_walk_fig_moves_all_three_markers_in_one_frame_per_alpha() -> None:
    fig, alphas, values, curves, path = _walk()
    assert len(fig.frames) == 6 and fig.layout.sliders[0].active == 2
    assert [s.label for s in fig.layout.sliders[0].steps] == [f"{a:.2f}" for a in alphas]
    assert fig.layout.updatemenus[0].buttons[0].label == "▶ Play"
    moving = list(fig.frames[0].traces)
    metas = [fig.data[i].meta for i in moving]
    assert metas == ["walk:morph", "walk:morph", "walk:dot", "walk:line", "walk:marker"]
    for k in range(6):  # every frame moves the function, the path dot and the metric marker
        f = fig.frames[k]
        assert list(f.traces) == moving
        np.testing.assert_array_equal(f.data[1].y, curves[k, 1])
        assert (f.data[2].x[0], f.data[2].y[0]) == (path[k, 0], path[k, 1])
        np.testing.assert_array_equal(f.data[4].y, values[k])
        assert f.data[4].x[0] == alphas[k] and f.layout.title.text.startswith(
            f"α = {alphas[k]:.2f} · task 1 ")
    # the figure as drawn equals its start frame
    start = fig.frames[2]
    for i, d in zip(moving, start.data):
        np.testing.assert_array_equal(fig.data[i].y, d.y)
    assert fig.layout.title.text == start.layout.title.text
    assert fig.layout.yaxis3.type == "log"  # MSE along the path


def test_walk_fig_classification_has_two_panels() -> None:
    fig, alphas, values, *_ = _walk("accuracy", regression=False)
    metas = [fig.data[i].meta for i in fig.frames[0].traces]
    assert metas == ["walk:dot", "walk:line", "walk:marker"]
    assert "%" in fig.layout.title.text and fig.layout.yaxis.tickformat == ".0%"


def test_single_panel_figures_keep_their_frames() -> None:
    alphas = np.linspace(0, 1, 6)
    xs = np.linspace(0, 1, 4, dtype=np.float32)[None].repeat(2, 0)  # [T=2, X]
    curves = np.random.default_rng(0).normal(size=(6, 2, 4)).astype(np.float32)
    fig = figs.morph_fig(alphas, xs, curves, [(xs[0], xs[0]), (xs[1], xs[1])], ["a", "b"], 3,
                         "t")
    assert len(fig.frames) == 6 and fig.layout.sliders[0].active == 3
    np.testing.assert_array_equal(fig.frames[5].data[1].y, curves[5, 1])
    vals = np.random.default_rng(1).uniform(size=(6, 2))
    m = figs.path_metrics_fig(alphas, vals, ["a", "b"], 0, 1, 2, "accuracy")
    assert len(m.frames) == 6 and m.frames[4].data[0].x[0] == alphas[4]
    still = figs.path_metrics_fig(alphas, vals + 0.1, ["a", "b"], 0, 1, 2, "mse", animate=False)
    assert not still.frames and still.layout.yaxis.type == "log"
