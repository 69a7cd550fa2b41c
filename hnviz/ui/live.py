"""Live training in the page: a fragment that reruns every RUN_EVERY_S while playing; each tick
advances the trainer by k steps (k sized so a tick costs ~TICK_BUDGET_S of work, measured on the
previous tick) under the session's trainer lock, then redraws from the whole history.

No threads and no add_rows: a tick is an ordinary script run of the fragment, so a click simply
waits for it, and progress is committed (in the Trainer, in session state) after every chunk.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st

from hnviz.core.trainer import Event
from hnviz.ui import state

TICK_BUDGET_S = 0.15  # training work per tick ...
MAX_BUDGET_S = 0.5  # ... grown up to this when redraw + round trip take longer than the work
RUN_EVERY_S = 0.1
FIRST_TICK_STEPS = 20
MAX_TICK_STEPS = 5000


def tick_budget(gap_s: float | None) -> float:
    """Seconds of training per tick: TICK_BUDGET_S, or half the measured time between tick
    starts when the rest of a tick (drawing, browser round trip) is slower than that, so that
    training always gets at least ~half of the wall time (capped at MAX_BUDGET_S)."""
    if not gap_s or gap_s <= 0:
        return TICK_BUDGET_S
    return min(MAX_BUDGET_S, max(TICK_BUDGET_S, 0.5 * gap_s))


def steps_for_tick(sec_per_step: float | None, budget_s: float = TICK_BUDGET_S) -> int:
    """How many steps fit in one tick given the last measured cost of a step."""
    if not sec_per_step or sec_per_step <= 0:
        return FIRST_TICK_STEPS
    return int(max(1, min(MAX_TICK_STEPS, budget_s / sec_per_step)))


def advance(entry: state.RunEntry, n_steps: int | None = None,
            blocking: bool = False) -> list[Event] | None:
    """Advance the run by `n_steps` (None: one tick's worth) under the trainer lock. Returns the
    events, or None when another script run holds the lock (the tick is skipped)."""
    lock = state.trainer_lock()
    if not lock.acquire(blocking=blocking, timeout=5 if blocking else -1):
        return None
    try:
        t0 = time.perf_counter()
        if n_steps is None:
            last = state.get("tick_started")
            gap = t0 - last if last is not None and t0 - last < 5 else None
            state.put("tick_started", t0)
            n_steps = steps_for_tick(state.sec_per_step(), tick_budget(gap))
        k = n_steps
        events = entry.trainer.advance(k)
        n = sum(e.kind == "step" for e in events)
        if n:
            measured = (time.perf_counter() - t0) / n
            prev = state.sec_per_step()
            state.set_sec_per_step(measured if prev is None else 0.5 * prev + 0.5 * measured)
        return events
    finally:
        lock.release()


def live_panel(draw: Callable[[state.RunEntry], None]) -> None:
    """Draw the active run with `draw(entry)`; while it is playing, as a fragment that ticks
    every RUN_EVERY_S. When training ends (done or diverged) the whole page reruns once so the
    controls show the new state."""
    entry = state.active_run()
    playing = state.is_playing(entry)

    @st.fragment(run_every=RUN_EVERY_S if playing else None)
    def _panel() -> None:
        e = state.active_run()
        if e is None:
            return
        if state.is_playing(e):
            if e.trainer.done:
                state.set_playing(None)
                st.rerun()
            advance(e)
            if e.trainer.done:
                state.set_playing(None)
                st.rerun()
        elif playing:  # paused (or switched run) since this fragment was set up: stop ticking
            st.rerun()
        draw(e)

    _panel()
