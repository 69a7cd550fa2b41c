"""A page's view <-> its URL query parameters, so the address bar is always a link to the view.

Each page owns a few query keys (Embedding space: `point`, `color`, …; see docs/APP.md). Per run:

    params = viewurl.incoming("emb", KEYS)   # before drawing the widgets
    if params is not None: ...                 # a link (or a new URL) brought them: apply them,
                                               # e.g. state.set_widget(...), reporting problems
    ... draw ...
    viewurl.publish("emb", KEYS, want)         # after: the view as query parameters

`incoming` returns the page's parameters only when they differ from what this session last
applied or published (so a rerun never re-applies a stale URL over a widget the user just moved),
and None when the URL holds none of the page's keys (a page opened from the navigation keeps the
session's view). `publish` writes only on change (no extra history entries) and drops the page's
keys that the view no longer has. `?run=` belongs to `runrefs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import streamlit as st

from hnviz.ui import state


def _current(keys: Iterable[str]) -> dict[str, str]:
    return {k: str(st.query_params[k]) for k in keys if k in st.query_params}


def _sig(params: Mapping[str, str]) -> str:
    return repr(sorted(params.items()))


def incoming(page: str, keys: Iterable[str]) -> dict[str, str] | None:
    """The page's query parameters when the URL brought new ones, else None (see module doc)."""
    params = _current(keys)
    if not params or _sig(params) == state.get(f"{page}.url"):
        return None
    state.put(f"{page}.url", _sig(params))
    return params  # (Streamlit bounds the query string's length)


def publish(page: str, keys: Iterable[str], want: Mapping[str, str]) -> None:
    """Make the page's query parameters equal `want` (keys of the page absent from it go)."""
    keys = list(keys)
    want = {k: str(v) for k, v in want.items()}
    if _current(keys) != want:
        for k in keys:
            if k in st.query_params and k not in want:
                del st.query_params[k]
        st.query_params.update(want)
        if state.get(f"{page}.url") != _sig(want):
            state.put(f"{page}.url_problems", None)  # the view moved on from the link
    state.put(f"{page}.url", _sig(want))


def notes(page: str, problems: list[str] | None = None) -> list[str]:
    """Remember the problems of the link just applied (when given) and return the current ones:
    they stay on screen until the view changes."""
    if problems is not None:
        state.put(f"{page}.url_problems", list(problems))
    return state.get(f"{page}.url_problems") or []
