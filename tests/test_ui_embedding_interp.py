"""AppTest + figures: the Interpolation page (regression walk, classification curves, a point as
an endpoint, extrapolation, slerp) and the one animated figure whose frames move every marker.
URL round trips: tests/test_ui_page_urls.py."""

from __future__ import annotations

import json

import numpy as np
from streamlit.testing.v1 import AppTest

from hnviz.analysis.points import EmbeddingPoint
from hnviz.ui.interpolation import figures as figs
from tests.apptest_helpers import active, open_app

PAGE = "pages/6_Interpolation.py"


def _page(select: str | None = None, **query: str) -> AppTest:
    return open_app(PAGE, select, **query)


_active = active


def walk_spec(at: AppTest) -> dict:
    """The walk figure as plotly JSON (what the browser receives)."""
    chart = next(c for c in at.get("plotly_chart") if '"walk:dot"' in c.proto.spec)
    return json.loads(chart.proto.spec)


def title_of(spec: dict) -> str:
    """The readout line above the panels (α and every task's metric)."""
    return next(d for d in spec["data"] if d.get("meta") == "walk:readout")["text"][0]


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


def _readout(trace) -> str:
    return trace.text[0]


def test_walk_fig_moves_all_three_markers_in_one_frame_per_alpha() -> None:
    fig, alphas, values, curves, path = _walk()
    assert len(fig.frames) == 6 and fig.layout.sliders[0].active == 2
    assert [s.label for s in fig.layout.sliders[0].steps] == [f"{a:.2f}" for a in alphas]
    assert fig.layout.updatemenus[0].buttons[0].label == "▶ Play"
    moving = list(fig.frames[0].traces)
    metas = [fig.data[i].meta for i in moving]
    assert metas == ["walk:readout", "walk:morph", "walk:morph", "walk:dot", "walk:line",
                     "walk:marker"]
    for k in range(6):  # every frame moves the readout, the function, the dot and the marker
        f = fig.frames[k]
        assert list(f.traces) == moving and not f.layout.title.text  # nothing but traces
        assert _readout(f.data[0]).startswith(f"α = {alphas[k]:.2f} · task 1 ")
        np.testing.assert_array_equal(f.data[2].y, curves[k, 1])
        assert (f.data[3].x[0], f.data[3].y[0]) == (path[k, 0], path[k, 1])
        np.testing.assert_array_equal(f.data[5].y, values[k])
        assert f.data[5].x[0] == alphas[k]
    # the figure as drawn equals its start frame
    start = fig.frames[2]
    for i, d in zip(moving[1:], start.data[1:]):
        np.testing.assert_array_equal(fig.data[i].y, d.y)
    assert _readout(fig.data[moving[0]]) == _readout(start.data[0])
    assert fig.layout.yaxis4.type == "log"  # MSE along the path


def test_walk_fig_keeps_the_landscape_while_frames_play() -> None:
    """The plane's landscape is a layout image (a heatmap trace vanishes while Plotly plays
    frames without a full redraw), under the panel's axes; its colour bar is kept too."""
    from hnviz.analysis.landscape import Landscape

    u = v = np.linspace(-1, 1, 5, dtype=np.float32)
    vals = np.random.default_rng(2).uniform(1e-3, 1, size=(2, 5, 5)).astype(np.float32)
    land = Landscape(u, v, vals, "mse", np.array([[0, 1], [1, 0]], np.float32),
                     np.zeros(2, np.float32), None)
    fig, *_ = _walk(land=land)
    assert not any(d.type == "heatmap" for d in fig.data)
    (img,) = fig.layout.images
    plane = fig.get_subplot(row=2, col=2)
    assert img.xref == plane.xaxis.plotly_name.replace("axis", "")
    assert img.source.startswith("data:image/png;base64,") and img.layer == "below"
    assert list(fig.layout[plane.xaxis.plotly_name].range) == [-1.25, 1.25]
    bar = next(d for d in fig.data if d.meta == "plane:colorbar")
    assert bar.marker.showscale and not any(i == fig.data.index(bar)
                                            for i in fig.frames[0].traces)


def test_walk_fig_classification_has_two_panels() -> None:
    fig, alphas, values, *_ = _walk("accuracy", regression=False)
    metas = [fig.data[i].meta for i in fig.frames[0].traces]
    assert metas == ["walk:readout", "walk:dot", "walk:line", "walk:marker"]
    assert "%" in _readout(fig.data[0]) and fig.layout.yaxis2.tickformat == ".0%"


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
