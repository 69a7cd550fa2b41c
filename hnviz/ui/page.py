"""Page scaffolding shared by every page: page config, sidebar, and an error guard so the app
shows a one-line message instead of a traceback (also inside fragments, which rerun on their
own and would otherwise bypass the page's guard)."""

from __future__ import annotations

import contextlib
import logging
import os
import traceback
from collections.abc import Iterator

import streamlit as st

from hnviz.serve.workspace import RunHandle
from hnviz.ui.sidebar import render_sidebar

log = logging.getLogger("hnviz")


# Headline numbers sized to fit six across at 1280 px (Streamlit's default is 2.25rem).
CSS = """<style>
[data-testid="stMetricValue"] { font-size: 1.55rem; }
[data-testid="stMetricLabel"] p { font-size: 0.85rem; }
</style>"""


def setup(title: str, icon: str = "🧠", sidebar: bool = True) -> RunHandle | None:
    """set_page_config + sidebar; returns the active run."""
    st.set_page_config(page_title=f"{title} · hnviz", page_icon=icon, layout="wide",
                       initial_sidebar_state="auto" if sidebar else "collapsed")
    st.html(CSS)
    from hnviz.ui import runrefs

    with guard("the link"):
        runrefs.apply_run_param()  # ?run=NAME opens that run (before the sidebar shows one)
    if not sidebar:
        return None
    with guard("the sidebar"):
        return render_sidebar()


def one_line(exc: BaseException) -> str:
    """'TypeName: first line of the message' (no paths of this server beyond what it says)."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


@contextlib.contextmanager
def guard(what: str = "this page") -> Iterator[None]:
    """Catch any error in the block and show it as st.error (details folded away). Streamlit's
    own control flow (rerun/stop) derives from BaseException and passes through."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - the whole point: never show a raw traceback
        st.error(f"Something went wrong in {what}: {one_line(exc)}. Your runs are kept.")
        log.error("error in %s\n%s", what, "".join(traceback.format_exception(exc)))
        if os.environ.get("HNVIZ_DEBUG") == "1":  # tracebacks show server paths: opt-in only
            with st.expander("Details (for bug reports)"):
                st.code("".join(traceback.format_exception(exc))[-4000:], language=None)
