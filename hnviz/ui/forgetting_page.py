"""Layout of the Forgetting page: the matrix R[after task i, on task j] of the active run, the
continual-learning metrics with their definitions, and a comparison of several runs."""

from __future__ import annotations

import streamlit as st

from hnviz.core.metrics import summarize, task_curves
from hnviz.ui import charts, state
from hnviz.ui.labels import format_metric, method_label, metric_label
from hnviz.ui.model_info import task_names

DEFINITIONS = r"""
With $R_{i,j}$ the test metric on task $j$ after training task $i$ ($T$ tasks, $b_j$ before any
training):

$$\text{ACC} = \frac{1}{T}\sum_{j} R_{T,j} \qquad
\text{BWT} = \frac{1}{T-1}\sum_{j<T} \big(R_{T,j} - R_{j,j}\big) \qquad
\text{FWT} = \frac{1}{T-1}\sum_{j>1} \big(R_{j-1,j} - b_j\big)$$

$$\text{Forgetting} = \frac{1}{T-1}\sum_{j<T} \Big(\max_{i<T} R_{i,j} - R_{T,j}\Big)$$

**ACC**: how good the final model is on all tasks. **BWT** (backward transfer): how much learning
later tasks changed earlier ones; negative = forgetting. **FWT** (forward transfer): how much
earlier tasks helped a task before it was trained. **Forgetting**: the average drop from each
task's best value to its final value. For regression (MSE, lower is better) the signs are flipped
so that negative BWT and positive forgetting still mean "got worse".
"""


def render() -> None:
    st.title("Forgetting")
    st.caption("How well each task is remembered as the next ones are learned.")
    entry = state.active_run()
    if entry is None:
        st.info("No run in this session yet: train one on the Train page.")
        return
    t = entry.trainer
    R = t.history["R"]
    st.subheader(f"{entry.name}")
    if not R:
        st.info("This run has not finished its first task yet, so the matrix is empty. Train it "
                "on the Train page (▶ Play) and come back.")
        return
    headline(entry)
    left, right = st.columns([1, 1.15], gap="large")
    names = task_names(t)
    with left:
        label = metric_label(t.metric_name)
        st.markdown(f"**{label[0].upper() + label[1:]} matrix** "
                    "R[after task i, on task j]. Grey cells: tasks not trained yet.")
        st.plotly_chart(charts.matrix_fig(R, t.n_tasks, t.metric_name,
                                          [f"task {j + 1}" for j in range(t.n_tasks)]),
                        width="stretch", key="forget.matrix")
    with right:
        curves = task_curves(t.history["evals"], t.n_tasks)
        st.plotly_chart(charts.task_curves_fig(curves, t.history["task_end_steps"],
                                               t.metric_name, None, t.iters, t.total_steps,
                                               names),
                        width="stretch", key="forget.curves")
    with st.expander("Definitions of ACC, BWT, FWT and forgetting"):
        st.markdown(DEFINITIONS)
    compare(entry)


def headline(entry: state.RunEntry) -> None:
    t = entry.trainer
    s = summarize(t.history["R"], t.history["R0"], t.higher_is_better)
    acc = t.metric_name == "accuracy"
    fmt = lambda v: format_metric(v, t.metric_name)
    sign = lambda v: format_metric(v, t.metric_name, signed=True)
    c = st.columns(4)
    c[0].metric("ACC (mean final)" if acc else "Mean final MSE", fmt(s["mean_final"]),
                help="Average over the tasks trained so far of the latest row of R.")
    c[1].metric("Forgetting", fmt(s["forgetting"]),
                help="Average drop from each task's best to its final value (0 = none).")
    c[2].metric("BWT", sign(s["bwt"]), help="Backward transfer; negative means forgetting.")
    c[3].metric("FWT", sign(s.get("fwt", 0.0)),
                help="Forward transfer: a task's value before training it, minus chance.")
    if not t.finished:
        st.caption(f"{len(t.history['R'])} of {t.n_tasks} tasks trained so far.")


def compare(entry: state.RunEntry) -> None:
    """Several runs of the same benchmark on the same axes."""
    bench = entry.trainer.cfg.task.benchmark
    same = {n: e for n, e in state.runs().items()
            if e.trainer.cfg.task.benchmark == bench and e.trainer.history["R"]}
    st.subheader("Compare methods")
    if len(same) < 2:
        st.caption("Train or load another run on this benchmark to compare (the bundled demos "
                   "include fine-tuning, EWC, SI and joint training on Split Digits).")
        return
    default = [entry.name] + [n for n in same if n != entry.name][:4]
    chosen = st.multiselect(f"Runs on {bench}", list(same), default=default,
                            key=f"forget.compare.{bench}")
    if not chosen:
        return
    metric = entry.trainer.metric_name
    finals = {n: same[n].trainer.history["R"][-1] for n in chosen}
    means = {n: charts.mean_seen(same[n].trainer.history["R"]) for n in chosen}
    methods = {n: same[n].trainer.cfg.train.method for n in chosen}
    c1, c2 = st.columns(2)
    with c1:
        st.plotly_chart(charts.compare_final_fig(finals, metric, methods), width="stretch",
                        key="forget.cmp_final")
    with c2:
        st.plotly_chart(charts.compare_mean_fig(means, metric, methods), width="stretch",
                        key="forget.cmp_mean")
    rows = []
    for n in chosen:
        tr = same[n].trainer
        s = summarize(tr.history["R"], tr.history["R0"], tr.higher_is_better)
        rows.append({"run": n, "method": method_label(tr.cfg.train.method),
                     "tasks": f"{len(tr.history['R'])}/{tr.n_tasks}",
                     "mean final": s["mean_final"], "forgetting": s["forgetting"],
                     "BWT": s["bwt"], "FWT": s.get("fwt")})
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={k: st.column_config.NumberColumn(format="%.4f")
                                for k in ("mean final", "forgetting", "BWT", "FWT")})
