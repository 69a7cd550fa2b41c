"""Page scaffolding shared by every page: page config, sidebar, and an error guard so the app
shows a one-line message instead of a traceback (also inside fragments, which rerun on their
own and would otherwise bypass the page's guard).

In strict mode (`HNVIZ_STRICT=1`, set by the test suite for AppTest and for the servers the
browser tests start) the guard re-raises after showing its message, so an error on a page
reaches `AppTest.exception` and Streamlit's exception box: a page test cannot pass over a
broken page (tests/test_page_guard.py plants one to prove it)."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import traceback
from collections.abc import Iterator

import streamlit as st

from hnviz.core.config import ConfigError
from hnviz.core.datasets_torchvision import DataUnavailableError
from hnviz.core.io import OutputPathError, RunFileError
from hnviz.live.errors import LiveError
from hnviz.serve.userstore import StoreError
from hnviz.serve.workspace import RunHandle
from hnviz.ui.sidebar import render_sidebar
from hnviz.ui.text import MESSAGE_CHARS, md

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
    from hnviz.serve.workspace import ServerFull
    from hnviz.ui import state
    from hnviz.ui.url import runs as runrefs

    try:
        state.workspace()
    except ServerFull as e:  # the server holds as many users as it may: say so, and wait
        st.warning(md(e, MESSAGE_CHARS))
        st.stop()

    with guard("the link"):
        runrefs.apply_run_param()  # ?run=NAME opens that run (before the sidebar shows one)
    if not sidebar:
        return None
    with guard("the sidebar"):
        return render_sidebar()


def strict() -> bool:
    """True where errors must not be swallowed: the test suite sets HNVIZ_STRICT=1."""
    return os.environ.get("HNVIZ_STRICT") == "1"


# What a user's request can meet and be told about (a setting over a limit, missing data, a bad
# file, a quota, a full disk). Anything else that a page's `except Exception` meets is a bug: in
# strict mode `reported` lets it through so the tests see it.
USER_ERRORS: tuple[type[BaseException], ...] = (
    ConfigError, DataUnavailableError, RunFileError, OutputPathError, StoreError, LiveError,
    OSError)


def reported(exc: BaseException) -> str:
    """`one_line(exc)` for a message to the user; in strict mode (tests) an error that is not
    one of USER_ERRORS is re-raised instead of being turned into a message."""
    if strict() and not isinstance(exc, USER_ERRORS):
        raise exc
    return one_line(exc)


def one_line(exc: BaseException) -> str:
    """'TypeName: first line of the message', plain text without this server's paths or a
    user's id (an OSError says what failed, not where: its strerror; any other absolute path
    or user id in a message is replaced by "…"). Escape it where it is shown (`text.md`)."""
    if isinstance(exc, OSError) and exc.strerror:
        first = exc.strerror
    else:
        lines = str(exc).strip().splitlines()
        first = lines[0] if lines else ""
    first = scrub(first)
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


_PATH = re.compile(r"(?<![\w.:/])(?:~|[A-Za-z]:)?(?:[/\\][\w.@+~-]+){2,}[/\\]?")
_USER_ID = re.compile(r"\b[0-9a-f]{24}\b")


def scrub(text: str) -> str:
    """`text` without absolute paths (two or more components) and user ids."""
    return _USER_ID.sub("…", _PATH.sub("…", text))


@contextlib.contextmanager
def guard(what: str = "this page") -> Iterator[None]:
    """Catch any error in the block and show it as st.error (details folded away). Streamlit's
    own control flow (rerun/stop) derives from BaseException and passes through. In strict
    mode (tests) the error is shown and then re-raised."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - the whole point: never show a raw traceback
        st.error(f"Something went wrong in {what}: {md(one_line(exc), MESSAGE_CHARS)}. Your "
                 "runs are kept.")
        log.error("error in %s\n%s", what, "".join(traceback.format_exception(exc)))
        if os.environ.get("HNVIZ_DEBUG") == "1":  # tracebacks show server paths: opt-in only
            with st.expander("Details (for bug reports)"):
                st.code("".join(traceback.format_exception(exc))[-4000:], language=None)
        if strict():
            raise
