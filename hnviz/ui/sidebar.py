"""The sidebar every page shows: navigation, the active run (a selector over this user's runs,
then the bundled demos) and its live status."""

from __future__ import annotations

import streamlit as st

from hnviz.serve.workspace import RunHandle
from hnviz.ui import identity, state
from hnviz.ui.labels import data_text, method_short, scenario_text, strength_text
from hnviz.ui.live import POLL_S
from hnviz.ui.nav import existing_pages, page_link
from hnviz.ui.text import MESSAGE_CHARS, md

SOURCE_LABELS = {"demo": "bundled demo", "trained": "trained here", "file": "loaded file",
                 "upload": "uploaded file", "autosave": "restored autosave"}


def run_caption(h: RunHandle) -> str:
    """'Split Digits · HNET · β=0.01'."""
    cfg = h.view().cfg
    parts = [data_text(cfg), method_short(cfg.train.method), strength_text(cfg),
             scenario_text(cfg)]
    return " · ".join(p for p in parts if p)


def selector_key() -> str:
    return f"sidebar.active_run.{state.selector_version()}"


def _on_select(key: str) -> None:
    """The user picked a run. A selector the app has replaced since (its key is stale) may
    still send the value it showed, e.g. along with a fragment's rerun: that is ignored, so the
    active run never changes by itself."""
    if key == selector_key():
        state.set_active(state.widget_value(key), from_selector=True)


def render_sidebar() -> RunHandle | None:
    """Draw the sidebar and return the active run."""
    entry = state.active_run()
    with st.sidebar:
        st.markdown("## hnviz")
        for path, label, icon, _what in existing_pages():
            page_link(path, label, icon)
        st.divider()
        st.markdown("### Active run")
        handles = state.runs()
        if entry is None or not handles:
            st.caption("No run yet: train one on the Train page.")
            identity.write_cookie()
            return None
        ids = [h.run_id for h in handles]
        names = {h.run_id: h.name for h in handles}
        key = selector_key()
        st.selectbox("Active run", ids, index=ids.index(entry.run_id), key=key,
                     format_func=names.get, on_change=_on_select, args=(key,),
                     label_visibility="collapsed",
                     help="Every page shows this run. Your runs come first, then the demos.")
        st.markdown(f"**{run_caption(entry)}**")
        _status(entry)
        n_own = sum(h.own for h in handles)
        st.caption(f"{n_own} run(s) of yours · {SOURCE_LABELS.get(entry.source, entry.source)}")
        identity.write_cookie()
    return entry


def _status(entry: RunHandle) -> None:
    """Progress of the active run; refreshes itself while the run trains."""
    @st.fragment(run_every=POLL_S * 3 if entry.playing else None)
    def status() -> None:
        v = entry.view()
        st.caption(v.status())
        st.progress(v.progress)
        if v.error:
            st.caption(":red[This run diverged; it is kept at its last finite state.]")
        elif v.message:
            st.caption(md(v.message, MESSAGE_CHARS))
        if entry.autosave_error:
            st.caption(f":orange[{md(entry.autosave_error, MESSAGE_CHARS)}]")

    status()
