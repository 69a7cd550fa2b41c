"""Pure Plotly figure builders for the Interpolation page. The walk along the path plays in the
browser: one Plotly frame per α, a Plotly slider and a play button (no Streamlit reruns).

`walk_fig` is the page's figure: the generated function (regression), the path on the plane and
every task's metric along the path as subplots of ONE figure whose frames move all three
markers and the readout line above them (α and every task's metric), so ▶ Play and the slider
keep them in step. `morph_fig`, `path_metrics_fig` and `path_plane_fig` draw one panel each (the
same traces), for pages that want a single panel. Traces that move carry `meta`
("walk:morph", "walk:dot", "walk:marker", "walk:line", "walk:readout") so tests and scripts can
find them.

A frame holds only the traces that move, and Plotly plays it without a full redraw
(`redraw=False`): fast, but Plotly then redraws nothing else, so what a frame must change is a
trace (a layout title in a frame stays as it was), and the plane's landscape is a layout image
(`raster.heatmap_image`), not a heatmap trace, which would vanish while the animation plays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hnviz.analysis.landscape import Landscape
from hnviz.ui.charts import padded_range, task_color
from hnviz.ui.embedding.figures import plane_view
from hnviz.ui.interpolation import raster
from hnviz.ui.labels import format_metric

_MARGIN = dict(l=10, r=10, t=48, b=10)
FRAME_MS = 120


def _animation(fig: go.Figure, alphas: np.ndarray, frames: list[go.Frame], start: int,
               slider_pad: int = 40) -> None:
    """Attach frames named by index, a slider labelled with α and play/pause buttons
    (`slider_pad` px below the plot area)."""
    fig.frames = frames
    steps = [dict(method="animate", label=f"{a:.2f}",
                  args=[[str(k)], dict(mode="immediate", frame=dict(duration=0, redraw=False),
                                       transition=dict(duration=0))])
             for k, a in enumerate(alphas)]
    play = dict(frame=dict(duration=FRAME_MS, redraw=False), fromcurrent=True,
                transition=dict(duration=0), mode="immediate")
    fig.update_layout(
        sliders=[dict(active=start, steps=steps, currentvalue=dict(prefix="α = "),
                      pad=dict(t=slider_pad, l=90), len=0.88, x=0.12)],
        updatemenus=[dict(type="buttons", showactive=False, x=0, y=0, xanchor="left",
                          yanchor="top", pad=dict(t=slider_pad + 8), direction="left", buttons=[
                              dict(label="▶ Play", method="animate", args=[None, play]),
                              dict(label="❚❚", method="animate",
                                   args=[[None], dict(mode="immediate",
                                                      frame=dict(duration=0, redraw=False))])])])


def _alpha_band(fig: go.Figure, alphas: np.ndarray, **cell) -> None:
    """Shade α outside [0, 1] (extrapolation) when the path extends there."""
    if alphas[0] < 0:
        fig.add_vrect(x0=float(alphas[0]), x1=0, fillcolor="grey", opacity=0.12, line_width=0,
                      **cell)
    if alphas[-1] > 1:
        fig.add_vrect(x0=1, x1=float(alphas[-1]), fillcolor="grey", opacity=0.12, line_width=0,
                      annotation_text="extrapolation", annotation_position="top right", **cell)


# ------------------------------------------------------------------------------ trace builders
def _data_traces(data: Sequence[tuple]) -> list[go.Scatter]:
    """Each task's training points, faint, in its colour."""
    return [go.Scatter(x=np.asarray(x, np.float32), y=np.asarray(y, np.float32), mode="markers",
                       showlegend=False, hoverinfo="skip",
                       marker=dict(color=task_color(t), size=5, opacity=0.3))
            for t, (x, y) in enumerate(data)]


def _endpoint_traces(alphas: np.ndarray, xs: np.ndarray, curves: np.ndarray) -> list[go.Scatter]:
    """The networks at α = 0 (dotted) and α = 1 (dashed), grey, for reference."""
    i0 = int(np.argmin(np.abs(alphas - 0.0)))
    i1 = int(np.argmin(np.abs(alphas - 1.0)))
    return [go.Scatter(x=xs[t], y=curves[k, t], mode="lines", hoverinfo="skip",
                       showlegend=t == 0, name="α = 0" if k == i0 else "α = 1",
                       line=dict(color="grey", width=1.2, dash=dash))
            for t in range(xs.shape[0]) for k, dash in ((i0, "dot"), (i1, "dash"))]


def _morph_traces(xs: np.ndarray, curves_k: np.ndarray, names: Sequence[str] | None = None
                  ) -> list[go.Scatter]:
    """The generated function at one α: task t's head on task t's inputs, curves_k [T, X].
    Without names: the frame update (x, y only)."""
    if names is None:
        return [go.Scatter(x=xs[t], y=curves_k[t]) for t in range(xs.shape[0])]
    return [go.Scatter(x=xs[t], y=curves_k[t], mode="lines", name=names[t], meta="walk:morph",
                       legendgroup=f"task{t}", line=dict(color=task_color(t), width=3.5))
            for t in range(xs.shape[0])]


def _metric_lines(alphas: np.ndarray, values: np.ndarray, names: Sequence[str], i: int | None,
                  j: int | None, showlegend: bool = True) -> list[go.Scatter]:
    """Every task's metric along the path (values [A, T]); the endpoint tasks i, j bold."""
    T = values.shape[1]
    return [go.Scatter(x=alphas, y=values[:, t], mode="lines", name=names[t],
                       legendgroup=f"task{t}", showlegend=showlegend,
                       line=dict(color=task_color(t), width=3.5 if t in (i, j) else 1.5),
                       opacity=1.0 if t in (i, j) or T <= 5 else 0.5,
                       hovertemplate=f"{names[t]}<br>α = %{{x:.2f}}<br>%{{y:.3g}}<extra></extra>")
            for t in range(T)]


def _metric_span(values: np.ndarray, metric: str) -> tuple[float, float]:
    if metric == "accuracy":
        return 0.0, 1.05
    return float(np.nanmin(values)) * 0.8, float(np.nanmax(values)) * 1.25


def _metric_marker(alphas: np.ndarray, values: np.ndarray, k: int, span: tuple[float, float]
                   ) -> list[go.Scatter]:
    """The current α: a dotted vertical line and every task's value on it."""
    T = values.shape[1]
    return [go.Scatter(x=[alphas[k], alphas[k]], y=list(span), mode="lines", meta="walk:line",
                       line=dict(color="black", width=1.5, dash="dot"), hoverinfo="skip",
                       showlegend=False),
            go.Scatter(x=np.full(T, alphas[k]), y=values[k], mode="markers", meta="walk:marker",
                       marker=dict(color=[task_color(t) for t in range(T)], size=11,
                                   line=dict(color="white", width=1.5)),
                       showlegend=False, hoverinfo="skip")]


def _plane_traces(points: np.ndarray, path: np.ndarray, names: Sequence[str],
                  land: Landscape | None) -> list:
    """The path and the learned embeddings (stars); with a landscape (2-D runs) first an
    invisible trace carrying its colour bar (the landscape itself: `_plane_image`)."""
    out: list = []
    if land is not None:
        z, kw = plane_view(land, "best")
        bar = raster.colorbar_trace(kw["colorscale"], kw["zmin"], kw["zmax"],
                                    dict(kw.get("colorbar", {})))
        bar.meta = "plane:colorbar"
        out.append(bar)
    out.append(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines", name="path",
                          line=dict(color="white" if land is not None else "black", width=3),
                          hoverinfo="skip", showlegend=False))
    for t in range(len(points)):
        out.append(go.Scatter(x=[points[t, 0]], y=[points[t, 1]], mode="markers+text",
                              text=[f"e{t + 1}"], textposition="top center",
                              marker=dict(symbol="star", size=15, color=task_color(t),
                                          line=dict(color="white", width=1.5)),
                              name=names[t], showlegend=False,
                              hovertemplate=f"{names[t]}<extra></extra>"))
    return out


def _plane_image(fig: go.Figure, land: Landscape, cell: dict | None = None) -> None:
    """The landscape under the plane panel as a layout image (it stays while frames play),
    with the panel's axes spanning it."""
    z, kw = plane_view(land, "best")
    sub = fig.get_subplot(**cell) if cell else None
    xref = sub.xaxis.plotly_name.replace("axis", "") if sub else "x"
    yref = sub.yaxis.plotly_name.replace("axis", "") if sub else "y"
    fig.add_layout_image(raster.heatmap_image(land.u, land.v, z, kw["colorscale"], kw["zmin"],
                                              kw["zmax"], xref, yref, opacity=0.85))
    xr, yr = raster.extent(land.u, land.v)
    fig.update_xaxes(range=xr, **(cell or {}))
    fig.update_yaxes(range=yr, **(cell or {}))


def _plane_dot(path: np.ndarray, k: int) -> go.Scatter:
    return go.Scatter(x=[path[k, 0]], y=[path[k, 1]], mode="markers", meta="walk:dot",
                      marker=dict(symbol="circle", size=13, color="red",
                                  line=dict(color="white", width=2)),
                      name="current α", showlegend=False, hoverinfo="skip")


def _short(name: str) -> str:
    return name.split(":")[0]


def alpha_caption(alpha: float, values_k: np.ndarray, names: Sequence[str], metric: str) -> str:
    """'α = 0.50 · task 1 0.0123 · task 2 …': every task's metric at one α."""
    return f"α = {alpha:.2f} · " + " · ".join(
        f"{_short(names[t])} {format_metric(float(v), metric)}" for t, v in enumerate(values_k))


# ------------------------------------------------------------------------------ the walk
READOUT_PX = 30  # the readout line above the panels (the legend at its right end)
TOP_PX, BOTTOM_PX = 8, 112  # margins: above the readout; below the panels (slider, buttons)


def _readout(text: str, size: int = 16) -> go.Scatter:
    """The line above the panels: α and every task's metric (a text trace, so the frames can
    move it; a title in a frame is not redrawn)."""
    return go.Scatter(x=[0], y=[0.5], mode="text", text=[text], textposition="middle right",
                      textfont=dict(size=size), meta="walk:readout", hoverinfo="skip",
                      showlegend=False, cliponaxis=False)


def walk_fig(alphas: np.ndarray, values: np.ndarray, names: Sequence[str], metric: str,
             path_uv: np.ndarray, task_uv: np.ndarray, start: int,
             i: int | None = None, j: int | None = None, land: Landscape | None = None,
             xs: np.ndarray | None = None, curves: np.ndarray | None = None,
             data: Sequence[tuple] | None = None, axis_titles: Sequence[str] = ("e₁", "e₂"),
             plane_title: str = "The path in embedding space",
             height: int | None = None) -> go.Figure:
    """The whole walk in one animated figure: one frame per α moves every marker and the
    readout line (α and every task's metric at it) above the panels.

    alphas [A], values [A, T] (every task's metric along the path), path_uv [A, 2] and task_uv
    [T, 2] (the path and the learned embeddings on the drawing plane), start: the frame shown
    first; i, j: the endpoint tasks (drawn bold); land: the landscape under the path (2-D runs).
    Regression (xs [T, X], curves [A, T, X], data [(x, y)] per task): the generated function is
    the big panel, the metrics go underneath. `height` in px (default 860 with the function
    panel, 560 without).
    """
    regression = curves is not None
    height = height or (760 if regression else 560)
    top, bottom = TOP_PX, BOTTOM_PX
    plot_h = max(1, height - top - bottom)
    read = READOUT_PX / plot_h  # the readout row's share of the plot area
    if regression:  # the function over the metrics on the left, the plane beside both
        gap = 0.13
        rest = 1 - read - 2 * gap
        fig = make_subplots(rows=3, cols=2, column_widths=[0.6, 0.4],
                            row_heights=[read, rest * 0.62, rest * 0.38],
                            specs=[[{"colspan": 2}, None], [{}, {"rowspan": 2}], [{}, None]],
                            horizontal_spacing=0.08, vertical_spacing=gap,
                            subplot_titles=("", "The generated function along the path",
                                            plane_title, "Every task along the path"))
        morph_cell, plane_cell, metric_cell = dict(row=2, col=1), dict(row=2, col=2), \
            dict(row=3, col=1)
    else:
        gap = 0.1
        fig = make_subplots(rows=2, cols=2, column_widths=[0.58, 0.42],
                            row_heights=[read, 1 - read - gap],
                            specs=[[{"colspan": 2}, None], [{}, {}]], horizontal_spacing=0.09,
                            vertical_spacing=gap,
                            subplot_titles=("", "Every task along the path", plane_title))
        morph_cell, plane_cell, metric_cell = None, dict(row=2, col=2), dict(row=2, col=1)
    readout_cell = dict(row=1, col=1)
    moving: list[int] = []  # trace indices the frames update, in frame-data order

    def add(traces, cell, moves: bool = False) -> None:
        for tr in traces:
            fig.add_trace(tr, **cell)
            if moves:
                moving.append(len(fig.data) - 1)

    def caption(k: int) -> str:
        return alpha_caption(float(alphas[k]), values[k], names, metric)

    span = _metric_span(values, metric)
    add([_readout(caption(start))], readout_cell, moves=True)
    fig.update_xaxes(visible=False, range=[0, 1], fixedrange=True, **readout_cell)
    fig.update_yaxes(visible=False, range=[0, 1], fixedrange=True, **readout_cell)
    if regression:
        add(_data_traces(data or []), morph_cell)
        add(_endpoint_traces(alphas, xs, curves), morph_cell)
        add(_morph_traces(xs, curves[start], names), morph_cell, moves=True)
        ys = np.concatenate([np.asarray(y, np.float64).ravel() for _, y in data]) if data \
            else curves
        fig.update_yaxes(range=padded_range(ys, 0.25), title_text="y", **morph_cell)
    add(_plane_traces(task_uv, path_uv, names, land), plane_cell)
    add([_plane_dot(path_uv, start)], plane_cell, moves=True)
    add(_metric_lines(alphas, values, names, i, j, showlegend=not regression), metric_cell)
    add(_metric_marker(alphas, values, start, span), metric_cell, moves=True)

    def frame_data(k: int) -> list:
        out = [_readout(caption(k))]
        out += _morph_traces(xs, curves[k]) if regression else []
        return out + [_plane_dot(path_uv, k)] + _metric_marker(alphas, values, k, span)

    frames = [go.Frame(name=str(k), traces=moving, data=frame_data(k))
              for k in range(len(alphas))]
    # axes: the plane keeps its aspect ratio; the metric panel spans the path's α
    fig.update_xaxes(title_text=axis_titles[0], showgrid=land is None, zeroline=False,
                     constrain="domain", **plane_cell)
    plane_y = fig.get_subplot(**plane_cell).yaxis.plotly_name
    plane_x = fig.get_subplot(**plane_cell).xaxis.plotly_name
    fig.update_yaxes(title_text=axis_titles[1], showgrid=land is None, zeroline=False,
                     scaleanchor=plane_x.replace("axis", ""), constrain="domain", **plane_cell)
    if land is not None:  # the landscape, and its colour bar beside the plane panel
        _plane_image(fig, land, plane_cell)
        dom = fig.layout[plane_y].domain
        fig.update_traces(marker_colorbar=dict(len=0.6 * (dom[1] - dom[0]),
                                               y=(dom[0] + dom[1]) / 2, thickness=12),
                          selector=dict(meta="plane:colorbar"))
    _alpha_band(fig, alphas, **metric_cell)
    fig.update_xaxes(title_text="α (0 = start, 1 = end)",
                     range=[float(alphas[0]), float(alphas[-1])], **metric_cell)
    if metric == "accuracy":
        fig.update_yaxes(range=list(span), tickformat=".0%", title_text="test accuracy",
                         **metric_cell)
    else:
        fig.update_yaxes(type="log", title_text="test MSE (log)", **metric_cell)
    fig.update_layout(height=height, template="plotly_white",
                      margin=dict(_MARGIN, t=top, b=bottom),
                      legend=dict(orientation="h", y=1 - read / 2, yanchor="middle", x=1,
                                  xanchor="right"))  # on the readout's line, at its right end
    _animation(fig, alphas, frames, start, slider_pad=48)
    return fig


# ------------------------------------------------------------------------------ single panels
def morph_fig(alphas: np.ndarray, xs: np.ndarray, curves: np.ndarray, data: Sequence[tuple],
              names: Sequence[str], start: int, title: str) -> go.Figure:
    """Regression: the generated function along the path. xs [T, X], curves [A, T, X] (task t's
    head on task t's inputs), data [(x, y)] per task in the background."""
    fig = go.Figure(_data_traces(data) + _endpoint_traces(alphas, xs, curves))
    first = len(fig.data)
    fig.add_traces(_morph_traces(xs, curves[start], names))
    T = xs.shape[0]
    frames = [go.Frame(name=str(k), traces=list(range(first, first + T)),
                       data=_morph_traces(xs, curves[k])) for k in range(len(alphas))]
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
    current α as a moving marker (animated)."""
    span = _metric_span(values, metric)
    fig = go.Figure(_metric_lines(alphas, values, names, i, j))
    first = len(fig.data)
    fig.add_traces(_metric_marker(alphas, values, start, span))
    _alpha_band(fig, alphas)
    fig.update_xaxes(title_text="α (0 = start, 1 = end)", range=[float(alphas[0]),
                                                                 float(alphas[-1])])
    if metric == "accuracy":
        fig.update_yaxes(range=list(span), tickformat=".0%", title_text="test accuracy")
    else:
        fig.update_yaxes(type="log", title_text="test MSE (log)")
    fig.update_layout(title=dict(text="Every task along the path", x=0, y=0.99, yanchor="top",
                                 font=dict(size=15)),
                      height=530 if animate else 430, template="plotly_white",
                      margin=dict(_MARGIN, t=120, b=110 if animate else 10),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0,
                                  xanchor="left"))
    if animate:
        frames = [go.Frame(name=str(k), traces=[first, first + 1],
                           data=_metric_marker(alphas, values, k, span))
                  for k in range(len(alphas))]
        _animation(fig, alphas, frames, start)
    return fig


def path_plane_fig(points: np.ndarray, path: np.ndarray, names: Sequence[str], current: int,
                   land: Landscape | None = None, axis_titles: Sequence[str] = ("e₁", "e₂"),
                   title: str = "The path in embedding space") -> go.Figure:
    """The path [A, 2] over the landscape (2-D runs) or among the projected task embeddings
    points [T, 2]; the current point marked (not animated: `walk_fig` animates it)."""
    traces = _plane_traces(points, path, names, land)
    if land is not None:
        traces[0].marker.colorbar.len = 0.8
    fig = go.Figure(traces + [_plane_dot(path, current)])
    fig.update_xaxes(title_text=axis_titles[0], showgrid=land is None, zeroline=False,
                     constrain="domain")
    fig.update_yaxes(title_text=axis_titles[1], showgrid=land is None, zeroline=False,
                     scaleanchor="x", constrain="domain")
    if land is not None:
        _plane_image(fig, land)
    fig.update_layout(title=dict(text=title, x=0, font=dict(size=15)), height=420,
                      template="plotly_white", margin=_MARGIN)
    return fig
