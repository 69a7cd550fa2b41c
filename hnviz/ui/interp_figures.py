"""Pure Plotly figure builders for the Interpolation page. The walk along the path plays in the
browser: one Plotly frame per α, a Plotly slider and a play button (no Streamlit reruns)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from hnviz.analysis.landscape import Landscape
from hnviz.ui.charts import padded_range, task_color
from hnviz.ui.embedding_figures import plane_view

_MARGIN = dict(l=10, r=10, t=48, b=10)
FRAME_MS = 120


def _animation(fig: go.Figure, alphas: np.ndarray, frames: list[go.Frame], start: int) -> None:
    """Attach frames named by index, a slider labelled with α and play/pause buttons."""
    fig.frames = frames
    steps = [dict(method="animate", label=f"{a:.2f}",
                  args=[[str(k)], dict(mode="immediate", frame=dict(duration=0, redraw=False),
                                       transition=dict(duration=0))])
             for k, a in enumerate(alphas)]
    play = dict(frame=dict(duration=FRAME_MS, redraw=False), fromcurrent=True,
                transition=dict(duration=0), mode="immediate")
    fig.update_layout(
        sliders=[dict(active=start, steps=steps, currentvalue=dict(prefix="α = "),
                      pad=dict(t=40, l=90), len=0.88, x=0.12)],
        updatemenus=[dict(type="buttons", showactive=False, x=0, y=0, xanchor="left",
                          yanchor="top", pad=dict(t=48), direction="left", buttons=[
                              dict(label="▶ Play", method="animate", args=[None, play]),
                              dict(label="❚❚", method="animate",
                                   args=[[None], dict(mode="immediate",
                                                      frame=dict(duration=0, redraw=False))])])])


def _alpha_band(fig: go.Figure, alphas: np.ndarray) -> None:
    """Shade α outside [0, 1] (extrapolation) when the path extends there."""
    if alphas[0] < 0:
        fig.add_vrect(x0=float(alphas[0]), x1=0, fillcolor="grey", opacity=0.12, line_width=0)
    if alphas[-1] > 1:
        fig.add_vrect(x0=1, x1=float(alphas[-1]), fillcolor="grey", opacity=0.12, line_width=0,
                      annotation_text="extrapolation", annotation_position="top right")


def morph_fig(alphas: np.ndarray, xs: np.ndarray, curves: np.ndarray, data: Sequence[tuple],
              names: Sequence[str], start: int, title: str) -> go.Figure:
    """Regression: the generated function along the path. xs [T, X], curves [A, T, X] (task t's
    head on task t's inputs), data [(x, y)] per task in the background."""
    T = xs.shape[0]
    i0 = int(np.argmin(np.abs(alphas - 0.0)))
    i1 = int(np.argmin(np.abs(alphas - 1.0)))
    fig = go.Figure()
    for t, (x, y) in enumerate(data):
        fig.add_trace(go.Scatter(x=np.asarray(x, np.float32), y=np.asarray(y, np.float32),
                                 mode="markers", showlegend=False, hoverinfo="skip",
                                 marker=dict(color=task_color(t), size=5, opacity=0.3)))
    for t in range(T):  # the two endpoint networks, for reference
        for k, dash in ((i0, "dot"), (i1, "dash")):
            fig.add_trace(go.Scatter(x=xs[t], y=curves[k, t], mode="lines", hoverinfo="skip",
                                     showlegend=t == 0, name="α = 0" if k == i0 else "α = 1",
                                     line=dict(color="grey", width=1.2, dash=dash)))
    first = len(fig.data)
    for t in range(T):
        fig.add_trace(go.Scatter(x=xs[t], y=curves[start, t], mode="lines", name=names[t],
                                 line=dict(color=task_color(t), width=3.5)))
    frames = [go.Frame(name=str(k), traces=list(range(first, first + T)),
                       data=[go.Scatter(x=xs[t], y=curves[k, t]) for t in range(T)])
              for k in range(len(alphas))]
    ys = np.concatenate([np.asarray(y, np.float64).ravel() for _, y in data])
    fig.update_yaxes(range=padded_range(ys, 0.25), title_text="y")
    fig.update_xaxes(title_text="x")
    # Title pinned to the very top; the legend (up to two rows) sits between it and the plot.
    fig.update_layout(title=dict(text=title, x=0, y=0.99, yanchor="top", font=dict(size=15)),
                      height=530, template="plotly_white", margin=dict(_MARGIN, t=120, b=110),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, xanchor="left"))
    _animation(fig, alphas, frames, start)
    return fig


def path_metrics_fig(alphas: np.ndarray, values: np.ndarray, names: Sequence[str], i: int | None,
                     j: int | None, start: int, metric: str, animate: bool = True) -> go.Figure:
    """Every task's metric along the path (values [A, T]); the endpoint tasks i, j bold; the
    current α as a moving marker (animated) ."""
    acc = metric == "accuracy"
    T = values.shape[1]
    fig = go.Figure()
    for t in range(T):
        bold = t in (i, j)
        fig.add_trace(go.Scatter(x=alphas, y=values[:, t], mode="lines", name=names[t],
                                 line=dict(color=task_color(t), width=3.5 if bold else 1.5),
                                 opacity=1.0 if bold or T <= 5 else 0.5,
                                 hovertemplate=f"{names[t]}<br>α = %{{x:.2f}}<br>%{{y:.3g}}"
                                               "<extra></extra>"))
    lo, hi = (0.0, 1.05) if acc else (float(np.nanmin(values)) * 0.8,
                                       float(np.nanmax(values)) * 1.25)
    first = len(fig.data)

    def marker(k: int) -> list[go.Scatter]:
        return [go.Scatter(x=[alphas[k], alphas[k]], y=[lo, hi], mode="lines",
                           line=dict(color="black", width=1.5, dash="dot"), hoverinfo="skip",
                           showlegend=False),
                go.Scatter(x=np.full(T, alphas[k]), y=values[k], mode="markers",
                           marker=dict(color=[task_color(t) for t in range(T)], size=11,
                                       line=dict(color="white", width=1.5)),
                           showlegend=False, hoverinfo="skip")]

    for tr in marker(start):
        fig.add_trace(tr)
    _alpha_band(fig, alphas)
    fig.update_xaxes(title_text="α (0 = start, 1 = end)", range=[float(alphas[0]),
                                                                 float(alphas[-1])])
    if acc:
        fig.update_yaxes(range=[lo, hi], tickformat=".0%", title_text="test accuracy")
    else:
        fig.update_yaxes(type="log", title_text="test MSE (log)")
    fig.update_layout(title=dict(text="Every task along the path", x=0, y=0.99, yanchor="top",
                                 font=dict(size=15)),
                      height=530 if animate else 430, template="plotly_white",
                      margin=dict(_MARGIN, t=120, b=110 if animate else 10),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0,
                                  xanchor="left"))
    if animate:
        frames = [go.Frame(name=str(k), traces=[first, first + 1], data=marker(k))
                  for k in range(len(alphas))]
        _animation(fig, alphas, frames, start)
    return fig


def path_plane_fig(points: np.ndarray, path: np.ndarray, names: Sequence[str], current: int,
                   land: Landscape | None = None, axis_titles: Sequence[str] = ("e₁", "e₂"),
                   title: str = "The path in embedding space") -> go.Figure:
    """The path [A, 2] over the landscape (2-D runs) or among the projected task embeddings
    points [T, 2]; the current point marked."""
    fig = go.Figure()
    if land is not None:
        z, kw = plane_view(land, "best")
        kw["colorbar"] = dict(kw.get("colorbar", {}), len=0.8)
        fig.add_trace(go.Heatmap(x=land.u, y=land.v, z=z, opacity=0.85, hoverinfo="skip", **kw))
    fig.add_trace(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines", name="path",
                             line=dict(color="white" if land is not None else "black", width=3),
                             hoverinfo="skip", showlegend=False))
    for t in range(len(points)):
        fig.add_trace(go.Scatter(x=[points[t, 0]], y=[points[t, 1]], mode="markers+text",
                                 text=[f"e{t + 1}"], textposition="top center",
                                 marker=dict(symbol="star", size=15, color=task_color(t),
                                             line=dict(color="white", width=1.5)),
                                 name=names[t], showlegend=False,
                                 hovertemplate=f"{names[t]}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[path[current, 0]], y=[path[current, 1]], mode="markers",
                             marker=dict(symbol="circle", size=13, color="red",
                                         line=dict(color="white", width=2)),
                             name="current α", showlegend=False, hoverinfo="skip"))
    fig.update_xaxes(title_text=axis_titles[0], showgrid=land is None, zeroline=False,
                     constrain="domain")
    fig.update_yaxes(title_text=axis_titles[1], showgrid=land is None, zeroline=False,
                     scaleanchor="x", constrain="domain")
    fig.update_layout(title=dict(text=title, x=0, font=dict(size=15)), height=420,
                      template="plotly_white", margin=_MARGIN)
    return fig
