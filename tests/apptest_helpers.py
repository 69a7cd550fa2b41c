"""Shared AppTest helpers: open the app (optionally a page, URL query, a selected run) and reach
the session's user workspace.

AppTest runs the app in this process, so the tests train with the in-process pool
(HNVIZ_WORKERS=0, set in tests/conftest.py); the browser tests run the real worker processes.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from hnviz.ui.services import services

ROOT = Path(__file__).resolve().parents[1]


def workspace(at: AppTest):
    """The AppTest session's user workspace (hnviz.serve.workspace.Workspace)."""
    return services().workspaces.get(at.session_state["hnviz.ui.user_token"])


def active(at: AppTest):
    """The active RunHandle of the AppTest session."""
    return workspace(at).get(at.session_state["hnviz.active"])


def select_run(at: AppTest, name_part: str) -> None:
    """Make the first run whose name contains `name_part` active, and rerun."""
    h = next(h for h in workspace(at).handles() if name_part in h.name)
    at.session_state["hnviz.active"] = h.run_id
    at.run()


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
        select_run(at, select)
    assert not at.exception, [e.value for e in at.exception]
    return at


def wait_until(at: AppTest, predicate, timeout: float = 60.0) -> None:
    """Rerun the app until predicate() holds (live runs train in the pool meanwhile)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.1)
    at.run()


def plotly_array(v) -> np.ndarray:
    """A Plotly JSON array: a list, or a typed array {"dtype": "f4", "bdata": base64}."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray(v)
