"""The lecture's compression step: the chunked hypernetwork (diagram), how many weights the
presets' hypernetworks have against their target networks (arithmetic, hnviz.core.sizes), and
on the right the step's figures (`FIGURES`): final accuracy against compression ratio from the
bundled Split Digits sweep over hypernetwork sizes, with fine-tuning and EWC for reference (data:
hnviz.ui.explorer.compression), and long memory: every task's accuracy after task t over 100
Permuted Digits tasks, HNET at compression ratio < 1 against the baselines (the bundled
permuted-digits-100 runs, hnviz.ui.paper.long_memory). A selector above them picks which is
shown (`FIGURES`)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from hnviz.analysis.sweeps import SweepFileError
from hnviz.ui.explorer import compression_figures as cfigs
from hnviz.ui.explorer.compression import (
    ROOT,
    bundled_compression,
    missing_note,
    preset_sizes,
    sweep_title,
)
from hnviz.ui.lecture.figures import projector
from hnviz.ui.lecture.steps import BODY_HEIGHT, chart
from hnviz.ui.paper import long_memory

CHUNKED_DIAGRAM = ROOT / "assets" / "chunked_diagram.svg"
FIGURE_KEY = "lecture.compression.figure"
SELECTOR_PX = 48  # the selector's height when there is more than one figure


def render_sweep(height: int) -> None:
    """Final accuracy against compression ratio (the bundled Split Digits sweep)."""
    try:
        sweep = bundled_compression()
    except SweepFileError:
        st.info(missing_note())
        return
    fig = cfigs.compression_fig(sweep.curves, sweep.refs, height=height,
                                title=sweep_title(sweep))
    chart(projector(fig, font=15), "lecture.compression.sweep")


def render_long_memory(height: int) -> None:
    """Every task's accuracy after task t over a 100-task sequence, HNET against the baselines
    (the bundled permuted-digits-100 runs; a Plotly slider and play button over t)."""
    try:
        fig = long_memory.tasks_fig(height=height)
    except SweepFileError as e:
        st.info(long_memory.missing_note(e))
        return
    # the legend inside, bottom right (empty there: early tasks of fine-tuning are low on the
    # left), so the projector's larger title has the top line to itself
    fig.update_layout(legend=dict(orientation="h", x=0.99, xanchor="right", y=0.02,
                                  yanchor="bottom", bgcolor="rgba(255,255,255,0.85)"))
    chart(projector(fig, font=15), "lecture.compression.long_memory")


# The figures on the right, in order: (label for the selector, draw(height in px)).
FIGURES: tuple[tuple[str, Callable[[int], None]], ...] = (
    ("Accuracy against compression", render_sweep),
    ("Long memory: 100 tasks", render_long_memory),
)


def render() -> None:
    left, right = st.columns([0.95, 1.2], gap="medium")
    with left:
        st.image(str(CHUNKED_DIAGRAM), width="stretch")
        chart(projector(cfigs.param_bars_fig(preset_sizes()), height=BODY_HEIGHT - 215,
                        font=14), "lecture.compression.sizes")
    with right:
        k = 0
        if len(FIGURES) > 1:
            k = st.segmented_control("Figure", range(len(FIGURES)), default=0, key=FIGURE_KEY,
                                     format_func=lambda i: FIGURES[i][0],
                                     label_visibility="collapsed") or 0
        FIGURES[k][1](BODY_HEIGHT - (SELECTOR_PX if len(FIGURES) > 1 else 0))
