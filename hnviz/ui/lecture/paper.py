"""The lecture's step 9: the paper's results, measured by this app beside the paper's numbers.

Read generically from the reproduction table the Paper page shows (`paper_page.paper_dir()`:
assets/paper/table.json unless $HNVIZ_PAPER_DIR says otherwise; `hnviz.reproduce.table`): every
experiment in it is offered, so rows added to the bundle (e.g. the MNIST experiments) appear here
without code. Per experiment: the methods per scenario (mean ± sd over seeds, the paper's number
as a black diamond on its bar: `paper.figures.comparison_fig`), and beside it the rows the paper
gives a number for, paper against measured.
"""

from __future__ import annotations

import html
import math
from typing import Any

import streamlit as st

from hnviz.reproduce.experiments import EXPERIMENTS
from hnviz.reproduce.table import (
    TableError,
    experiment_names,
    measured_text,
    paper_text,
    read_table,
)
from hnviz.ui import state
from hnviz.ui.labels import method_short_in
from hnviz.ui.lecture.figures import projector
from hnviz.ui.lecture.steps import BODY_HEIGHT, chart
from hnviz.ui.paper.figures import comparison_fig
from hnviz.ui.paper.layout import MAKE_COMMAND, TABLE, paper_dir

EXP_KEY = "lecture.paper.exp"
MAX_LINES = 9  # paper-vs-measured lines that fit beside the chart


def has_paper(row: dict[str, Any]) -> bool:
    v = row.get("paper")
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def default_experiment(rows) -> str:
    """The first experiment the paper reports numbers for, else the one with the most rows
    (methods × scenarios: the fullest comparison)."""
    names = experiment_names(rows)
    with_paper = [n for n in names if any(has_paper(r) for r in rows if r["experiment"] == n)]
    if with_paper:
        return with_paper[0]
    return max(names, key=lambda n: sum(r["experiment"] == n for r in rows))


def label(name: str) -> str:
    """The experiment's label without its parenthesis ("Split Digits (8×8; …)" -> "Split
    Digits"): the selector holds one button per experiment on one line."""
    exp = EXPERIMENTS.get(name)
    return exp.label.split(" (")[0] if exp else name


def full_label(name: str) -> str:
    exp = EXPERIMENTS.get(name)
    return exp.label if exp else name


def render() -> None:
    try:
        table = read_table(paper_dir() / TABLE)
    except TableError as e:
        st.info(f"No reproduction table to show: {e}. Make it with `{MAKE_COMMAND}`.")
        return
    names = experiment_names(table.rows)
    if state.widget_value(EXP_KEY) not in names:
        state.set_widget(EXP_KEY, default_experiment(table.rows))
    name = st.segmented_control("Experiment", names, key=EXP_KEY, format_func=label,
                                label_visibility="collapsed") or names[0]
    rows = table.rows_of(name)
    left, right = st.columns([1.55, 1], gap="medium")
    with left:
        fig = comparison_fig(rows, height=BODY_HEIGHT - 50)
        fig.update_layout(margin=dict(l=10, r=10, t=50, b=10))
        fig.update_xaxes(automargin=True)
        fig.update_yaxes(automargin=True)
        if rows and rows[0]["metric"] == "mse":  # MSEs span decades: HNET's bar would vanish
            fig.update_yaxes(type="log", rangemode=None)
        chart(projector(fig, font=15), "lecture.paper.fig")
    with right:
        st.markdown(side_table(name, rows, table.configuration), unsafe_allow_html=True)


def side_table(name: str, rows: list[dict[str, Any]], configuration: str) -> str:
    """HTML: the rows with a paper number, paper against measured (or, when the paper has
    none for this experiment, what the experiment is and the HNET rows measured)."""
    paper_rows = [r for r in rows if has_paper(r)]
    exp = EXPERIMENTS.get(name)
    head = (f"<p class='lecture-small'><b>{html.escape(full_label(name))}</b> · "
            f"{configuration} settings · mean ± sd over seeds</p>")
    if paper_rows:
        shown = paper_rows[:MAX_LINES]
        lines = "".join(
            f"<tr><td>{r['scenario'].upper()} · {html.escape(method_short_in(r['method'], r['scenario']))}</td>"
            f"<td class='paper'>{html.escape(paper_text(r))}</td>"
            f"<td class='ours'>{html.escape(measured_text(r))}</td></tr>" for r in shown)
        more = (f"<p class='lecture-small'>… and {len(paper_rows) - len(shown)} more on the "
                "Paper page</p>" if len(paper_rows) > len(shown) else "")
        return (head + "<table class='lecture-table' data-testid='lecture-paper-table'>"
                "<tr><th></th><th>paper</th><th>measured</th></tr>" + lines + "</table>" + more)
    note = html.escape(exp.note) if exp and exp.note else "The paper reports no number for it."
    hnet = [r for r in rows if r["method"].startswith("hnet")]
    lines = "".join(
        f"<tr><td>{r['scenario'].upper()} · {html.escape(method_short_in(r['method'], r['scenario']))}</td>"
        f"<td class='paper'>—</td><td class='ours'>{html.escape(measured_text(r))}</td></tr>"
        for r in hnet[:MAX_LINES])
    return (head + f"<p class='lecture-small'>{note}</p>"
            "<table class='lecture-table' data-testid='lecture-paper-table'>"
            "<tr><th></th><th>paper</th><th>measured</th></tr>" + lines + "</table>")
