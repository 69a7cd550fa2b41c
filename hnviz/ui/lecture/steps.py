"""The lecture's steps that show bundled material (the live step is hnviz.ui.lecture.live_pair,
the compression step hnviz.ui.lecture.compression). Each `render_*` draws one step's body into the
space below the lecture's header, at most BODY_HEIGHT pixels tall, so a 1280×720 projector shows
it without scrolling. Figures come from the pages' builders (charts, embedding.figures) and
lecture.figures; models only from the bundled demos (built once per server process)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from hnviz.analysis import generated
from hnviz.analysis.points import EmbeddingPoint
from hnviz.analysis.task_ends import TaskEnds, load_task_ends
from hnviz.core.config import RunConfig
from hnviz.core.metrics import forgetting
from hnviz.paths import app_root
from hnviz.serve.workspace import RunHandle
from hnviz.ui import cache, charts, state
from hnviz.ui.embedding import figures as efigs
from hnviz.ui.interpolation import figures as ifigs
from hnviz.ui.labels import format_metric, method_short, strength_text, task_names
from hnviz.ui.lecture import figures as lfigs

ROOT = app_root()  # the checkout, or hnviz/_app in an installed wheel
LECTURE_ASSETS = ROOT / "assets" / "lecture"
HNET_DIAGRAM = ROOT / "assets" / "hnet_diagram.svg"
BODY_HEIGHT = 530  # px below the header and the "what to notice" box
TOY_DEMO = "01-regression-hnet.pt"  # the bundled 2-D embedding run (steps 4 and 5)
DIGIT_DEMOS = ("04-split-digits-hnet.pt", "05-split-digits-finetune.pt",
               "06-split-digits-ewc.pt", "07-split-digits-si.pt", "08-split-digits-joint.pt")
PLANE_RES = 40  # 1,600 generated toy networks: a few ms, and fine enough to read
PLANE_CLICK, PLANE_KEY = "lecture.plane_click", "lecture.plane"
WALK_KEY = "lecture.walk"


def chart(fig, key: str, **kw) -> None:
    """A lecture figure: full width, Plotly's own styling (Streamlit's theme would reset the
    projector font sizes), no mode bar."""
    st.plotly_chart(fig, width="stretch", theme=None, key=key,
                    config={"displayModeBar": False}, **kw)


def demo_handle(file: str) -> RunHandle:
    """The user's handle of a bundled demo (every workspace holds them all)."""
    for h in state.workspace().handles():
        if h.demo is not None and h.demo.file == file:
            return h
    raise FileNotFoundError(f"the bundled demo {file} is missing (make assets writes it)")


# ------------------------------------------------------------------------------ 1 forgetting
@st.cache_resource(show_spinner=False)
def task_ends(stem: str) -> TaskEnds:
    """A bundled task-ends file (assets/lecture/<stem>.json), parsed once per process."""
    return load_task_ends(LECTURE_ASSETS / f"{stem}.json")


FORGETTING_ROWS = (("forgetting-finetune", "Fine-<br>tuning"),
                   ("forgetting-hnet", "Hyper-<br>network<br>β = {beta:g}"))


def render_forgetting() -> None:
    rows = []
    for stem, label in FORGETTING_ROWS:
        te = task_ends(stem)
        beta = RunConfig.from_dict(te.config).train.beta  # the recorded run's own β
        rows.append((label.format(beta=beta),
                     lfigs.task_end_figs(te, height=BODY_HEIGHT // 2 - 12)))
    lfigs.share_y([f for _, figs in rows for f in figs])
    for r, (label, figs) in enumerate(rows):
        cols = st.columns([0.7] + [2] * len(figs), gap="small", vertical_alignment="center")
        cols[0].markdown(f"<div class='lecture-rowlabel'>{label}</div>", unsafe_allow_html=True)
        for k, (col, fig) in enumerate(zip(cols[1:], figs)):
            with col:
                chart(lfigs.projector(fig, font=15), f"lecture.forget.{r}.{k}")


# ------------------------------------------------------------------------------ 2 the hypernetwork
REGULARIZER = (r"\mathcal{L}(\theta_h, e_t) = \mathcal{L}_{\text{task}}(\theta_h, e_t)"
               r" + \frac{\beta}{T-1} \sum_{t'=1}^{t-1}"
               r" \big\lVert f_h(e_{t'}, \theta_h^*) - f_h(e_{t'}, \theta_h) \big\rVert^2")


def render_hypernetwork() -> None:
    st.latex(REGULARIZER)
    left, right = st.columns([1, 1.2], gap="large", vertical_alignment="center")
    with left:
        st.markdown(
            "- $e_t$: a few learned numbers per task (its **embedding**). The hypernetwork "
            "$f_h$ turns it into **all** the weights of the network for task $t$.\n"
            "- $\\theta_h^*$: the hypernetwork as it was **before** task $t$. The second term "
            "keeps the weights it makes for the old embeddings where they were.\n"
            "- No data of old tasks is stored: one embedding per task.")
    with right:
        st.image(str(HNET_DIAGRAM), width="stretch")


# ------------------------------------------------------------------------------ 4 the plane
def _on_plane_click() -> None:
    ev = state.widget_value(PLANE_KEY)
    points = (ev or {}).get("selection", {}).get("points", []) if ev else []
    if points:
        state.put(PLANE_CLICK, points[0])  # the Plotly point; read on the plane it came from


def render_plane() -> None:
    h = demo_handle(TOY_DEMO)
    t = cache.trainer_of(h)
    names = lfigs.short_task_names(task_names(t))
    land = cache.plane(t, h.version, PLANE_RES, 0.5).landscape
    embs = generated.task_embeddings(t)  # [T, 2]
    click = state.get(PLANE_CLICK)
    point = EmbeddingPoint.from_click(click, land.plane) if click else None
    if point is None:  # before the first click: the point half-way between e1 and e2
        point = EmbeddingPoint.on_plane(land.plane, land.plane.to_plane((embs[0] + embs[1]) / 2))
    left, right = st.columns([1.05, 1], gap="medium")
    with left:
        fig = efigs.plane_fig(land, names, "winner", point, height=BODY_HEIGHT)
        fig.update_layout(title=None, margin=dict(l=10, r=10, t=30, b=10),
                          legend=dict(orientation="h", yanchor="bottom", y=1.0,
                                      xanchor="right", x=1.0))
        chart(lfigs.projector(fig), PLANE_KEY, on_select=_on_plane_click,
              selection_mode="points")
    with right:
        nv = cache.network(t, h.version, point)
        fig = efigs.network_regression_fig(
            nv.xs, nv.curves, nv.data, names,
            f"the network generated at {point.coords_text()}", own=nv.own_curves)
        chart(lfigs.projector(fig, height=BODY_HEIGHT - 40), "lecture.plane.net")
        st.caption("test MSE here · " + " · ".join(
            f"task {j + 1}: {format_metric(float(v), t.metric_name, compact=True)}"
            for j, v in enumerate(nv.metrics)))


# ------------------------------------------------------------------------------ 5 interpolation
WALKS = ((0, 1), (1, 2), (0, 2))


def render_walk() -> None:
    """The Interpolation page's walk figure (one animation moves the function, the point on the
    plane and the every-task marker), sized for the projector."""
    h = demo_handle(TOY_DEMO)
    t = cache.trainer_of(h)
    names = lfigs.short_task_names(task_names(t))
    embs = generated.task_embeddings(t)  # [T, 2]
    choice = st.segmented_control("Walk", range(len(WALKS)), default=0, key=WALK_KEY,
                                  format_func=lambda k: f"e{WALKS[k][0] + 1} → e{WALKS[k][1] + 1}",
                                  label_visibility="collapsed")
    i, j = WALKS[choice or 0]
    pv = cache.path(t, h.version, EmbeddingPoint.of(embs[i]), EmbeddingPoint.of(embs[j]),
                    "linear", False)
    land = cache.plane(t, h.version, PLANE_RES, 0.5).landscape
    fig = ifigs.walk_fig(pv.alphas, pv.metrics, names, t.metric_name, pv.path_uv, pv.task_uv, 0,
                         i, j, land, pv.xs, pv.curves, pv.data, pv.axis_names, pv.plane_title,
                         height=BODY_HEIGHT - 48)
    chart(lfigs.projector(fig), f"lecture.walk.fig.{i}{j}")


# ------------------------------------------------------------------------------ 7 methods
def run_short_name(h: RunHandle) -> str:
    """'HNET β=0.01', 'Fine-tuning', 'EWC λ=1e+04' (method and strength; the benchmark is the
    step's)."""
    cfg = h.view().cfg
    s = strength_text(cfg)
    return f"{method_short(cfg.train.method)} {s}".strip()


def render_methods() -> None:
    hs = [demo_handle(f) for f in DIGIT_DEMOS]
    names = [run_short_name(h) for h in hs]
    colors = charts.run_colors(names)
    final = {n: list(h.view().history["R"][-1]) for n, h in zip(names, hs)}
    left, right = st.columns([1.35, 1], gap="medium")
    with left:
        fig = charts.compare_final_fig(final, "accuracy", colors)
        lo = max(0.0, np.floor(min(v for row in final.values() for v in row) * 20) / 20 - 0.05)
        # automargin: the projector's larger tick labels ("100%") need more than the page's
        # 10 px margin, which clipped them to "%" fragments
        fig.update_yaxes(range=[lo, 1.01], tickformat=".0%", automargin=True,
                         title_text=f"final test accuracy (axis from {lo:.0%})")
        fig.update_layout(title=dict(text="Final accuracy on each task, after all five"),
                          legend=dict(y=-0.12), margin=dict(l=10, r=10, t=48, b=10))
        chart(lfigs.projector(fig, height=BODY_HEIGHT), "lecture.methods.final")
    with right:
        forg = {n: forgetting(h.view().history["R"], True) for n, h in zip(names, hs)}
        fig = lfigs.forgetting_fig(forg, colors, height=BODY_HEIGHT)
        chart(lfigs.projector(fig), "lecture.methods.forgetting")
