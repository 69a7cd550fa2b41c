"""RunMirror: the server's live, thread-safe copy of one hosted run, rebuilt from its updates.

The pool's receiver thread applies updates (`apply`) and state changes (`set_lost`, `set_note`);
pages read `snapshot()`, a consistent view taken under the lock: progress, history lists copied up
to the lengths they had at that moment, extras, version. The mirror never mutates an object it has
handed out (it only appends to its own lists, which snapshots copy; extras, config and meta are
replaced, never changed), so a snapshot stays valid while training goes on.

`version` increases with every change (a cache key for derived data: (run_id, version)).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .delta import APPEND_ONLY, Progress, Update, apply_delta

MIRROR_STATES = ("starting", "playing", "paused", "done", "diverged", "lost")


@dataclass(frozen=True)
class Snapshot:
    """One consistent view of a run. `history` is a private copy (same keys as
    Trainer.history); treat `config`, `meta` and `extras` as read-only."""

    run_id: str
    owner: str
    version: int
    state: str  # one of MIRROR_STATES
    message: str  # why it diverged / was lost / was restored ("" when nothing to say)
    progress: Progress
    history: dict[str, Any]
    config: dict[str, Any] | None
    meta: dict[str, Any]
    extras: Any
    extras_error: str | None
    checkpoint_step: int | None  # global step of `RunMirror.checkpoint()`
    restores: int  # how many times the run was re-hosted after its worker stopped
    updated_at: float  # time.time() of the last change

    @property
    def done(self) -> bool:
        return self.state in ("done", "diverged")


class RunMirror:
    def __init__(self, run_id: str, owner: str, checkpoint: bytes | None = None):
        self.run_id = run_id
        self.owner = owner
        self._cond = threading.Condition(threading.Lock())
        self._history: dict[str, Any] = {}
        self._progress = Progress()
        self._state = "starting"
        self._message = ""
        self._note = ""  # set by the pool ("restored from step N ..."); kept for the run's life
        self._config: dict[str, Any] | None = None
        self._meta: dict[str, Any] = {}
        self._extras: Any = None
        self._extras_error: str | None = None
        self._version = 0
        self._seq = 0
        self._checkpoint = checkpoint
        self._checkpoint_step: int | None = None
        self._restores = 0
        self._updated_at = time.time()

    # ------------------------------------------------------------------ writers (pool threads)
    def apply(self, u: Update) -> None:
        """Apply one update of the current hosting (a new hosting starts with reason "add")."""
        with self._cond:
            if u.reason == "add":
                self._seq = 0
            elif u.seq != self._seq + 1:
                raise ValueError(f"run {self.run_id}: update {u.seq} after {self._seq}")
            apply_delta(self._history, u.appended, u.scalars)
            self._seq = u.seq
            self._progress = u.progress
            self._state, self._message = u.state, u.message
            if u.config is not None:
                self._config = u.config
            if u.meta is not None:
                self._meta = u.meta
            self._extras, self._extras_error = u.extras, u.extras_error
            if u.checkpoint is not None:
                self._checkpoint, self._checkpoint_step = u.checkpoint, u.progress.global_step
            elif u.reason == "add" and self._checkpoint_step is None:
                self._checkpoint_step = u.progress.global_step  # the bytes it was added from
            self._changed()

    def set_lost(self, message: str) -> None:
        with self._cond:
            self._state, self._message = "lost", message
            self._changed()

    def set_note(self, note: str, restored: bool = False) -> None:
        with self._cond:
            self._note = note
            self._restores += int(restored)
            self._changed()

    def _changed(self) -> None:
        self._version += 1
        self._updated_at = time.time()
        self._cond.notify_all()

    # ------------------------------------------------------------------ readers (any thread)
    @property
    def version(self) -> int:
        return self._version

    @property
    def state(self) -> str:
        return self._state

    def checkpoint(self) -> tuple[bytes | None, int | None]:
        """(run file bytes, its global step) of the latest checkpoint."""
        with self._cond:
            return self._checkpoint, self._checkpoint_step

    def snapshot(self) -> Snapshot:
        with self._cond:
            return self._snapshot()

    def _snapshot(self) -> Snapshot:
        """The snapshot; the caller holds the lock."""
        history = {k: (list(v) if k in APPEND_ONLY else v) for k, v in self._history.items()}
        message = self._message if self._state in ("diverged", "lost") else ""
        if self._note and self._state != "lost":
            message = f"{message} · {self._note}" if message else self._note
        return Snapshot(
            run_id=self.run_id, owner=self.owner, version=self._version, state=self._state,
            message=message, progress=self._progress, history=history,
            config=self._config, meta=self._meta, extras=self._extras,
            extras_error=self._extras_error, checkpoint_step=self._checkpoint_step,
            restores=self._restores, updated_at=self._updated_at)

    def wait(self, predicate: Callable[[Snapshot], bool], timeout: float) -> Snapshot | None:
        """Block until predicate(snapshot) holds (checked on every change, under the mirror's
        lock: the predicate must not call the mirror); the snapshot, or None after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                snap = self._snapshot()
                if predicate(snap):
                    return snap
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)
