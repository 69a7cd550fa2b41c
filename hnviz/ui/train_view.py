"""What the Train page draws for a run, from its whole history: progress, headline numbers and
the live charts (regression functions or per-task accuracy curves, plus the loss)."""

from __future__ import annotations

import streamlit as st

from hnviz.core.metrics import task_curves
from hnviz.ui import charts, state
from hnviz.ui.labels import format_metric
from hnviz.ui.model_info import regression_view, task_names


def progress(entry: state.RunEntry) -> None:
    t = entry.trainer
    task = min(t.task, t.n_tasks - 1)
    in_task = t.iters if t.finished else t.step_in_task
    c1, c2 = st.columns(2)
    c1.progress(t.progress, text=f"Overall: step {t.global_step:,} / {t.total_steps:,}")
    c2.progress(in_task / t.iters,
                text=f"Task {task + 1} of {t.n_tasks}: step {in_task:,} / {t.iters:,}")


def headline(entry: state.RunEntry) -> None:
    """Current numbers: each seen task's latest metric and the last loss."""
    t = entry.trainer
    h = t.history
    cols = st.columns(min(t.n_tasks, 6) + 1)
    last = h["evals"][-1]["values"] if h["evals"] else []
    for j in range(min(t.n_tasks, 6)):
        value = format_metric(last[j] if j < len(last) else None, t.metric_name)
        cols[j].metric(f"Task {j + 1} {t.metric_name}", value)
    if h["loss"]:
        cols[-1].metric("Loss (task + reg)", f"{h['loss'][-1][1] + h['loss'][-1][2]:.4f}")


def charts_for(entry: state.RunEntry) -> None:
    t = entry.trainer
    h = t.history
    names = task_names(t)
    current = None if t.finished else t.task
    curves = task_curves(h["evals"], t.n_tasks)
    curve_fig = charts.task_curves_fig(curves, h["task_end_steps"], t.metric_name, current,
                                       t.iters, t.total_steps, names)
    loss = charts.loss_fig(h["loss"], h["task_end_steps"], t.total_steps)
    if t.seq.is_regression:
        train, grid, preds = regression_view(t)
        fig = charts.regression_fig(train, grid, preds, n_trained=len(h["R"]), current=current,
                                    names=names)
        st.plotly_chart(fig, width="stretch", key="train.regression")
        c1, c2 = st.columns(2)
        with c1:
            st.plotly_chart(curve_fig, width="stretch", key="train.curves")
        with c2:
            st.plotly_chart(loss, width="stretch", key="train.loss")
    else:
        st.plotly_chart(curve_fig, width="stretch", key="train.curves")
        st.plotly_chart(loss, width="stretch", key="train.loss")


def draw(entry: state.RunEntry) -> None:
    """The live panel's body (called on every tick)."""
    progress(entry)
    if entry.trainer.error:
        st.error(f"Training diverged: {entry.trainer.error}")
    headline(entry)
    charts_for(entry)
