"""Layout of the Embedding space page: where the task embeddings live and what the network
generated at any point of the embedding space does.

2-D embeddings: the performance landscape of the plane (clickable). D > 2: PCA / UMAP / t-SNE
projections (with trajectories), and the landscape on the PCA plane of the embeddings on demand.

The view lives in the URL (`url.query.PageUrl`, keys in `KEYS`, documented in docs/APP.md): the clicked
point, the colouring, resolution and margin, and the projection's settings, plus `?run=`.
"""

from __future__ import annotations

import functools
import math
import time

import numpy as np
import streamlit as st

from hnviz.analysis import generated
from hnviz.analysis.embedding_views import NetworkView, PlaneView
from hnviz.analysis.landscape import Plane, embedding_plane
from hnviz.analysis.points import EmbeddingPoint
from hnviz.analysis.projections import LABELS, METHODS, default_n_neighbors, default_perplexity
from hnviz.core.method_specs import method_spec
from hnviz.serve.workspace import RunHandle
from hnviz.ui import cache, state
from hnviz.ui.cache import trainer_of
from hnviz.ui.embedding import figures as figs
from hnviz.ui.embedding import train_2d as embedding_train
from hnviz.ui.labels import format_metric, metric_name_label, task_names
from hnviz.ui.nav import INTERPOLATION
from hnviz.ui.text import MESSAGE_CHARS, md
from hnviz.ui.url import runs as runrefs
from hnviz.ui.url.query import PageUrl

RESOLUTIONS = (16, 24, 32, 48, 64, 80, 100, 128)
LANDSCAPE_BUDGET_FLOP = 1.5e11  # ~ a few seconds on 2 cores; higher resolutions are offered less
MARGINS = (0.1, 2.0)
CLICK_KEY, PLANE_KEY = "emb.clicked", "emb.plane"

# URL keys of this page -> the widget each one sets (the point is not a widget: CLICK_KEY)
WIDGET_OF = {"color": "emb.view", "res": "emb.res", "margin": "emb.margin", "traj": "emb.traj",
             "plane": "emb.pca_plane", "proj": "emb.proj.method", "dims": "emb.proj.k",
             "proj_color": "emb.proj.color", "proj_traj": "emb.proj.traj", "nn": "emb.proj.nn",
             "min_dist": "emb.proj.md", "perplexity": "emb.proj.perp", "seed": "emb.proj.seed"}
KEYS = ("point", *WIDGET_OF)
URL = PageUrl("emb", KEYS)

INTRO = (
    "Every point **e** of the embedding space is a network: the hypernetwork turns it into all "
    "weights of the target, W = f_h(e, θ_h). The learned task embeddings e₁, e₂, … are single "
    "points in that space; the colours show how well the network generated at each point does.")


def render() -> None:
    st.title("Embedding space")
    st.caption(INTRO)
    entry = runrefs.page_run()
    if entry is None or not method_spec(entry.view().cfg.train.method).has_embeddings:
        why = ("There is no run in this session yet." if entry is None else
               f"**{md(entry.name)}** is a baseline without a hypernetwork, so it has no task "
               "embeddings.")
        st.info(f"{why} Pick an HNET run in the sidebar, or train one with 2-D embeddings:")
        embedding_train.buttons("emb.train.top")
        return
    v = entry.view()
    D = v.cfg.hnet.emb_dim
    t = trainer_of(entry)
    _apply_url(entry, t)
    st.subheader(md(entry.name))
    st.caption(f"{v.n_tasks} tasks · {D}-D task embeddings · step {v.global_step:,} of "
               f"{v.total_steps:,}")
    for p in URL.notes():
        st.warning(f"Link: {md(p, MESSAGE_CHARS)}.")
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
    want: dict[str, str] = {}
    if D == 1:
        st.info("This run has 1-D task embeddings: there is no plane to draw. Walk along the "
                "line between two tasks on the Interpolation page.")
    elif D == 2:
        want.update(landscape_section(entry))
    else:
        want.update(projection_section(entry))
        st.divider()
        on = st.toggle("Performance landscape on the PCA plane of the embeddings",
                       key="emb.pca_plane", help="The plane through the embeddings' mean spanned "
                       "by their top two principal directions; embeddings off it are shown at "
                       "their projection.")
        want["plane"] = "1" if on else "0"
        if on:
            want.update(landscape_section(entry))
    URL.publish(want)
    st.divider()
    st.markdown("#### Train a run with 2-D embeddings")
    st.caption("The paper's 2-D embedding experiment: small enough to train in seconds, and the "
               "embedding space is a plane you can click on.")
    embedding_train.buttons("emb.train")


# ----------------------------------------------------------------------------------- the URL
def _views(n_tasks: int) -> list[str]:
    return ["best", "winner"] + [f"task:{j}" for j in range(n_tasks)]


def _color_param(view: str) -> str:
    """"best" | "winner" | "task:1" -> "task2" (tasks count from 1 in links, as on screen)."""
    return f"task{int(view.split(':')[1]) + 1}" if view.startswith("task:") else view


def _view_of_param(value: str, n_tasks: int) -> str | None:
    if value in ("best", "winner"):
        return value
    if value.startswith("task") and value[4:].isdigit() and 1 <= int(value[4:]) <= n_tasks:
        return f"task:{int(value[4:]) - 1}"
    return None


def _number(value: str, lo: float, hi: float, integer: bool = False) -> float | int | None:
    try:
        x = int(value) if integer else float(value)
    except ValueError:
        return None
    return x if math.isfinite(x) and lo <= x <= hi else None


def _bool(value: str) -> bool | None:
    return {"1": True, "true": True, "0": False, "false": False}.get(value.lower())


def _apply_url(entry: RunHandle, t) -> None:
    """A link's view: set the page's widgets (before they are drawn) and the clicked point.
    A value that cannot be used is reported and the widget keeps its value (never mapped)."""
    params = URL.incoming()
    if params is None:
        return
    problems: list[str] = []
    top = _max_resolution(t)
    readers = {
        "color": lambda s: _view_of_param(s, t.n_tasks),
        "res": lambda s: (lambda r: r if r in RESOLUTIONS and r <= top else None)(
            _number(s, 0, 10**6, integer=True)),
        "margin": lambda s: _number(s, *MARGINS),
        "traj": _bool, "plane": _bool, "proj_traj": _bool,
        "proj": lambda s: s if s in METHODS else None,
        "dims": lambda s: _number(s, 2, 3, integer=True),
        "proj_color": lambda s: s if s in ("task", "metric") else None,
        "nn": lambda s: _number(s, 2, 50, integer=True),
        "min_dist": lambda s: _number(s, 0.0, 0.99),
        "perplexity": lambda s: _number(s, 1.0, 50.0),
        "seed": lambda s: _number(s, 0, 10_000, integer=True),
    }
    for k, raw in params.items():
        if k == "point":
            continue
        value = readers[k](raw)
        if value is None:
            why = ("this run offers " + ", ".join(str(r) for r in RESOLUTIONS if r <= top)
                   if k == "res" else "not a value this page offers")
            problems.append(f"{k}={raw[:40]} not used ({why})")
        else:
            state.set_widget(WIDGET_OF[k], value)
    if "point" in params:
        D = t.cfg.hnet.emb_dim
        plane = embedding_plane(generated.task_embeddings(t)) if D >= 2 else None
        point, why = EmbeddingPoint.from_url(params["point"], D, plane) if plane else \
            (None, "has no plane to sit on (1-D embeddings)")
        if point is None:
            problems.append(f"point={params['point'][:40]} not used: it {why}")
        else:
            state.put(CLICK_KEY, {"run_id": entry.run_id, "point": point})
    else:
        state.put(CLICK_KEY, None)
    URL.notes(problems)


def _init(key: str, default, valid=lambda v: True) -> None:
    """Give a widget its default through session state (never also as a widget default)."""
    v = state.widget_value(key)
    if v is None or not valid(v):
        state.set_widget(key, default)


# ----------------------------------------------------------------------------------- landscape
def _max_resolution(t) -> int:
    per_net = generated.flops_per_network(t)
    ok = [r for r in RESOLUTIONS if r * r * per_net <= LANDSCAPE_BUDGET_FLOP]
    return ok[-1] if ok else RESOLUTIONS[0]


def _on_click(run_id: str, plane: Plane) -> None:
    ev = state.widget_value(PLANE_KEY)
    points = (ev or {}).get("selection", {}).get("points", []) if ev else []
    point = EmbeddingPoint.from_click(points[0], plane) if points else None
    if point is not None:
        state.put(CLICK_KEY, {"run_id": run_id, "point": point})


def clicked_point(entry: RunHandle) -> EmbeddingPoint | None:
    c = state.get(CLICK_KEY)
    return c["point"] if c and c.get("run_id") == entry.run_id else None


def _colour_caption(view: str, names: list[str], higher_is_better: bool) -> str:
    if view == "winner":
        best = "highest test accuracy" if higher_is_better else "lowest test MSE"
        return (f"Colour: the task whose generated network does best at each point ({best}); "
                "grey where it solves no task; the legend names them and the threshold.")
    what = "test accuracy" if higher_is_better else \
        "log₁₀ test MSE (MSE spans decades; brighter is better)"
    if view == "best":
        return f"Colour: the best {what} over all tasks at each point."
    return f"Colour: {names[int(view.split(':')[1])]}, {what}."


def landscape_section(entry: RunHandle) -> dict[str, str]:
    """The clickable plane, the network at the clicked point and one small plane per task;
    returns the section's URL parameters."""
    t = trainer_of(entry)
    names = task_names(t)
    top = _max_resolution(t)
    choices = [r for r in RESOLUTIONS if r <= top]
    views = _views(t.n_tasks)
    _init("emb.res", min(64, top), lambda r: r in choices)
    _init("emb.margin", 0.5, lambda m: MARGINS[0] <= m <= MARGINS[1])
    _init("emb.view", "best", lambda v: v in views)
    c1, c2, c3 = st.columns([1.2, 1, 1.3])
    res = c1.select_slider("Grid resolution", choices, key="emb.res",
                           help="Points per axis; every point is one generated network.")
    margin = c2.slider("Margin", *MARGINS, step=0.1, key="emb.margin",
                       help="Extra room around the learned embeddings, as a fraction of their "
                            "spread.")
    view_names = {"best": "best over tasks" if t.higher_is_better else "lowest MSE over tasks",
                  "winner": "which task wins", **{f"task:{j}": names[j] for j in range(t.n_tasks)}}
    view = c3.selectbox("Colour the plane by", views, format_func=view_names.get, key="emb.view")
    t0 = time.perf_counter()
    with st.spinner(f"Generating and testing {res * res:,} networks …"):
        pv: PlaneView = cache.plane(t, entry.version, res, margin)
    dt = time.perf_counter() - t0
    land = pv.landscape
    timing = f" in {dt:.2f} s (batched)" if dt > 0.05 else " (cached)"
    st.caption(f"{res * res:,} generated networks × {t.n_tasks} tasks evaluated{timing}. "
               + _colour_caption(view, names, t.higher_is_better))
    show_traj = False
    if pv.trajectories:
        _init("emb.traj", True)
        show_traj = st.toggle("Show how the embeddings moved during training", key="emb.traj")
    clicked = clicked_point(entry)
    left, right = st.columns([1.2, 1], gap="medium")
    with left:
        fig = figs.plane_fig(land, names, view, clicked, pv.trajectories if show_traj else None,
                             pv.axis_names)
        st.plotly_chart(fig, on_select=functools.partial(_on_click, entry.run_id, land.plane),
                        selection_mode="points", key=PLANE_KEY, width="stretch",
                        config={"displaylogo": False})
    with right:
        if clicked is None:
            st.info("Click anywhere on the plane to see the network generated there.",
                    icon="👆")
        else:
            network_panel(entry, clicked, names)
    st.plotly_chart(figs.task_panels_fig(land, names, axis_names=pv.axis_names),
                    width="stretch", key="emb.panels")
    want = {"color": _color_param(view), "res": str(res), "margin": f"{margin:g}"}
    if pv.trajectories:
        want["traj"] = "1" if show_traj else "0"
    if clicked is not None:
        want["point"] = clicked.to_url()
    return want


def network_panel(entry: RunHandle, point: EmbeddingPoint, names: list[str]) -> None:
    t = trainer_of(entry)
    nv: NetworkView = cache.network(t, entry.version, point)
    st.markdown(f"**Network generated at {point.coords_text()}**")
    if nv.curves is not None:
        fig = figs.network_regression_fig(nv.xs, nv.curves, nv.data, names, "Its function on "
                                          "every task's inputs", own=nv.own_curves)
    else:
        fig = figs.network_accuracy_fig(nv.metrics, [f"task {j + 1}" for j in range(t.n_tasks)],
                                        "Its test accuracy on every task", own=nv.own,
                                        metric=t.metric_name)
    st.plotly_chart(fig, width="stretch", key="emb.network")
    st.caption(" · ".join(f"{names[j].split(':')[0]}: {format_metric(float(v), t.metric_name)}"
                          for j, v in enumerate(nv.metrics)))
    if st.button("Walk from here on the Interpolation page", key="emb.to_interp",
                 icon=":material/linear_scale:"):
        st.switch_page(INTERPOLATION.script, query_params=walk_link(entry, point))


def walk_link(entry: RunHandle, point: EmbeddingPoint) -> dict[str, str]:
    """The Interpolation page's query parameters for a walk from `point` to the first task."""
    return {"run": entry.name, "from": "point", "to": "e1", "point": point.to_url()}


# --------------------------------------------------------------------------------- projections
def projection_section(entry: RunHandle) -> dict[str, str]:
    """Task embeddings (and trajectories) projected to 2-D / 3-D; returns its URL parameters."""
    t = trainer_of(entry)
    names = task_names(t)
    has_traj = bool(t.history.get("emb_traj"))
    _init("emb.proj.method", "pca", lambda m: m in METHODS)
    _init("emb.proj.k", 2, lambda k: k in (2, 3))
    _init("emb.proj.color", "task", lambda c: c in ("task", "metric"))
    _init("emb.proj.traj", has_traj, lambda w: has_traj or not w)
    c = st.columns([1.6, 0.9, 1, 1.3])
    method = c[0].radio("Projection", METHODS, format_func=LABELS.get, horizontal=True,
                        key="emb.proj.method")
    k = c[1].radio("Dimensions", (2, 3), horizontal=True, key="emb.proj.k")
    color_by = c[2].radio("Colour by", ("task", "metric"), horizontal=True, key="emb.proj.color",
                          format_func={"task": "task index",
                                       "metric": metric_name_label(t.metric_name)}.get)
    with_traj = c[3].toggle("Include training trajectories", disabled=not has_traj,
                            key="emb.proj.traj", help="Adds every recorded embedding of the "
                            "training run to the fit (UMAP / t-SNE can only place points they "
                            "were fitted on) and draws each task's path.")
    want = {"proj": method, "dims": str(k), "proj_color": color_by,
            "proj_traj": "1" if with_traj else "0"}
    n_points = t.n_tasks + (len(t.history.get("emb_traj", [])) if with_traj else 0)
    nn, md, perp, seed = None, 0.1, None, 0
    if method != "pca":
        p = st.columns(3)
        if method == "umap":
            _init("emb.proj.nn", default_n_neighbors(n_points))
            _init("emb.proj.md", 0.1)
            nn = p[0].slider("n_neighbors", 2, 50, key="emb.proj.nn",
                             help="Size of the neighbourhood UMAP preserves.")
            md = p[1].slider("min_dist", 0.0, 0.99, step=0.01, key="emb.proj.md")
            want.update(nn=str(nn), min_dist=f"{md:g}")
        else:
            _init("emb.proj.perp", default_perplexity(n_points))
            perp = p[0].slider("perplexity", 1.0, 50.0, step=0.5, key="emb.proj.perp",
                               help="About the number of neighbours; must be below the number "
                                    "of points.")
            want["perplexity"] = f"{perp:g}"
        _init("emb.proj.seed", 0)
        seed = p[2].number_input("seed", 0, 10_000, key="emb.proj.seed")
        want["seed"] = str(int(seed))
    spinner = ("Fitting UMAP (its first use compiles code: 10-30 s) …" if method == "umap"
               else f"Fitting {LABELS[method]} …")
    with st.spinner(spinner):
        prv = cache.projection(t, entry.version, method, int(k), int(seed), (nn, md, perp),
                               with_traj)
    proj = prv.projection
    if proj.note:
        st.info(proj.note)
    metrics = prv.own
    mname = metric_name_label(t.metric_name)
    hover = [f"{names[j]}<br>{mname}: {format_metric(float(metrics[j]), t.metric_name)}"
             for j in range(t.n_tasks)]
    if proj.method == "pca":
        axes = [f"PC{i + 1} ({r:.0%} of variance)" for i, r in enumerate(proj.explained)]
        expl = f"; the {k} axes explain {sum(proj.explained):.0%} of the variance"
    else:
        axes = [f"{LABELS[proj.method]} {i + 1}" for i in range(k)]
        expl = "; distances are only meaningful locally"
    color = None
    if color_by == "metric":
        color = metrics if t.higher_is_better else \
            np.log10(np.maximum(metrics, 1e-12)).astype(np.float32)
    fig = figs.projection_fig(prv.final, names, color, "accuracy" if t.higher_is_better else
                              "log₁₀ MSE", hover, prv.trajectories if with_traj else None, axes,
                              f"{t.n_tasks} task embeddings ({t.cfg.hnet.emb_dim}-D) by "
                              f"{LABELS[proj.method]}")
    st.plotly_chart(fig, width="stretch", key="emb.proj")
    st.caption(f"{LABELS[proj.method]} of {len(proj.coords)} points{expl}. Hover a point for its "
               "task and test metric.")
    return want
