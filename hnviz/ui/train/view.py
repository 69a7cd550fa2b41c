"""What the Train page draws for its runs, from their views (hnviz.serve.runview.RunView):
progress, headline numbers and the live charts (regression functions or per-task accuracy, the
loss), for one run or for two side by side."""

from __future__ import annotations

import json
from collections.abc import Sequence

import streamlit as st

from hnviz.analysis.views import regression_data
from hnviz.core.benchmarks import build_tasks
from hnviz.core.config import TaskConfig, from_dict, to_dict
from hnviz.core.metrics import task_curves
from hnviz.serve.runview import RunView
from hnviz.serve.workspace import RunHandle
from hnviz.ui import charts
from hnviz.ui.labels import format_metric, metric_name_label
from hnviz.ui.text import MESSAGE_CHARS, md

MAX_HEADLINE_TASKS = 6


def progress(v: RunView, compact: bool = False) -> None:
    task = min(v.task, v.n_tasks - 1)
    in_task = v.iters if v.finished else v.step_in_task
    overall = f"Overall: step {v.global_step:,} / {v.total_steps:,}"
    if compact:
        st.progress(v.progress, text=f"{overall} · task {task + 1}/{v.n_tasks}")
        return
    c1, c2 = st.columns(2)
    c1.progress(v.progress, text=overall)
    c2.progress(in_task / v.iters,
                text=f"Task {task + 1} of {v.n_tasks}: step {in_task:,} / {v.iters:,}")


def headline(v: RunView) -> None:
    """Each seen task's latest metric and the last loss, compact enough for 1280 px."""
    h = v.history
    n = min(v.n_tasks, MAX_HEADLINE_TASKS)
    last = h["evals"][-1]["values"] if h.get("evals") else []
    cols = st.columns(n + 1)
    label = metric_name_label(v.metric)
    for j in range(n):
        value = format_metric(last[j], v.metric, compact=True) if j < len(last) else "—"
        cols[j].metric(f"Task {j + 1} {label}", value)
    if h.get("loss"):
        cols[-1].metric("Loss", f"{h['loss'][-1][1] + h['loss'][-1][2]:.3g}",
                        help="Task loss + regularizer at the last logged step.")


def _charts(h: RunHandle, v: RunView, key: str, compact: bool = False) -> None:
    hist = v.history
    current = None if v.finished else v.task
    if v.is_regression:
        ex = h.extras()
        if ex.get("preds"):
            data = regression_points(h)
            fig = charts.regression_fig(data, ex["grid"], ex["preds"], n_trained=v.tasks_done,
                                        current=current, names=v.task_names,
                                        title=None if not compact else "",
                                        height=330 if compact else 380)
            st.plotly_chart(fig, width="stretch", key=f"{key}.regression")
        if compact:
            return
    elif compact:
        st.plotly_chart(charts.matrix_fig(hist.get("R", []), v.n_tasks, v.metric,
                                          [f"task {j + 1}" for j in range(v.n_tasks)],
                                          height=300),
                        width="stretch", key=f"{key}.matrix")
    curves = task_curves(hist.get("evals", []), v.n_tasks)
    curve_fig = charts.task_curves_fig(curves, hist.get("task_end_steps", []), v.metric,
                                       current, v.iters, v.total_steps, v.task_names,
                                       height=260 if compact else 360)
    if compact:
        st.plotly_chart(curve_fig, width="stretch", key=f"{key}.curves")
        return
    loss = charts.loss_fig(hist.get("loss", []), hist.get("task_end_steps", []), v.total_steps)
    if v.is_regression:
        c1, c2 = st.columns(2)
        with c1:
            st.plotly_chart(curve_fig, width="stretch", key=f"{key}.curves")
        with c2:
            st.plotly_chart(loss, width="stretch", key=f"{key}.loss")
    else:
        st.plotly_chart(curve_fig, width="stretch", key=f"{key}.curves")
        st.plotly_chart(loss, width="stretch", key=f"{key}.loss")


@st.cache_data(max_entries=32, show_spinner=False)
def _regression_points(task_json: str) -> list[tuple[list[float], list[float]]]:
    """Training points of a regression task sequence (keyed by its TaskConfig as JSON)."""
    seq = build_tasks(from_dict(TaskConfig, json.loads(task_json)))
    return regression_data(seq)


def regression_points(h: RunHandle):
    """Each task's training points of a regression run [(x, y)] (cached per task setup)."""
    return _regression_points(json.dumps(to_dict(h.view().cfg.task), sort_keys=True))


def _messages(v: RunView) -> None:
    if v.error:
        st.error(f"Training diverged: {md(v.error, MESSAGE_CHARS)}")
    elif v.message:
        st.info(v.message)


def draw(views: Sequence[tuple[RunHandle, RunView]]) -> None:
    """The live panel's body (called on every poll): one run, or two side by side."""
    if len(views) == 1:
        h, v = views[0]
        progress(v)
        _messages(v)
        headline(v)
        _charts(h, v, "train")
        return
    cols = st.columns(len(views), gap="medium")
    for i, (col, (h, v)) in enumerate(zip(cols, views)):
        with col:
            st.markdown(f"**{md(h.name)}**")
            progress(v, compact=True)
            _messages(v)
            _charts(h, v, f"train.side{i}", compact=True)
