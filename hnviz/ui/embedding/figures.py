"""Pure Plotly figure builders for the Embedding space page: numbers in, `go.Figure` out.

The plane is a heatmap (float32 arrays) with a transparent scatter grid on top: heatmap clicks do
not come back from `st.plotly_chart(on_select=...)`, scatter points do, with `customdata` [u, v].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hnviz.analysis.landscape import Landscape
from hnviz.analysis.points import EmbeddingPoint
from hnviz.core.metrics import metric_named
from hnviz.ui.charts import PALETTE, padded_range, task_color
from hnviz.ui.labels import format_metric

MAX_CLICK_POINTS = 48  # per axis: the click grid is a sub-grid of the heatmap grid
_MARGIN = dict(l=10, r=10, t=48, b=10)


def value_label(metric: str) -> str:
    return "accuracy" if metric == "accuracy" else "log₁₀ MSE"


def _colorscale(metric: str) -> str:
    return "Viridis" if metric == "accuracy" else "Viridis_r"  # bright = good for both


def _zrange(land: Landscape) -> tuple[float, float]:
    if land.higher_is_better:
        return 0.0, 1.0
    d = land.display_values()
    lo, hi = float(np.nanmin(d)), float(np.nanmax(d))
    return lo, min(hi, lo + 6.0)  # more than 6 decades above the best is all "bad"


NONE_SOLVED_COLOR = "#e3e3e3"  # "which task wins": no task solved at this point


def _winner_colorscale(n: int) -> list:
    """n + 1 constant bands: "no task solved" (z = −1), then task 0 … n − 1."""
    cs = []
    for k in range(n + 1):
        c = NONE_SOLVED_COLOR if k == 0 else PALETTE[(k - 1) % len(PALETTE)]
        cs += [[k / (n + 1), c], [(k + 1) / (n + 1), c]]
    return cs


def none_solved_label(metric: str) -> str:
    """'no task solved (every MSE > 0.05)': the legend's name of the grey, with the threshold
    (`core.metrics.Metric.solved`)."""
    m = metric_named(metric)
    worse = "<" if m.higher_is_better else ">"
    return (f"no task solved (every {m.label} {worse} "
            f"{format_metric(m.solved, metric, compact=True)})")


def plane_view(land: Landscape, view: str) -> tuple[np.ndarray, dict]:
    """z [G, G] float32 and heatmap kwargs for a view: "best", "winner" (−1 where no task is
    solved) or "task:<t>"."""
    if view == "winner":
        n = land.values.shape[0]
        z = land.winner(solved_only=True).astype(np.float32)
        return z, dict(colorscale=_winner_colorscale(n), zmin=-1.5, zmax=n - 0.5,
                       showscale=False)
    lo, hi = _zrange(land)
    z = land.best() if view == "best" else land.display_values()[int(view.split(":")[1])]
    kw = dict(colorscale=_colorscale(land.metric), zmin=lo, zmax=hi,
              colorbar=dict(title=dict(text=value_label(land.metric), side="right"),
                            thickness=14))
    return z.astype(np.float32), kw


def _hover_grid(land: Landscape, names: Sequence[str]) -> tuple[np.ndarray, list, int]:
    """Click-grid coordinates [M, 2] float32, per-point hover text (values of every task) and
    the points per axis (see `Landscape.click_grid`)."""
    uv, vals = land.click_grid(MAX_CLICK_POINTS)  # [M, 2], [T, M]
    text = ["<br>".join(f"{names[t]}: {format_metric(float(vals[t, m]), land.metric, compact=True)}"
                        for t in range(vals.shape[0])) for m in range(uv.shape[0])]
    return uv, text, int(np.ceil(len(land.u) / land.click_stride(MAX_CLICK_POINTS)))


def winner_legend(names: Sequence[str], none_label: str | None = None) -> list[go.Scatter]:
    """One legend entry per task in its colour (the "which task wins" view has no colour bar),
    and with `none_label` one for the points where no task is solved: invisible marker traces,
    legend only."""
    entries = [(names[t], task_color(t)) for t in range(len(names))]
    if none_label:
        entries.append((none_label, NONE_SOLVED_COLOR))
    return [go.Scatter(x=[None], y=[None], mode="markers", name=name, showlegend=True,
                       hoverinfo="skip", marker=dict(symbol="square", size=13, color=color,
                                                     line=dict(color="#999999", width=1)))
            for name, color in entries]


def _task_markers(fig: go.Figure, land: Landscape, names: Sequence[str], row=None, col=None,
                  labels: bool = True) -> None:
    pts = land.task_points
    for t in range(len(pts)):
        off = f"<br>{land.off_plane[t]:.2f} off the plane" if land.off_plane[t] > 1e-4 else ""
        fig.add_trace(go.Scatter(
            x=[float(pts[t, 0])], y=[float(pts[t, 1])], mode="markers+text" if labels else
            "markers", text=[f"e{t + 1}"], textposition="top center",
            textfont=dict(color="white", size=13), name=names[t], showlegend=False,
            marker=dict(symbol="star", size=16 if labels else 11, color=task_color(t),
                        line=dict(color="white", width=1.5)),
            hovertemplate=f"learned embedding of {names[t]}<br>(%{{x:.2f}}, %{{y:.2f}}){off}"
                          "<extra></extra>"), row=row, col=col)


def plane_fig(land: Landscape, names: Sequence[str], view: str = "best",
              clicked: EmbeddingPoint | tuple[float, float] | None = None,
              trajectories: Mapping[int, np.ndarray] | None = None,
              axis_names: tuple[str, str] = ("e₁", "e₂"), height: int = 520) -> go.Figure:
    """The big clickable plane: one view, learned embeddings (stars), trajectories, click grid,
    the clicked point (an EmbeddingPoint picked on this plane, or its (u, v)). The "winner" view
    has a legend naming each task's colour."""
    z, kw = plane_view(land, view)
    fig = go.Figure(go.Heatmap(x=land.u, y=land.v, z=z, hoverinfo="skip", **kw))
    for t, traj in (trajectories or {}).items():
        fig.add_trace(go.Scatter(
            x=traj[:, 0], y=traj[:, 1], mode="lines+markers", name=f"{names[t]} trajectory",
            line=dict(color="white", width=1.5), marker=dict(size=4, color=task_color(t)),
            showlegend=False, hovertemplate=f"{names[t]} during training<extra></extra>"))
    xy, text, g = _hover_grid(land, names)
    fig.add_trace(go.Scatter(
        x=xy[:, 0], y=xy[:, 1], mode="markers", customdata=xy, text=text, name="click grid",
        showlegend=False, marker=dict(size=max(6, 440 // g), color="rgba(0,0,0,0)",
                                      symbol="square"),
        hovertemplate="(%{x:.2f}, %{y:.2f})<br>%{text}<br><i>click: network generated here</i>"
                      "<extra></extra>"))
    _task_markers(fig, land, names)
    uv = clicked.uv if isinstance(clicked, EmbeddingPoint) else clicked
    if uv is not None:
        fig.add_trace(go.Scatter(
            x=[uv[0]], y=[uv[1]], mode="markers", name="clicked", showlegend=False,
            marker=dict(symbol="x", size=14, color="red", line=dict(color="white", width=2)),
            hoverinfo="skip"))
    if view == "winner":
        fig.add_traces(winner_legend(names, none_solved_label(land.metric)))
        fig.update_layout(legend=dict(orientation="h", y=-0.1, yanchor="top", x=0,
                                      xanchor="left", title=dict(text="wins:")))
    title = {"best": "Best task at every point", "winner": "Which task wins"}.get(
        view, names[int(view.split(":")[1])] if view.startswith("task:") else view)
    fig.update_layout(title=dict(text=f"{title} · click a point", x=0, font=dict(size=15)),
                      height=height, template="plotly_white", margin=_MARGIN,
                      xaxis=dict(title=axis_names[0], range=[float(land.u[0]), float(land.u[-1])],
                                 showgrid=False, zeroline=False, constrain="domain"),
                      yaxis=dict(title=axis_names[1], range=[float(land.v[0]), float(land.v[-1])],
                                 showgrid=False, zeroline=False, scaleanchor="x",
                                 constrain="domain"),
                      dragmode="pan")
    return fig


def task_panels_fig(land: Landscape, names: Sequence[str], cols: int = 3,
                    axis_names: tuple[str, str] = ("e₁", "e₂")) -> go.Figure:
    """One small heatmap per task (same colour scale), learned embeddings marked."""
    n = land.values.shape[0]
    cols = min(cols, n)
    rows = int(np.ceil(n / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[names[t] for t in range(n)],
                        horizontal_spacing=0.06, vertical_spacing=0.12 if rows > 1 else 0.1)
    lo, hi = _zrange(land)
    disp = land.display_values()
    for t in range(n):
        r, c = t // cols + 1, t % cols + 1
        fig.add_trace(go.Heatmap(
            x=land.u, y=land.v, z=disp[t].astype(np.float32), zmin=lo, zmax=hi,
            colorscale=_colorscale(land.metric), showscale=t == 0, coloraxis=None,
            colorbar=dict(title=dict(text=value_label(land.metric), side="right"),
                          thickness=12),
            hovertemplate=f"{names[t]}<br>(%{{x:.2f}}, %{{y:.2f}})<br>"
                          f"{value_label(land.metric)} %{{z:.3g}}<extra></extra>"),
            row=r, col=c)
        _task_markers(fig, land, names, row=r, col=c, labels=False)
        fig.update_xaxes(title_text=axis_names[0], showgrid=False, zeroline=False, row=r, col=c)
        fig.update_yaxes(title_text=axis_names[1] if c == 1 else None, showgrid=False,
                         zeroline=False, row=r, col=c)
    fig.update_layout(height=300 * rows + 40, template="plotly_white", margin=_MARGIN,
                      title=dict(text=f"Each task's {value_label(land.metric)} over the plane",
                                 x=0, font=dict(size=15)))
    return fig


def network_regression_fig(xs: np.ndarray, curves: np.ndarray, data: Sequence[tuple],
                           names: Sequence[str], title: str,
                           own: np.ndarray | None = None) -> go.Figure:
    """The function of one generated network against every task's data.

    xs [T, X] inputs per task, curves [T, X] (task t's head on task t's range), data
    [(x, y)] per task, own [T, X] optional: each task's own network (dotted, for comparison)."""
    fig = go.Figure()
    for t, (x, y) in enumerate(data):
        fig.add_trace(go.Scatter(x=np.asarray(x, np.float32), y=np.asarray(y, np.float32),
                                 mode="markers", name=f"{names[t]} data", showlegend=False,
                                 marker=dict(color=task_color(t), size=5, opacity=0.35)))
    for t in range(len(xs)):
        if own is not None:
            fig.add_trace(go.Scatter(x=xs[t], y=own[t], mode="lines", showlegend=t == 0,
                                     name="each task's own network",
                                     line=dict(color="grey", width=1.5, dash="dot")))
        fig.add_trace(go.Scatter(x=xs[t], y=curves[t], mode="lines", name=names[t],
                                 line=dict(color=task_color(t), width=3)))
    ys = np.concatenate([np.asarray(y, np.float64).ravel() for _, y in data])
    fig.update_yaxes(range=padded_range(ys, 0.2), title_text="y")
    fig.update_xaxes(title_text="x")
    fig.update_layout(title=dict(text=title, x=0, font=dict(size=15)), height=380,
                      template="plotly_white", margin=_MARGIN,
                      legend=dict(orientation="h", y=-0.18, x=0))
    return fig


def network_accuracy_fig(values: Sequence[float], names: Sequence[str], title: str,
                         own: Sequence[float] | None = None, metric: str = "accuracy") -> go.Figure:
    """Bar chart: the generated network's metric on every task (own networks as outlines)."""
    fig = go.Figure(go.Bar(x=list(names), y=np.asarray(values, np.float32),
                           marker_color=[task_color(t) for t in range(len(names))],
                           name="network generated here", text=[
                               format_metric(float(v), metric, compact=True) for v in values],
                           textposition="outside"))
    if own is not None:
        fig.add_trace(go.Scatter(x=list(names), y=np.asarray(own, np.float32), mode="markers",
                                 name="each task's own network",
                                 marker=dict(symbol="line-ew-open", size=36, color="black",
                                             line=dict(width=2))))
    if metric == "accuracy":
        fig.update_yaxes(range=[0, 1.12], tickformat=".0%", title_text="test accuracy")
    else:
        fig.update_yaxes(type="log", title_text="test MSE")
    fig.update_layout(title=dict(text=title, x=0, font=dict(size=15)), height=360,
                      template="plotly_white", margin=_MARGIN, bargap=0.35,
                      legend=dict(orientation="h", y=-0.2, x=0))
    return fig


def projection_fig(coords: np.ndarray, names: Sequence[str], color: np.ndarray | None,
                   color_label: str, hover: Sequence[str],
                   trajectories: Mapping[int, np.ndarray] | None = None,
                   axis_titles: Sequence[str] = ("1", "2", "3"), title: str = "") -> go.Figure:
    """Task embeddings projected to 2-D or 3-D. coords [T, k]; color [T] (None: task colours);
    trajectories {task: [n, k]} drawn as lines ending at the learned embedding."""
    k = coords.shape[1]
    three = k == 3
    Sc = go.Scatter3d if three else go.Scatter
    fig = go.Figure()
    for t, tr in (trajectories or {}).items():
        kw = dict(x=tr[:, 0], y=tr[:, 1], mode="lines", showlegend=False,
                  line=dict(color=task_color(t), width=2), opacity=0.6, hoverinfo="skip")
        if three:
            kw["z"] = tr[:, 2]
        fig.add_trace(Sc(**kw))
    n = coords.shape[0]
    labels = [f"{t + 1}" for t in range(n)]
    if color is None:
        mcolor = [task_color(t) for t in range(n)]
        marker = dict(color=mcolor, size=8 if three else 14, line=dict(color="white", width=1))
    else:
        marker = dict(color=np.asarray(color, np.float32), colorscale="Viridis",
                      size=8 if three else 14, showscale=True,
                      colorbar=dict(title=dict(text=color_label, side="right"), thickness=12),
                      line=dict(color="white", width=1))
    kw = dict(x=coords[:, 0], y=coords[:, 1], mode="markers+text" if n <= 40 else "markers",
              text=labels, textposition="top center", marker=marker, hovertext=list(hover),
              hovertemplate="%{hovertext}<extra></extra>", showlegend=False)
    if three:
        kw["z"] = coords[:, 2]
    fig.add_trace(Sc(**kw))
    fig.update_layout(title=dict(text=title, x=0, font=dict(size=15)), height=520,
                      template="plotly_white", margin=_MARGIN)
    if three:
        fig.update_layout(scene=dict(xaxis_title=axis_titles[0], yaxis_title=axis_titles[1],
                                     zaxis_title=axis_titles[2]))
    else:
        fig.update_xaxes(title_text=axis_titles[0])
        fig.update_yaxes(title_text=axis_titles[1], scaleanchor="x")
    return fig
