"""Pure Plotly figure builders: numbers in, `go.Figure` out (no Streamlit, no torch).

Every chart of the Train and Forgetting pages comes from here, so each can be tested on
hand-written numbers. Task j always has colour `task_color(j)` on every chart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from hnviz.core.metrics import diagonal
from hnviz.ui.labels import metric_label

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
_MARGIN = dict(l=10, r=10, t=40, b=20)


def figure() -> go.Figure:
    """An empty figure that skips plotly's per-property validation when traces and layout are
    added (4× faster to build; these builders run on every live poll). The builders pass only
    known properties, which the tests exercise with validation on (`go.Figure(fig)` in tests
    would raise on a typo)."""
    return go.Figure(_validate=False)


def task_color(j: int) -> str:
    return PALETTE[j % len(PALETTE)]


def padded_range(values, frac: float) -> list[float]:
    """[lo − pad, hi + pad] around `values` (any shape, not empty), pad = frac·(hi − lo), or frac
    when they are all equal: a y-range that keeps the data in view whatever a network predicts."""
    a = np.asarray(values, dtype=np.float64)
    lo, hi = float(a.min()), float(a.max())
    pad = frac * (hi - lo or 1.0)
    return [lo - pad, hi + pad]


def _layout(fig: go.Figure, title: str, height: int = 360, **kw) -> go.Figure:
    kw.setdefault("legend", dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0))
    fig.update_layout(title=dict(text=title, x=0, xanchor="left", font=dict(size=15)),
                      height=height, template="plotly_white", **{"margin": _MARGIN, **kw})
    return fig


def _finite(v: float) -> float | None:
    return v if v is not None and math.isfinite(v) else None


MAX_Y_STRETCH = 4.0  # the y-axis widens for an off-range curve by at most this × the data span


def regression_fig(train: Sequence[tuple[Sequence[float], Sequence[float]]],
                   grid: Sequence[float], preds: Sequence[Sequence[float]],
                   n_trained: int, current: int | None = None,
                   names: Sequence[str] | None = None, title: str | None = None,
                   height: int = 380) -> go.Figure:
    """The 1-D regression view: each task's training points and the function its generated
    network computes now on `grid`.

    A task's function is drawn bold over its own input interval (where it was trained) and thin
    and faint outside it: what a network does far from its data is extrapolation, not failure.
    Tasks not trained yet are dotted and faint; `current` (being trained) is thickest. The y-axis
    covers the data and widens (up to MAX_Y_STRETCH × the data's span) to show a trained task's
    curve that has left it on its own interval — forgetting stays visible; a curve beyond even
    that is named in a note on the plot."""
    fig = figure()
    g = np.asarray(grid, dtype=np.float64)
    for j, (x, y) in enumerate(train):
        name = names[j] if names else f"task {j + 1}"
        fig.add_trace(go.Scatter(x=np.asarray(x, np.float32), y=np.asarray(y, np.float32),
                                 mode="markers", name=f"{name} data", legendgroup=str(j),
                                 showlegend=False, hoverinfo="skip",
                                 marker=dict(color=task_color(j), size=5, opacity=0.45)))
    ys = np.concatenate([np.asarray(y, np.float64) for _, y in train]) if train else \
        np.zeros(1)
    lo, hi = padded_range(ys, 0.15)
    span = hi - lo
    off_range = []
    for j, p in enumerate(preds):
        name = names[j] if names else f"task {j + 1}"
        trained = j < n_trained or j == current
        pv = np.asarray([_finite(v) if v is not None else None for v in p], dtype=np.float64)
        x_lo, x_hi = (min(train[j][0]), max(train[j][0])) if j < len(train) else (g[0], g[-1])
        own = (g >= x_lo) & (g <= x_hi)
        color = task_color(j)
        # faint everywhere (the extrapolation), bold on the task's own interval
        fig.add_trace(go.Scatter(x=g, y=pv, mode="lines", legendgroup=str(j), showlegend=False,
                                 hoverinfo="skip", opacity=0.3 if trained else 0.15,
                                 line=dict(color=color, width=1.2,
                                           dash=None if trained else "dot")))
        fig.add_trace(go.Scatter(
            x=g[own], y=pv[own], mode="lines", name=name, legendgroup=str(j),
            line=dict(color=color, width=4.5 if j == current else 3,
                      dash=None if trained else "dot"),
            opacity=1.0 if trained else 0.4,
            hovertemplate=f"{name}<br>x=%{{x:.2f}}<br>y=%{{y:.3g}}<extra></extra>"))
        if trained and own.any():
            seg = pv[own][np.isfinite(pv[own])]
            if seg.size:
                lo = min(lo, max(float(seg.min()), lo - MAX_Y_STRETCH * span))
                hi = max(hi, min(float(seg.max()), hi + MAX_Y_STRETCH * span))
                if seg.min() < lo or seg.max() > hi:
                    off_range.append(f"{name.split(':')[0]} (y from {seg.min():.3g} to "
                                     f"{seg.max():.3g})")
    pad = 0.03 * (hi - lo)
    fig.update_yaxes(range=[lo - pad, hi + pad], title_text="y")
    fig.update_xaxes(title_text="x")
    if off_range:
        fig.add_annotation(xref="paper", yref="paper", x=0.01, y=0.98, xanchor="left",
                           showarrow=False, font=dict(color="#d62728", size=12),
                           text="leaves the plot: " + "; ".join(off_range))
    return _layout(fig, "What each task's generated network computes" if title is None else
                   title, height=height)


def _task_boundaries(fig: go.Figure, task_end_steps: Sequence[int], total_steps: int | None,
                     iters: int | None, current: int | None) -> None:
    """Dashed lines at task ends and a shaded band over the task being trained (layout shapes
    set at once: add_vline per line is slow, and this runs on every live tick)."""
    shapes = [dict(type="line", xref="x", yref="paper", x0=s, x1=s, y0=0, y1=1,
                   line=dict(color="#999", width=1, dash="dash")) for s in task_end_steps]
    if current is not None and iters:
        x0 = current * iters
        x1 = x0 + iters if total_steps is None else min(total_steps, x0 + iters)
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=x0, x1=x1, y0=0, y1=1,
                           fillcolor=task_color(current), opacity=0.07, line_width=0,
                           layer="below"))
    fig.update_layout(shapes=shapes)


def task_curves_fig(curves: Mapping[int, tuple[Sequence[int], Sequence[float]]],
                    task_end_steps: Sequence[int], metric: str, current: int | None = None,
                    iters: int | None = None, total_steps: int | None = None,
                    names: Sequence[str] | None = None, height: int = 360) -> go.Figure:
    """Per-task test metric over training steps; dashed lines mark task boundaries and the
    task being trained is shaded and drawn thicker."""
    fig = figure()
    for j, (steps, vals) in sorted(curves.items()):
        if not steps:
            continue
        name = names[j] if names else f"task {j + 1}"
        fig.add_trace(go.Scatter(x=list(steps), y=[_finite(v) for v in vals],
                                 mode="lines", name=name,
                                 line=dict(color=task_color(j), width=3.5 if j == current else 2)))
    _task_boundaries(fig, task_end_steps, total_steps, iters, current)
    fig.update_xaxes(title_text="training step", range=[0, total_steps] if total_steps else None)
    fig.update_yaxes(title_text=metric_label(metric))
    if metric == "accuracy":
        fig.update_yaxes(range=[0, 1.02])
    else:
        fig.update_yaxes(type="log")
    return _layout(fig, f"Per-task {metric_label(metric)} while training", height=height)


MAX_LOSS_POINTS = 600  # the loss chart shows at most this many rows (every k-th, last kept)


def loss_fig(loss: Sequence[Sequence[float]], task_end_steps: Sequence[int] = (),
             total_steps: int | None = None) -> go.Figure:
    """Task loss and regularizer over steps (log scale). `loss` rows: [step, task_loss, reg];
    long histories are thinned to MAX_LOSS_POINTS rows (a chart cannot show more anyway)."""
    if len(loss) > MAX_LOSS_POINTS:
        k = -(-len(loss) // MAX_LOSS_POINTS)
        loss = list(loss[::k]) + ([loss[-1]] if (len(loss) - 1) % k else [])
    steps = [r[0] for r in loss]
    fig = figure()
    fig.add_trace(go.Scatter(x=steps, y=[_pos(r[1]) for r in loss], mode="lines",
                             name="task loss", line=dict(color="#1f77b4", width=1.5)))
    if any(r[2] > 0 for r in loss):
        fig.add_trace(go.Scatter(x=steps, y=[_pos(r[2]) for r in loss], mode="lines",
                                 name="regularizer", line=dict(color="#d62728", width=1.5)))
    _task_boundaries(fig, task_end_steps, total_steps, None, None)
    fig.update_xaxes(title_text="training step", range=[0, total_steps] if total_steps else None)
    fig.update_yaxes(type="log", title_text="loss")
    return _layout(fig, "Loss", height=300)


def _pos(v: float) -> float | None:
    return v if v is not None and math.isfinite(v) and v > 0 else None


def _fmt(v: float, metric: str) -> str:
    if v is None or not math.isfinite(v):
        return "—"
    return f"{v:.2f}" if metric == "accuracy" else f"{v:.3g}"


def matrix_fig(R: Sequence[Sequence[float]], n_tasks: int, metric: str,
               names: Sequence[str] | None = None, height: int | None = None) -> go.Figure:
    """Annotated heatmap of R[after task i, on task j]. Cells of tasks not yet trained (j > i,
    the upper triangle) are greyed out; rows after tasks not yet reached stay empty."""
    rows = len(R)
    labels = list(names) if names else [f"task {j + 1}" for j in range(n_tasks)]
    z, text, grey = [], [], []
    for i in range(n_tasks):
        zr, tr, gr = [], [], []
        for j in range(n_tasks):
            v = R[i][j] if i < rows and j < len(R[i]) else None
            v = v if v is not None and math.isfinite(v) else None
            upper = j > i
            zr.append(None if upper else v)
            gr.append(1 if upper and v is not None else None)
            tr.append("" if v is None else _fmt(v, metric))
        z.append(zr), text.append(tr), grey.append(gr)
    main_text = [[t if j <= i else "" for j, t in enumerate(row)] for i, row in enumerate(text)]
    y_labels = [f"after {lab}" for lab in labels]
    if metric == "accuracy":
        scale, zmin, zmax = "Blues", 0.0, 1.0
    else:
        vals = [v for r in z for v in r if v is not None]
        scale, zmin, zmax = "Reds", 0.0, (max(vals) if vals else 1.0)
    fig = figure()
    fig.add_trace(go.Heatmap(z=grey, x=labels, y=y_labels, showscale=False, hoverinfo="skip",
                             colorscale=[[0, "#eeeeee"], [1, "#eeeeee"]]))
    fig.add_trace(go.Heatmap(
        z=z, x=labels, y=y_labels, text=main_text, texttemplate="%{text}", colorscale=scale,
        zmin=zmin, zmax=zmax, colorbar=dict(title=dict(text=metric_label(metric)), len=0.8),
        hovertemplate="after %{y}<br>on %{x}: %{z:.4g}<extra></extra>"))
    # the grey (not yet trained) cells carry their value as faint text
    for i in range(n_tasks):
        for j in range(i + 1, n_tasks):
            if text[i][j]:
                fig.add_annotation(x=labels[j], y=y_labels[i], text=text[i][j], showarrow=False,
                                   font=dict(color="#aaaaaa", size=11))
    fig.update_yaxes(autorange="reversed", title_text="after training")
    fig.update_xaxes(side="top", title_text="evaluated on")
    size = height or max(300, 60 * n_tasks + 120)
    return _layout(fig, "", height=size, legend={}, margin=dict(l=10, r=10, t=60, b=10))


RUN_PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
               "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939")


def run_colors(names: Sequence[str]) -> dict[str, str]:
    """One distinct colour per compared run (in the order given): two runs of the same method,
    e.g. HNET at β = 0 and at β = 0.005, must not share a colour."""
    return {n: RUN_PALETTE[k % len(RUN_PALETTE)] for k, n in enumerate(names)}


def compare_final_fig(final: Mapping[str, Sequence[float]], metric: str,
                      colors: Mapping[str, str] | None = None) -> go.Figure:
    """Grouped bars: each run's final metric per task (`final`: run name -> last row of R)."""
    colors = colors or run_colors(list(final))
    fig = figure()
    for name, row in final.items():
        fig.add_trace(go.Bar(x=[f"task {j + 1}" for j in range(len(row))],
                             y=[_finite(v) for v in row], name=name, marker_color=colors[name]))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=metric_label(metric),
                     range=[0, 1.02] if metric == "accuracy" else None,
                     type=None if metric == "accuracy" else "log")
    return _layout(fig, f"Final {metric_label(metric)} per task")


def transfer_fig(runs: Mapping[str, Sequence[Sequence[float | None]]], metric: str,
                 colors: Mapping[str, str] | None = None,
                 names: Sequence[str] | None = None) -> go.Figure:
    """Per task and run, as in the paper's split CIFAR figure: the value right after training
    the task (R[j, j], hatched bar) and after all tasks (the last row, solid bar). A from-scratch
    run's hatched bars are what each task reaches alone: a continual learner's hatched bar above
    it is forward transfer, its solid bar below its hatched one is forgetting. `runs`: name -> R
    (rows so far); tasks not trained by a run are left out for it."""
    colors = colors or run_colors(list(runs))
    n = max((len(R) for R in runs.values()), default=0)
    labels = list(names[:n]) if names else [f"task {j + 1}" for j in range(n)]
    fig = figure()
    for name, R in runs.items():
        x = labels[:len(R)]
        after = [_finite(v) for v in (R[-1][:len(R)] if R else [])]
        during = [_finite(v) for v in diagonal(R)]
        for what, vals, pattern, opacity in (("right after training it", during, "/", 0.55),
                                             ("after all tasks", after, "", 1.0)):
            fig.add_trace(go.Bar(
                x=x, y=vals, name=f"{name}: {what}", legendgroup=name,
                offsetgroup=f"{name}|{what}", marker=dict(
                    color=colors[name], opacity=opacity,
                    pattern=dict(shape=pattern, fillmode="overlay", fgcolor="white")),
                hovertemplate=f"{name}<br>%{{x}} {what}: %{{y:.4g}}<extra></extra>"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=metric_label(metric),
                     range=[0, 1.02] if metric == "accuracy" else None,
                     type=None if metric == "accuracy" else "log")
    return _layout(fig, "Each task right after training it (hatched) and after all tasks "
                        "(solid)", height=420)


def compare_mean_fig(means: Mapping[str, Sequence[float]], metric: str,
                     colors: Mapping[str, str] | None = None) -> go.Figure:
    """Lines: each run's mean metric over the tasks seen so far, after each task."""
    colors = colors or run_colors(list(means))
    fig = figure()
    for name, vals in means.items():
        fig.add_trace(go.Scatter(x=list(range(1, len(vals) + 1)), y=[_finite(v) for v in vals],
                                 mode="lines+markers", name=name,
                                 line=dict(color=colors[name])))
    fig.update_xaxes(title_text="after training task", dtick=1)
    fig.update_yaxes(title_text=f"mean {metric_label(metric)} (seen tasks)",
                     range=[0, 1.02] if metric == "accuracy" else None,
                     type=None if metric == "accuracy" else "log")
    return _layout(fig, f"Mean {metric_label(metric)} as tasks are added")


def mean_seen(R: Sequence[Sequence[float | None]]) -> list[float | None]:
    """Mean over tasks 0..i of row i, for each row i (the 'as tasks are added' curve); cells a
    long sequence did not evaluate (None) are left out (None if a row has none)."""
    out = []
    for i, row in enumerate(R):
        vals = [v for v in row[:i + 1] if v is not None]
        out.append(sum(vals) / len(vals) if vals else None)
    return out
