"""Layout of the Forgetting page: the matrix R[after task i, on task j] of the active run, the
continual-learning metrics with their definitions, and a comparison of several runs."""

from __future__ import annotations

import streamlit as st

from hnviz.core.method_specs import method_spec
from hnviz.core.metrics import summarize, task_curves
from hnviz.core.scenarios import scenario
from hnviz.serve.runview import RunView
from hnviz.serve.workspace import RunHandle
from hnviz.ui import charts, state
from hnviz.ui.labels import (
    benchmark_label,
    format_metric,
    method_label,
    metric_label,
    strength_text,
)
from hnviz.ui.text import html, md
from hnviz.ui.url import runs as runrefs
from hnviz.ui.url.query import PageUrl

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

**FWT vs scratch** (shown when a *from scratch* run is compared): with $S$ the matrix of that
control (each task trained alone from a fresh network, same budget),
$\text{FWT}_{\text{scratch}} = \frac{1}{T-1}\sum_{j>1} \big(R_{j,j} - S_{j,j}\big)$: how much
better a task is learned after the earlier ones than alone (the paper's forward transfer on split
CIFAR).
"""


def render() -> None:
    st.title("Forgetting")
    st.caption("How well each task is remembered as the next ones are learned.")
    entry = runrefs.page_run()
    if entry is None:
        st.info("No run yet: train one on the Train page.")
        return
    v = entry.view()
    R = v.history.get("R", [])
    st.subheader(md(entry.name))
    if not R:
        st.info("This run has not finished its first task yet, so the matrix is empty. Train it "
                "on the Train page (▶ Play) and come back.")
        compare(entry)
        return
    headline(v)
    left, right = st.columns([1, 1.15], gap="large")
    with left:
        label = metric_label(v.metric)
        st.markdown(f"**{label[0].upper() + label[1:]} matrix** "
                    "R[after task i, on task j]. Grey cells: tasks not trained yet.")
        st.plotly_chart(charts.matrix_fig(R, v.n_tasks, v.metric,
                                          [f"task {j + 1}" for j in range(v.n_tasks)]),
                        width="stretch", key="forget.matrix")
    with right:
        curves = task_curves(v.history.get("evals", []), v.n_tasks)
        st.plotly_chart(charts.task_curves_fig(curves, v.history.get("task_end_steps", []),
                                               v.metric, None, v.iters, v.total_steps,
                                               v.task_names),
                        width="stretch", key="forget.curves")
    with st.expander("Definitions of ACC, BWT, FWT and forgetting"):
        st.markdown(DEFINITIONS)
    compare(entry)


def headline(v: RunView) -> None:
    s = summarize(v.history["R"], v.history.get("R0"), v.higher_is_better)
    acc = v.metric == "accuracy"
    fmt = lambda x: format_metric(x, v.metric)
    sign = lambda x: format_metric(x, v.metric, signed=True)
    c = st.columns(4)
    c[0].metric("ACC (mean final)" if acc else "Mean final MSE", fmt(s["mean_final"]),
                help="Average over the tasks trained so far of the latest row of R.")
    c[1].metric("Forgetting", fmt(s["forgetting"]),
                help="Average drop from each task's best to its final value (0 = none).")
    c[2].metric("BWT", sign(s["bwt"]), help="Backward transfer; negative means forgetting.")
    c[3].metric("FWT", sign(s.get("fwt", 0.0)),
                help="Forward transfer: a task's value before training it, minus chance.")
    if not v.finished:
        st.caption(f"{v.tasks_done} of {v.n_tasks} tasks trained so far.")
    scn = scenario(v.cfg.task.scenario)
    if not scn.task_given:
        st.caption(f"A {scn.short} run: R is the accuracy with the task **inferred** (not given "
                   "at test time). The Task inference page shows it next to the accuracy with "
                   "the task given, and how the task is found.")


COMPARE_KEY = "forget.compare"
URL = PageUrl("forget", ("runs",))  # the compared runs: `?runs=A|B`


def _default_selection(entry: RunHandle, same: dict[str, RunHandle]) -> list[str]:
    """The active run, then the user's own runs (newest first), then demos; at most 5."""
    own = [n for n, h in same.items() if h.own and n != entry.name]
    demos = [n for n, h in same.items() if not h.own and n != entry.name]
    return ([entry.name] + own + demos)[:5]


def _on_compare_change(bench: str) -> None:
    chosen = state.widget_value(f"{COMPARE_KEY}.{bench}") or []
    URL.publish({"runs": runrefs.SEP.join(chosen)})


def compare(entry: RunHandle) -> None:
    """Several runs of the same benchmark on the same axes, one colour per run."""
    bench = entry.view().cfg.task.benchmark
    same = {h.name: h for h in state.runs()
            if h.view().cfg.task.benchmark == bench and h.view().history.get("R")}
    st.subheader("Compare runs")
    if len(same) < 2:
        st.caption("Train or load another run on this benchmark to compare (the bundled demos "
                   "include fine-tuning, EWC, SI and joint training on Split Digits).")
        return
    key = f"{COMPARE_KEY}.{bench}"
    params = URL.incoming()
    if params is not None:  # a link's runs: the ones of this benchmark, each note kept
        picked, notes = [], []
        for n in runrefs.names(params["runs"]):
            h, note = runrefs.resolve(n, bench)
            if note:
                notes.append(note)
            if h is not None and h.name in same and h.name not in picked:
                picked.append(h.name)
        URL.notes(notes)
        if picked:
            state.set_widget(key, picked)
    for note in URL.notes():
        st.info(note)
    if state.widget_value(key) is None:
        state.set_widget(key, _default_selection(entry, same))
    else:  # runs deleted meanwhile
        state.set_widget(key, [n for n in state.widget_value(key) if n in same])
    chosen = st.multiselect(f"Runs on {benchmark_label(bench)}", list(same), key=key,
                            on_change=_on_compare_change, args=(bench,),
                            help="Your own runs are listed first. Each run has its own colour.")
    if not chosen:
        return
    views = {n: same[n].view() for n in chosen}
    metric = entry.view().metric
    colors = charts.run_colors(chosen)
    # figures name runs in HTML (Plotly's legends): each name as text, cut
    fig_colors = {html(n, 100): c for n, c in colors.items()}
    finals = {html(n, 100): v.history["R"][-1] for n, v in views.items()}
    means = {html(n, 100): charts.mean_seen(v.history["R"]) for n, v in views.items()}
    c1, c2 = st.columns(2)
    with c1:
        st.plotly_chart(charts.compare_final_fig(finals, metric, fig_colors), width="stretch",
                        key="forget.cmp_final")
    with c2:
        st.plotly_chart(charts.compare_mean_fig(means, metric, fig_colors), width="stretch",
                        key="forget.cmp_mean")
    scratch = next((n for n, v in views.items() if method_spec(v.cfg.train.method).control),
                   None)
    transfer(views, metric, colors, scratch)
    rows = []
    for n, v in views.items():
        control = views[scratch].history["R"] if scratch and n != scratch else None
        s = summarize(v.history["R"], v.history.get("R0"), v.higher_is_better, control)
        row = {"run": n, "method": method_label(v.cfg.train.method),
               "setting": strength_text(v.cfg) or "—",
               "tasks": f"{v.tasks_done}/{v.n_tasks}",
               "mean final": s["mean_final"], "forgetting": s["forgetting"],
               "BWT": s["bwt"], "FWT": s.get("fwt")}
        if scratch:
            row["FWT vs scratch"] = s.get("fwt_scratch")
        rows.append(row)
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={k: st.column_config.NumberColumn(format="%.4f")
                                for k in ("mean final", "forgetting", "BWT", "FWT",
                                          "FWT vs scratch")})


def transfer(views: dict[str, RunView], metric: str, colors: dict[str, str],
             scratch: str | None) -> None:
    """Each task right after training it and after all tasks, per run (the paper's split CIFAR
    figure): forward transfer against a from-scratch run, forgetting as the drop."""
    st.markdown("**Forward transfer and forgetting per task**")
    if scratch is None:
        st.caption("Add a *from scratch* run (method “from scratch”: each task trained alone "
                   "from a fresh network with the same budget) to see forward transfer: a "
                   "hatched bar above the scratch run's means earlier tasks helped.")
    else:
        st.caption(f"Hatched: right after training the task; solid: after all tasks. "
                   f"“{md(scratch)}” is the control: a hatched bar above its hatched bar is "
                   "forward transfer; a solid bar below the run's own hatched bar is forgetting.")
    names = next(iter(views.values())).task_names
    st.plotly_chart(charts.transfer_fig({html(n, 100): v.history["R"] for n, v in views.items()},
                                        metric, {html(n, 100): c for n, c in colors.items()},
                                        names), width="stretch",
                    key="forget.cmp_transfer")
