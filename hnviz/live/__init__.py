"""Live training off the web server's thread: runs train in worker processes, the server keeps a
mirror of each and only lays out pages (see docs/LIVE.md).

  limits.py   Limits: workers and quotas (env HNVIZ_*)
  options.py  HostOptions: slice, publish and checkpoint timing
  delta.py    Update / Progress and the history deltas (pure)
  extras.py   the extras hook (a dotted path to a function of the trainer)
  host.py     RunHost: many Trainers in one process, fair time slices, publishing updates
  mirror.py   RunMirror / Snapshot: the server's thread-safe copy of a hosted run
  worker.py   the worker loop and process entry (CPU policy, niceness)
  channel.py  an in-process pipe for the thread backend
  slot.py     one worker: start, receive, restart when it dies
  pool.py     TrainPool / InlinePool / make_pool: placement, quotas, crash recovery
  source.py   FromConfig / FromFile: what a hosted run starts from (its worker builds it)

Importing this package imports neither torch nor streamlit (the workers import torch).
"""

from .delta import Progress, Update
from .errors import LiveError, PoolBusy, QuotaExceeded, RunLost, UnknownRun
from .limits import Limits
from .mirror import RunMirror, Snapshot
from .options import HostOptions
from .pool import InlinePool, TrainPool, make_pool
from .source import FromConfig, FromFile

__all__ = [
    "FromConfig", "FromFile", "HostOptions", "InlinePool", "Limits", "LiveError", "PoolBusy",
    "Progress", "QuotaExceeded", "RunLost", "RunMirror", "Snapshot", "TrainPool", "UnknownRun",
    "Update", "make_pool",
]
