"""Live training in the page: the runs train in the pool's worker processes (hnviz.live); the
page only polls. While a shown run is playing, a fragment reruns every POLL_S, reads each run's
mirror (a consistent snapshot of its progress and history) and redraws from it. When the last
playing run stops (done, paused elsewhere, diverged), the whole page reruns once so the controls
show the new state. Nothing here trains, so a click never waits for training, and a slow
browser only slows its own redraws.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from hnviz.serve.runview import RunView
from hnviz.serve.workspace import RunHandle
from hnviz.ui import state

POLL_S = 0.5  # two redraws a second: smooth enough to watch, cheap for server and browser


def any_playing(handles: Sequence[RunHandle]) -> bool:
    return any(h.playing for h in handles)


def live_panel(handles: Callable[[], Sequence[RunHandle]],
               draw: Callable[[Sequence[tuple[RunHandle, RunView]]], None],
               key: str = "live") -> None:
    """Draw `handles()` with `draw([(handle, view), ...])`; as a fragment that polls every
    POLL_S while any of them plays."""
    playing = any_playing(handles())

    @st.fragment(run_every=POLL_S if playing else None)
    def _panel() -> None:
        hs = handles()
        ws = state.workspace()
        views = []
        for h in hs:
            ws.settle(h)  # a finished live run leaves the pool (its final state stays)
            views.append((h, h.view()))
        still = any_playing(hs)
        draw(views)
        if playing and not still:
            st.rerun(scope="app")  # the controls must show the new state

    _panel()
