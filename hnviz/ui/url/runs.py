"""Runs named in a URL (`?run=...`, `?runs=a|b`): shareable views that name runs.

A link names runs by their display names. The sender's own runs are not the recipient's
(saved runs are per user), so a name the recipient does not have is reported, and the view falls
back to the bundled demo that matches it (same benchmark and method) when there is one. Demo
names are the same for everybody, so a lecturer's links to demos always open as sent.

`?run=` belongs to every page (`RUN`, applied by `page.setup` before the sidebar shows the
active run); `?runs=` to the Forgetting page, which parses it with `names`.
"""

from __future__ import annotations

import streamlit as st

from hnviz.core.method_specs import METHODS
from hnviz.serve.workspace import RunHandle
from hnviz.ui import state
from hnviz.ui.text import md
from hnviz.ui.url.query import PageUrl

SEP = "|"
MAX_NAMES = 12
RUN = PageUrl("run", ("run",))  # the run a page shows: every page


def _method_of_name(name: str) -> str | None:
    """The method a run name starts with ('HNET β=0 · 1-D regression' -> 'hnet')."""
    best = None
    for m in METHODS.values():
        if name.startswith(m.short) and (best is None or len(m.short) > len(best.short)):
            best = m
    return best.name if best else None


def resolve(name: str, benchmark: str | None = None) -> tuple[RunHandle | None, str | None]:
    """(the run called `name`, None), or (a matching demo or None, a note for the user)."""
    ws = state.workspace()
    h = ws.by_name(name)
    if h is not None:
        return h, None
    method = _method_of_name(name)
    for d in ws.handles():
        v = d.view()
        if d.demo is None or (benchmark and v.cfg.task.benchmark != benchmark):
            continue
        if method and v.cfg.train.method == method:
            return d, (f"The link names the run **{md(name)}**, which is not among your "
                       f"runs; showing the bundled **{md(d.name)}** instead.")
    return None, f"The link names the run **{md(name)}**, which is not among your runs."


def names(raw: str | None) -> list[str]:
    """'a|b' -> ['a', 'b'] (at most MAX_NAMES)."""
    if not raw:
        return []
    return [n for n in str(raw).split(SEP) if n][:MAX_NAMES]


def apply_run_param() -> None:
    """`?run=NAME` makes that run active (once per distinct value); a note says when the run
    was not found (and what is shown instead)."""
    params = RUN.incoming()
    if params is None or not params["run"]:
        return
    h, note = resolve(params["run"][:200])
    if h is not None:
        state.set_active(h)
    RUN.notes([note] if note else [])


def page_run() -> RunHandle | None:
    """The run a page shows: `?run=` applied (its note shown when the named run was not found),
    then the active run, kept in `?run=` (so the address bar links to this view)."""
    apply_run_param()
    entry = state.active_run()
    for note in RUN.notes() if RUN.current() else ():  # a note about the link in the URL
        st.info(note)
    if entry is not None:
        RUN.publish({"run": entry.name})
    return entry
