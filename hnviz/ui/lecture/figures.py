"""Pure Plotly figure builders for the lecture mode (numbers in, `go.Figure` out).

Where another page already draws the picture, the lecture calls that page's builder and only
adjusts it here (`projector`: larger fonts, a fixed height). What is new to the lecture:
the functions after each task (`task_end_figs`), the plane's task legend (`with_task_legend`),
one animation that moves the point on the plane and the function together (`walk_fig`), and the
forgetting per run (`forgetting_fig`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from hnviz.analysis.task_ends import TaskEnds
from hnviz.ui.charts import regression_fig, task_color

FONT = 16  # projector font size (Plotly's default is 12)
FRAME_MS = 90


def projector(fig: go.Figure, height: int | None = None, font: int = FONT) -> go.Figure:
    """Larger fonts everywhere (and a fixed height) for a 1280×720 projector; every axis makes
    room for its larger tick labels (automargin), so none is clipped by a page's tight margin."""
    fig.update_layout(font=dict(size=font), title_font_size=font + 2,
                      legend_font_size=font - 1, hoverlabel_font_size=font - 1)
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    if height is not None:
        fig.update_layout(height=height)
    return fig


def short_task_names(names: Sequence[str]) -> list[str]:
    """'task 1: y = x + 3' -> 'task 1'."""
    return [n.split(":")[0] for n in names]


# ------------------------------------------------------------------------------ step 1: forgetting
def task_end_figs(te: TaskEnds, height: int = 230) -> list[go.Figure]:
    """One small function plot per snapshot of `te` ("after task k"): every task's training
    points, and the function of each task trained so far (bold on its own inputs). Every panel
    has the same y-range, so a curve that moves away is seen moving, not rescaled."""
    data = [(x, y) for x, y in te.data]
    figs = []
    for k in range(len(te.steps)):
        fig = regression_fig(data, te.grid, te.preds[k, :k + 1].tolist(), n_trained=k + 1,
                             names=list(te.task_names), title=f"after task {k + 1}",
                             height=height)
        fig.update_layout(showlegend=False, margin=dict(l=40, r=10, t=36, b=28))
        fig.update_xaxes(title_text=None)
        fig.update_yaxes(title_text=None)
        figs.append(fig)
    share_y(figs)
    return figs


def share_y(figs: Sequence[go.Figure]) -> None:
    """Give every figure the union of their y-ranges."""
    ranges = [f.layout.yaxis.range for f in figs if f.layout.yaxis.range is not None]
    if ranges:
        lo, hi = min(r[0] for r in ranges), max(r[1] for r in ranges)
        for f in figs:
            f.update_yaxes(range=[lo, hi])


# ------------------------------------------------------------------------------ step 7: methods
def forgetting_fig(forgetting: Mapping[str, float], colors: Mapping[str, str],
                   height: int = 440) -> go.Figure:
    """Horizontal bars: each run's average forgetting (how much of its old tasks' accuracy it
    lost by the end), in percentage points; one colour per run, the order given."""
    names = list(forgetting)
    vals = [100 * forgetting[n] for n in names]
    fig = go.Figure(go.Bar(x=vals, y=names, orientation="h",
                           marker_color=[colors[n] for n in names],
                           text=[f"{v:.1f}" for v in vals], textposition="outside",
                           cliponaxis=False,
                           hovertemplate="%{y}: %{x:.1f} points forgotten<extra></extra>"))
    top = max([*vals, 1.0])
    fig.update_xaxes(title_text="forgetting (accuracy points lost on old tasks)",
                     range=[0, top * 1.25])
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(title=dict(text="Forgetting", x=0), height=height,
                      template="plotly_white", margin=dict(l=10, r=30, t=40, b=10),
                      showlegend=False)
    return fig


# ------------------------------------------------------------------------------ step 8: inference
def scores_fig(v, label: str, names: Sequence[str], height: int = 220) -> go.Figure:
    """One run's score of every task embedding for one input (`analysis.task_inference.
    InputView`): bars, the chosen task in its colour, the others grey, the true task outlined;
    the title says the rule and the verdict. Entropies span decades (a confident network's is
    ~1e-4 nats): on a log axis, so the winner, the shortest bar, is still seen."""
    k = len(v.scores)
    x = [f"task {j + 1}" for j in range(k)]
    entropy = v.kind == "entropy"
    vals = [float(s) for s in v.scores]
    shown = [max(s, 1e-12) for s in vals] if entropy else vals
    rule = "entropy H (log): lowest wins" if entropy else "p(task | x): highest wins"
    picked = "no task" if v.inferred is None else f"task {v.inferred + 1}"
    verdict = "right" if v.inferred == v.task else f"wrong (true: task {v.task + 1})"
    fig = go.Figure(go.Bar(
        x=x, y=shown, meta=f"scores:{label}", customdata=vals,
        marker=dict(color=[task_color(j) if j == v.inferred else "#c7c7c7" for j in range(k)],
                    line=dict(color="#000000", width=[3 if j == v.task else 0
                                                      for j in range(k)])),
        text=[f"{s:.2g}" for s in vals], textposition="outside", cliponaxis=False,
        hovertemplate="%{x}: %{customdata:.3g}<extra></extra>"))
    if entropy:
        lo, hi = np.log10(min(shown)), np.log10(max(shown))
        fig.update_yaxes(type="log", range=[lo - 1, hi + 0.6])
    else:
        fig.update_yaxes(range=[0, max(vals + [1e-6]) * 1.3])
    fig.update_yaxes(showticklabels=False, showgrid=False)
    fig.update_layout(title=dict(text=f"<b>{label}</b> · {rule} → {picked}, {verdict}", x=0,
                                 y=0.97, yanchor="top"),
                      height=height, template="plotly_white", showlegend=False,
                      margin=dict(l=10, r=10, t=40, b=10), bargap=0.3)
    return fig


def given_inferred_fig(acc: Mapping[str, Mapping[str, float | None]],
                       height: int = 420) -> go.Figure:
    """Each run's final mean accuracy with the task given and with it inferred (`acc`: run ->
    {"given": a, "inferred": b}, in [0, 1]): grouped bars, values written on them."""
    runs = list(acc)
    fig = go.Figure()
    for key, name, color in (("given", "task given", "#9ecae1"),
                             ("inferred", "task inferred", "#1f77b4")):
        vals = [acc[r].get(key) for r in runs]
        fig.add_trace(go.Bar(x=runs, y=[None if v is None else 100 * v for v in vals],
                             name=name, marker_color=color, meta=f"accuracy:{key}",
                             text=["" if v is None else f"{100 * v:.0f}%" for v in vals],
                             textposition="outside", cliponaxis=False,
                             hovertemplate=f"%{{x}} · {name}: %{{y:.1f}}%<extra></extra>"))
    fig.update_yaxes(range=[0, 112], ticksuffix="%", title_text="final accuracy, all tasks",
                     automargin=True)
    fig.update_layout(barmode="group", height=height, template="plotly_white",
                      title=dict(text="Accuracy: task given vs inferred", x=0),
                      margin=dict(l=10, r=10, t=40, b=10), bargap=0.25,
                      legend=dict(orientation="h", y=-0.08, yanchor="top", x=0))
    return fig
