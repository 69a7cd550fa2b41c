"""A page's view <-> its URL query parameters, so the address bar is always a link to the view:
the one place that reads and writes `st.query_params` (tests/test_ui_urlstate.py checks that no
other module does).

Each page declares the query keys it owns, once (the keys of every page: docs/APP.md):

    URL = PageUrl("emb", ("point", "color", ...))

and per run:

    params = URL.incoming()    # before drawing the widgets
    if params is not None: ...   # a link (or a new URL) brought them: apply them, e.g.
                                 # state.set_widget(...), and report what was not used:
    URL.notes(problems)          # they stay on screen until the view changes
    ... draw (showing URL.notes()) ...
    URL.publish(want)            # after: the view as query parameters

`incoming` returns the page's parameters only when they differ from what this session last
applied or published (so a rerun never re-applies a stale URL over a widget the user just moved),
and None when the URL holds none of the page's keys (a page opened from the navigation keeps the
session's view). `publish` writes only on change (no extra history entries) and drops the page's
keys that the view no longer has; it may run in a widget's callback.

What goes in and out is plain strings: each page parses its own values and reports one it cannot
use ("Link: … not used"), never clamping it to a nearby value. Streamlit 1.67's widget
`bind="query-params"` does not fit this contract (read in its source,
`runtime/state/session_state.py`, `_seed_widget_from_url`): it drops an invalid value from the
URL without telling the page, moves a value outside a slider's range into it and rewrites the URL,
takes only "true"/"false" for a toggle (links of this app say 1/0), names the parameter after the
widget's key, and forbids `st.query_params` to touch a bound key. The browser-side half, for
Plotly sliders that move without a rerun, is `url.slider`; the run a page shows (`?run=`) is
`url.runs`; the Train page's configuration <-> its parameters is `url.config` (pure).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import streamlit as st

from hnviz.ui import state


def _sig(params: Mapping[str, str]) -> str:
    return repr(sorted(params.items()))


@dataclass(frozen=True)
class PageUrl:
    """The query keys one page owns (`page` namespaces what this session remembers of them)."""

    page: str
    keys: tuple[str, ...]

    def current(self) -> dict[str, str]:
        """The page's parameters in the URL now (as strings)."""
        return {k: str(st.query_params[k]) for k in self.keys if k in st.query_params}

    def incoming(self) -> dict[str, str] | None:
        """The page's query parameters when the URL brought new ones, else None (module doc)."""
        params = self.current()
        if not params or _sig(params) == state.get(f"{self.page}.url"):
            return None
        state.put(f"{self.page}.url", _sig(params))
        return params  # (Streamlit bounds the query string's length)

    def publish(self, want: Mapping[str, str]) -> None:
        """Make the page's query parameters equal `want` (keys of the page absent from it go)."""
        want = {k: str(v) for k, v in want.items()}
        if self.current() != want:
            for k in self.keys:
                if k in st.query_params and k not in want:
                    del st.query_params[k]
            st.query_params.update(want)
            if state.get(f"{self.page}.url") != _sig(want):
                state.put(f"{self.page}.url_problems", None)  # the view moved on from the link
        state.put(f"{self.page}.url", _sig(want))

    def notes(self, problems: Iterable[str] | None = None) -> list[str]:
        """Remember the problems of the link just applied (when given) and return the current
        ones: they stay on screen until the view changes."""
        if problems is not None:
            state.put(f"{self.page}.url_problems", list(problems))
        return state.get(f"{self.page}.url_problems") or []
