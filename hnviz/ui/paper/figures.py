"""Pure Plotly figure for the Paper page: one experiment's methods compared per scenario.

`comparison_fig(rows)` draws, per scenario (CL1, CL2, CL3 along x), one bar per method (its
colour from the registry) at the mean over seeds with the sample sd as error bar, and the paper's
number as a black diamond over the same bar where the paper gives one (its ± as error bar); an
open diamond where that number's source was not readable (the row's `paper_verified` is False).
Bars sit at explicit x positions (scenario index ± offset) so each marker lands on its own bar.
Rows without a measurement (not run, failed) leave a gap. Traces carry `meta`:
"paper:bar:<method>", "paper:marker", "paper:marker:unverified".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from hnviz.ui.labels import method_color, method_short, method_short_in, metric_label

GROUP_WIDTH = 0.8  # of the distance between two scenarios


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def y_title(metric: str) -> str:
    """The table's unit: accuracies in % (as the paper writes them), MSE as it is."""
    return metric_label(metric) + (" (%)" if metric == "accuracy" else "")


def comparison_fig(rows: Sequence[dict[str, Any]], height: int = 380) -> go.Figure:
    """Grouped bars (mean ± sd over seeds) per scenario and method; the paper's values as
    diamonds on their bars."""
    scenarios = list(dict.fromkeys(r["scenario"] for r in rows))
    methods = list(dict.fromkeys(r["method"] for r in rows))
    metric = rows[0]["metric"] if rows else "accuracy"
    w = GROUP_WIDTH / max(len(methods), 1)
    fig = go.Figure()
    # the paper's numbers: checked (True) and unverified (False), each x, y, ±, hover text
    marks: dict[bool, tuple[list, list, list, list]] = {True: ([], [], [], []),
                                                          False: ([], [], [], [])}
    for j, m in enumerate(methods):
        x, y, err, text = [], [], [], []
        for r in rows:
            if r["method"] != m:
                continue
            pos = scenarios.index(r["scenario"]) + (j - (len(methods) - 1) / 2) * w
            mean = _num(r.get("mean"))
            if mean is not None:
                x.append(pos)
                y.append(mean)
                err.append(_num(r.get("spread")) or 0.0)
                text.append(f"{method_short_in(m, r['scenario'])} · {r['scenario'].upper()}<br>{mean:.4g} ± "
                            f"{err[-1]:.2g} (n={r.get('n', 0)})")
            paper = _num(r.get("paper"))
            if paper is not None:
                checked = r.get("paper_verified") is not False
                px, py, perr, ptext = marks[checked]
                px.append(pos)
                py.append(paper)
                perr.append(_num(r.get("paper_spread")) or 0.0)
                ptext.append(f"paper{'' if checked else ' (unverified)'}: {paper:g} · "
                             f"{method_short_in(m, r['scenario'])} · {r['scenario'].upper()}"
                             f"<br>{r.get('paper_source') or ''}")
        fig.add_trace(go.Bar(
            x=x, y=y, width=w * 0.95, name=method_short(m), marker_color=method_color(m),
            error_y=dict(type="data", array=err, visible=True, thickness=1.2, width=3),
            hovertext=text, hoverinfo="text", meta=f"paper:bar:{m}"))
    for checked, (px, py, perr, ptext) in marks.items():
        if not px:
            continue
        fig.add_trace(go.Scatter(
            x=px, y=py, mode="markers", name="paper" if checked else "paper (unverified)",
            marker=dict(symbol="diamond" if checked else "diamond-open", size=11,
                        color="black", line=dict(color="white" if checked else "black",
                                                 width=1 if checked else 2)),
            error_y=dict(type="data", array=perr, visible=True, color="black", thickness=1,
                         width=4),
            hovertext=ptext, hoverinfo="text",
            meta="paper:marker" if checked else "paper:marker:unverified"))
    fig.update_layout(
        height=height, margin=dict(l=10, r=10, t=30, b=10), barmode="overlay",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
        xaxis=dict(tickmode="array", tickvals=list(range(len(scenarios))),
                   ticktext=[s.upper() for s in scenarios],
                   range=[-0.5, len(scenarios) - 0.5]),
        yaxis=dict(title=y_title(metric), rangemode="tozero"))
    return fig
