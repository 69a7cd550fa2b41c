"""RunHost: many Trainers in one process, advanced fairly in time slices, publishing deltas.

Pure Python over the public Trainer API; no processes, no threads, no locks (whoever owns a
RunHost calls it from one thread: a worker process's loop, or InlinePool's thread).

Modes of a hosted run: "paused", "playing" (trains until done or paused) and "stepping" (trains
`remaining` more steps, then pauses and reports the Step request's token).

`work(budget_s)` gives playing/stepping runs one SLICE each in round-robin order, starting after
the run served last, until `budget_s` is used (at least one slice when anything plays). A slice is

    n = clamp(slice_s / s̄, 1, max_slice_steps),   s̄ ← (1 - ema) s̄ + ema · (slice seconds / steps)

steps, s̄ being the run's moving average step cost (first slice: `first_slice_steps`), so every
run gets about slice_s of CPU per round whatever its step cost: fair in time, not in steps.

A run publishes an `Update` at most every `publish_s`, and always on task end, done, diverged,
play, pause and Step completion; checkpoints ride along (see `Update.checkpoint`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hnviz.core.config import RunConfig
from hnviz.core.io import load_run, run_to_bytes
from hnviz.core.limits import HARD
from hnviz.core.trainer import Trainer

from . import extras as extras_hook
from .delta import HistoryCursor, Progress, Update
from .options import HostOptions
from .source import FromConfig, FromFile, Source


@dataclass
class _Run:
    run_id: str
    owner: str
    trainer: Trainer
    meta: dict[str, Any]
    extras_fn: Callable[[Trainer], Any] | None
    mode: str = "paused"  # "paused" | "playing" | "stepping"
    remaining: int = 0  # stepping: steps still to do
    step_token: int | None = None
    step_done: int = 0
    sec_per_step: float | None = None
    failed: str | None = None  # advance() raised (a bug or an impossible config): kept, stopped
    cursor: HistoryCursor = field(default_factory=HistoryCursor)
    seq: int = 0
    last_publish: float = float("-inf")
    published_step: int = 0  # the global step its last update showed
    last_checkpoint: float = 0.0
    checkpoint_key: tuple[int, str | None] = (-1, None)  # _key() at the last checkpoint


class RunHost:
    def __init__(self, options: HostOptions | None = None,
                 clock: Callable[[], float] = time.perf_counter):
        self.options = options or HostOptions()
        self._clock = clock
        self._runs: dict[str, _Run] = {}
        self._rr: list[str] = []  # round-robin order (insertion order)
        self._last: str | None = None  # run served last

    # ------------------------------------------------------------------ queries
    def __contains__(self, run_id: str) -> bool:
        return run_id in self._runs

    def run_ids(self) -> list[str]:
        return list(self._rr)

    def trainer(self, run_id: str) -> Trainer:
        """The live Trainer (read-only use: tests, extras)."""
        return self._get(run_id).trainer

    def mode(self, run_id: str) -> str:
        return self._get(run_id).mode

    @property
    def busy(self) -> bool:
        """True while any run is playing or stepping (the owner should keep calling work)."""
        return any(r.mode != "paused" for r in self._runs.values())

    def _get(self, run_id: str) -> _Run:
        try:
            return self._runs[run_id]
        except KeyError:
            raise KeyError(f"no hosted run {run_id!r}") from None

    # ------------------------------------------------------------------ commands
    # Every command returns the updates it published (usually one), to be sent in order.
    def add(self, run_id: str, owner: str, source: Source, *, play: bool = False,
            extras: str | None = None, device: str | None = None) -> list[Update]:
        """Host the run `source` describes (`source.py`: a new run of an admitted config, a
        run file's path or bytes), training on `device` (cpu | cuda[:N] | auto,
        `hnviz.core.devices`; None = the CPU); this builds the run's only Trainer. Its first
        update has reason "add", the whole history, config and meta, and for a new run its
        first checkpoint. Raises RunFileError for a bad file, ConfigError for an unusable
        device, DataUnavailableError, ValueError for a bad extras path or a run_id already
        hosted."""
        if run_id in self._runs:
            raise ValueError(f"run {run_id!r} is already hosted")
        fn = extras_hook.resolve(extras) if extras else None
        new = isinstance(source, FromConfig)
        trainer, meta = build_run(source, device)
        r = _Run(run_id, owner, trainer, meta, fn, last_checkpoint=self._clock(),
                 checkpoint_key=(-1, None) if new else _key(trainer))
        self._runs[run_id] = r
        self._rr.append(run_id)
        if play and not trainer.done:
            r.mode = "playing"
        return [self._publish(r, "add", first=True, checkpoint=new)]

    def play(self, run_id: str) -> list[Update]:
        r = self._get(run_id)
        out = self._end_step(r)
        if not r.trainer.done and r.failed is None:
            r.mode = "playing"
        return out + [self._publish(r, "play")]

    def pause(self, run_id: str) -> list[Update]:
        r = self._get(run_id)
        out = self._end_step(r)
        if r.mode == "playing":
            r.mode = "paused"
            out.append(self._publish(r, "pause", checkpoint=self._moved(r)))
        return out or [self._publish(r, "pause")]

    def step(self, run_id: str, n_steps: int, token: int | None = None) -> list[Update]:
        """Train exactly n_steps more (fewer if the run ends), then pause. The update that
        completes it has `step_token=token` and `steps_done`; it is returned at once when there
        is nothing to do, else it comes out of a later `work`. A Step still in progress is
        completed first (its own token, the steps it made)."""
        r = self._get(run_id)
        n_steps = int(n_steps)
        if n_steps < 0:
            raise ValueError(f"step count must be >= 0, got {n_steps}")
        out = self._end_step(r)
        if n_steps == 0 or r.trainer.done or r.failed is not None:
            r.mode = "paused"
            return out + [self._publish(r, "step", step_token=token, steps_done=0)]
        r.mode, r.remaining, r.step_token, r.step_done = "stepping", n_steps, token, 0
        return out

    def export(self, run_id: str) -> bytes:
        """The run now, as a run file's bytes (loads with `hnviz.core.io.load_run`)."""
        r = self._get(run_id)
        return run_to_bytes(r.trainer, r.meta)

    def remove(self, run_id: str) -> None:
        """Forget the run (a Step in progress is dropped without an update)."""
        self._runs.pop(run_id, None)
        if run_id in self._rr:
            self._rr.remove(run_id)
        if self._last == run_id:
            self._last = None

    # ------------------------------------------------------------------ training
    def work(self, budget_s: float = 0.0) -> list[Update]:
        """Slices for playing/stepping runs, round-robin, until budget_s is spent (at least one
        slice if any run is active). Returns the updates published meanwhile."""
        updates: list[Update] = []
        end = self._clock() + budget_s
        while True:
            r = self._next_active()
            if r is None:
                break
            u = self._slice(r)
            if u is not None:
                updates.append(u)
            if self._clock() >= end:
                break
        return updates

    def _next_active(self) -> _Run | None:
        order = self._rr
        if not order:
            return None
        start = order.index(self._last) + 1 if self._last in order else 0
        for i in range(len(order)):
            r = self._runs[order[(start + i) % len(order)]]
            if r.mode != "paused":
                self._last = r.run_id
                return r
        return None

    def slice_steps(self, sec_per_step: float | None) -> int:
        o = self.options
        if not sec_per_step or sec_per_step <= 0:
            return o.first_slice_steps
        return int(max(1, min(o.max_slice_steps, o.slice_s / sec_per_step)))

    def _slice(self, r: _Run) -> Update | None:
        t = r.trainer
        n = self.slice_steps(r.sec_per_step)
        if r.mode == "stepping":
            n = min(n, r.remaining)
        t0 = self._clock()
        try:
            events = t.advance(n)
        except Exception as e:  # one broken run must not take the others in its process down
            first = str(e).strip().splitlines()[0] if str(e).strip() else ""
            r.failed = f"training stopped: {type(e).__name__}: {first}"[:300]
            events = []
        dt = self._clock() - t0
        k = sum(e.kind == "step" for e in events)
        if k:
            a, cost = self.options.ema, dt / k
            r.sec_per_step = cost if r.sec_per_step is None else (1 - a) * r.sec_per_step + a * cost
        kinds = {e.kind for e in events}
        stepped = None
        if r.mode == "stepping":
            r.remaining -= k
            r.step_done += k
            if r.remaining <= 0 or t.done or k == 0:
                stepped = (r.step_token, r.step_done)
                r.step_token, r.remaining, r.step_done = None, 0, 0
        if stepped is not None or t.done or k == 0:  # k == 0: nothing more can happen
            r.mode = "paused"
        reason = ("diverged" if t.error is not None or r.failed else
                  "done" if t.finished else
                  "task_end" if "task_end" in kinds else
                  "step" if stepped is not None else "tick")
        now = self._clock()
        # a run's first steps are published at once (the page waiting after ▶ shows progress
        # a publish interval sooner, issue 21); later ticks at most every publish_s
        if (reason == "tick" and now - r.last_publish < self.options.publish_s
                and r.published_step > 0):
            return None
        periodic = now - r.last_checkpoint >= self.options.checkpoint_s
        ckpt = (reason != "tick" or periodic) and self._moved(r)
        token, done = stepped if stepped is not None else (None, 0)
        return self._publish(r, reason, checkpoint=ckpt, step_token=token, steps_done=done)

    # ------------------------------------------------------------------ publishing
    @staticmethod
    def _moved(r: _Run) -> bool:
        """Has the run changed since its last checkpoint (or since it was loaded)?"""
        return _key(r.trainer) != r.checkpoint_key and r.failed is None

    def _end_step(self, r: _Run) -> list[Update]:
        """Complete a Step in progress (interrupted by another command): its update."""
        if r.mode != "stepping":
            return []
        token, done = r.step_token, r.step_done
        r.mode, r.step_token, r.remaining, r.step_done = "paused", None, 0, 0
        return [self._publish(r, "step", checkpoint=self._moved(r), step_token=token,
                              steps_done=done)]

    def state_of(self, run_id: str) -> str:
        """What the run's updates report: "playing" | "paused" | "done" | "diverged"."""
        r = self._get(run_id)
        if r.trainer.error is not None or r.failed is not None:
            return "diverged"
        if r.trainer.finished:
            return "done"
        return "paused" if r.mode == "paused" else "playing"

    def _publish(self, r: _Run, reason: str, *, first: bool = False, checkpoint: bool = False,
                 step_token: int | None = None, steps_done: int = 0) -> Update:
        t = r.trainer
        now = self._clock()
        appended, scalars = r.cursor.delta(t.history)
        extras, extras_error = extras_hook.call(r.extras_fn, t)
        data = None
        if checkpoint:
            data = run_to_bytes(t, r.meta)
            r.checkpoint_key, r.last_checkpoint = _key(t), now
        r.seq += 1
        r.last_publish, r.published_step = now, t.global_step
        return Update(
            run_id=r.run_id, seq=r.seq, reason=reason, state=self.state_of(r.run_id),
            progress=Progress(task=t.task, step_in_task=t.step_in_task,
                              global_step=t.global_step, total_steps=t.total_steps,
                              n_tasks=t.n_tasks, finished=t.finished, error=t.error or r.failed,
                              sec_per_step=r.sec_per_step),
            appended=appended, scalars=scalars, message=t.error or r.failed or "",
            extras=extras, extras_error=extras_error,
            config=t.cfg.to_dict() if first else None, meta=dict(r.meta) if first else None,
            checkpoint=data, step_token=step_token, steps_done=steps_done)


def build_run(source: Source, device: str | None = None) -> tuple[Trainer, dict[str, Any]]:
    """The run's only Trainer (on `device`) and its meta, from what the server sent: a new
    run's config, admitted by the server, is built without checking the limits again; a run
    file is checked whole before anything in it is inflated, against the absolute caps (its
    limits were checked when the run was admitted or the file uploaded)."""
    if isinstance(source, FromConfig):
        return (Trainer(RunConfig.from_dict(source.config), limits=None, device=device),
                dict(source.meta))
    return load_run(source.path if isinstance(source, FromFile) else bytes(source),
                    limits=HARD, device=device)


def _key(t: Trainer) -> tuple[int, str | None]:
    """What identifies a run's state for checkpointing: its step and its error."""
    return t.global_step, t.error
