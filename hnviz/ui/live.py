"""Live training in the page: the runs train in the pool's worker processes (hnviz.live); the
page only polls. While a shown run is playing, a fragment reruns every POLL_S (STARTING_POLL_S
while its workers are still starting), reads each run's mirror (a consistent snapshot of its
progress and history) and redraws from it. When the last playing run stops (done, paused
elsewhere, diverged), or the workers have started, the whole page reruns once so the controls
show the new state. Nothing here trains, so a click never waits for training, and a slow
browser only slows its own redraws.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import streamlit as st

from hnviz.serve.runview import RunView
from hnviz.serve.workspace import RunHandle
from hnviz.ui import state

POLL_S = 0.5  # two redraws a second: smooth enough to watch, cheap for server and browser
# While a run waits for the training workers (the first ▶ after a server start), the panel
# polls faster, so its first steps show as soon as the workers have started (issue 21), and
# the page reruns once when they have, back to POLL_S.
STARTING_POLL_S = 0.2


# ▶ on a new run waits this long at most for its first steps (its first slice; after a server
# start also for the workers, if they are still starting), so the redraw after the click shows
# it training instead of at step 0 (issue 21)
FIRST_STEPS_S = 0.5


def wait_first_steps(handles: Sequence[RunHandle | None]) -> None:
    """Wait (FIRST_STEPS_S at most, for all of them together: they train in parallel) until
    the new runs `handles` have made their first steps."""
    end = time.monotonic() + FIRST_STEPS_S
    for h in handles:
        if h is not None:
            h.wait_started(max(0.0, end - time.monotonic()))


def any_playing(handles: Sequence[RunHandle]) -> bool:
    return any(h.playing for h in handles)


def any_starting(handles: Sequence[RunHandle]) -> bool:
    return any(h.starting for h in handles)


def live_panel(handles: Callable[[], Sequence[RunHandle]],
               draw: Callable[[Sequence[tuple[RunHandle, RunView]]], None],
               key: str = "live") -> None:
    """Draw `handles()` with `draw([(handle, view), ...])`; as a fragment that polls every
    POLL_S while any of them plays."""
    hs0 = handles()
    playing, starting = any_playing(hs0), any_starting(hs0)

    @st.fragment(run_every=(STARTING_POLL_S if starting else POLL_S) if playing else None)
    def _panel() -> None:
        hs = handles()
        ws = state.workspace()
        views = []
        for h in hs:
            ws.settle(h)  # a finished live run leaves the pool (its final state stays)
            views.append((h, h.view()))
        still = any_playing(hs)
        draw(views)
        if (playing and not still) or (starting and not any_starting(hs)):
            # the controls must show the new state; or the workers have started: back to the
            # normal polling rate
            st.rerun(scope="app")

    _panel()
