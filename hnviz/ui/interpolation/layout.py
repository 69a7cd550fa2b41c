"""Layout of the Interpolation page: walk from one task embedding (or a clicked point) to
another, linearly or along the great arc, and watch the generated network change.

One figure (interpolation.figures.walk_fig) holds the generated function, the path on the plane and
every task along the path; its frames move all three markers, so ▶ Play and the Plotly slider
keep them in step. The view lives in the URL (`url.query.PageUrl`; docs/APP.md): `from`, `to` (`e1`, `e2`,
… or `point`), `point` (the embedding, when an endpoint is a point), `alpha` (the frame shown
first; the slider keeps it up to date through `url.slider`), `path`, `extrap`, plus `?run=`.
"""

from __future__ import annotations

import math

import streamlit as st

from hnviz.analysis import generated, interpolation
from hnviz.analysis.embedding_views import PathView, alpha_range
from hnviz.analysis.landscape import embedding_plane
from hnviz.analysis.points import EmbeddingPoint
from hnviz.core.method_specs import method_spec
from hnviz.serve.workspace import RunHandle
from hnviz.ui import cache, state
from hnviz.ui.cache import trainer_of
from hnviz.ui.embedding import train_2d as embedding_train
from hnviz.ui.interpolation import figures as figs
from hnviz.ui.labels import task_names
from hnviz.ui.text import MESSAGE_CHARS, md
from hnviz.ui.url import runs as runrefs
from hnviz.ui.url import slider as slider_url
from hnviz.ui.url.query import PageUrl

POINT = "point"
INTERP_POINT = "interp.point"  # {"run_id", "point": EmbeddingPoint}: the point endpoint
ALPHA = "interp.alpha"  # the α the walk starts at (not a widget: the Plotly slider sets it)
DEFAULT_ALPHA = 0.5
CHART_KEY = "interp_walk"  # no dots: url.slider finds the chart by this CSS class
KEYS = ("from", "to", "point", "alpha", "path", "extrap")
URL = PageUrl("interp", KEYS)
FORMULAS = {
    "linear": r"e(\alpha) = (1-\alpha)\,a + \alpha\,b",
    "spherical": r"e(\alpha) = \frac{\sin((1-\alpha)\Omega)}{\sin\Omega}\,a + "
                 r"\frac{\sin(\alpha\Omega)}{\sin\Omega}\,b,\quad \cos\Omega = "
                 r"\frac{a\cdot b}{\lVert a\rVert\,\lVert b\rVert}",
}


def render() -> None:
    st.title("Interpolation")
    st.caption("Between two task embeddings lie infinitely many networks. Walk from one to the "
               "other and watch what the generated network does on every task.")
    entry = runrefs.page_run()
    if entry is None or not method_spec(entry.view().cfg.train.method).has_embeddings:
        st.info("Interpolation needs a run with a hypernetwork (HNET). Pick one in the sidebar "
                "or train one with 2-D embeddings:")
        embedding_train.buttons("interp.train")
        return
    t = trainer_of(entry)
    _apply_url(entry, t)
    point = point_of(entry)
    if t.n_tasks < 2 and point is None:
        st.info("This run has a single task: there is nothing to walk between.")
        return
    names = task_names(t)
    st.subheader(md(entry.name))
    for p in URL.notes():
        st.warning(f"Link: {md(p, MESSAGE_CHARS)}.")
    labels = {f"task:{m}": names[m] for m in range(t.n_tasks)}
    if point is not None:
        labels[POINT] = f"point {point.coords_text()}"
    keys = list(labels)
    _init("interp.from", POINT if point is not None else "task:0", keys)
    _init("interp.to", "task:0" if point is not None else "task:1", keys)
    _init("interp.kind", "linear", interpolation.KINDS)
    _init("interp.extrap", False, (False, True))
    c = st.columns([1.4, 1.4, 1.2, 1])
    a = c[0].selectbox("From", keys, format_func=labels.get, key="interp.from")
    b = c[1].selectbox("To", keys, format_func=labels.get, key="interp.to")
    kind = c[2].radio("Path", interpolation.KINDS, horizontal=True, key="interp.kind",
                      help="Linear: straight line. Spherical (slerp): the great arc between "
                           "the two directions.")
    extrap = c[3].toggle("Extrapolate", key="interp.extrap",
                         help="Continue the path beyond both ends: α from −0.5 to 1.5.")
    st.latex(FORMULAS[kind])
    want = {"from": _end_param(a), "to": _end_param(b), "path": kind,
            "extrap": "1" if extrap else "0"}
    if POINT in (a, b):
        want["point"] = point.to_url()
    if a == b:
        st.warning("Pick two different endpoints.")
        URL.publish(want)
        return
    embs = generated.task_embeddings(t)
    ends = {**{f"task:{m}": EmbeddingPoint.of(embs[m]) for m in range(t.n_tasks)},
            **({POINT: point} if point is not None else {})}
    pv: PathView = cache.path(t, entry.version, ends[a], ends[b], kind, extrap)
    if pv.straight:
        st.info("The two embeddings point in (almost) the same or opposite directions: the arc "
                "is undefined, so the path is the straight line.")
    k = pv.index_of(state.get(ALPHA, DEFAULT_ALPHA))
    land = cache.plane(t, entry.version, 32, 0.5).landscape if embs.shape[1] == 2 else None
    task_i = int(a.split(":")[1]) if a != POINT else None
    task_j = int(b.split(":")[1]) if b != POINT else None
    fig = figs.walk_fig(pv.alphas, pv.metrics, names, t.metric_name, pv.path_uv, pv.task_uv, k,
                        task_i, task_j, land, pv.xs, pv.curves, pv.data, pv.axis_names,
                        pv.plane_title)
    st.plotly_chart(fig, width="stretch", key=CHART_KEY, config={"displaylogo": False})
    slider_url.follow(CHART_KEY, URL, "alpha", _on_alpha, key="interp.alpha_bridge",
                      fig=fig)
    st.caption("▶ Play walks the whole path in the browser; the slider picks any α. The line "
               "above the panels shows every task's metric at the current α; the red dot is the "
               "network on the path.")
    want["alpha"] = f"{pv.alphas[k]:.2f}"
    URL.publish(want)


def point_of(entry: RunHandle) -> EmbeddingPoint | None:
    """The point endpoint of this run (from a link or the Embedding space page), if any."""
    p = state.get(INTERP_POINT)
    return p["point"] if p and p.get("run_id") == entry.run_id else None


def _on_alpha(label: str) -> None:
    """The Plotly slider moved (url.slider): start there on the next run."""
    try:
        value = float(label)
    except ValueError:
        return
    if math.isfinite(value):
        state.put(ALPHA, value)


def _init(key: str, default, options) -> None:
    """A widget's value through session state only (no widget default: no Streamlit warning
    about a value set both ways); reset when it is not among the options."""
    if state.widget_value(key) not in options:
        state.set_widget(key, default)


# ----------------------------------------------------------------------------------- the URL
def _end_param(end: str) -> str:
    """"task:0" -> "e1" (tasks count from 1 in links, as on screen), "point" -> "point"."""
    return f"e{int(end.split(':')[1]) + 1}" if end.startswith("task:") else end


def _end_of_param(value: str, n_tasks: int, has_point: bool) -> str | None:
    if value == POINT:
        return POINT if has_point else None
    if value.startswith("e") and value[1:].isdigit() and 1 <= int(value[1:]) <= n_tasks:
        return f"task:{int(value[1:]) - 1}"
    return None


def _apply_url(entry: RunHandle, t) -> None:
    """A link's view: the point, the endpoints, α, the path kind and extrapolation, set before
    the widgets are drawn. What cannot be used is reported, never mapped to another value."""
    params = URL.incoming()
    if params is None:
        return
    problems: list[str] = []
    if "point" in params:
        D = t.cfg.hnet.emb_dim
        plane = embedding_plane(generated.task_embeddings(t)) if D >= 2 else None
        point, why = EmbeddingPoint.from_url(params["point"], D, plane)
        if point is None:
            problems.append(f"point={params['point'][:40]} not used: it {why}")
        else:
            state.put(INTERP_POINT, {"run_id": entry.run_id, "point": point})
    has_point = point_of(entry) is not None
    for key, widget in (("from", "interp.from"), ("to", "interp.to")):
        if key in params:
            end = _end_of_param(params[key], t.n_tasks, has_point)
            if end is None:
                problems.append(f"{key}={params[key][:40]} not used (this run has "
                                f"e1 … e{t.n_tasks}" + (" and point)" if has_point else ")"))
            else:
                state.set_widget(widget, end)
    if "path" in params:
        if params["path"] in interpolation.KINDS:
            state.set_widget("interp.kind", params["path"])
        else:
            problems.append(f"path={params['path'][:40]} not used (linear or spherical)")
    extrap = state.widget_value("interp.extrap") or False
    if "extrap" in params:
        extrap = {"1": True, "0": False}.get(params["extrap"])
        if extrap is None:
            problems.append(f"extrap={params['extrap'][:40]} not used (0 or 1)")
            extrap = state.widget_value("interp.extrap") or False
        state.set_widget("interp.extrap", extrap)
    if "alpha" in params:
        lo, hi = alpha_range(extrap)
        try:
            alpha = float(params["alpha"])
        except ValueError:
            alpha = math.nan
        if math.isfinite(alpha) and lo <= alpha <= hi:
            state.put(ALPHA, alpha)
        else:
            problems.append(f"alpha={params['alpha'][:40]} not used (from {lo:g} to {hi:g})")
    URL.notes(problems)
