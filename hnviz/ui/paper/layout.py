"""Layout of the Paper page: the reproduction table (`python -m hnviz reproduce --bundle`), per
experiment a chart comparing the methods per scenario and the table with the paper's numbers next
to the measured ones; every row links to what produced it (its sweep manifest, and the Train page
opened with the configuration of each of its runs).

The table comes from `paper_dir()`: $HNVIZ_PAPER_DIR, else the bundled assets/paper/ (table.json
and <experiment>/sweep.json). A missing or unreadable table is a message with the command that
makes it. The experiment shown lives in the URL (`url.query.PageUrl`): `?exp=NAME`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import streamlit as st

from hnviz.analysis.sweeps import SweepFileError, grid_rows
from hnviz.paths import asset
from hnviz.reproduce.experiments import EXPERIMENTS
from hnviz.reproduce.table import (
    Table,
    TableError,
    absent_experiments,
    absent_rows,
    display_rows,
    experiment_names,
    manifest_runs,
    read_row_manifest,
    read_table,
    row_config,
    seeds_of,
    status_text,
)
from hnviz.ui import state
from hnviz.ui.labels import method_short_in
from hnviz.ui.nav import page_link
from hnviz.ui.page import one_line
from hnviz.ui.paper import long_memory
from hnviz.ui.paper.figures import comparison_fig
from hnviz.ui.paper.links import TRAIN_PAGE, not_carried, train_href, train_params
from hnviz.ui.url.query import PageUrl

PAPER_ENV = "HNVIZ_PAPER_DIR"
BUNDLED = asset("paper")
TABLE = "table.json"
MAKE_COMMAND = "python -m hnviz reproduce --bundle assets/paper"
KEYS = ("exp",)
URL = PageUrl("paper", KEYS)
EXP_KEY = "paper.exp"


def paper_dir() -> Path:
    """Where the table and its manifests are: $HNVIZ_PAPER_DIR, else assets/paper/."""
    return Path(os.environ.get(PAPER_ENV) or BUNDLED)


def render() -> None:
    st.title("Paper")
    st.caption("von Oswald et al., *Continual learning with hypernetworks* (ICLR 2020): the "
               "experiments this project can run, the paper's numbers next to ours. Every row "
               "links to the sweep that produced it and opens its runs on the Train page.")
    folder = paper_dir()
    try:
        table = read_table(folder / TABLE)
    except TableError as e:
        st.warning(f"No reproduction table to show: {e}.")
        st.markdown("Make it (and the manifests this page links to) with")
        st.code(MAKE_COMMAND, language="bash")
        return
    names = experiment_names(table.rows) + absent_experiments(table)
    _apply_url(names)
    if state.widget_value(EXP_KEY) not in names:
        state.set_widget(EXP_KEY, names[0])
    for p in URL.notes():
        st.warning(f"Link: {p}.")
    name = st.selectbox("Experiment", names, key=EXP_KEY, format_func=_label)
    URL.publish({"exp": name})
    long_memory.paper_section(folder, name)  # long sequences: every task first
    experiment_section(folder, table, name)


def _label(name: str) -> str:
    exp = EXPERIMENTS.get(name)
    return f"{exp.label}" if exp else name


def _apply_url(names: list[str]) -> None:
    params = URL.incoming()
    if params is None:
        return
    problems = []
    if params["exp"] in names:
        state.set_widget(EXP_KEY, params["exp"])
    else:
        have = ", ".join(names)
        problems.append(f"exp={params['exp'][:40]} is not in the table (it has "
                        f"{have if len(have) <= 100 else have[:99] + '…'})")
    URL.notes(problems)


def _manifests(folder: Path, rows: list[dict[str, Any]]) -> dict[str, dict | str | None]:
    """Each sweep path the rows name -> its manifest, or the one-line reason it is unreadable."""
    out: dict[str, dict | str | None] = {}
    for r in rows:
        rel = r.get("sweep")
        if rel and rel not in out:
            try:
                out[rel] = read_row_manifest(folder, r)
            except SweepFileError as e:
                out[rel] = one_line(e)
    return out


def experiment_section(folder: Path, table: Table, name: str) -> None:
    rows = table.rows_of(name) or absent_rows(name, table.full)  # absent: "not run here"
    exp = EXPERIMENTS.get(name)
    if exp is not None and exp.note:
        st.caption(exp.note)
    counts = {s: sum(r["status"] == s for r in rows) for s in ("ok", "failed", "not run")}
    st.markdown(f"**{table.configuration}** configuration · {len(rows)} rows: "
                + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
    manifests = _manifests(folder, rows)
    for rel, m in manifests.items():
        if isinstance(m, str):
            st.warning(f"The sweep manifest {rel} cannot be read ({m}): its rows link to the "
                       "experiment's configuration instead.")
    if any(r.get("mean") is not None for r in rows):
        st.plotly_chart(comparison_fig(rows), width="stretch", key=f"paper_chart_{name}",
                        config={"displaylogo": False})
    shown, notes = display_rows(rows)
    for r, s in zip(rows, shown):
        m = manifests.get(r.get("sweep") or "")
        cfg = row_config(r, m if isinstance(m, dict) else None, table.full,
                         seeds_of(r, m if isinstance(m, dict) else None)[0])
        s["Train"] = train_href(train_params(cfg)) if cfg is not None else None
        s["configuration"] = s.pop("configuration")  # the long one last
    st.dataframe(shown, hide_index=True, width="stretch", key=f"paper_table_{name}",
                 column_config={
                     "paper": st.column_config.TextColumn(
                         "paper", help="The paper's number; [n]: its source, below"),
                     "measured": st.column_config.TextColumn(
                         "measured", help="Mean ± sample sd over the seeds (accuracy in %, "
                                          "MSE as it is)"),
                     "task inferred %": st.column_config.TextColumn(
                         help="CL2/CL3: how often the task was inferred right"),
                     "task given": st.column_config.TextColumn(
                         help="CL2/CL3: the accuracy with the task given"),
                     "Train": st.column_config.LinkColumn(
                         "Train", display_text="open in Train",
                         help="The Train page with this row's configuration (first seed)")})
    for i, src in enumerate(notes):
        st.caption(f"[{i + 1}] {src}")
    st.caption("—: the paper gives no number for this cell whose source was checked for this "
               "project (or the experiment is not in the paper).")
    st.markdown("Re-run these rows with")
    st.code(rows[0].get("command") or MAKE_COMMAND, language="bash")
    row_details(table, rows, manifests)


def row_details(table: Table, rows: list[dict[str, Any]],
                manifests: dict[str, dict | str | None]) -> None:
    """One row's provenance: its status, the Train page per seed, its points in the sweep."""
    st.markdown("#### Where a row comes from")
    labels = [f"{r['scenario'].upper()} · {method_short_in(r['method'], r['scenario'])}" for r in rows]
    i = st.selectbox("Row", range(len(rows)), format_func=labels.__getitem__,
                     key=f"paper.row.{rows[0]['experiment']}")
    r = rows[i]
    m = manifests.get(r.get("sweep") or "")
    m = m if isinstance(m, dict) else None
    st.markdown(f"Status: **{status_text(r)}** · configuration: {r.get('config') or '—'}")
    seeds = seeds_of(r, m)
    cfg = row_config(r, m, table.full, seeds[0])
    if cfg is None:
        st.caption("This experiment is not in this hnviz's registry: no Train link.")
    else:
        cols = st.columns(4)
        for k, seed in enumerate(seeds):
            with cols[k % 4]:
                page_link(TRAIN_PAGE, f"Train · seed {seed}", ":material/model_training:",
                          query_params=train_params(row_config(r, m, table.full, seed)))
        lost = not_carried(cfg, train_params(cfg))
        if lost:
            st.caption("The Train page will not take all of it from the link: "
                       + "; ".join(lost))
    if m is None:
        if r.get("sweep"):
            st.caption(f"The sweep manifest {r['sweep']} is not readable.")
        return
    with st.expander(f"Sweep manifest: {r['sweep']} ({m.get('name', '')})"):
        st.markdown(
            f"Status **{m.get('status')}** · created {m.get('created', '—')} · backend "
            f"{m.get('backend', '—')} · {sum(m.get('counts', {}).values()) or len(m['runs'])} "
            f"runs · {float(m.get('wall_s') or 0):.0f} s")
        st.markdown("**Grid**: benchmarks " + ", ".join(map(str, m.get("benchmarks", [])))
                    + " × methods " + ", ".join(map(str, m.get("methods", []))) + " × "
                    + " × ".join(f"{a['field']} ∈ {{{', '.join(map(str, a['values']))}}}"
                                 for a in next(iter(m.get("axes", {}).values()), []))
                    + f" × seeds {', '.join(map(str, m.get('seeds', [])))}")
        mine = {id(x) for x in manifest_runs(m, r)}
        points = [p for p, run in zip(grid_rows(m), m["runs"]) if id(run) in mine]
        st.caption(f"This row's {len(points)} point(s):")
        st.dataframe(points, hide_index=True, width="stretch",
                     key=f"paper_points_{r['experiment']}_{i}")
        if st.toggle("Every point of the sweep", key=f"paper.all.{r['experiment']}"):
            st.dataframe(grid_rows(m), hide_index=True, width="stretch",
                         key=f"paper_all_{r['experiment']}")
