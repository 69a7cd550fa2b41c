"""Updates: what a hosted run sends to its server-side mirror, as deltas of its history.

A Trainer's `history` is plain JSON whose lists only grow (`APPEND_ONLY`); everything else in it
(R0, wall_s, keys a future trainer adds) is small and is re-sent whole whenever it changed. So an
update carries, per append-only list, `(base, items)`: the items from index `base` on. Applying it
is `lst[base:] = items`, which
  - extends the list in the ordinary case (base == len(lst)),
  - rolls the list back and re-grows it when a run is re-hosted from an older checkpoint (the
    first update of a hosting always has base 0 and the whole history).
`base > len(lst)` means an update was skipped and raises `DeltaGap` (never happens over one pipe).

Pure Python, no torch: the server imports this without the engine.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

# R_given, R_task: CL2/CL3 runs only
APPEND_ONLY = ("loss", "evals", "R", "emb_traj", "task_end_steps", "R_given", "R_task")
# Update.state values sent by a host. The mirror adds "starting" (before the first update) and
# "lost" (its worker process stopped).
STATES = ("playing", "paused", "done", "diverged")


class DeltaGap(ValueError):
    """An update does not continue the history it is applied to."""


@dataclass(frozen=True)
class Progress:
    """Where a run stands (mirrors the Trainer properties of the same names)."""

    task: int = 0  # task being trained (== n_tasks when finished)
    step_in_task: int = 0
    global_step: int = 0
    total_steps: int = 0
    n_tasks: int = 0
    finished: bool = False
    error: str | None = None
    sec_per_step: float | None = None  # moving average of the measured step cost in the worker

    @property
    def done(self) -> bool:
        return self.finished or self.error is not None

    @property
    def fraction(self) -> float:
        return min(1.0, self.global_step / self.total_steps) if self.total_steps else 0.0


@dataclass(frozen=True)
class Update:
    """One publish of one hosted run.

    reason:    why it was sent: "add" (first update of a hosting, whole history, `config` and
               `meta` set), "tick" (publish interval), "task_end", "done", "diverged", "play",
               "pause", "step" (a Step request completed: `step_token` set).
    state:     "playing" | "paused" | "done" | "diverged" (a Step in progress reports "playing").
    appended:  {list key: (base, new items)} for keys of APPEND_ONLY that changed.
    scalars:   {key: value} for the other history keys whose value changed (R0, wall_s, ...).
    extras:    what the run's extras function returned at this publish (None without one);
               `extras_error` holds its one-line error when it raised.
    checkpoint: the full run file (bytes, `hnviz.core.io` format) at this update's step, sent at
               every task end, on done/diverged, on pause and Step completion when the run moved
               since the last one, and every `checkpoint_s` while playing.
    step_token / steps_done: the request id of a Step that completed with this update, and how
               many steps it made (fewer than asked when the run ended or was paused).
    """

    run_id: str
    seq: int  # 1, 2, ... per hosting
    reason: str
    state: str
    progress: Progress
    appended: dict[str, tuple[int, list]] = field(default_factory=dict)
    scalars: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    extras: Any = None
    extras_error: str | None = None
    config: dict[str, Any] | None = None
    meta: dict[str, Any] | None = None
    checkpoint: bytes | None = None
    step_token: int | None = None
    steps_done: int = 0


class HistoryCursor:
    """Remembers how much of one live history dict has been published."""

    def __init__(self) -> None:
        self._sent_len: dict[str, int] = {}
        self._sent_scalars: dict[str, Any] = {}

    def delta(self, history: dict[str, Any]) -> tuple[dict[str, tuple[int, list]],
                                                      dict[str, Any]]:
        """(appended, scalars) since the previous call, and mark them sent."""
        appended: dict[str, tuple[int, list]] = {}
        scalars: dict[str, Any] = {}
        for key, value in history.items():
            if key in APPEND_ONLY and isinstance(value, list):
                sent = self._sent_len.get(key)
                if sent is None or len(value) < sent:  # first publish, or the list was replaced
                    sent = 0
                if len(value) > sent or key not in self._sent_len:
                    appended[key] = (sent, value[sent:])
                self._sent_len[key] = len(value)
            elif key not in self._sent_scalars or self._sent_scalars[key] != value:
                scalars[key] = copy.deepcopy(value)
                self._sent_scalars[key] = scalars[key]
        return appended, scalars


def apply_delta(history: dict[str, Any], appended: dict[str, tuple[int, list]],
                scalars: dict[str, Any]) -> None:
    """Apply one update's history delta in place (see the module docstring)."""
    for key, (base, items) in appended.items():
        lst = history.setdefault(key, [])
        if base > len(lst):
            raise DeltaGap(f"history[{key!r}] has {len(lst)} items; update starts at {base}")
        del lst[base:]
        lst.extend(items)
    history.update(scalars)
