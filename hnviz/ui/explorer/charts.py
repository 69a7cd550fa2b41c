"""Figures of the β explorer: pure Plotly builders from a `Sweep` (no Streamlit).

The scrubbable figures carry one Plotly frame per swept value and a Plotly slider whose steps
`animate` to that frame (mode "immediate", no transition), so dragging the slider redraws in the
browser without a server round trip. The slider starts at the preset's value (the benchmark's preset for the
method: what the Train page and the CLI use; not necessarily the paper's, which the Paper page
shows).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hnviz.analysis.sweeps import Sweep, seed_stats
from hnviz.ui.charts import padded_range, task_color
from hnviz.ui.labels import method_color, method_with_strength, metric_label

FONT = dict(size=16)  # lecture-hall legible
_MARGIN = dict(l=20, r=20, t=70, b=20)


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0, xanchor="left", font=dict(size=20)),
                      height=height, margin=_MARGIN, template="plotly_white", font=FONT,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right",
                                  x=1.0))
    return fig


def _list(a: np.ndarray) -> list[float | None]:
    """float32-friendly list with NaN -> None (gaps) for JSON."""
    return [None if not math.isfinite(v) else round(float(v), 6) for v in np.ravel(a)]


def seed_range(a: np.ndarray) -> tuple[np.ndarray, dict]:
    """[V, S] -> (mean over seeds [V], Plotly error-bar dict spanning the seeds' min..max).
    A range rather than ±std: it never crosses zero, so it stays honest on log (MSE) axes."""
    mean, _ = seed_stats(a)
    with np.errstate(invalid="ignore"):
        lo = np.where(np.isnan(a).all(axis=1), np.nan, np.nanmin(np.where(np.isnan(a), np.inf, a),
                                                                  axis=1))
        hi = np.where(np.isnan(a).all(axis=1), np.nan, np.nanmax(np.where(np.isnan(a), -np.inf,
                                                                          a), axis=1))
    err = dict(type="data", symmetric=False, array=_list(np.nan_to_num(hi - mean)),
               arrayminus=_list(np.nan_to_num(mean - lo)), thickness=1.2, width=4)
    return mean, err


def label_indices(values: np.ndarray, keep: int | None) -> set[int]:
    """Which points of a dense grid get a text label: both ends, the preset's value, and the
    decades 1e-4, 1e-2, 1, 1e2, … (every other power of ten) so labels do not collide."""
    out = {0, len(values) - 1} | ({keep} if keep is not None else set())
    for i, v in enumerate(values):
        if v > 0 and math.isclose(math.log10(v), round(math.log10(v)), abs_tol=1e-9) \
                and round(math.log10(v)) % 2 == 0 and (keep is None or abs(i - keep) > 1):
            out.add(i)
    return out


def fmt_value(v: float) -> str:
    return "0" if v == 0 else f"{v:g}"


def start_index(sweep: Sweep) -> int:
    """The grid point the slider starts on: the preset's value if swept, else the nearest."""
    vals = sweep.values
    pv = sweep.paper_value
    if pv is None or not len(vals):
        return 0
    return int(np.argmin(np.abs(np.log10(np.maximum(vals, 1e-12)) - math.log10(max(pv, 1e-12)))))


def _start(sweep: Sweep, start: int | None) -> int:
    """The slider's first value index: `start`, or the preset's value (`start_index`)."""
    if start is None:
        return start_index(sweep)
    if not 0 <= int(start) < len(sweep.values):
        raise ValueError(f"start {start} is not a value index of this sweep "
                         f"(0 … {len(sweep.values) - 1})")
    return int(start)


def value_slider(sweep: Sweep, active: int) -> dict:
    """A Plotly slider: one step per swept value, each animating to its frame in the browser."""
    label = sweep.label
    steps = [dict(method="animate", label=fmt_value(v),
                  args=[[f"v{i}"], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                        transition=dict(duration=0))])
             for i, v in enumerate(sweep.values)]
    return dict(active=active, steps=steps, x=0.0, len=1.0, y=-0.08, yanchor="top",
                pad=dict(t=10, b=10), font=dict(size=15),
                currentvalue=dict(prefix=f"{label} = ", font=dict(size=22), xanchor="left"),
                ticklen=6, transition=dict(duration=0))


def _paper_note(sweep: Sweep, v: float) -> str:
    pv = sweep.paper_value
    if pv is not None and math.isclose(v, pv, rel_tol=1e-6):
        return "  (the preset's value)"
    return ""


# ------------------------------------------------------------------------------ regression
def regression_scrub_figure(sweep: Sweep, band: bool = True, start: int | None = None
                            ) -> go.Figure:
    """Every task's generated function at the slider's value (mean over seeds, ± 1 std band)
    over the tasks' training data. Traces per task: data, band (upper, lower filled), mean.
    The slider (and the drawn data) start at value index `start` (default `start_index`)."""
    assert sweep.functions is not None, "regression sweeps store function samples"
    mean, std = seed_stats(sweep.functions)  # [V, T, G]
    mse_mean, _ = seed_stats(sweep.final)  # [V, T]
    T = sweep.n_tasks
    fig = go.Figure()
    ys: list[float] = []
    for t, task in enumerate(sweep.tasks):
        ys += task.get("y", [])
        fig.add_trace(go.Scatter(x=task.get("x", []), y=task.get("y", []), mode="markers",
                                 marker=dict(color=task_color(t), size=6, opacity=0.35),
                                 name=f"task {t + 1} data", showlegend=False, hoverinfo="skip"))
    dyn_start = len(fig.data)

    def dynamic(vi: int) -> list[go.Scatter]:
        out = []
        for t in range(T):
            grid = sweep.grids[t]
            m, s = mean[vi, t], np.nan_to_num(std[vi, t]) if band else np.zeros_like(mean[vi, t])
            color = task_color(t)
            out.append(go.Scatter(x=grid, y=_list(m + s), mode="lines", line=dict(width=0),
                                  showlegend=False, hoverinfo="skip"))
            out.append(go.Scatter(x=grid, y=_list(m - s), mode="lines", line=dict(width=0),
                                  fill="tonexty", fillcolor=_alpha(color, 0.2),
                                  showlegend=False, hoverinfo="skip"))
            name = sweep.tasks[t].get("formula") or f"task {t + 1}"
            out.append(go.Scatter(x=grid, y=_list(m), mode="lines", line=dict(color=color,
                                  width=4), name=f"task {t + 1}: {name}",
                                  hovertemplate="x=%{x:.2f}<br>y=%{y:.3f}<extra>task "
                                                f"{t + 1}</extra>"))
        return out

    def title(vi: int) -> str:
        v = sweep.values[vi]
        mses = " · ".join(f"task {t + 1}: {mse_mean[vi, t]:.3g}" for t in range(T))
        return (f"{sweep.label} = {fmt_value(v)}{_paper_note(sweep, v)}<br>"
                f"<sup>final test MSE  {mses}</sup>")

    k = _start(sweep, start)
    for tr in dynamic(k):
        fig.add_trace(tr)
    idx = list(range(dyn_start, len(fig.data)))
    fig.frames = [go.Frame(name=f"v{i}", data=dynamic(i), traces=idx,
                           layout=dict(title=dict(text=title(i))))
                  for i in range(len(sweep.values))]
    if ys:
        fig.update_yaxes(range=padded_range(ys, 0.25))
    fig.update_xaxes(title_text="x")
    fig.update_yaxes(title_text="y")
    _layout(fig, title(k), height=560)
    fig.update_layout(sliders=[value_slider(sweep, k)], margin=dict(l=20, r=20, t=110, b=40),
                      legend=dict(traceorder="normal"))
    return fig


def _alpha(hex_color: str, a: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{a})"


# ------------------------------------------------------------------------------ classification
def classification_scrub_figure(sweep: Sweep, start: int | None = None) -> go.Figure:
    """Left: the accuracy matrix R[after i, on j] (mean over seeds) at the slider's value.
    Right: final accuracy per task (mean ± std over seeds). Starts at value index `start`
    (default `start_index`)."""
    Rm, _ = seed_stats(sweep.R)  # [V, T, T]
    fm, fs = seed_stats(sweep.final)  # [V, T]
    T = sweep.n_tasks
    names = [_task_name(sweep, t) for t in range(T)]
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.12,
                        subplot_titles=("accuracy after training task i, on task j",
                                        "final accuracy per task"))
    lower = np.tril(np.ones((T, T), dtype=bool))

    def dynamic(vi: int) -> list:
        z = np.where(lower, Rm[vi], np.nan)
        text = [[f"{z[i, j]:.2f}" if lower[i, j] and math.isfinite(z[i, j]) else ""
                 for j in range(T)] for i in range(T)]
        heat = go.Heatmap(z=[_list(row) for row in z], x=names,
                          y=[f"after {i + 1}" for i in range(T)], zmin=0.5, zmax=1.0,
                          colorscale="Viridis", text=text, texttemplate="%{text}",
                          textfont=dict(size=16), colorbar=dict(x=0.5, len=0.9, thickness=12),
                          hovertemplate="after task %{y}, on %{x}: %{z:.3f}<extra></extra>")
        bars = go.Bar(x=names, y=_list(fm[vi]),
                      error_y=dict(type="data", array=_list(np.nan_to_num(fs[vi]))),
                      marker_color=[task_color(t) for t in range(T)], showlegend=False,
                      text=[f"{v:.2f}" if math.isfinite(v) else "" for v in fm[vi]],
                      textposition="inside", textfont=dict(size=15, color="white"),
                      hovertemplate="%{x}: %{y:.3f}<extra></extra>")
        return [heat, bars]

    def title(vi: int) -> str:
        v = sweep.values[vi]
        old = seed_stats(sweep.old_mean)[0][vi]
        new = seed_stats(sweep.newest)[0][vi]
        return (f"{sweep.label} = {fmt_value(v)}{_paper_note(sweep, v)}<br><sup>old tasks "
                f"{old:.3f} · newest task {new:.3f} (mean accuracy over seeds)</sup>")

    k = _start(sweep, start)
    heat, bars = dynamic(k)
    fig.add_trace(heat, row=1, col=1)
    fig.add_trace(bars, row=1, col=2)
    fig.frames = [go.Frame(name=f"v{i}", data=dynamic(i), traces=[0, 1],
                           layout=dict(title=dict(text=title(i))))
                  for i in range(len(sweep.values))]
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_yaxes(range=[0, 1.05], row=1, col=2)
    _layout(fig, title(k), height=520)
    fig.update_layout(sliders=[value_slider(sweep, k)], margin=dict(l=20, r=20, t=120, b=40))
    return fig


def _task_name(sweep: Sweep, t: int) -> str:
    """'1: 0/1' (a split task's classes), '1: …' (its registry label), or 'task 1'."""
    task = sweep.tasks[t] if t < len(sweep.tasks) else {}
    if task.get("classes"):
        return f"{t + 1}: {'/'.join(map(str, task['classes']))}"
    return f"{t + 1}: {task['label']}" if task.get("label") else f"task {t + 1}"


# ------------------------------------------------------------------------------ trade-off
def _axis_for(metric: str) -> dict:
    """MSE: log axis, reversed so that 'better' is always up / right."""
    if metric == "mse":
        return dict(type="log", autorange="reversed")
    return {}


def tradeoff_figure(sweeps: Sequence[Sweep], title: str | None = None) -> go.Figure:
    """Stability (old tasks, x) against plasticity (newest task, y) across the swept strength,
    seed spread as error bars, points labelled with their value, the preset's value
    starred. Several sweeps (methods) share the plane."""
    fig = go.Figure()
    metric = sweeps[0].metric if sweeps else "accuracy"
    for s in sweeps:
        om, ox = seed_range(s.old_mean)
        nm, ny = seed_range(s.newest)
        color = method_color(s.method)
        label = method_with_strength(s.method)
        k = _paper_index(s)
        shown = label_indices(s.values, k)
        texts = [f"{s.label}={fmt_value(v)}" for v in s.values]
        fig.add_trace(go.Scatter(
            x=_list(om), y=_list(nm), mode="lines+markers+text", name=label,
            text=[fmt_value(v) if i in shown else "" for i, v in enumerate(s.values)],
            textposition="top center", textfont=dict(size=14, color=color),
            error_x=ox, error_y=ny, line=dict(color=color, width=2.5),
            marker=dict(size=10, color=color), customdata=texts,
            hovertemplate="%{customdata}<br>old tasks %{x:.4g}<br>newest %{y:.4g}"
                          "<extra>" + label + "</extra>"))
        if k is not None:
            fig.add_trace(go.Scatter(
                x=[om[k]], y=[nm[k]], mode="markers", name=f"preset {s.label}="
                f"{fmt_value(s.values[k])}",
                marker=dict(symbol="star", size=24, color=color,
                            line=dict(color="black", width=1.5))))
    better = "lower MSE is better: axes reversed so up/right is better" if metric == "mse" \
        else "up/right is better"
    fig.update_xaxes(title_text=f"stability: mean {metric_label(metric)} on old tasks",
                     **_axis_for(metric))
    fig.update_yaxes(title_text=f"plasticity: {metric_label(metric)} on the newest task",
                     **_axis_for(metric))
    _layout(fig, (title or "Stability vs plasticity") + f"<br><sup>{better}; bars: range "
            "over seeds</sup>", height=560)
    fig.update_layout(legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left",
                                  x=1.02))
    return fig


def _paper_index(s: Sweep) -> int | None:
    if s.paper_value is None:
        return None
    hits = [i for i, v in enumerate(s.values) if math.isclose(v, s.paper_value, rel_tol=1e-6)]
    return hits[0] if hits else None


def strength_positions(values: np.ndarray) -> tuple[list[float], list[str]]:
    """x positions on a log axis for values that may include 0 (drawn one decade below the
    smallest positive value, ticked '0'), and their tick labels."""
    pos = values[values > 0]
    zero_at = float(pos.min()) / 10 if len(pos) else 1.0
    return [float(v) if v > 0 else zero_at for v in values], [fmt_value(v) for v in values]


def small_multiples_figure(sweeps: Sequence[Sweep]) -> go.Figure:
    """One column per method: old-task and newest-task metric against its own strength
    (log axis; 0 = no regularizer at the left), same y axis for all."""
    n = max(1, len(sweeps))
    fig = make_subplots(rows=1, cols=n, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=[method_with_strength(s.method) for s in sweeps])
    metric = sweeps[0].metric if sweeps else "accuracy"
    for c, s in enumerate(sweeps, start=1):
        x, ticks = strength_positions(s.values)
        for what, arr, dash in (("old tasks", s.old_mean, None),
                                ("newest task", s.newest, "dot")):
            m, err = seed_range(arr)
            fig.add_trace(go.Scatter(
                x=x, y=_list(m), mode="lines+markers", name=what, legendgroup=what,
                showlegend=c == 1, line=dict(color="#1f77b4" if dash is None else "#d62728",
                                             width=3, dash=dash),
                error_y=err, customdata=ticks,
                hovertemplate=f"{s.label}=%{{customdata}}<br>{what}: %{{y:.4g}}<extra></extra>"),
                row=1, col=c)
        k = _paper_index(s)
        shown = sorted(label_indices(s.values, k))
        fig.update_xaxes(type="log", tickvals=[x[i] for i in shown],
                         ticktext=[ticks[i] for i in shown], tickangle=0,
                         title_text=s.label, row=1, col=c)
        if k is not None:
            fig.add_trace(go.Scatter(x=[x[k], x[k]], y=_y_span(sweeps, metric), mode="lines",
                                     line=dict(color="#888", dash="dash", width=1.5),
                                     showlegend=False, hoverinfo="skip"), row=1, col=c)
    fig.update_yaxes(title_text=metric_label(metric), row=1, col=1, **_axis_for(metric))
    if metric == "mse":
        for c in range(2, n + 1):
            fig.update_yaxes(row=1, col=c, **_axis_for(metric))
    _layout(fig, "Each regularizer against its own strength<br><sup>dashed: preset "
            "value; bars: range over seeds</sup>", height=480)
    fig.update_layout(margin=dict(l=20, r=20, t=120, b=20))
    return fig


def _y_span(sweeps: Sequence[Sweep], metric: str) -> list[float]:
    """The extent of every old/newest mean, for a vertical marker line."""
    vals = np.concatenate([np.ravel(seed_stats(a)[0]) for s in sweeps
                           for a in (s.old_mean, s.newest)])
    vals = vals[np.isfinite(vals) & ((vals > 0) if metric == "mse" else True)]
    return [float(vals.min()), float(vals.max())] if len(vals) else [0.0, 1.0]
