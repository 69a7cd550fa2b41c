"""Start, watch and cancel this user's sweep from the β explorer: the page's side of
`hnviz.serve.sweeps` (a background OS process owned by the user's workspace, not by the tab:
one per user, bounded, niced, stopped when the workspace is released)."""

from __future__ import annotations

from hnviz.serve.sweeps import SweepJob, cancel, cluster_address, sweep_argv
from hnviz.ui import state

__all__ = ["SweepJob", "cancel", "cluster_address", "current", "forget", "limits", "start",
           "sweep_argv"]


def current() -> SweepJob | None:
    return state.workspace().sweep


def limits():
    """The server's limits on app sweeps (`hnviz.serve.limits.ServerLimits`)."""
    return state.workspace().limits


def start(name: str, benchmark: str, method: str, values: list[float], seeds: list[int],
          iters: int, jobs: int = 1) -> SweepJob:
    """Launch this user's sweep (SweepRefused / OverBudget, one line, when it may not)."""
    from hnviz.ui.services import services

    return services().workspaces.start_sweep(state.workspace(), name, benchmark, method,
                                             values, seeds, iters, jobs)


def forget() -> None:
    """The finished (or cancelled) sweep is no longer shown."""
    ws = state.workspace()
    if ws.sweep is not None and not ws.sweep.running:
        ws.sweep = None
