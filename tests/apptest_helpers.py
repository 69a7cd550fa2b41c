"""Shared AppTest helpers: open the app (optionally a page, URL query, a selected run)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def open_app(page: str | None = None, select: str | None = None, timeout: float = 90,
             **query: str) -> AppTest:
    """Run app.py, then switch to `page`; `select` makes the first run whose name contains it
    active. Fails on any exception shown by the app."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page).run()
    if select is not None:
        names = list(at.session_state["hnviz.runs"])
        at.session_state["hnviz.active"] = next(n for n in names if select in n)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def active(at: AppTest):
    """The active RunEntry of the AppTest session."""
    return at.session_state["hnviz.runs"][at.session_state["hnviz.active"]]
