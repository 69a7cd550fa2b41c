"""TrainPool: live training of every session's runs in a pool of worker processes; the server
only lays out pages and reads mirrors.

    pool = make_pool()                          # TrainPool, or InlinePool when HNVIZ_WORKERS=0
    pool.start()                                # optional: workers load torch in the background
    mirror = pool.add(run_id, owner, FromConfig(cfg.to_dict()), play=True, extras="pkg.mod:fn",
                      device="cpu")             # where its worker trains it (cpu | cuda[:N])
                                                # (or FromFile(path), or a run file's bytes)
    snap = mirror.snapshot()                    # draw from snap.history / snap.progress
    pool.pause(run_id); pool.step(run_id, 100); data = pool.export(run_id)
    pool.close()

Placement: a new run goes to the ready worker with the fewest playing runs (then fewest hosted).
A worker gives its playing runs equal time slices in turn (`RunHost`), so runs on one worker share
it evenly whatever their step cost.

Quotas (`Limits`, env HNVIZ_*): per user at most max_playing_per_user runs training and
max_hosted_per_user runs hosted (QuotaExceeded); the server at most max_playing / max_hosted
(PoolBusy). A refusal raises before anything is sent, with a one-line message for the user.

Crash safety: when a worker process dies (e.g. SIGKILL from the out-of-memory killer), its runs'
mirrors go to state "lost" with the reason, the worker is started again, and every lost run is
re-hosted on it from its latest checkpoint (the last one its worker sent, else what it was added
from: its config, its file or its bytes) in the mode it had (playing resumes); its message then
says "restored from step N ...". A run lost more than `max_restores` times stays lost (its
checkpoint is still in the mirror). Runs on other workers are not affected.

Threads: every public method may be called from any thread. Calls that wait (add, step, export)
take a timeout; play, pause and remove return at once (the mirror shows the effect when the
worker applied it, within one slice). `on_checkpoint(run_id, owner, data)` runs on the pool's
own callback thread (never the receiver), so it may block or call the pool.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import LiveError, PoolBusy, QuotaExceeded, RunLost, UnknownRun
from .limits import TRAINERS_ENV, Limits
from .mirror import RunMirror
from .options import HostOptions
from .slot import Pending, WorkerSlot
from .source import FromConfig, FromFile, Source

log = logging.getLogger("hnviz.live")

OnCheckpoint = Callable[[str, str, bytes], None]


@dataclass
class _Rec:
    """The pool's bookkeeping for one hosted run (guarded by the pool lock)."""

    run_id: str
    owner: str
    slot: int
    mirror: RunMirror
    extras: str | None
    source: Source  # what it was added from (restored from it while it has no checkpoint)
    device: str | None = None  # where the worker trains it (a restore keeps it)
    mode: str = "paused"  # what the pool asked for: "paused" | "playing" | "stepping" | "done"
    lost: bool = False  # its worker died; waiting to be re-hosted
    given_up: bool = False  # lost for good (too many restores, or the restore failed)
    restores: int = 0
    lost_reason: str = ""
    step_req: int | None = None

    @property
    def training(self) -> bool:
        return self.mode in ("playing", "stepping") and not self.given_up


class TrainPool:
    """Live training in worker processes (see the module docstring)."""

    backend = "process"

    def __init__(self, n_workers: int | None = None, limits: Limits | None = None, *,
                 options: HostOptions | None = None, on_checkpoint: OnCheckpoint | None = None,
                 max_restores: int = 3, start_timeout: float = 120.0):
        self.limits = limits or Limits.from_env()
        n = self.limits.workers if n_workers is None else n_workers
        if not 1 <= n <= 256:
            raise ValueError(f"a pool needs 1..256 workers, got {n}")
        self.options = options or HostOptions()
        self.on_checkpoint = on_checkpoint
        self.max_restores = max_restores
        self._lock = threading.Lock()
        self._recs: dict[str, _Rec] = {}
        self._req = itertools.count(1)
        nice = self.limits.worker_nice if self.backend == "process" else 0
        self._slots = [WorkerSlot(i, backend=self.backend, options=options, nice=nice,
                                  on_update=self._on_update, on_lost=self._on_lost,
                                  on_ready=self._on_ready, start_timeout=start_timeout)
                       for i in range(n)]
        self._started = False
        self._closed = False
        self._callbacks: queue.Queue = queue.Queue()
        self._cb_thread = threading.Thread(target=self._run_callbacks, daemon=True,
                                           name="hnviz-live-callbacks")

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> TrainPool:
        """Start the workers in the background (idempotent; every request calls it)."""
        with self._lock:
            if self._closed:
                raise PoolBusy("the training server has been shut down")
            if self._started:
                return self
            self._started = True
        self._cb_thread.start()
        for s in self._slots:
            s.start()
        atexit.register(self.close)
        return self

    def ready(self, timeout: float | None = None) -> bool:
        """Wait until every worker has started (torch imported); False on timeout."""
        self.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        for s in self._slots:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not s.ready.wait(left):
                return False
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Stop every worker and thread (also runs at interpreter exit). Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            started = self._started
        atexit.unregister(self.close)
        if not started:
            return
        for s in self._slots:
            s.stop(timeout)
        self._callbacks.put(None)
        self._cb_thread.join(timeout)

    def __enter__(self) -> TrainPool:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ queries
    def mirror(self, run_id: str) -> RunMirror:
        """The live mirror of a hosted run (UnknownRun if none)."""
        return self._rec(run_id).mirror

    def runs(self, owner: str | None = None) -> list[str]:
        """Ids of the hosted runs (of one owner), oldest first."""
        with self._lock:
            return [r.run_id for r in self._recs.values() if owner is None or r.owner == owner]

    def stats(self) -> dict[str, Any]:
        """Workers (pid, ready, runs, restarts, last start error) and run counts."""
        with self._lock:
            recs = list(self._recs.values())
        workers = [{"index": s.index, "pid": s.pid, "ready": s.ready.is_set(),
                    "hosted": sum(r.slot == s.index for r in recs),
                    "playing": sum(r.slot == s.index and r.training for r in recs),
                    "restarts": s.restarts, "last_error": s.last_error, "info": dict(s.info)}
                   for s in self._slots]
        return {"backend": self.backend, "workers": workers, "hosted": len(recs),
                "playing": sum(r.training for r in recs)}

    def worker_pids(self) -> list[int | None]:
        """The process id of each worker slot now (None: thread backend, or not started)."""
        return [s.pid for s in self._slots]

    def worker_of(self, run_id: str) -> int:
        """Index of the worker slot hosting the run."""
        return self._rec(run_id).slot

    # ------------------------------------------------------------------ requests
    def add(self, run_id: str, owner: str, source: Source, *, play: bool = False,
            extras: str | None = None, device: str | None = None,
            timeout: float = 60.0) -> RunMirror:
        """Host the run `source` describes (`source.py`: `FromConfig` for a new run of an
        admitted config, `FromFile` or a run file's bytes to train one on) for `owner`, trained
        on `device` (None = the CPU); its worker builds its only Trainer. Returns its mirror
        once the worker has built it. Raises QuotaExceeded / PoolBusy (limits, not started in
        time), RunFileError (bad file), LiveError (other refusals, e.g. a device the worker
        cannot use, data it cannot read)."""
        self.start()
        if not isinstance(run_id, str) or not run_id or not isinstance(owner, str) or not owner:
            raise LiveError("run_id and owner must be non-empty strings")
        if isinstance(source, bytearray):
            source = bytes(source)
        if not isinstance(source, (bytes, FromConfig, FromFile)):
            raise LiveError("a run must be given as a config, a run file or its bytes")
        size = (len(source) if isinstance(source, bytes) else
                source.size() if isinstance(source, FromFile) else 0)
        if size > self.limits.max_run_bytes:
            raise LiveError(f"the run file is {size / 2**20:.1f} MB; live training takes "
                            f"at most {self.limits.max_run_mb:g} MB")
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if run_id in self._recs:
                    raise LiveError(f"run {run_id} is already hosted")
                self._check_host_quota(owner)
                if play:
                    self._check_play_quota(owner)
                slot = self._place()
                if slot is not None:
                    checkpoint = source if isinstance(source, bytes) else None
                    rec = _Rec(run_id, owner, slot.index,
                               RunMirror(run_id, owner, checkpoint), extras, source, device,
                               mode="playing" if play else "paused")
                    self._recs[run_id] = rec
                    break
            if time.monotonic() > deadline or not self._wait_any_ready(deadline):
                raise PoolBusy("live training is still starting (loading PyTorch); try again in "
                               "a few seconds")
        req = next(self._req)
        pending = slot.send("add", req, dict(run_id=run_id, owner=owner, source=source,
                                             play=play, extras=extras, device=device),
                            Pending("add", run_id))
        try:
            pending.result(max(0.0, deadline - time.monotonic()))
        except BaseException:
            with self._lock:
                if self._recs.get(run_id) is rec:
                    del self._recs[run_id]
            slot.send("remove", next(self._req), {"run_id": run_id})
            raise
        return rec.mirror

    def play(self, run_id: str) -> None:
        """Train the run until it ends or is paused (returns at once)."""
        rec, slot = self._rec_slot(run_id)
        with slot.send_lock:
            with self._lock:
                self._check_current(rec)
                if rec.given_up:
                    raise RunLost(rec.mirror.snapshot().message or "the run was lost")
                if rec.mode in ("playing", "done"):
                    return
                if rec.mode != "stepping":
                    self._check_play_quota(rec.owner)
                rec.mode = "playing"
                rec.step_req = None
                if rec.lost:
                    return  # re-hosted playing
            slot.send("play", next(self._req), {"run_id": run_id})

    def pause(self, run_id: str) -> None:
        """Stop training after the current slice (returns at once; the mirror's state becomes
        "paused" when the worker has stopped)."""
        rec, slot = self._rec_slot(run_id)
        with slot.send_lock:
            with self._lock:
                self._check_current(rec)
                if rec.mode == "done" or rec.given_up:
                    return
                rec.mode = "paused"
                rec.step_req = None
                if rec.lost:
                    return  # re-hosted paused
            slot.send("pause", next(self._req), {"run_id": run_id})

    def step(self, run_id: str, n_steps: int, timeout: float | None = 120.0) -> int:
        """Train exactly n_steps more (fewer if the run ends or is paused meanwhile), then pause;
        returns once done and applied to the mirror, with the number of steps made."""
        n_steps = int(n_steps)
        if not 1 <= n_steps <= self.limits.max_step:
            raise LiveError(f"a step must be 1..{self.limits.max_step} iterations, got {n_steps}")
        rec, slot = self._rec_slot(run_id)
        req = next(self._req)
        with slot.send_lock:
            with self._lock:
                self._check_current(rec)
                if rec.given_up:
                    raise RunLost(rec.mirror.snapshot().message or "the run was lost")
                if rec.lost:
                    raise RunLost("the run's training process stopped; it is being restored")
                if rec.mode == "done":
                    return 0
                if not rec.training:
                    self._check_play_quota(rec.owner)
                rec.mode, rec.step_req = "stepping", req
            pending = slot.send("step", req, {"run_id": run_id, "n": n_steps},
                                Pending("step", run_id))
        return int(pending.result(timeout))

    def export(self, run_id: str, timeout: float = 60.0) -> bytes:
        """The run as it is now, as run file bytes (the mirror's `checkpoint()` is the last
        checkpoint, available without asking the worker)."""
        rec, slot = self._rec_slot(run_id)
        if rec.lost or rec.given_up:
            data, _ = rec.mirror.checkpoint()
            if data is None:
                raise RunLost("the run was lost")
            return data
        pending = slot.send("export", next(self._req), {"run_id": run_id},
                            Pending("export", run_id))
        return pending.result(timeout)

    def remove(self, run_id: str) -> None:
        """Stop hosting the run (its mirror stays readable for whoever holds it)."""
        with self._lock:
            rec = self._recs.get(run_id)
        if rec is None:
            return
        slot = self._slots[rec.slot]
        with slot.send_lock:
            with self._lock:
                self._recs.pop(run_id, None)
                step_req = rec.step_req
            if step_req is not None:
                slot.fail(step_req, UnknownRun(f"run {run_id} was removed"))
            if not rec.lost:
                slot.send("remove", next(self._req), {"run_id": run_id})

    # ------------------------------------------------------------------ placement and quotas
    def _place(self) -> WorkerSlot | None:
        """The ready worker with the least playing work (pool lock held)."""
        ready = [s for s in self._slots if s.ready.is_set()]
        if not ready:
            return None

        def load(s: WorkerSlot) -> tuple[int, int, int]:
            mine = [r for r in self._recs.values() if r.slot == s.index]
            return sum(r.training for r in mine), len(mine), s.index

        return min(ready, key=load)

    def _wait_any_ready(self, deadline: float) -> bool:
        while time.monotonic() < deadline:
            if any(s.ready.is_set() for s in self._slots):
                return True
            self._slots[0].ready.wait(min(0.1, max(0.0, deadline - time.monotonic())))
        return any(s.ready.is_set() for s in self._slots)

    def _check_host_quota(self, owner: str) -> None:
        lim = self.limits
        mine = sum(r.owner == owner for r in self._recs.values())
        if mine >= lim.max_hosted_per_user:
            raise QuotaExceeded(f"you already have {mine} live runs, the most one user may have; "
                                "remove one first")
        if len(self._recs) >= lim.max_hosted:
            raise PoolBusy(f"the server already holds {len(self._recs)} live runs, its limit; "
                           "try again later")

    def _check_play_quota(self, owner: str) -> None:
        lim = self.limits
        mine = sum(r.owner == owner and r.training for r in self._recs.values())
        if mine >= lim.max_playing_per_user:
            raise QuotaExceeded(f"you already have {mine} runs training, the most one user may "
                                "train at once; pause one first")
        training = [r for r in self._recs.values() if r.training]
        if len(training) >= lim.max_playing:
            raise PoolBusy(f"the server is training {len(training)} runs, the most it trains "
                           f"at once ({TRAINERS_ENV}={lim.max_playing}); a place frees up when "
                           f"a run is paused or finishes{_soonest(training)}")

    def _rec(self, run_id: str) -> _Rec:
        with self._lock:
            rec = self._recs.get(run_id)
        if rec is None:
            raise UnknownRun(f"no live run {run_id!r} (it was removed, or never started)")
        return rec

    def _check_current(self, rec: _Rec) -> None:
        """Pool lock held: the record was not removed since it was looked up."""
        if self._recs.get(rec.run_id) is not rec:
            raise UnknownRun(f"no live run {rec.run_id!r} (it was removed)")

    def _rec_slot(self, run_id: str) -> tuple[_Rec, WorkerSlot]:
        self.start()
        rec = self._rec(run_id)
        return rec, self._slots[rec.slot]

    # ------------------------------------------------------------------ worker events
    def _on_update(self, slot: WorkerSlot, u) -> None:
        """Receiver thread: apply one update (never blocks on a sender)."""
        with self._lock:
            rec = self._recs.get(u.run_id)
            if rec is None or rec.slot != slot.index:
                return  # removed meanwhile
            if u.state in ("done", "diverged"):
                rec.mode = "done"
            elif u.step_token is not None and u.step_token == rec.step_req:
                rec.step_req = None
                if rec.mode == "stepping":
                    rec.mode = "paused"
        rec.mirror.apply(u)
        if u.checkpoint is not None and self.on_checkpoint is not None:
            self._callbacks.put((rec.run_id, rec.owner, u.checkpoint))

    def _on_lost(self, slot: WorkerSlot, reason: str) -> None:
        """Supervisor thread: the worker died; mark its runs lost (they are re-hosted when it is
        back, in `_on_ready`)."""
        with self._lock:
            recs = [r for r in self._recs.values() if r.slot == slot.index and not r.given_up]
            for r in recs:
                r.lost, r.lost_reason = True, reason
                if r.mode == "stepping":
                    r.mode, r.step_req = "paused", None
        for r in recs:
            _, step = r.mirror.checkpoint()
            r.mirror.set_lost(f"its training process stopped ({reason}); restoring it from "
                              f"{_from_step(step)}")

    def _on_ready(self, slot: WorkerSlot) -> None:
        """Helper thread, once a (re)started worker is ready: re-host its lost runs."""
        with self._lock:
            recs = [r for r in self._recs.values() if r.slot == slot.index and r.lost
                    and not r.given_up]
        for r in recs:
            data, step = r.mirror.checkpoint()
            source = data if data is not None else r.source  # no checkpoint yet: its start
            why = r.lost_reason or "it stopped"
            if r.restores >= self.max_restores:
                with self._lock:
                    r.given_up, r.mode = True, "paused"
                kept = (f"its last checkpoint (step {step}) is kept" if data is not None
                        else "it had no checkpoint yet")
                r.mirror.set_lost(f"lost: its training process stopped {r.restores + 1} times "
                                  f"({why}); {kept}")
                continue
            with slot.send_lock:
                with self._lock:
                    if self._recs.get(r.run_id) is not r:
                        continue  # removed meanwhile
                    r.restores += 1
                    r.lost = False
                    play = r.mode == "playing"
                r.mirror.set_note(f"restored from {_from_step(step)} after its training "
                                  f"process stopped ({why})", restored=True)
                pending = slot.send("add", next(self._req),
                                    dict(run_id=r.run_id, owner=r.owner, source=source,
                                         play=play, extras=r.extras, device=r.device),
                                    Pending("restore", r.run_id))
            threading.Thread(target=self._check_restore, args=(r, pending), daemon=True,
                             name="hnviz-live-restore").start()

    def _check_restore(self, r: _Rec, pending: Pending) -> None:
        try:
            pending.result(self._slots[r.slot]._start_timeout)
        except RunLost:
            return  # the worker died again: _on_lost/_on_ready take it from here
        except Exception as e:
            with self._lock:
                r.given_up, r.mode = True, "paused"
            r.mirror.set_lost(f"lost: it could not be restored ({e})")

    def _run_callbacks(self) -> None:
        while True:
            item = self._callbacks.get()
            if item is None:
                return
            try:
                self.on_checkpoint(*item)
            except Exception:
                log.exception("hnviz live: on_checkpoint failed for run %s", item[0])


def _from_step(step: int | None) -> str:
    """'step 1200', or 'its start' for a run that had sent no checkpoint yet."""
    return f"step {step}" if step is not None else "its start"


def _soonest(training: list[_Rec]) -> str:
    """': the soonest of them finishes in about 3 min' from the runs' progress and measured step
    cost, or '' when unknown."""
    left = []
    for r in training:
        p = r.mirror.snapshot().progress
        if p.sec_per_step and p.total_steps:
            left.append(max(0, p.total_steps - p.global_step) * p.sec_per_step)
    if not left:
        return ""
    s = min(left)
    return (": the soonest of them finishes in under a minute" if s < 60
            else f": the soonest of them finishes in about {round(s / 60)} min")


class InlinePool(TrainPool):
    """The same interface, training in ONE background thread of this process (HNVIZ_WORKERS=0:
    tests and tiny deployments). Messages are pickled as over a pipe, so behaviour matches; a
    crash of the thread is recovered the same way."""

    backend = "thread"

    def __init__(self, limits: Limits | None = None, **kwargs):
        super().__init__(1, limits, **kwargs)


def make_pool(limits: Limits | None = None, **kwargs) -> TrainPool:
    """TrainPool with `limits.workers` processes (env HNVIZ_WORKERS), or an InlinePool for 0."""
    limits = limits or Limits.from_env()
    if limits.workers == 0:
        return InlinePool(limits, **kwargs)
    return TrainPool(limits.workers, limits, **kwargs)
