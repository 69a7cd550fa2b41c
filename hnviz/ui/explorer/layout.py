"""The β explorer page body: pick a sweep, scrub its strength in the browser, see the
stability-plasticity trade-off, compare HNET's β with EWC's λ and SI's c, start a new sweep.

The view lives in the URL (`url.query.PageUrl`; docs/APP.md): `sweep` (the sweep's name) and the scrubber's
value under the sweep's parameter name (`beta`, `ewc_lambda`, `si_c`), which the Plotly slider
keeps up to date through `url.slider`. A link naming a sweep this user does not have says so and
falls back to the bundled sweep of the same benchmark and method (else the default one).
"""

from __future__ import annotations

import functools
import math
import os

import numpy as np
import streamlit as st

from hnviz.analysis.sweeps import Sweep, SweepRef, format_value, grid_rows
from hnviz.core.benchmarks import BENCHMARKS
from hnviz.core.method_specs import METHODS, strength_fields
from hnviz.ui import state
from hnviz.ui.explorer import charts, data
from hnviz.ui.explorer import compression as compression_view
from hnviz.ui.explorer.form import render_new_sweep
from hnviz.ui.labels import benchmark_label, method_with_strength
from hnviz.ui.text import MESSAGE_CHARS, VALUE_CHARS, cut, md
from hnviz.ui.url import slider as slider_url
from hnviz.ui.url.query import PageUrl

_SELECT_KEY = "explorer.sweep"  # the selectbox's widget key: the chosen sweep (slice) key
_VALUE_KEY = "explorer.value"  # (sweep key, strength value) the scrubber starts at
_NOTE_KEY = "explorer.sweep_note"  # a link's sweep was not found: what is shown instead
_CHART = dict(width="stretch", theme=None, config={"displaylogo": False})
SCRUB_KEY = "scrub"  # no dots: url.slider finds the chart by this CSS class


def page_url(refs: list[SweepRef]) -> PageUrl:
    """The page's query keys: `sweep`, and the parameter of every sweep it can show (β, λ, c,
    or whatever field a sweep of the user's varies, e.g. `iters_per_task`)."""
    return PageUrl("explorer", ("sweep", *dict.fromkeys([*strength_fields(),
                                                          *(r.param for r in refs)])))


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
    url = page_url(refs)
    _apply_url(url, refs)
    ref = _select(refs)
    if state.get(_NOTE_KEY):
        st.info(state.get(_NOTE_KEY))
        state.put(_NOTE_KEY, None)  # once: the user may pick another sweep now
    for p in url.notes():
        st.warning(f"Link: {md(p, MESSAGE_CHARS)}.")
    sweep = data.get_sweep(ref)
    _facts(sweep)
    k = _scrubber(url, ref, sweep)
    url.publish({"sweep": ref.name, sweep.param: charts.fmt_value(sweep.values[k])})
    st.subheader("Stability vs plasticity")
    st.caption("Each point is one value of the strength (mean over seeds, bars: range over "
               "seeds). "
               "Old tasks (x) against the task learned last (y); the star is the preset's "
               "value (what the Train page uses).")
    st.plotly_chart(charts.tradeoff_figure([sweep], _title(sweep)), key="tradeoff", **_CHART)
    _compare(ref, refs)
    st.divider()
    compression_view.render_section()
    st.divider()
    render_new_sweep()


def _default(refs: list[SweepRef]) -> SweepRef:
    return next((r for r in refs if r.name == data.DEFAULT_SWEEP), refs[0])


def _select(refs: list[SweepRef]) -> SweepRef:
    keys = [r.key for r in refs]
    chosen = state.widget_value(_SELECT_KEY)
    nxt = state.get("explorer.select_next")  # a sweep started here has just finished
    if nxt:
        state.put("explorer.select_next", None)
        chosen = nxt
    if chosen not in keys:  # a sweep folder (e.g. just finished) selects its first slice
        chosen = next((r.key for r in refs if chosen and _same_dir(r.path, chosen)), None) \
            or _default(refs).key
    if chosen != state.widget_value(_SELECT_KEY):
        state.set_widget(_SELECT_KEY, chosen)  # through session state only: no warning
    labels = {r.key: data.describe(r) for r in refs}
    chosen = st.selectbox("Sweep", keys, key=_SELECT_KEY, format_func=labels.__getitem__,
                          help="Bundled sweeps ship with hnviz; the ones you start below are "
                               "yours alone. A sweep over several fields appears once per "
                               "value of the fields it does not vary.")
    return refs[keys.index(chosen)]


def _same_dir(a: str, b: str) -> bool:
    """Two spellings of one folder (a relative store root against a job's absolute path)."""
    return os.path.realpath(a) == os.path.realpath(b)


# ----------------------------------------------------------------------------------- the URL
def _of_name(name: str) -> tuple[str | None, str | None]:
    """(benchmark, method) a sweep name starts with, as the sweep form names them
    ('regression1d-hnet-0312-1015'), else (None, None)."""
    for b in sorted(BENCHMARKS, key=len, reverse=True):
        if name.startswith(b + "-"):
            rest = name[len(b) + 1:]
            for m in sorted(METHODS, key=len, reverse=True):
                if rest == m or rest.startswith(m + "-"):
                    return b, m
            return b, None
    return None, None


def resolve_sweep(name: str, refs: list[SweepRef]) -> tuple[SweepRef, str | None]:
    """(the sweep called `name`, None), or (a stand-in, a note for the user): the bundled sweep
    of the same benchmark and method when the name says which, else the default sweep."""
    named = [r for r in refs if r.name == name]
    if named:
        return next((r for r in named if r.source == "bundled"), named[0]), None
    bench, method = _of_name(name)
    same = [r for r in refs if r.source == "bundled" and r.benchmark == bench
            and (method is None or r.method == method)]
    stand_in = same[0] if same else _default(refs)
    return stand_in, (f"The link names the sweep **{md(name)}**, which is not among your "
                      f"sweeps; showing the bundled **{md(data.describe(stand_in))}** instead.")


def _apply_url(url: PageUrl, refs: list[SweepRef]) -> None:
    """A link's sweep and scrubber value, set before the selector is drawn."""
    params = url.incoming()
    if params is None:
        return
    problems: list[str] = []
    ref = None
    if "sweep" in params:
        ref, note = resolve_sweep(params["sweep"][:200], refs)
        state.put(_NOTE_KEY, note)
        state.set_widget(_SELECT_KEY, ref.key)
    ref = ref or next((r for r in refs if r.key == state.widget_value(_SELECT_KEY)), None) \
        or _default(refs)
    if ref.param in params:
        raw = params[ref.param]
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if math.isfinite(value) and value >= 0:
            state.put(_VALUE_KEY, (ref.key, value))
            vals = data.get_sweep(ref).values
            k = value_index(data.get_sweep(ref), value)
            if not math.isclose(float(vals[k]), value, rel_tol=1e-9):
                where = ("outside its range" if not min(vals) <= value <= max(vals)
                         else "between its values")
                problems.append(
                    f"{ref.param}={value:g} is {where} ({charts.fmt_value(min(vals))} … "
                    f"{charts.fmt_value(max(vals))}); showing the nearest value, "
                    f"{charts.fmt_value(vals[k])}")
        else:
            problems.append(f"{ref.param}={cut(raw, VALUE_CHARS)} is not a value of this sweep")
    url.notes(problems)


def value_index(sweep: Sweep, value: float) -> int:
    """The swept value nearest to `value` (on a log scale; 0 is its own point)."""
    vals = np.asarray(sweep.values, dtype=np.float64)
    exact = np.flatnonzero(np.isclose(vals, value, rtol=1e-9, atol=0))
    if len(exact):
        return int(exact[0])
    return int(np.argmin(np.abs(np.log10(np.maximum(vals, 1e-12)) -
                                math.log10(max(value, 1e-12)))))


def _on_value(path: str, label: str) -> None:
    """The Plotly slider moved (url.slider): the scrubber starts there on the next run."""
    try:
        value = float(label)
    except ValueError:
        return
    if math.isfinite(value):
        state.put(_VALUE_KEY, (path, value))


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


def _scrubber(url: PageUrl, ref: SweepRef, s: Sweep) -> int:
    """The scrubbable figure, starting at the value from the link or the slider's last position
    (else the preset's value); returns that value's index."""
    held = state.get(_VALUE_KEY)
    k = value_index(s, held[1]) if held and held[0] == ref.key and len(s.values) else \
        charts.start_index(s)
    if s.functions is not None:
        st.subheader(f"What each task's network computes, as {s.label} changes")
        band = st.toggle("Show seed spread (±1 std)", value=True, key="explorer.band")
        fig = charts.regression_scrub_figure(s, band=band, start=k)
    else:
        st.subheader(f"Accuracy matrix and final accuracy, as {s.label} changes")
        fig = charts.classification_scrub_figure(s, start=k)
    st.plotly_chart(fig, key=SCRUB_KEY, **_CHART)
    slider_url.follow(SCRUB_KEY, url, s.param, functools.partial(_on_value, ref.key),
                      key="explorer.scrub_bridge", fig=fig)
    return k


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
