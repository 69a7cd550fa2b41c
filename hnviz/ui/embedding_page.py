"""Layout of the Embedding space page: where the task embeddings live and what the network
generated at any point of the embedding space does.

2-D embeddings: the performance landscape of the plane (clickable). D > 2: PCA / UMAP / t-SNE
projections (with trajectories), and the landscape on the PCA plane of the embeddings on demand.
"""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from hnviz.analysis import generated, trajectories
from hnviz.analysis.landscape import Landscape
from hnviz.analysis.projections import LABELS, METHODS, default_n_neighbors, default_perplexity
from hnviz.core.method_specs import method_spec
from hnviz.serve.workspace import RunHandle
from hnviz.ui import embedding_cache as cache
from hnviz.ui import embedding_figures as figs
from hnviz.ui import embedding_train, runrefs, state
from hnviz.ui.embedding_cache import trainer_of
from hnviz.ui.labels import format_metric, metric_name_label
from hnviz.ui.model_info import task_names

RESOLUTIONS = (16, 24, 32, 48, 64, 80, 100, 128)
LANDSCAPE_BUDGET_FLOP = 1.5e11  # ~ a few seconds on 2 cores; higher resolutions are offered less
CLICK_KEY, PLANE_KEY = "emb.clicked", "emb.plane"
INTERP_POINT = "interp.point"  # read by the Interpolation page

INTRO = (
    "Every point **e** of the embedding space is a network: the hypernetwork turns it into all "
    "weights of the target, W = f_h(e, θ_h). The learned task embeddings e₁, e₂, … are single "
    "points in that space; the colours show how well the network generated at each point does.")


def render() -> None:
    st.title("Embedding space")
    st.caption(INTRO)
    runrefs.apply_run_param()
    entry = state.active_run()
    if entry is not None:
        runrefs.sync_run_param(entry)
    if entry is None or not method_spec(entry.view().cfg.train.method).has_embeddings:
        why = ("There is no run in this session yet." if entry is None else
               f"**{entry.name}** is a baseline without a hypernetwork, so it has no task "
               "embeddings.")
        st.info(f"{why} Pick an HNET run in the sidebar, or train one with 2-D embeddings:")
        embedding_train.buttons("emb.train.top")
        return
    v = entry.view()
    D = v.cfg.hnet.emb_dim
    st.subheader(entry.name)
    st.caption(f"{v.n_tasks} tasks · {D}-D task embeddings · step {v.global_step:,} of "
               f"{v.total_steps:,}")
    if entry.playing:
        embedding_train.progress_panel(entry)
        st.info("The plane is drawn from the run's state when the page was drawn; it is redrawn "
                "when training ends.")
    elif not v.done:
        st.warning("This run is not fully trained: the later embeddings are still at their "
                   "random start.", icon="⏳")
        if entry.own and st.button("Finish training it", key="emb.resume"):
            embedding_train.resume(entry)
            st.rerun()
    if D == 1:
        st.info("This run has 1-D task embeddings: there is no plane to draw. Walk along the "
                "line between two tasks on the Interpolation page.")
    elif D == 2:
        landscape_section(entry)
    else:
        projection_section(entry)
        st.divider()
        if st.toggle("Performance landscape on the PCA plane of the embeddings",
                     key="emb.pca_plane", help="The plane through the embeddings' mean spanned "
                     "by their top two principal directions; embeddings off it are shown at "
                     "their projection."):
            landscape_section(entry)
    st.divider()
    st.markdown("#### Train a run with 2-D embeddings")
    st.caption("The paper's 2-D embedding experiment: small enough to train in seconds, and the "
               "embedding space is a plane you can click on.")
    embedding_train.buttons("emb.train")


# ----------------------------------------------------------------------------------- landscape
def _max_resolution(t) -> int:
    per_net = generated.flops_per_network(t)
    ok = [r for r in RESOLUTIONS if r * r * per_net <= LANDSCAPE_BUDGET_FLOP]
    return ok[-1] if ok else RESOLUTIONS[0]


def _on_click() -> None:
    ev = state.widget_value(PLANE_KEY)
    points = (ev or {}).get("selection", {}).get("points", []) if ev else []
    entry = state.active_run()
    uv = point_uv(points[0]) if points else None
    if uv is not None and entry is not None:
        state.put(CLICK_KEY, {"run_id": entry.run_id, "uv": uv})


def point_uv(point: dict) -> tuple[float, float] | None:
    """Plane coordinates of a clicked scatter point: its customdata [u, v] (a list, or a dict
    {"0": u, "1": v} when plotly sent it as a typed array), else its x / y."""
    cd = point.get("customdata")
    try:
        if isinstance(cd, dict):
            return float(cd["0"]), float(cd["1"])
        if isinstance(cd, (list, tuple)) and len(cd) >= 2:
            return float(cd[0]), float(cd[1])
        return float(point["x"]), float(point["y"])
    except (KeyError, TypeError, ValueError):
        return None


def clicked_point(entry: RunHandle) -> tuple[float, float] | None:
    c = state.get(CLICK_KEY)
    return tuple(c["uv"]) if c and c.get("run_id") == entry.run_id else None


def landscape_section(entry: RunHandle) -> None:
    t = trainer_of(entry)
    names = task_names(t)
    top = _max_resolution(t)
    choices = [r for r in RESOLUTIONS if r <= top]
    c1, c2, c3 = st.columns([1.2, 1, 1.3])
    res = c1.select_slider("Grid resolution", choices, value=min(64, top), key="emb.res",
                           help="Points per axis; every point is one generated network.")
    margin = c2.slider("Margin", 0.1, 2.0, 0.5, 0.1, key="emb.margin",
                       help="Extra room around the learned embeddings, as a fraction of their "
                            "spread.")
    views = ["best", "winner"] + [f"task:{j}" for j in range(t.n_tasks)]
    view_names = {"best": "best over tasks" if t.higher_is_better else "lowest MSE over tasks",
                  "winner": "which task wins", **{f"task:{j}": names[j] for j in range(t.n_tasks)}}
    view = c3.selectbox("Colour the plane by", views, format_func=view_names.get, key="emb.view")
    t0 = time.perf_counter()
    with st.spinner(f"Generating and testing {res * res:,} networks …"):
        land = cache.landscape(t, entry.version, res, margin)
    dt = time.perf_counter() - t0
    axis_names = ("e₁", "e₂") if land.plane.is_identity else ("PC1 of the embeddings",
                                                               "PC2 of the embeddings")
    timing = f" in {dt:.2f} s (batched)" if dt > 0.05 else " (cached)"
    st.caption(f"{res * res:,} generated networks × {t.n_tasks} tasks evaluated{timing}. "
               + ("Colour: test accuracy." if t.higher_is_better else
                  "Colour: log₁₀ test MSE (MSE spans decades; brighter is better)."))
    trajs = _plane_trajectories(t, land)
    show_traj = bool(trajs) and st.toggle("Show how the embeddings moved during training",
                                          value=True, key="emb.traj")
    clicked = clicked_point(entry)
    left, right = st.columns([1.2, 1], gap="medium")
    with left:
        fig = figs.plane_fig(land, names, view, clicked, trajs if show_traj else None,
                             axis_names)
        st.plotly_chart(fig, on_select=_on_click, selection_mode="points", key=PLANE_KEY,
                        width="stretch", config={"displaylogo": False})
    with right:
        if clicked is None:
            st.info("Click anywhere on the plane to see the network generated there.",
                    icon="👆")
        else:
            network_panel(entry, land, clicked, names)
    st.plotly_chart(figs.task_panels_fig(land, names, axis_names=axis_names),
                    width="stretch", key="emb.panels")


def _plane_trajectories(t, land: Landscape) -> dict[int, np.ndarray]:
    trajs = trajectories.embedding_trajectories(t.history)
    final = generated.task_embeddings(t)
    out = {}
    for j, (_steps, e) in trajs.items():
        if j < len(final):
            out[j] = land.plane.to_plane(np.concatenate([e, final[j:j + 1]])).astype(np.float32)
    return out


def network_panel(entry: RunHandle, land: Landscape, uv: tuple[float, float],
                  names: list[str]) -> None:
    t = trainer_of(entry)
    emb = land.plane.to_emb(np.asarray([uv]))[0]  # [D]
    st.markdown(f"**Network generated at ({uv[0]:.2f}, {uv[1]:.2f})**")
    key = cache.as_key([emb])
    if t.seq.is_regression:
        own_key = cache.as_key(generated.task_embeddings(t))
        xs, ys = cache.curves_at(t, entry.version, key)
        _, own = cache.curves_at(t, entry.version, own_key)
        data = [(tk.x_train[:, 0].numpy(), tk.y_train[:, 0].numpy()) for tk in t.seq.tasks]
        fig = figs.network_regression_fig(xs, ys[0], data, names, "Its function on every "
                                          "task's inputs", own=np.stack([own[j, j] for j in
                                                                         range(t.n_tasks)]))
    else:
        vals = cache.metrics_at(t, entry.version, key)[0]
        fig = figs.network_accuracy_fig(vals, [f"task {j + 1}" for j in range(t.n_tasks)],
                                        "Its test accuracy on every task",
                                        own=current_metrics(entry), metric=t.metric_name)
    st.plotly_chart(fig, width="stretch", key="emb.network")
    vals = cache.metrics_at(t, entry.version, key)[0]
    st.caption(" · ".join(f"{names[j].split(':')[0]}: {format_metric(float(v), t.metric_name)}"
                          for j, v in enumerate(vals)))
    if st.button("Walk from here on the Interpolation page", key="emb.to_interp",
                 icon=":material/linear_scale:"):
        state.put(INTERP_POINT, {"run_id": entry.run_id, "emb": [float(x) for x in emb],
                                 "label": f"clicked point ({uv[0]:.2f}, {uv[1]:.2f})",
                                 "fresh": True})
        st.switch_page("pages/5_Interpolation.py")


@st.cache_data(max_entries=32, show_spinner=False)
def _current_metrics(_trainer, version: str) -> list[float]:
    t = _trainer
    if t.finished and len(t.history["R"]) == t.n_tasks:
        return list(t.history["R"][-1])
    return t.evaluate(range(t.n_tasks))


def current_metrics(entry: RunHandle) -> list[float]:
    """Each task's metric with its own learned embedding (the run's current state)."""
    return _current_metrics(trainer_of(entry), entry.version)


# --------------------------------------------------------------------------------- projections
def projection_section(entry: RunHandle) -> None:
    t = trainer_of(entry)
    names = task_names(t)
    has_traj = bool(t.history.get("emb_traj"))
    c = st.columns([1.6, 0.9, 1, 1.3])
    method = c[0].radio("Projection", METHODS, format_func=LABELS.get, horizontal=True,
                        key="emb.proj.method")
    k = c[1].radio("Dimensions", (2, 3), horizontal=True, key="emb.proj.k")
    color_by = c[2].radio("Colour by", ("task", "metric"), horizontal=True, key="emb.proj.color",
                          format_func={"task": "task index",
                                       "metric": metric_name_label(t.metric_name)}.get)
    with_traj = c[3].toggle("Include training trajectories", value=has_traj, disabled=not has_traj,
                            key="emb.proj.traj", help="Adds every recorded embedding of the "
                            "training run to the fit (UMAP / t-SNE can only place points they "
                            "were fitted on) and draws each task's path.")
    n_points = t.n_tasks + (len(t.history.get("emb_traj", [])) if with_traj else 0)
    nn, md, perp, seed = None, 0.1, None, 0
    if method != "pca":
        p = st.columns(3)
        if method == "umap":
            nn = p[0].slider("n_neighbors", 2, 50, default_n_neighbors(n_points),
                             key="emb.proj.nn", help="Size of the neighbourhood UMAP preserves.")
            md = p[1].slider("min_dist", 0.0, 0.99, 0.1, 0.01, key="emb.proj.md")
        else:
            perp = p[0].slider("perplexity", 1.0, 50.0, default_perplexity(n_points), 0.5,
                               key="emb.proj.perp", help="About the number of neighbours; must "
                               "be below the number of points.")
        seed = p[2].number_input("seed", 0, 10_000, 0, key="emb.proj.seed")
    spinner = ("Fitting UMAP (its first use compiles code: 10-30 s) …" if method == "umap"
               else f"Fitting {LABELS[method]} …")
    with st.spinner(spinner):
        proj, tasks, is_final = cache.projection(t, entry.version, method, int(k), int(seed),
                                                 (nn, md, perp), with_traj)
    if proj.note:
        st.info(proj.note)
    coords = proj.coords
    final = coords[is_final]
    metrics = current_metrics(entry)
    mname = metric_name_label(t.metric_name)
    hover = [f"{names[j]}<br>{mname}: {format_metric(metrics[j], t.metric_name)}"
             for j in range(t.n_tasks)]
    trajs = {}
    if with_traj:
        for j in range(t.n_tasks):
            m = (~is_final) & (tasks == j)
            if m.any():
                trajs[j] = np.concatenate([coords[m], final[j:j + 1]])
    if proj.method == "pca":
        axes = [f"PC{i + 1} ({r:.0%} of variance)" for i, r in enumerate(proj.explained)]
        expl = f"; the {k} axes explain {sum(proj.explained):.0%} of the variance"
    else:
        axes = [f"{LABELS[proj.method]} {i + 1}" for i in range(k)]
        expl = "; distances are only meaningful locally"
    color = None
    if color_by == "metric":
        color = np.asarray(metrics, np.float32) if t.higher_is_better else \
            np.log10(np.maximum(np.asarray(metrics, np.float64), 1e-12)).astype(np.float32)
    fig = figs.projection_fig(final, names, color, "accuracy" if t.higher_is_better else
                              "log₁₀ MSE", hover, trajs or None, axes,
                              f"{t.n_tasks} task embeddings ({t.cfg.hnet.emb_dim}-D) by "
                              f"{LABELS[proj.method]}")
    st.plotly_chart(fig, width="stretch", key="emb.proj")
    st.caption(f"{LABELS[proj.method]} of {len(coords)} points{expl}. Hover a point for its "
               "task and test metric.")
