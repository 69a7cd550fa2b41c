"""Pure Plotly figure builders for long memory (numbers in, `go.Figure` out): every task of a
100-task sequence, HNET against the baselines, as more and more tasks are learned.

`memory_fig` draws the accuracy of each task (x: task 1..T) per method, one Plotly frame per
"after task t" with a slider and a play button that run in the browser (no rerun): early tasks
visibly survive (HNET) or fade (fine-tuning). The frame shown first is the last one (after all
T tasks), so a static view (a screenshot, a printed page) shows the end state. Tasks not learned
yet are shaded. `mean_final_fig` is the summary: each method's mean final accuracy as a bar,
with its compression ratio where it has a hypernetwork. The accuracy against compression ratio
figure is `compression_figures.compression_fig` (the line at ratio 1 included).

Used by the Paper page's Long memory section and the lecture's compression step
(`long_memory.render`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from hnviz.analysis.long_memory import MethodMemory
from hnviz.ui.labels import method_color, method_short

_MARGIN = dict(l=10, r=10, t=40, b=10)
UNSEEN_COLOR = "#7f7f7f"
FRAME_MS = 600  # per "after task t" frame when playing


def _y(values: np.ndarray) -> list[float | None]:
    """A plotly y column: NaN (not evaluated, not seen yet) -> None (a gap)."""
    return [None if not np.isfinite(v) else float(v) for v in values]


def _unseen(t: int, T: int) -> dict:
    """The shading of tasks t+1..T (not learned yet after task t)."""
    return dict(type="rect", xref="x", yref="paper", x0=t + 0.5, x1=T + 0.5, y0=0, y1=1,
                fillcolor=UNSEEN_COLOR, opacity=0.10 if t < T else 0.0, line_width=0,
                layer="below")


def _frame_title(t: int, T: int) -> str:
    return f"after task {t} of {T}" + (" (the end)" if t == T else "")


def memory_fig(memories: Mapping[str, MethodMemory], title: str = "Every task's accuracy",
               height: int = 440, show_during: bool = True) -> go.Figure:
    """Accuracy of every task (x: task number) per method after task t, one frame per t the runs
    evaluated every seen task (`MethodMemory.after`: 10, 20, ..., T); the slider ("after task")
    and the play button step through them in the browser. The figure shows the last frame.
    With `show_during`, each method's accuracy right after training each task is a faint dotted
    line (what the task had before later tasks could make it fade). Traces carry `meta`:
    "memory:<method>" and "during:<method>"."""
    methods = list(memories)
    if not methods:
        raise ValueError("no method to draw")
    T = max(m.n_tasks for m in memories.values())
    after = sorted(set.intersection(*(set(m.after) for m in memories.values())))
    if not after:
        raise ValueError("the methods share no 'after task t' row")
    x = np.arange(1, T + 1)

    def traces(t: int) -> list[go.Scatter]:
        out = []
        for name in methods:
            m = memories[name]
            row = m.acc[m.after.index(t)]
            color = method_color(name)
            if show_during:
                d = np.where(x <= t, m.during, np.nan)
                out.append(go.Scatter(
                    x=x, y=_y(d), mode="lines", name=f"{method_short(name)}, right after",
                    legendgroup=name, showlegend=False, meta=f"during:{name}",
                    line=dict(color=color, width=1, dash="dot"), opacity=0.45,
                    hovertemplate=f"{method_short(name)}: task %{{x}} right after training "
                                  "%{y:.1%}<extra></extra>"))
            out.append(go.Scatter(
                x=x, y=_y(row), mode="lines+markers", name=method_short(name),
                legendgroup=name, meta=f"memory:{name}",
                line=dict(color=color, width=1.5), marker=dict(color=color, size=5),
                hovertemplate=f"{method_short(name)}: task %{{x}} after task {t}: "
                              "%{y:.1%}<extra></extra>"))
        return out

    last = after[-1]
    fig = go.Figure(traces(last))
    fig.frames = [go.Frame(data=traces(t), name=str(t),
                           layout=dict(shapes=[_unseen(t, T)],
                                       title=dict(text=f"{title}: {_frame_title(t, T)}")))
                  for t in after]
    steps = [dict(method="animate", label=str(t),
                  args=[[str(t)], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                       transition=dict(duration=0))]) for t in after]
    fig.update_layout(
        height=height, template="plotly_white", margin=dict(l=10, r=10, t=40, b=10),
        title=dict(text=f"{title}: {_frame_title(last, T)}", x=0),
        shapes=[_unseen(last, T)],
        xaxis=dict(title_text="task", range=[0.5, T + 0.5]),
        yaxis=dict(title_text="test accuracy", tickformat=".0%", range=[0, 1.02]),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1.0),
        sliders=[dict(active=len(after) - 1, steps=steps, x=0.1, len=0.9, y=0,
                      yanchor="top", pad=dict(t=45),
                      currentvalue=dict(prefix="after task ", xanchor="right",
                                        font=dict(size=13)))],  # right: clear of ▶ play
        updatemenus=[dict(type="buttons", showactive=False, x=0.0, y=0, xanchor="left",
                          yanchor="top", pad=dict(t=45, r=10), buttons=[
                              dict(label="▶ play", method="animate",
                                   args=[None, dict(frame=dict(duration=FRAME_MS, redraw=True),
                                                    fromcurrent=False, mode="immediate",
                                                    transition=dict(duration=0))])])])
    fig.update_layout(margin=dict(l=10, r=10, t=40, b=95))
    return fig


def mean_final_fig(memories: Mapping[str, MethodMemory], height: int = 300,
                   title: str = "Mean final accuracy over all tasks") -> go.Figure:
    """One horizontal bar per method: its accuracy after the last task averaged over all tasks
    (± the std over seeds of that mean where there are several seeds), labelled with the mean
    forgetting and, for methods with a hypernetwork, the compression ratio."""
    names = list(memories)
    vals, texts = [], []
    for n in names:
        m = memories[n]
        vals.append(m.mean_final)
        text = f"{m.mean_final:.1%} · forgetting {100 * m.forgetting:.1f} pts"
        if m.compression is not None:
            text += f" · ratio {m.compression:.2f}"
        texts.append(text)
    fig = go.Figure(go.Bar(
        x=vals, y=[method_short(n) for n in names], orientation="h",
        marker_color=[method_color(n) for n in names], text=texts, textposition="auto",
        insidetextanchor="start", meta="mean-final",
        hovertemplate="%{y}: %{x:.1%} mean final accuracy<extra></extra>"))
    fig.update_xaxes(title_text="mean final accuracy over all tasks", tickformat=".0%",
                     range=[0, 1.0])
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(title=dict(text=title, x=0), height=height, template="plotly_white",
                      margin=_MARGIN, showlegend=False)
    return fig
