"""Figures of the Task inference page (plotly; pure functions of analysis.task_inference's
views)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from hnviz.analysis.task_inference import InputView
from hnviz.ui.charts import figure, task_color

CURVE_STYLE = {  # key -> (label, colour, dash)
    "given": ("task given", "#1f77b4", "solid"),
    "inferred": ("task inferred", "#d62728", "solid"),
    "task": ("task inferred right", "#7f7f7f", "dot"),
}


def curves_fig(curves: dict[str, list[float | None]], n_tasks: int) -> go.Figure:
    """Mean accuracy over the tasks seen, after each task: one line per curve (in %)."""
    fig = figure()
    x = [f"after task {i + 1}" for i in range(n_tasks)]
    for key, values in curves.items():
        if not any(v is not None for v in values):
            continue
        label, colour, dash = CURVE_STYLE[key]
        y = [None if v is None else 100 * v for v in values]
        fig.add_trace(go.Scatter(x=x[:len(y)], y=y, name=label, mode="lines+markers",
                                 line=dict(color=colour, dash=dash),
                                 hovertemplate=f"{label}<br>%{{x}}: %{{y:.1f}}%<extra></extra>"))
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=10, b=10),
                      yaxis=dict(title="mean over tasks seen (%)", range=[0, 101]),
                      xaxis=dict(categoryorder="array", categoryarray=x),
                      legend=dict(orientation="h", y=1.12))
    return fig


def scores_fig(v: InputView, names: Sequence[str]) -> go.Figure:
    """The score of each candidate task embedding for one input: bars, the inferred task in its
    colour, the others grey; the true task marked."""
    k = len(v.scores)
    labels = [names[j] if j < len(names) else f"task {j + 1}" for j in range(k)]
    colours = [task_color(j) if j == v.inferred else "#c7c7c7" for j in range(k)]
    outline = [3 if j == v.task else 0 for j in range(k)]
    title = ("predictive entropy H (nats): the lowest is chosen" if v.kind == "entropy"
             else "task classifier p(task | x): the highest is chosen")
    fig = figure()
    fig.add_trace(go.Bar(x=labels, y=v.scores.tolist(), marker=dict(
        color=colours, line=dict(color="#000000", width=outline)),
        hovertemplate="%{x}: %{y:.3f}<extra></extra>"))
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=30, b=10), showlegend=False,
                      title=dict(text=title, font=dict(size=13)),
                      xaxis=dict(categoryorder="array", categoryarray=labels))
    return fig


def image_fig(x: np.ndarray, shape: tuple[int, ...], height: int = 220) -> go.Figure | None:
    """One input drawn as an image ((H, W) grey or (3, H, W) colour); None for vectors."""
    grid = image_grid(x[None, None], shape)
    return None if grid is None else _grid_fig(grid, height, [])


def image_grid(samples: np.ndarray, shape: tuple[int, ...], gap: int = 1) -> np.ndarray | None:
    """samples [rows, n, in] -> one image [rows·(H+gap), n·(W+gap)(, 3)] in [0, 1] (white gaps);
    None when `shape` is not an image shape."""
    if len(shape) == 2:
        h, w, c = shape[0], shape[1], 0
    elif len(shape) == 3 and shape[0] in (1, 3):
        c, h, w = shape
    else:
        return None
    rows, n = samples.shape[:2]
    lo, hi = float(samples.min(initial=0.0)), float(samples.max(initial=1.0))
    scaled = (samples - lo) / (hi - lo) if hi > lo else samples * 0
    out = np.ones((rows * (h + gap), n * (w + gap), 3) if c else
                  (rows * (h + gap), n * (w + gap)))
    for r in range(rows):
        for i in range(n):
            img = scaled[r, i].reshape(shape)
            if c:
                img = np.transpose(img, (1, 2, 0))
                img = np.repeat(img, 3, axis=2) if c == 1 else img
            out[r * (h + gap):r * (h + gap) + h, i * (w + gap):i * (w + gap) + w] = img
    return out


def _grid_fig(grid: np.ndarray, height: int, row_names: Sequence[str]) -> go.Figure:
    fig = figure()
    if grid.ndim == 3:
        fig.add_trace(go.Image(z=(grid * 255).astype(np.uint8), hoverinfo="skip"))
    else:
        fig.add_trace(go.Heatmap(z=grid, colorscale="Greys", reversescale=True, showscale=False,
                                 hoverinfo="skip", zmin=0, zmax=1))
        fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10))
    fig.update_xaxes(visible=False)
    if row_names:
        step = grid.shape[0] / len(row_names)
        fig.update_yaxes(tickvals=[step * (i + 0.5) for i in range(len(row_names))],
                         ticktext=list(row_names), showgrid=False, zeroline=False)
    else:
        fig.update_yaxes(visible=False, scaleanchor="x")
    return fig


def replay_fig(samples: np.ndarray, shape: tuple[int, ...], names: Sequence[str]
               ) -> go.Figure | None:
    """HNET+R's samples, one row per task: [T, n, in] -> an image grid; None for vectors."""
    grid = image_grid(samples, shape)
    if grid is None:
        return None
    return _grid_fig(grid, max(160, 60 * samples.shape[0]), names[:samples.shape[0]])


def confusion_fig(C: np.ndarray, names: Sequence[str]) -> go.Figure:
    """Row-normalized [true task, inferred task] heatmap (in %)."""
    k = C.shape[0]
    labels = [names[j] if j < len(names) else f"task {j + 1}" for j in range(k)]
    fig = figure()
    fig.add_trace(go.Heatmap(
        z=(100 * C).tolist(), x=labels, y=labels, zmin=0, zmax=100, colorscale="Blues",
        text=[[f"{100 * v:.0f}%" for v in row] for row in C], texttemplate="%{text}",
        colorbar=dict(title=dict(text="% of inputs")),
        hovertemplate="true %{y}<br>inferred %{x}: %{z:.1f}%<extra></extra>"))
    fig.update_layout(height=max(260, 36 * k + 80), margin=dict(l=10, r=10, t=10, b=10),
                      xaxis=dict(title="inferred task"),
                      yaxis=dict(title="true task", autorange="reversed"))
    return fig
