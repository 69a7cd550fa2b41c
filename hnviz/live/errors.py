"""The errors a live-training call can raise; every message is one line a user can read."""

from __future__ import annotations


class LiveError(RuntimeError):
    """Base class: a live-training request that could not be done (message says why)."""


class QuotaExceeded(LiveError):
    """This user already holds as many runs (hosted or training) as one user may."""


class PoolBusy(LiveError):
    """The server as a whole is at a limit, still starting, or did not answer in time."""


class UnknownRun(LiveError, KeyError):
    """No hosted run has this id (never added, removed, or given up after crashes)."""

    def __str__(self) -> str:  # KeyError would print the message with quotes
        return str(self.args[0]) if self.args else "unknown run"


class RunLost(LiveError):
    """The run's worker process stopped; the run is being restored or was given up."""
