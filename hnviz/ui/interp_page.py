"""Layout of the Interpolation page: walk from one task embedding (or a clicked point) to
another, linearly or along the great arc, and watch the generated network change."""

from __future__ import annotations

import numpy as np
import streamlit as st

from hnviz.analysis import generated, interpolation
from hnviz.analysis.projections import pca_fit
from hnviz.core.method_specs import method_spec
from hnviz.ui import embedding_cache as cache
from hnviz.ui import embedding_train, runrefs, state
from hnviz.ui import interp_figures as figs
from hnviz.ui.embedding_cache import trainer_of
from hnviz.ui.embedding_page import INTERP_POINT
from hnviz.ui.labels import format_metric
from hnviz.ui.model_info import task_names

POINT = "point"
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
    runrefs.apply_run_param()
    entry = state.active_run()
    if entry is not None:
        runrefs.sync_run_param(entry)
    if entry is None or not method_spec(entry.view().cfg.train.method).has_embeddings:
        st.info("Interpolation needs a run with a hypernetwork (HNET). Pick one in the sidebar "
                "or train one with 2-D embeddings:")
        embedding_train.buttons("interp.train")
        return
    t = trainer_of(entry)
    if t.n_tasks < 2 and state.get(INTERP_POINT) is None:
        st.info("This run has a single task: there is nothing to walk between.")
        return
    names = task_names(t)
    embs = generated.task_embeddings(t)  # [T, D]
    st.subheader(entry.name)
    endpoints, labels = _endpoints(entry, embs, names)
    keys = list(endpoints)
    has_point = POINT in endpoints
    fresh = state.get(INTERP_POINT) or {}
    if has_point and fresh.get("fresh"):  # just sent from the Embedding space page: start there
        state.set_widget("interp.from", POINT)
        state.put(INTERP_POINT, {**fresh, "fresh": False})
    c = st.columns([1.4, 1.4, 1.2, 1])
    a = c[0].selectbox("From", keys, index=keys.index(POINT) if has_point else 0,
                       format_func=labels.get, key="interp.from")
    b = c[1].selectbox("To", keys, index=0 if has_point else 1,
                       format_func=labels.get, key="interp.to")
    kind = c[2].radio("Path", interpolation.KINDS, horizontal=True, key="interp.kind",
                      help="Linear: straight line. Spherical (slerp): the great arc between "
                           "the two directions.")
    extrap = c[3].toggle("Extrapolate", key="interp.extrap",
                         help="Continue the path beyond both ends: α from −0.5 to 1.5.")
    st.latex(FORMULAS[kind])
    if a == b:
        st.warning("Pick two different endpoints.")
        return
    ea, eb = endpoints[a], endpoints[b]
    if kind == "spherical" and interpolation.is_degenerate_slerp(ea, eb):
        st.info("The two embeddings point in (almost) the same or opposite directions: the arc "
                "is undefined, so the path is the straight line.")
    lo, hi = (-0.5, 1.5) if extrap else (0.0, 1.0)
    alphas = interpolation.alpha_grid(20, lo, hi)  # [A]
    path = interpolation.interpolate(ea, eb, alphas, kind)  # [A, D]
    alpha = st.select_slider("α", options=[float(x) for x in alphas], value=0.5,
                             format_func=lambda x: f"{x:.2f}", key=f"interp.alpha.{extrap}",
                             help="Picks the frame the charts start on; ▶ Play below animates "
                                  "the whole path in the browser.")
    k = int(np.argmin(np.abs(alphas - alpha)))
    key = cache.as_key(path)
    values = cache.metrics_at(t, entry.version, key)  # [A, T]
    i = int(a.split(":")[1]) if a != POINT else None
    j = int(b.split(":")[1]) if b != POINT else None
    left, right = st.columns([1.35, 1], gap="medium")
    with left:
        if t.seq.is_regression:
            xs, ys = cache.curves_at(t, entry.version, key)  # [T, X], [A, T, X]
            data = [(tk.x_train[:, 0].numpy(), tk.y_train[:, 0].numpy()) for tk in t.seq.tasks]
            st.plotly_chart(figs.morph_fig(alphas, xs, ys, data, names, k,
                                           "The generated function along the path"),
                            width="stretch", key="interp.morph")
        else:
            st.plotly_chart(figs.path_metrics_fig(alphas, values, names, i, j, k, t.metric_name),
                            width="stretch", key="interp.metrics")
    with right:
        st.plotly_chart(_plane(entry, embs, path, names, k), width="stretch", key="interp.plane")
        st.markdown(f"**At α = {alphas[k]:.2f}**: " + " · ".join(
            f"{names[m].split(':')[0]} {format_metric(float(v), t.metric_name)}"
            for m, v in enumerate(values[k])))
    if t.seq.is_regression:
        st.plotly_chart(figs.path_metrics_fig(alphas, values, names, i, j, k, t.metric_name,
                                              animate=False),
                        width="stretch", key="interp.mse")


def _endpoints(entry, embs: np.ndarray, names: list[str]) -> tuple[dict, dict]:
    """{id: embedding [D]} and {id: label}: every task, plus the point clicked on the
    Embedding space page (for this run)."""
    ends = {f"task:{m}": embs[m] for m in range(len(embs))}
    labels = {f"task:{m}": names[m] for m in range(len(embs))}
    p = state.get(INTERP_POINT)
    if p and p.get("run_id") == entry.run_id and len(p["emb"]) == embs.shape[1]:
        ends[POINT] = np.asarray(p["emb"], dtype=np.float64)
        labels[POINT] = p.get("label", "clicked point")
    return ends, labels


def _plane(entry, embs: np.ndarray, path: np.ndarray, names: list[str], k: int):
    t = trainer_of(entry)
    if embs.shape[1] == 2:
        land = cache.landscape(t, entry.version, 32, 0.5)
        return figs.path_plane_fig(embs, path, names, k, land)
    if embs.shape[1] == 1:
        pad = np.zeros((len(embs), 1))
        return figs.path_plane_fig(np.hstack([embs, pad]), np.hstack([path, np.zeros(
            (len(path), 1))]), names, k, axis_titles=("e", ""))
    model = pca_fit(embs, 2)
    ax = [f"PC{m + 1} ({r:.0%})" for m, r in enumerate(model.explained)]
    return figs.path_plane_fig(model.transform(embs), model.transform(path), names, k,
                               axis_titles=ax, title="The path in the PCA plane of the "
                                                     "embeddings")
