"""Per-session app state: the only module that touches `st.session_state`.

A session belongs to a user (a browser, hnviz.ui.identity). The user's runs live in their
`Workspace` (hnviz.serve.workspace), which the server keeps by token, so a reload or a second tab
shows the same runs; models being trained live in the training pool's worker processes. What is
per SESSION (per tab) stays here:
  active   the run_id every page of this tab shows
  config   the RunConfig the Train page will build next (a key no widget owns)
  pair     the two run_ids of a side-by-side comparison on the Train page
  ui.*     small values of the pages (flash messages, clicked points, ...)
"""

from __future__ import annotations

import streamlit as st

from hnviz.core.config import RunConfig
from hnviz.core.presets import default_config
from hnviz.serve.demos import FIRST_DEMO
from hnviz.serve.workspace import RunHandle, Workspace

_ACTIVE, _CONFIG, _PAIR = "hnviz.active", "hnviz.config", "hnviz.pair"
_SELECTOR = "hnviz.selector_version"


# ------------------------------------------------------------------------------------ user
def workspace() -> Workspace:
    """This session's user's runs (created on the user's first visit)."""
    from hnviz.ui.identity import user_token
    from hnviz.ui.services import services

    ws = services().workspaces.get(user_token())
    return ws


def pool():
    from hnviz.ui.services import services

    return services().pool


def runs() -> list[RunHandle]:
    """The user's own runs (newest first), then the bundled demos."""
    return workspace().handles()


# ------------------------------------------------------------------------------------ active
def active_run() -> RunHandle | None:
    """The run this tab shows: the one it chose, else the one this user last chose (a reload),
    else their newest own run, else the first demo. Only a choice is remembered: a fallback
    never overwrites the tab's choice (it may be a run that another rerun is creating)."""
    ws = workspace()
    chosen = st.session_state.get(_ACTIVE)
    h = ws.get(chosen) or ws.get(ws.last_active)
    if h is None:
        handles = ws.handles()
        h = next((x for x in handles if x.own), None) or next(
            (x for x in handles if x.demo is not None and x.demo.file == FIRST_DEMO),
            handles[0] if handles else None)
    if h is not None and chosen is None:
        st.session_state[_ACTIVE] = h.run_id
    return h


def set_active(h: RunHandle | str | None, from_selector: bool = False) -> None:
    """Make a run the active one. A change made by the app (not by the sidebar's selector)
    renews the selector's widget key, so a stale value the browser still holds for the old
    selector (sent along with a fragment's rerun) can never switch the run back."""
    run_id = h.run_id if isinstance(h, RunHandle) else h
    ws = workspace()
    if run_id and ws.get(run_id) is not None:
        if not from_selector and st.session_state.get(_ACTIVE) != run_id:
            st.session_state[_SELECTOR] = st.session_state.get(_SELECTOR, 0) + 1
        st.session_state[_ACTIVE] = run_id
        ws.last_active = run_id  # a reload (a new session) opens on the same run


def selector_version() -> int:
    return st.session_state.get(_SELECTOR, 0)


def active_id() -> str | None:
    return st.session_state.get(_ACTIVE)


# ------------------------------------------------------------------------------------ config
def get_config() -> RunConfig:
    """The configuration the Train page edits (defaults to the 1-D regression preset)."""
    return st.session_state.setdefault(_CONFIG, default_config("regression1d"))


def set_config(cfg: RunConfig) -> None:
    st.session_state[_CONFIG] = cfg


# ------------------------------------------------------------------------------------ pair
def pair() -> tuple[RunHandle, RunHandle] | None:
    """The two runs of the side-by-side comparison, if both still exist."""
    ids = st.session_state.get(_PAIR)
    if not ids:
        return None
    ws = workspace()
    a, b = ws.get(ids[0]), ws.get(ids[1])
    return (a, b) if a is not None and b is not None else None


def set_pair(a: RunHandle | None, b: RunHandle | None = None) -> None:
    st.session_state[_PAIR] = (a.run_id, b.run_id) if a is not None and b is not None else None


# ------------------------------------------------------------------------------------ small values
def get(key: str, default=None):
    """Small per-session values owned by the UI layer (namespaced under 'hnviz.ui.')."""
    return st.session_state.get("hnviz.ui." + key, default)


def put(key: str, value) -> None:
    st.session_state["hnviz.ui." + key] = value


def flash(msg: str | None, kind: str = "error") -> None:
    """A message for the next rerun (callbacks cannot draw)."""
    put("flash", (kind, msg) if msg else None)


def take_flash() -> tuple[str, str] | None:
    msg = get("flash")
    put("flash", None)
    return msg


# ------------------------------------------------------------------------------------ widgets
def widget_value(key: str, default=None):
    """Current value of a widget key (None / default if the widget is not on screen)."""
    return st.session_state.get(key, default)


def set_widget(key: str, value) -> None:
    """Pre-fill a widget (call before the widget is created, or from a callback)."""
    st.session_state[key] = value


def has_widget_value(key: str) -> bool:
    return key in st.session_state
