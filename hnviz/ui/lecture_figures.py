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
from plotly.subplots import make_subplots

from hnviz.analysis.landscape import Landscape
from hnviz.analysis.task_ends import TaskEnds
from hnviz.ui.charts import padded_range, regression_fig, task_color
from hnviz.ui.embedding_figures import plane_view

FONT = 16  # projector font size (Plotly's default is 12)
FRAME_MS = 90


def projector(fig: go.Figure, height: int | None = None, font: int = FONT) -> go.Figure:
    """Larger fonts everywhere (and a fixed height) for a 1280×720 projector."""
    fig.update_layout(font=dict(size=font), title_font_size=font + 2,
                      legend_font_size=font - 1, hoverlabel_font_size=font - 1)
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


# ------------------------------------------------------------------------------ step 4: the plane
def with_task_legend(fig: go.Figure, names: Sequence[str]) -> go.Figure:
    """A legend saying which colour is which task (the "which task wins" view has none): one
    invisible square marker per task."""
    for t, name in enumerate(names):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name,
                                 marker=dict(symbol="square", size=14, color=task_color(t)),
                                 showlegend=True, hoverinfo="skip"))
    fig.update_layout(showlegend=True, legend=dict(orientation="h", yanchor="bottom", y=1.0,
                                                   xanchor="right", x=1.0))
    return fig


# ------------------------------------------------------------------------------ step 5: the walk
def walk_fig(land: Landscape, points: np.ndarray, path: np.ndarray, alphas: np.ndarray,
             xs: np.ndarray, curves: np.ndarray, data: Sequence[tuple], names: Sequence[str],
             start: int = 0, height: int = 470) -> go.Figure:
    """The walk between two embeddings as ONE animation: left, the plane coloured by the best
    task (`plane_view(land, "best")`) with the task embeddings (stars), the path and the moving
    point; right, the function of the network generated at that point on every task's inputs.

    points [T, 2] learned embeddings (plane coordinates), path [A, 2] the path, alphas [A],
    xs [T, X] each task's inputs, curves [A, T, X] (task t's head on task t's inputs), data
    [(x, y)] each task's training points. One Plotly frame per α moves the point and the curves
    together; ▶ plays it in the browser (no server round trip)."""
    T = xs.shape[0]
    fig = make_subplots(rows=1, cols=2, column_widths=[0.42, 0.58], horizontal_spacing=0.15,
                        subplot_titles=("the path between two task embeddings",
                                        "the network generated at the red point"))
    z, kw = plane_view(land, "best")
    bar = dict(kw.get("colorbar", {}))
    bar["title"] = dict(bar.get("title", {}), side="top")
    kw["colorbar"] = dict(bar, len=0.7, x=0.40, thickness=12)
    fig.add_trace(go.Heatmap(x=land.u, y=land.v, z=z, hoverinfo="skip", **kw), row=1, col=1)
    fig.add_trace(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines", showlegend=False,
                             line=dict(color="white", width=3), hoverinfo="skip"), row=1, col=1)
    for t in range(len(points)):
        fig.add_trace(go.Scatter(x=[points[t, 0]], y=[points[t, 1]], mode="markers+text",
                                 text=[f"e{t + 1}"], textposition="top center",
                                 textfont=dict(color="white"), showlegend=False,
                                 marker=dict(symbol="star", size=18, color=task_color(t),
                                             line=dict(color="white", width=1.5)),
                                 hovertemplate=f"{names[t]}<extra></extra>"), row=1, col=1)
    for t, (x, y) in enumerate(data):
        fig.add_trace(go.Scatter(x=np.asarray(x, np.float32), y=np.asarray(y, np.float32),
                                 mode="markers", showlegend=False, hoverinfo="skip",
                                 marker=dict(color=task_color(t), size=6, opacity=0.35)),
                      row=1, col=2)
    moving = len(fig.data)

    def frame_data(k: int) -> list[go.Scatter]:
        dot = go.Scatter(x=[path[k, 0]], y=[path[k, 1]], mode="markers", showlegend=False,
                         marker=dict(size=16, color="red", line=dict(color="white", width=2)),
                         hoverinfo="skip")
        lines = [go.Scatter(x=xs[t], y=curves[k, t], mode="lines", name=names[t],
                            showlegend=False, line=dict(color=task_color(t), width=4))
                 for t in range(T)]
        return [dot, *lines]

    first = frame_data(start)
    fig.add_trace(first[0], row=1, col=1)
    for tr in first[1:]:
        fig.add_trace(tr, row=1, col=2)
    ids = list(range(moving, moving + 1 + T))
    fig.frames = [go.Frame(name=str(k), traces=ids, data=frame_data(k))
                  for k in range(len(alphas))]
    ys = np.concatenate([np.asarray(y, np.float64).ravel() for _, y in data])
    fig.update_yaxes(range=padded_range(ys, 0.25), row=1, col=2)
    fig.update_xaxes(title_text="x", row=1, col=2)
    fig.update_xaxes(title_text="e₁", range=[float(land.u[0]), float(land.u[-1])],
                     showgrid=False, zeroline=False, constrain="domain", row=1, col=1)
    fig.update_yaxes(title_text="e₂", range=[float(land.v[0]), float(land.v[-1])],
                     showgrid=False, zeroline=False, scaleanchor="x", constrain="domain",
                     row=1, col=1)
    steps = [dict(method="animate", label=f"{a:.2f}",
                  args=[[str(k)], dict(mode="immediate", frame=dict(duration=0, redraw=False),
                                       transition=dict(duration=0))])
             for k, a in enumerate(alphas)]
    play = dict(frame=dict(duration=FRAME_MS, redraw=False), fromcurrent=True,
                transition=dict(duration=0), mode="immediate")
    fig.update_layout(
        height=height, template="plotly_white", margin=dict(l=10, r=10, t=40, b=10),
        sliders=[dict(active=start, steps=steps, currentvalue=dict(prefix="α = "),
                      pad=dict(t=50, l=130), len=0.86, x=0.14)],
        updatemenus=[dict(type="buttons", showactive=False, x=0, y=0, xanchor="left",
                          yanchor="top", pad=dict(t=56), direction="left", buttons=[
                              dict(label="▶ Play", method="animate", args=[None, play]),
                              dict(label="❚❚", method="animate",
                                   args=[[None], dict(mode="immediate",
                                                      frame=dict(duration=0, redraw=False))])])])
    return fig


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
