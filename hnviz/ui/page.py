"""Page scaffolding shared by every page: page config, sidebar, and an error guard so the app
shows a one-line message instead of a traceback."""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Iterator

import streamlit as st

from hnviz.ui import state
from hnviz.ui.sidebar import render_sidebar


def setup(title: str, icon: str = "🧠", light: bool = False) -> state.RunEntry | None:
    """set_page_config + sidebar; returns the active run."""
    st.set_page_config(page_title=f"{title} · hnviz", page_icon=icon, layout="wide")
    with guard("the sidebar"):
        return render_sidebar(light=light)


def one_line(exc: BaseException) -> str:
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
        with st.expander("Details (for bug reports)"):
            st.code("".join(traceback.format_exception(exc))[-4000:], language=None)
