"""The lecture's compression step: the chunked hypernetwork (diagram), how many weights the
presets' hypernetworks have against their target networks (arithmetic, hnviz.core.sizes), and
final accuracy against compression ratio from the bundled Split Digits sweep over hypernetwork
sizes, with fine-tuning and EWC for reference (scripts/make_sweeps.py builds it)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from hnviz.analysis.compression import CompressionSweep, load_compression
from hnviz.analysis.sweeps import SweepFileError
from hnviz.core.benchmarks import BENCHMARKS
from hnviz.core.presets import default_config
from hnviz.core.sizes import param_counts
from hnviz.ui import compression_figures as cfigs
from hnviz.ui.labels import benchmark_label
from hnviz.ui.lecture_figures import projector
from hnviz.ui.lecture_steps import BODY_HEIGHT, chart

ROOT = Path(__file__).resolve().parents[2]
CHUNKED_DIAGRAM = ROOT / "assets" / "chunked_diagram.svg"
# scripts/make_sweeps.py --only digits-compression,digits-baselines (one folder below the β
# explorer's sweeps, which it would otherwise list)
SWEEPS = ROOT / "assets" / "sweeps" / "compression"
COMPRESSION_SWEEP = SWEEPS / "hnet"  # HNET on Split Digits over chunk size × hidden widths
BASELINE_SWEEP = SWEEPS / "baselines"  # fine-tuning and EWC, same budget and seeds


def preset_sizes() -> list[tuple[str, int, int]]:
    """(benchmark label, target weights, hypernetwork weights) of every benchmark's HNET preset,
    by arithmetic on the config (no model is built); a preset with the same two networks as an
    earlier one (Split Fashion-MNIST = Split MNIST) is left out."""
    rows, seen = [], set()
    for name in BENCHMARKS:
        pc = param_counts(default_config(name, "hnet"))
        if (pc.target, pc.hnet) not in seen:
            seen.add((pc.target, pc.hnet))
            rows.append((benchmark_label(name).replace(" ", "<br>"), pc.target, pc.hnet))
    return rows


@st.cache_resource(show_spinner=False)
def bundled_compression() -> CompressionSweep:
    """The bundled compression sweep, read once per process (the files never change)."""
    return load_compression(COMPRESSION_SWEEP, BASELINE_SWEEP)


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
            st.info("The compression sweep is not bundled in this copy of hnviz, or cannot be "
                    "read: `python scripts/make_sweeps.py --only digits-compression,"
                    "digits-baselines` builds it.")
            return
        fig = cfigs.compression_fig(
            sweep.curves, sweep.refs, height=BODY_HEIGHT,
            title=f"{benchmark_label(sweep.benchmark)}: accuracy against compression "
                  f"({len(sweep.seeds)} seeds, {sweep.iters_per_task} steps per task)")
        chart(projector(fig, font=15), "lecture.compression.sweep")
