"""AppTest + figures: the Interpolation page (regression morph, classification curves, clicked
point as an endpoint, extrapolation, slerp)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from hnviz.ui import interp_figures as figs
from tests.apptest_helpers import active, open_app

ROOT = Path(__file__).resolve().parents[1]
PAGE = "pages/5_Interpolation.py"


def _page(select: str | None = None) -> AppTest:
    return open_app(PAGE, select)


_active = active


def test_regression_walk_slerp_and_extrapolation() -> None:
    at = _page()
    assert at.title[0].value == "Interpolation"
    assert at.selectbox(key="interp.from").value == "task:0"
    assert at.selectbox(key="interp.to").value == "task:1"
    assert "At α = 0.50" in "\n".join(m.value for m in at.markdown)
    at.radio(key="interp.kind").set_value("spherical").run()
    at.toggle(key="interp.extrap").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.select_slider(key="interp.alpha.True").value == 0.5
    at.select_slider(key="interp.alpha.True").set_value(1.5).run()
    assert "At α = 1.50" in "\n".join(m.value for m in at.markdown)
    assert not at.error


def test_clicked_point_is_an_endpoint_and_classification_curves() -> None:
    at = _page(select="digits · HNET")
    entry = _active(at)
    D = entry.view().cfg.hnet.emb_dim
    at.session_state["hnviz.ui.interp.point"] = {"run_id": entry.run_id, "emb": [0.1] * D,
                                                 "label": "clicked point (0.10, 0.10)",
                                                 "fresh": True}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="interp.from").value == "point"
    assert at.selectbox(key="interp.from").options[-1] == "clicked point (0.10, 0.10)"
    at.selectbox(key="interp.to").set_value("task:4").run()
    assert "At α = 0.50" in "\n".join(m.value for m in at.markdown)
    assert not at.error


def test_animated_figures_have_one_frame_per_alpha() -> None:
    alphas = np.linspace(0, 1, 6)
    xs = np.linspace(0, 1, 4, dtype=np.float32)[None].repeat(2, 0)  # [T=2, X]
    curves = np.random.default_rng(0).normal(size=(6, 2, 4)).astype(np.float32)
    fig = figs.morph_fig(alphas, xs, curves, [(xs[0], xs[0]), (xs[1], xs[1])], ["a", "b"], 3,
                         "t")
    assert len(fig.frames) == 6 and fig.layout.sliders[0].active == 3
    assert fig.layout.updatemenus[0].buttons[0].label == "▶ Play"
    np.testing.assert_array_equal(fig.frames[5].data[1].y, curves[5, 1])
    vals = np.random.default_rng(1).uniform(size=(6, 2))
    m = figs.path_metrics_fig(alphas, vals, ["a", "b"], 0, 1, 2, "accuracy")
    assert len(m.frames) == 6 and m.frames[4].data[0].x[0] == alphas[4]
    still = figs.path_metrics_fig(alphas, vals + 0.1, ["a", "b"], 0, 1, 2, "mse", animate=False)
    assert not still.frames and still.layout.yaxis.type == "log"
