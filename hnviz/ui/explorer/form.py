"""'Run a new sweep' on the β explorer: a form that starts `python -m hnviz sweep` in the
background, and a fragment that polls its progress from disk every second, with Cancel."""

from __future__ import annotations

import math
import os
import time

import streamlit as st

from hnviz.core.benchmarks import embedded_benchmarks
from hnviz.core.method_specs import METHODS, method_spec, with_strength
from hnviz.serve.userstore import StoreError
from hnviz.ui import state
from hnviz.ui.explorer import runner
from hnviz.ui.labels import benchmark_label, method_with_strength
from hnviz.ui.text import MESSAGE_CHARS, md


def default_values(method: str) -> str:
    """The method's default strength grid as the text field shows it: '0, 0.0001, ...'."""
    return ", ".join(f"{v:g}" for v in method_spec(method).strength.sweep_values)


def _strengths_help() -> str:
    """'β for HNET, λ for EWC, ...' (each symbol once)."""
    seen: dict[str, list[str]] = {}
    for m in METHODS.values():
        if m.strength is not None:
            seen.setdefault(m.strength.symbol, []).append(m.short)
    return ", ".join(f"{sym} for {' / '.join(names)}" for sym, names in seen.items())


def parse_values(text: str) -> list[float]:
    """'0, 1e-3 ,0.01' -> [0.0, 0.001, 0.01]; raises ValueError naming a bad entry."""
    out = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            v = float(part)
        except ValueError:
            raise ValueError(f"{part!r} is not a number") from None
        if not math.isfinite(v) or v < 0:
            raise ValueError(f"{part!r} must be a finite number ≥ 0")
        out.append(v)
    if not out:
        raise ValueError("give at least one value")
    return sorted(set(out))


def render_new_sweep() -> None:
    st.subheader("Run your own sweep")
    job = runner.current()
    if job is not None:
        _progress(job)
        return
    lim = runner.limits()
    with st.form("explorer.new"):
        c1, c2, c3 = st.columns(3)
        # Sweeps from the page: benchmarks without data files × methods with a strength.
        bench = c1.selectbox("Benchmark", embedded_benchmarks(), format_func=benchmark_label)
        methods = with_strength()
        method = c2.selectbox("Method", methods, format_func=method_with_strength)
        iters = c3.number_input("Iterations per task", 10, lim.sweep_iters,
                                min(1000, lim.sweep_iters), step=100)
        values = st.text_input(f"Strengths (comma-separated): {_strengths_help()} (left as is, "
                               "each method gets its own default grid)",
                               default_values(methods[0]))
        c4, c5, c6 = st.columns(3)
        seeds = c4.number_input("Seeds", 1, 5, 2)
        most_jobs = max(1, min(lim.sweep_jobs, os.cpu_count() or 1))
        jobs = c5.number_input("Parallel workers", 1, most_jobs, most_jobs)
        name = c6.text_input("Name", f"{time.strftime('%m%d-%H%M')}", max_chars=60)
        go = st.form_submit_button("Start sweep", type="primary")
    st.caption(f"The sweep runs as a separate, low-priority process into your own sweeps folder "
               f"on the server (at most {lim.sweep_runs} runs of at most {lim.sweep_iters:,} "
               "iterations per task; one sweep per user). It keeps going while you look at "
               "other pages, and stops when you cancel it or leave the app for a while. The "
               "same from a terminal, unbounded: `python -m hnviz sweep --help`.")
    if not go:
        return
    if values == default_values(methods[0]):
        values = default_values(method)  # the first method's grid makes no sense for another
    try:
        vals = parse_values(values)
    except ValueError as e:
        st.error(f"Strengths: {md(e, MESSAGE_CHARS)}")
        return
    full = f"{bench}-{method}-{name}"
    try:
        runner.start(full, bench, method, vals, list(range(int(seeds))), int(iters), int(jobs))
    except StoreError as e:  # a bound of this server (runs, disk, sweeps at once)
        st.error(f"Sweep not started: {md(e, MESSAGE_CHARS)}")
        return
    st.rerun()


def progress_text(job: runner.SweepJob, p) -> str:
    """'Sweep **x**: 3/12 runs finished (3 ok, 0 failed), 2 running, on the Dask cluster at
    `tcp://…` (41 s)'."""
    where = (f", on the Dask cluster at `{p.address}`" if p.address
             else f", on {p.workers} local worker process(es)" if p.workers else "")
    return (f"Sweep **{md(job.name)}**: {p.done}/{p.total or '?'} runs finished ({p.ok} ok, "
            f"{p.failed} failed), {p.running} running{where} "
            f"({time.time() - job.started:.0f} s)")


@st.fragment(run_every=1.0)
def _progress(job: runner.SweepJob) -> None:
    p = job.progress()
    done, total = p.done, p.total
    rc = job.returncode()
    if rc is None:
        st.progress(done / total if total else 0.0, text=progress_text(job, p))
        viewed_dir = str(state.widget_value("explorer.sweep") or "").split("#")[0]
        viewed = bool(viewed_dir) and os.path.realpath(viewed_dir) == os.path.realpath(job.out)
        if p.done and not viewed:
            st.caption("Its finished runs can already be explored: pick it in the sweep "
                       "selector at the top.")
        if viewed and p.done > job.shown_done:  # redraw the explorer with the new runs
            job.shown_done = p.done
            st.rerun(scope="app")
        if st.button("Cancel sweep", key="explorer.cancel"):
            runner.cancel(job)
            st.rerun(scope="app")
        return
    if job.cancelled:
        st.warning(f"Sweep {md(job.name)} cancelled after {done}/{total} runs; start the same "
                   "sweep again (same name) to resume.")
    elif rc == 0:
        if not job.selected:  # show the new sweep once it is complete
            job.selected = True
            state.put("explorer.select_next", job.out)  # applied before the selector next run
        st.success(f"Sweep {md(job.name)} finished: {p.ok} ok, {p.failed} failed of {total} runs. "
                   "It is now in the sweep selector at the top.")
    else:
        st.error(f"Sweep {md(job.name)} stopped with exit code {rc}.")
        st.code(job.log_tail(), language=None)
    if st.button("Start another sweep", key="explorer.again"):
        runner.forget()
        st.rerun(scope="app")
