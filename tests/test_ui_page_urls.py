"""AppTest: every view page's URL round trip. Set a view, read its query parameters, open a
fresh session with them and get the same view; bad or foreign values are reported, never mapped.
(The browser side, including the Plotly sliders' URL updates: tests/e2e/test_page_urls.py.)"""

from __future__ import annotations

import json
import logging

from streamlit.testing.v1 import AppTest

from hnviz.analysis.points import EmbeddingPoint
from hnviz.ui.explorer.data import BUNDLED_DIR
from tests.apptest_helpers import active, open_app, plotly_array

EMB, INTERP, EXPLORER = ("pages/5_Embedding_space.py", "pages/6_Interpolation.py",
                         "pages/7_Beta_explorer.py")


def params(at: AppTest) -> dict[str, str]:
    """The session's query parameters as plain strings."""
    out = {}
    for k in at.query_params:
        v = at.query_params[k]
        out[k] = v[-1] if isinstance(v, list) else v
    return out


def reopen(page: str, query: dict[str, str]) -> AppTest:
    """A fresh session (a recipient opening the link)."""
    return open_app(page, **query)


def text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def chart_spec(at: AppTest, marker: str) -> dict:
    return json.loads(next(c.proto.spec for c in at.get("plotly_chart") if marker in c.proto.spec))


def no_problems(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error and not at.warning, [w.value for w in at.warning]


# ---------------------------------------------------------------------------- Embedding space
def test_embedding_landscape_view_round_trip() -> None:
    at = open_app(EMB)  # the 2-D regression HNET demo
    at.select_slider(key="emb.res").set_value(24).run()
    at.slider(key="emb.margin").set_value(0.8).run()
    at.selectbox(key="emb.view").set_value("task:2").run()
    at.toggle(key="emb.traj").set_value(False).run()
    entry = active(at)
    point = EmbeddingPoint.of([0.25, -0.5], uv=(0.25, -0.5))  # what a click on the plane gives
    at.session_state["hnviz.ui.emb.clicked"] = {"run_id": entry.run_id, "point": point}
    at.run()
    q = params(at)
    assert q == {"run": entry.name, "color": "task3", "res": "24", "margin": "0.8", "traj": "0",
                 "point": "0.25,-0.5"}
    b = reopen(EMB, q)
    no_problems(b)
    assert active(b).name == entry.name
    assert b.select_slider(key="emb.res").value == 24 and b.slider(key="emb.margin").value == 0.8
    assert b.selectbox(key="emb.view").value == "task:2" and not b.toggle(key="emb.traj").value
    assert b.session_state["hnviz.ui.emb.clicked"]["point"] == point
    assert "Network generated at (0.25, -0.50)" in text(b)
    assert params(b) == q  # the restored view writes the same link


def test_embedding_projection_view_round_trip() -> None:
    at = open_app(EMB, select="digits · HNET")  # 8-D embeddings
    at.radio(key="emb.proj.method").set_value("tsne").run()
    at.slider(key="emb.proj.perp").set_value(3.5).run()
    at.radio(key="emb.proj.k").set_value(3).run()
    at.radio(key="emb.proj.color").set_value("metric").run()
    q = params(at)
    assert {k: q[k] for k in ("proj", "dims", "proj_color", "perplexity", "seed", "plane")} == {
        "proj": "tsne", "dims": "3", "proj_color": "metric", "perplexity": "3.5", "seed": "0",
        "plane": "0"}
    b = reopen(EMB, q)
    no_problems(b)
    assert b.radio(key="emb.proj.method").value == "tsne" and b.radio(key="emb.proj.k").value == 3
    assert b.slider(key="emb.proj.perp").value == 3.5
    assert b.radio(key="emb.proj.color").value == "metric"
    assert params(b) == q


def test_embedding_link_problems_are_reported_not_mapped() -> None:
    at = open_app(EMB, point="1,2,3", color="task9", res="40", margin="abc")
    assert not at.exception, [e.value for e in at.exception]
    warnings = " | ".join(w.value for w in at.warning)
    assert "point=1,2,3 not used: it has 3 coordinates; this run's embeddings have 2" in warnings
    assert "color=task9 not used" in warnings
    assert "res=40 not used (this run offers 16, 24, 32, 48, 64" in warnings
    assert "margin=abc not used" in warnings
    assert at.select_slider(key="emb.res").value == 64  # the default, not the nearest allowed
    assert "Click anywhere on the plane" in "\n".join(i.value for i in at.info)


def test_walk_from_here_opens_the_interpolation_link(monkeypatch) -> None:
    from streamlit.elements.lib import policies

    # Streamlit logs "created with a default value but also had its value set via the Session
    # State API" once per process; re-arm it and listen.
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger(policies.__name__).addHandler(handler)
    try:
        _walk_from_here()
        open_app(EXPLORER, sweep="digits-si-c", si_c="1")
    finally:
        logging.getLogger(policies.__name__).removeHandler(handler)
    assert not [r.getMessage() for r in records if "Session State API" in r.getMessage()]


def _walk_from_here() -> None:
    at = open_app(EMB)
    entry = active(at)
    at.session_state["hnviz.ui.emb.clicked"] = {
        "run_id": entry.run_id, "point": EmbeddingPoint.of([0.25, -0.5], uv=(0.25, -0.5))}
    at.run()
    at.button(key="emb.to_interp").click().run()
    no_problems(at)
    assert at.title[0].value == "Interpolation"
    q = params(at)
    assert q["from"] == "point" and q["to"] == "e1" and q["point"] == "0.25,-0.5"
    assert at.selectbox(key="interp.from").value == "point"
    spec = chart_spec(at, '"walk:dot"')
    dot = next(d for d in spec["data"] if d.get("meta") == "walk:dot")
    path = next(d for d in spec["data"] if d.get("name") == "path")
    x, y = plotly_array(path["x"]), plotly_array(path["y"])
    assert (x[0], y[0]) == (0.25, -0.5)  # the walk starts at the clicked point, exactly
    assert plotly_array(dot["x"])[0] == x[10]  # α = 0.5 of 21 frames


# ---------------------------------------------------------------------------- Interpolation
def test_interpolation_view_round_trip() -> None:
    at = open_app(INTERP)
    at.selectbox(key="interp.from").set_value("task:2").run()
    at.selectbox(key="interp.to").set_value("task:0").run()
    at.radio(key="interp.kind").set_value("spherical").run()
    at.toggle(key="interp.extrap").set_value(True).run()
    at.session_state["hnviz.ui.interp.alpha"] = 1.25  # what the Plotly slider reports
    at.run()
    q = params(at)
    assert {k: q[k] for k in ("from", "to", "path", "extrap", "alpha")} == {
        "from": "e3", "to": "e1", "path": "spherical", "extrap": "1", "alpha": "1.25"}
    assert "point" not in q
    b = reopen(INTERP, q)
    no_problems(b)
    assert b.selectbox(key="interp.from").value == "task:2"
    assert b.selectbox(key="interp.to").value == "task:0"
    assert b.radio(key="interp.kind").value == "spherical" and b.toggle(key="interp.extrap").value
    spec = chart_spec(b, '"walk:dot"')
    slider = spec["layout"]["sliders"][0]
    assert slider["steps"][slider["active"]]["label"] == "1.25"
    readout = next(d for d in spec["data"] if d.get("meta") == "walk:readout")
    assert readout["text"][0].startswith("α = 1.25 · ")
    assert params(b) == q


def test_interpolation_point_link_and_problems() -> None:
    b = open_app(INTERP, **{"from": "point", "to": "e2", "point": "0.5,0.25", "alpha": "0.3"})
    no_problems(b)
    assert b.selectbox(key="interp.from").value == "point"
    assert params(b)["alpha"] == "0.30"
    c = open_app(INTERP, **{"from": "e7", "to": "point", "alpha": "1.4", "path": "cubic"})
    warnings = " | ".join(w.value for w in c.warning)
    assert "from=e7 not used (this run has e1 … e3)" in warnings
    assert "to=point not used" in warnings and "path=cubic not used" in warnings
    assert "alpha=1.4 not used (from 0 to 1)" in warnings
    assert params(c)["alpha"] == "0.50"


def test_a_run_the_recipient_lacks_falls_back_to_the_matching_demo() -> None:
    at = open_app(INTERP, run="HNET β=0.005 · someone's own run", **{"from": "e2", "to": "e3"})
    assert not at.exception, [e.value for e in at.exception]
    info = " | ".join(i.value for i in at.info)
    assert "not among your runs; showing the bundled" in info
    assert at.selectbox(key="interp.from").value == "task:1"


# ---------------------------------------------------------------------------- β explorer
def test_explorer_sweep_and_value_round_trip() -> None:
    at = open_app(EXPLORER)
    assert params(at) == {"sweep": "toy-hnet-beta", "beta": "0.1"}  # the toy preset's β
    digits = str(BUNDLED_DIR / "digits-hnet-beta")
    at.selectbox(key="explorer.sweep").set_value(digits).run()
    at.session_state["hnviz.ui.explorer.value"] = (digits, 100.0)  # the Plotly slider's report
    at.run()
    q = params(at)
    assert q == {"sweep": "digits-hnet-beta", "beta": "100"}
    b = reopen(EXPLORER, q)
    no_problems(b)
    assert b.selectbox(key="explorer.sweep").value.endswith("digits-hnet-beta")
    spec = chart_spec(b, '"sliders"')
    slider = spec["layout"]["sliders"][0]
    assert slider["steps"][slider["active"]]["label"] == "100"
    assert spec["layout"]["title"]["text"].startswith("β = 100")
    assert params(b) == q


def test_explorer_unknown_sweep_falls_back_to_the_matching_bundled_one() -> None:
    at = open_app(EXPLORER, sweep="split-digits-ewc-0312-1015", ewc_lambda="10")
    assert not at.exception, [e.value for e in at.exception]
    info = " | ".join(i.value for i in at.info)
    assert "split-digits-ewc-0312-1015" in info and "not among your sweeps" in info
    assert at.selectbox(key="explorer.sweep").value.endswith("digits-ewc-lambda")
    spec = chart_spec(at, '"sliders"')
    slider = spec["layout"]["sliders"][0]
    assert slider["steps"][slider["active"]]["label"] == "10"
    assert params(at) == {"sweep": "digits-ewc-lambda", "ewc_lambda": "10"}
    bad = open_app(EXPLORER, sweep="toy-hnet-beta", beta="-1")
    assert "Link: beta=-1 is not a value of this sweep." in [w.value for w in bad.warning]
    assert params(bad)["beta"] == "0.1"  # the preset's value, where the sweep starts


def test_explorer_owns_the_parameter_of_every_sweep_it_lists() -> None:
    """A sweep of the user's over another field than a strength (`hnviz sweep --param
    train.iters_per_task`) keeps its scrubber's value in the URL under that field's name."""
    from hnviz.analysis.sweeps import SweepRef
    from hnviz.ui.explorer.layout import page_url

    ref = SweepRef(path="x", name="growing", benchmark="regression1d", method="hnet",
                   param="iters_per_task", status="done", source="user", n_done=2, n_total=2)
    url = page_url([ref])
    assert url.keys[0] == "sweep" and {"beta", "ewc_lambda", "si_c", "iters_per_task"} <= set(
        url.keys)


def test_slider_bridge_knows_the_step_the_page_drew() -> None:
    """The slider↔URL bridge is told the label of the step the page drew, so a slider moved
    before the bridge listened is caught up with (the browser half: tests/e2e/
    test_explorer_links.py); a figure without a slider tells nothing."""
    import plotly.graph_objects as go

    from hnviz.ui.url.slider import drawn_label

    steps = [{"label": lab, "method": "animate", "args": [[lab]]} for lab in ("0", "0.1", "100")]
    fig = go.Figure(layout={"sliders": [{"steps": steps, "active": 2}]})
    assert drawn_label(fig) == "100"
    fig.layout.sliders[0].active = 0
    assert drawn_label(fig) == "0"
    assert drawn_label(go.Figure()) is None
