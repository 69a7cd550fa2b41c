"""The compressive regime, wherever the app shows it (the β explorer's section, the lecture's
compression step): the bundled sweep of HNET over hypernetwork sizes on Split Digits with
fine-tuning and EWC for reference (scripts/make_sweeps.py --only digits-compression,
digits-baselines), and the presets' hypernetwork against target sizes (arithmetic)."""

from __future__ import annotations

import streamlit as st

from hnviz.analysis.compression import CompressionSweep, load_compression
from hnviz.analysis.sweeps import SweepFileError
from hnviz.core.benchmarks import BENCHMARKS
from hnviz.core.presets import default_config
from hnviz.core.sizes import param_counts
from hnviz.paths import app_root
from hnviz.ui.explorer import compression_figures as cfigs
from hnviz.ui.labels import benchmark_label

ROOT = app_root()  # the checkout, or hnviz/_app in an installed wheel
# one folder below the β explorer's sweeps, which it would otherwise list
SWEEPS = ROOT / "assets" / "sweeps" / "compression"
COMPRESSION_SWEEP = SWEEPS / "hnet"  # HNET on Split Digits over chunk size × hidden widths
BASELINE_SWEEP = SWEEPS / "baselines"  # fine-tuning and EWC, same budget and seeds
_CHART = dict(width="stretch", theme=None, config={"displaylogo": False})


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


def missing_note() -> str:
    return ("The compression sweep is not bundled in this copy of hnviz, or cannot be read: "
            "`python scripts/make_sweeps.py --only digits-compression,digits-baselines` "
            "builds it.")


def sweep_title(sweep: CompressionSweep) -> str:
    return (f"{benchmark_label(sweep.benchmark)}: accuracy against compression "
            f"({len(sweep.seeds)} seeds, {sweep.iters_per_task} steps per task)")


def render_section() -> None:
    """The β explorer's section: final accuracy against the compression ratio."""
    st.subheader("The compressive regime")
    st.markdown(
        "The paper's claim: a hypernetwork with **fewer trainable weights than the target "
        "network it generates** (compression ratio < 1, shaded) still remembers every task. "
        "Each point is one hypernetwork size (chunk size × hidden widths, mean ± std over "
        "seeds); the dashed lines are fine-tuning and EWC on the same target network.")
    try:
        sweep = bundled_compression()
    except SweepFileError:
        st.info(missing_note())
        return
    fig = cfigs.compression_fig(sweep.curves, sweep.refs, title=sweep_title(sweep))
    st.plotly_chart(fig, key="explorer.compression", **_CHART)
