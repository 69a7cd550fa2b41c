"""Pure Plotly figure builders for the compression story (numbers in, `go.Figure` out): how big a
hypernetwork is against the target network it generates, and how accuracy depends on that ratio
(the paper's compressive-regime figure). Used by the lecture; any page can reuse them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from hnviz.analysis.compression import CompressionCurve, Reference
from hnviz.ui.labels import method_color, method_short

TARGET_COLOR, HNET_COLOR = "#7f7f7f", "#1f77b4"
# Hypernetwork sizes, small to large (viridis): apart from the methods' colours of the
# reference lines, and ordered like the sizes they stand for.
SIZE_COLORS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#b5de2b", "#fde725")
RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
_MARGIN = dict(l=10, r=10, t=40, b=10)


def param_bars_fig(rows: Sequence[tuple[str, int, int]], height: int = 300) -> go.Figure:
    """Grouped bars (log scale): for each (label, target params, hypernet params) the two
    counts, with the compression ratio hypernet / target written above the pair."""
    labels = [r[0] for r in rows]
    target = [r[1] for r in rows]
    hnet = [r[2] for r in rows]
    fig = go.Figure([
        go.Bar(x=labels, y=target, name="target network", marker_color=TARGET_COLOR,
               hovertemplate="%{x}<br>target: %{y:,} weights<extra></extra>"),
        go.Bar(x=labels, y=hnet, name="hypernetwork", marker_color=HNET_COLOR,
               hovertemplate="%{x}<br>hypernetwork: %{y:,} weights<extra></extra>"),
    ])
    top = max([*target, *hnet, 10])
    for lab, t, h in rows:
        fig.add_annotation(x=lab, y=np.log10(max(t, h)), yshift=14, showarrow=False,
                           text=f"ratio {h / t:.2g}", font=dict(color="#d62728"))
    fig.update_yaxes(type="log", title_text="trainable weights", dtick=1,
                     range=[np.log10(max(1, min([*target, *hnet]))) - 0.3, np.log10(top) + 0.5])
    fig.update_layout(barmode="group", height=height, template="plotly_white", margin=_MARGIN,
                      title=dict(text="Weights of the presets", x=0),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right",
                                  x=1.0))
    return fig


def compression_fig(curves: Sequence[CompressionCurve], refs: Mapping[str, Reference],
                    title: str = "Accuracy against compression", height: int = 420) -> go.Figure:
    """Mean final accuracy over all tasks (± std over seeds) against the compression ratio
    (hypernetwork weights / target weights, log scale), one line per hypernetwork body
    (`curves`, the points ordered by ratio, small to large hypernetworks: dark to light), the
    baselines' accuracies as dashed horizontal lines
    (`refs`: method -> Reference). Ratios below 1 — the compressive regime — are shaded."""
    fig = go.Figure()
    ratios = [r for c in curves for r in c.ratio]
    lo = min([*ratios, 0.5])
    hi = max([*ratios, 2.0])
    fig.add_vrect(x0=lo / 1.5, x1=1.0, fillcolor="#2ca02c", opacity=0.08, line_width=0)
    # an annotation on a log axis is placed at log10(x) (a shape at x): written by hand, not
    # as the rectangle's own annotation (which lands to the right of the line at 1)
    fig.add_annotation(x=np.log10(lo / 1.5), y=1.0, xref="x", yref="paper", xanchor="left",
                       yanchor="top", showarrow=False, text="compressive regime",
                       font=dict(color="#2ca02c"))
    fig.add_vline(x=1.0, line=dict(color="#2ca02c", width=1.5, dash="dot"))
    below = True  # each label under its line, but above it where the line below is close
    previous = None
    for method, ref in sorted(refs.items(), key=lambda kv: kv[1].mean):
        color = method_color(method)
        below = not below if previous is not None and ref.mean - previous < 0.04 else True
        previous = ref.mean
        fig.add_hline(y=ref.mean, line=dict(color=color, width=2, dash="dash"),
                      annotation_text=f"{method_short(method)} {ref.mean:.1%}",
                      annotation_position="bottom right" if below else "top right",
                      annotation_font=dict(color=color))
    for k, c in enumerate(curves):
        color = SIZE_COLORS[min(k, len(SIZE_COLORS) - 1)]
        fig.add_trace(go.Scatter(
            x=c.ratio, y=c.mean, mode="lines+markers", name=c.label,
            error_y=dict(type="data", array=c.std, visible=True, thickness=1.2, width=4),
            marker=dict(size=10, color=color), line=dict(color=color, width=2.5),
            customdata=np.stack([c.hnet_params, c.target_params], axis=1)
            if len(c.ratio) else None, text=list(c.point_labels),
            hovertemplate="%{text}<br>ratio %{x:.3g} (%{customdata[0]:,} / %{customdata[1]:,} "
                          "weights)<br>accuracy %{y:.1%}<extra></extra>"))
    if len(curves) == 1 and len(curves[0].ratio):  # no legend for one line: name it at its end
        c = curves[0]
        fig.add_annotation(x=np.log10(c.ratio[-1]), y=c.mean[-1], yshift=16, showarrow=False,
                           text=c.label, xanchor="right", font=dict(color=SIZE_COLORS[0]))
    ticks = [t for t in RATIO_TICKS if lo / 1.5 <= t <= hi * 1.5]
    fig.update_xaxes(type="log", title_text="compression ratio (hypernetwork / target weights)",
                     range=[np.log10(lo / 1.5), np.log10(hi * 1.5)], tickvals=ticks,
                     ticktext=[f"{t:g}" for t in ticks])
    ys = [v for c in curves for v in c.mean] + [r.mean for r in refs.values()]
    y_lo = min([*ys, 1.0])
    fig.update_yaxes(title_text="final accuracy, mean over tasks", tickformat=".0%",
                     range=[max(0.0, np.floor(y_lo * 20) / 20 - 0.05), 1.01])
    fig.update_layout(height=height, template="plotly_white",
                      margin={**_MARGIN, "t": 64 if "<br>" in title else _MARGIN["t"]},
                      title=dict(text=title, x=0),
                      legend=dict(orientation="h", yanchor="top", y=-0.18, x=0))
    return fig
