"""The lecture's compression step: the chunked hypernetwork (diagram), how many weights the
presets' hypernetworks have against their target networks (arithmetic, hnviz.core.sizes), and
final accuracy against compression ratio from the bundled Split Digits sweep over hypernetwork
sizes, with fine-tuning and EWC for reference (data: hnviz.ui.compression_view)."""

from __future__ import annotations

import streamlit as st

from hnviz.analysis.sweeps import SweepFileError
from hnviz.ui import compression_figures as cfigs
from hnviz.ui.compression_view import (
    ROOT,
    bundled_compression,
    missing_note,
    preset_sizes,
    sweep_title,
)
from hnviz.ui.lecture_figures import projector
from hnviz.ui.lecture_steps import BODY_HEIGHT, chart

CHUNKED_DIAGRAM = ROOT / "assets" / "chunked_diagram.svg"


def render() -> None:
    left, right = st.columns([0.95, 1.2], gap="medium")
    with left:
        st.image(str(CHUNKED_DIAGRAM), width="stretch")
        chart(projector(cfigs.param_bars_fig(preset_sizes()), height=BODY_HEIGHT - 215,
                        font=14), "lecture.compression.sizes")
    with right:
        try:
            sweep = bundled_compression()
        except SweepFileError:
            st.info(missing_note())
            return
        fig = cfigs.compression_fig(sweep.curves, sweep.refs, height=BODY_HEIGHT,
                                    title=sweep_title(sweep))
        chart(projector(fig, font=15), "lecture.compression.sweep")
