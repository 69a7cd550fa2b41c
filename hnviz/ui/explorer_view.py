"""The β explorer page body: pick a sweep, scrub its strength in the browser, see the
stability-plasticity trade-off, compare HNET's β with EWC's λ and SI's c, start a new sweep."""

from __future__ import annotations

import streamlit as st

from hnviz.analysis.sweeps import Sweep, SweepRef, format_value, grid_rows
from hnviz.ui import explorer_charts as charts
from hnviz.ui import explorer_data as data
from hnviz.ui import state
from hnviz.ui.explorer_form import render_new_sweep
from hnviz.ui.labels import benchmark_label, method_with_strength

_SELECT_KEY = "explorer.sweep"
_CHART = dict(width="stretch", theme=None, config={"displaylogo": False})


def render() -> None:
    st.title("β explorer: remembering vs learning")
    st.markdown(
        "While learning task *T*, the hypernetwork is held to what it generated for every "
        "earlier task. **β** sets how hard:")
    st.latex(r"\mathcal{L} = \mathcal{L}_{\text{task}}(\theta_h, e_T) + "
             r"\frac{\beta}{T-1}\sum_{t'<T}\big\|f_h(e_{t'},\theta_h^*) - "
             r"f_h(e_{t'},\theta_h)\big\|^2")
    st.markdown("Too small and old tasks are **forgotten**; too large and the newest task "
                "**cannot be learned**. Drag the slider under the figure: every value was "
                "trained in advance (3 seeds each), so it redraws instantly.")
    refs = data.all_sweeps()
    if not refs:
        st.warning("No sweeps found. Run `python scripts/make_sweeps.py` to build the bundled "
                   "ones, or start one below.")
        render_new_sweep()
        return
    ref = _select(refs)
    sweep = data.get_sweep(ref)
    _facts(sweep)
    _scrubber(sweep)
    st.subheader("Stability vs plasticity")
    st.caption("Each point is one value of the strength (mean over seeds, bars: range over "
               "seeds). "
               "Old tasks (x) against the task learned last (y); the star is the paper's "
               "value.")
    st.plotly_chart(charts.tradeoff_figure([sweep], _title(sweep)), key="tradeoff", **_CHART)
    _compare(ref, refs)
    st.divider()
    render_new_sweep()


def _select(refs: list[SweepRef]) -> SweepRef:
    keys = [r.key for r in refs]
    chosen = state.get(_SELECT_KEY)
    if chosen not in keys:  # a sweep folder (e.g. just finished) selects its first slice
        chosen = next((r.key for r in refs if r.path == chosen), None) or next(
            (r.key for r in refs if r.name == data.DEFAULT_SWEEP), keys[0])
    labels = {r.key: data.describe(r) for r in refs}
    chosen = st.selectbox("Sweep", keys, index=keys.index(chosen),
                          format_func=labels.__getitem__,
                          help="Bundled sweeps ship with hnviz; the ones you start below are "
                               "yours alone. A sweep over several fields appears once per "
                               "value of the fields it does not vary.")
    state.put(_SELECT_KEY, chosen)
    return refs[keys.index(chosen)]


def _title(s: Sweep) -> str:
    return f"{method_with_strength(s.method)} on {benchmark_label(s.benchmark)}"


def _facts(s: Sweep) -> None:
    n_failed = len(s.errors)  # not the runs still pending or running
    label = s.label
    cols = st.columns(4)
    cols[0].metric("values of " + label, len(s.values),
                   help=", ".join(charts.fmt_value(v) for v in s.values))
    cols[1].metric("seeds", len(s.seeds))
    cols[2].metric("iterations / task", s.iters_per_task or "?",
                   help="Sweeps train shorter than the interactive presets so that a whole "
                        "grid finishes in minutes.")
    cols[3].metric("failed runs", n_failed,
                   help="Runs that diverged or crashed are left out of the means.")
    if s.errors:
        with st.expander(f"{len(s.errors)} failed run(s)"):
            for (vi, si), err in sorted(s.errors.items()):
                st.text(f"{label}={charts.fmt_value(s.values[vi])}, seed {s.seeds[si]}: {err}")
    if s.status != "done":
        n_running = int(s.running.sum()) if s.running is not None else 0
        n_done = int(s.ok.sum()) + len(s.errors)
        st.info(f"This sweep is {s.status}: {n_done} of {s.ok.size} runs finished"
                + (f", {n_running} running" if n_running else "")
                + "; missing runs are left out (the page rereads it as it grows).")
    if s.fixed:
        st.caption("Held fixed in this view: " + ", ".join(
            f"{f} = {format_value(v)}" for f, v in s.fixed))
    _all_runs(s)


def _all_runs(s: Sweep) -> None:
    """Every run of the sweep folder (all benchmarks, methods and axes) as a table."""
    rows = grid_rows(s.manifest)
    with st.expander(f"All {len(rows)} runs of this sweep folder"):
        st.dataframe(rows, hide_index=True, width="stretch")


def _scrubber(s: Sweep) -> None:
    if s.functions is not None:
        st.subheader(f"What each task's network computes, as {s.label} changes")
        band = st.toggle("Show seed spread (±1 std)", value=True, key="explorer.band")
        fig = charts.regression_scrub_figure(s, band=band)
    else:
        st.subheader(f"Accuracy matrix and final accuracy, as {s.label} changes")
        fig = charts.classification_scrub_figure(s)
    st.plotly_chart(fig, key="scrub", **_CHART)


def _compare(ref: SweepRef, refs: list[SweepRef]) -> None:
    group = data.companions(ref, refs)
    st.subheader("Three regularizers side by side")
    if len(group) < 2:
        st.caption("No EWC or SI sweep on this benchmark yet: start one below to compare.")
        return
    sweeps = [data.get_sweep(r) for r in group]
    st.caption("HNET regularizes what the hypernetwork *outputs* for old tasks; EWC (λ) and "
               "SI (c) pull the network's *weights* back, weighted by how important each weight "
               "was. Same benchmark, seeds and iterations.")
    st.plotly_chart(charts.tradeoff_figure(sweeps, "All methods in one stability-plasticity "
                                                   "plane"), key="compare_plane", **_CHART)
    st.plotly_chart(charts.small_multiples_figure(sweeps), key="compare_multiples", **_CHART)
