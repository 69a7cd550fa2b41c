"""The sidebar every page shows: the active run (name, benchmark, method, progress) and a
selectbox to switch the active run among this session's runs."""

from __future__ import annotations

import streamlit as st

from hnviz.ui import state
from hnviz.ui.demos import ensure_demos
from hnviz.ui.labels import benchmark_label, method_label, strength_text
from hnviz.ui.nav import existing_pages, page_link

_SELECT_KEY = "sidebar.active_run"


def run_status(entry: state.RunEntry) -> str:
    """'3/3 tasks done', '1/5 tasks done · step 1,250', 'diverged' ..."""
    t = entry.trainer
    done = len(t.history["R"])
    text = f"{done}/{t.n_tasks} tasks done"
    if t.error:
        return text + " · diverged"
    if not t.finished and t.global_step:
        text += f" · step {t.global_step:,}/{t.total_steps:,}"
    return text


def _on_select() -> None:
    name = state.widget_value(_SELECT_KEY)
    if name:
        state.set_active(name)


def render_sidebar(light: bool = False) -> state.RunEntry | None:
    """Draw the sidebar and return the active run. Loads the bundled demos into the session on
    first use (only the quick regression ones if `light`)."""
    ensure_demos(light=light)
    entry = state.active_run()
    with st.sidebar:
        st.markdown("## hnviz")
        for path, label, icon, _what in existing_pages():
            page_link(path, label, icon)
        st.divider()
        st.markdown("### Active run")
        names = list(state.runs())
        if entry is None or not names:
            st.caption("No run yet: train one on the Train page.")
            return None
        state.set_widget(_SELECT_KEY, entry.name)
        st.selectbox("Active run", names, key=_SELECT_KEY, on_change=_on_select,
                     label_visibility="collapsed",
                     help="Every page shows this run. All runs of this session stay here.")
        cfg = entry.trainer.cfg
        strength = strength_text(cfg)
        st.markdown(f"**{benchmark_label(cfg.task.benchmark)}** · {method_label(cfg.train.method)}"
                    + (f" · {strength}" if strength else ""))
        st.caption(run_status(entry))
        st.progress(entry.trainer.progress)
        if entry.trainer.error:
            st.caption(":red[This run diverged; it is kept at its last finite state.]")
        st.caption(f"{len(names)} run(s) in this session · source: {entry.source}")
    return entry
