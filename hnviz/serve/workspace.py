"""A user's runs on the server: what every page of that user's sessions shows.

One `Workspace` per user token (hnviz.ui.identity), kept by `Workspaces` so that a reload or a
second tab finds the same runs; never shared between tokens. A run (`RunHandle`) is one of
  - a bundled demo: a reference to the process-wide, read-only `Demo` (never copied);
  - a live run: hosted in the training pool (hnviz.live), which trains it in a worker process
    while the server reads its mirror;
  - a static run: a run file in the user's folder (a loaded/uploaded file, an autosave, or a
    live run that finished or was released with its workspace); never held in server memory:
    its view is read from the file's header (`io.read_run_header`: config, history, no
    tensors), its bytes from disk when asked for.
Pages read `handle.view()` (a RunView) for everything but the analysis pages, which ask for
`handle.trainer()`: a read-only Trainer rebuilt from the run's latest state (cached by version),
for reading only: a replica of the file, never the hosted run's trainer.

One Trainer per run: a new run is admitted here (`new_run`: `admission.admit` under the page's
limits, the user's list and budget) and sent to the pool as its config (`live.FromConfig`); a
run trained on is sent as its file's path (`live.FromFile`). The worker builds the run's only
Trainer; the web process builds none for it. Until the worker has published, the run's view
comes from its config alone (`demos.view_from_config`: task names, total steps, metric).

Every own run has its file in the user's folder (hnviz.serve.userstore: live runs' checkpoints
are autosaved there; a new run's first one comes with its worker's first update), which counts
against the user's budget; a new workspace starts from those files, so a server restart or a
released workspace loses nothing but the steps since the last checkpoint. A failed autosave (a
full budget or disk) is kept on the run (`autosave_error`) for its user to see. `Workspaces` caps
the users held at once and releases idle workspaces (their live runs saved and taken out of the
pool, their sweep stopped) after `ServerLimits.idle_s`.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hnviz.core.admission import admit
from hnviz.core.benchmarks import benchmark
from hnviz.core.config import RunConfig
from hnviz.core.devices import DEFAULT_DEVICE, resolve_device
from hnviz.core.io import RunFileError, display_name, load_run, read_run_header, with_meta
from hnviz.core.limits import LIBRARY, Limits
from hnviz.core.sizes import file_tensor_bytes
from hnviz.core.trainer import Trainer
from hnviz.live.source import FromConfig, FromFile

from . import sweeps
from .demos import Demo, demos, view_from_config, view_from_file
from .limits import ServerLimits, env_name, wait_text
from .runview import RunView
from .userstore import DiskUsage, StoreError, UserStore

log = logging.getLogger("hnviz")

EXTRAS = "hnviz.analysis.views:train_extras"
MAX_REPLICAS = 2  # analysis models (read-only Trainers) one user's runs keep in server memory
SOURCES = ("demo", "trained", "file", "upload", "autosave")


def new_run_id() -> str:
    return uuid.uuid4().hex[:16]


class ServerFull(StoreError):
    """The server holds as many users as it may (one line: the limit and the wait)."""


class RunHandle:
    """One run of one user, wherever it is held (see the module docstring)."""

    def __init__(self, name: str, source: str, *, demo: Demo | None = None,
                 file: Path | None = None, run_id: str | None = None,
                 cfg: RunConfig | None = None):
        self.run_id = run_id or new_run_id()
        self.name = name
        self.source = source
        self.demo = demo
        self.cfg = cfg  # a new run's config (its view until its worker publishes)
        self.created = time.time()
        self._file = file  # the run's file in the user's folder (None for demos)
        self.autosave_error: str | None = None  # why its last state could not be saved
        self.on_replica: Callable[[RunHandle], None] | None = None  # its workspace's bookkeeping
        self.device = DEFAULT_DEVICE  # where the pool trains it whenever it is hosted
        self._static: RunView | None = None
        self._mirror = None  # hnviz.live.RunMirror while hosted
        self._lock = threading.Lock()
        self._replica: tuple[Any, Trainer] | None = None
        self._hosting = 0  # counts attach/detach: part of `version` (a mirror restarts at 0)
        self._static_extras: dict | None = None
        # Hosting in progress (the pool's workers are still starting): what it will start from
        # (`hnviz.live.source`), whether it should play once hosted, and why it failed (if it
        # did).
        self._pending: FromConfig | FromFile | None = None
        self._pending_play = False
        self._pending_error: str | None = None
        self._hosted_event = threading.Event()
        # The mirror's version when Play was sent and the worker had not yet said so: until the
        # mirror moves on, the run counts as playing (the page must not show Play and stop
        # polling while the worker is about to train).
        self._play_sent: int | None = None

    # ------------------------------------------------------------------ what it is
    @property
    def hosted(self) -> bool:
        return self._mirror is not None

    @property
    def starting(self) -> bool:
        """Waiting for the training workers (the first run after a server start)."""
        return self._pending is not None

    @property
    def is_demo(self) -> bool:
        return self.demo is not None

    @property
    def own(self) -> bool:
        """The user's own run (not a bundled demo)."""
        return self.demo is None

    def view(self) -> RunView:
        """What the pages draw (a consistent snapshot)."""
        if self.demo is not None:
            return self.demo.view
        if self._mirror is not None:
            return _view_of_snapshot(self._mirror.snapshot(), self.cfg)
        if self._pending is not None:
            v = self._start_view("playing")
            return dataclasses.replace(v, message="Starting the training workers (the first "
                                                  "run after a server start takes a few "
                                                  "seconds) …")
        if self._static is None:
            self._static = self._start_view(None)
            if self._pending_error:
                self._static = dataclasses.replace(self._static, message=self._pending_error)
        return self._static

    def _start_view(self, state: str | None) -> RunView:
        """The view of the state it is (or would be) hosted from: its file, or, for a new run
        with none yet, its config."""
        if self.cfg is not None and not self.has_file:
            return view_from_config(self.cfg, state or "idle")
        return view_from_file(read_run_header(self._file), state=state)

    @property
    def has_file(self) -> bool:
        """Its file exists (a new run gets one with its first checkpoint)."""
        return self._file is not None and self._file.is_file()

    @property
    def playing(self) -> bool:
        if self._pending is not None:
            return self._pending_play
        m = self._mirror
        if m is None:
            return False
        if m.state in ("playing", "starting"):
            return True
        return m.state == "paused" and self._play_sent is not None and m.version == self._play_sent

    @property
    def version(self) -> str:
        """Changes whenever the run changes (a cache key for derived data). The hosting count
        keeps the states before, while and after hosting apart: a mirror's version restarts at
        0, and a run that finished and left the pool must not be mistaken for its start."""
        v = self._mirror.version if self._mirror is not None else 0
        return f"{self.run_id}:{self._hosting}:{v}"

    def extras(self) -> dict:
        """The live-chart extras (regression: each task's function on a grid)."""
        if self.demo is not None:
            return self.demo.extras()
        if self._mirror is not None:
            return self._mirror.snapshot().extras or {}
        with self._lock:
            if self._static_extras is None:
                from hnviz.analysis.views import train_extras

                self._static_extras = train_extras(self._replica_locked(None))
            return self._static_extras

    # ------------------------------------------------------------------ state and model
    def data(self, pool=None) -> bytes:
        """The run as a run file, as it is now."""
        if self.demo is not None:
            return self.demo.data
        if self._mirror is not None:
            return pool.export(self.run_id)
        if self.cfg is not None and not self.has_file:
            raise StoreError(f"run {self.name!r} has not started training yet (its first state "
                             "comes from its training process): try again in a moment")
        try:
            return self._file.read_bytes()
        except OSError:
            raise StoreError(f"the file of run {self.name!r} is gone (removed in another "
                             "tab?)") from None

    def trainer(self, pool=None) -> Trainer:
        """A Trainer with the run's current state, for READING (analysis pages). Shared with
        other callers of the same version: never train it."""
        if self.demo is not None:
            return self.demo.trainer()
        with self._lock:
            return self._replica_locked(pool)

    def _replica_locked(self, pool) -> Trainer:
        key = self.version
        if self._replica is None or self._replica[0] != key:
            self._replica = (key, load_run(self.data(pool))[0])
            if self.on_replica is not None:
                self.on_replica(self)
        return self._replica[1]

    # ------------------------------------------------------------------ hosting
    def attach(self, mirror) -> None:
        self._mirror = mirror
        self._static = None
        self._pending = None
        self._hosting += 1
        self._hosted_event.set()

    def wait_started(self, timeout: float) -> bool:
        """Wait (at most `timeout` s in all) until the run is hosted (the first run after a
        server start waits for its worker) and has made its first steps (True then): a page
        that redraws right after ▶ then shows progress instead of step 0."""
        end = time.monotonic() + timeout
        if self._pending is not None:
            self.wait_hosted(timeout)
        mirror = self._mirror
        if mirror is None:
            return False
        return mirror.wait(lambda snap: snap.progress.global_step > 0 or snap.done,
                           max(0.0, end - time.monotonic())) is not None

    def wait_hosted(self, timeout: float) -> bool:
        """Wait for a pending hosting to end (True when hosted)."""
        if self._pending is not None:
            self._hosted_event.wait(timeout)
        return self._mirror is not None

    def detach(self, file: Path) -> None:
        """Leave the pool: its final state is `file` (written by the workspace)."""
        with self._lock:
            self._file, self._mirror, self._static = file, None, None
            self._static_extras, self._replica = None, None
            self._hosting += 1

    def forget_replica(self) -> None:
        """Drop the analysis replica (memory) until a page asks again."""
        with self._lock:
            self._replica, self._static_extras = None, None


def _view_of_snapshot(snap, cfg: RunConfig | None = None) -> RunView:
    """The view of a hosted run's mirror (`cfg`: the run's config when the server has it)."""
    if snap.config is None and cfg is not None:  # nothing published yet
        return view_from_config(cfg, "playing", snap.message or None)
    cfg = RunConfig.from_dict(snap.config) if cfg is None else cfg
    b = benchmark(cfg.task.benchmark)
    p = snap.progress
    n = p.n_tasks or b.n_tasks(cfg.task)
    state = {"starting": "playing"}.get(snap.state, snap.state)
    return RunView(cfg=cfg, history=snap.history, task=p.task, step_in_task=p.step_in_task,
                   n_tasks=n, task_names=tuple(b.task_names(n)), metric=b.metric.name,
                   error=p.error, state=state, message=snap.message or None,
                   extras=snap.extras or {}, version=snap.version)


class Workspace:
    """One user's runs (ordered: their own, newest first, then the demos) and their sweep."""

    def __init__(self, token: str, store: UserStore, pool_factory: Callable[[], Any]):
        self.token = token
        self.store = store
        self.limits: ServerLimits = store.limits
        self._pool_factory = pool_factory
        self.lock = threading.RLock()
        self.runs: dict[str, RunHandle] = {}
        self.last_seen = time.time()
        self.last_active: str | None = None  # the run a new session of this user opens on
        self.sweep: sweeps.SweepJob | None = None  # the one sweep this user started here
        self.released = False
        self._replicas: list[RunHandle] = []  # own runs holding an analysis replica, oldest first
        for d in demos():
            h = RunHandle(d.name, "demo", demo=d)
            self.runs[h.run_id] = h
        self._restore_autosaves()

    @property
    def pool(self):
        return self._pool_factory()

    def touch(self) -> None:
        self.last_seen = time.time()

    @property
    def busy(self) -> bool:
        """A run of it trains, or its sweep runs: not idle even when nobody looks."""
        return (any(h.playing for h in self.runs.values())
                or (self.sweep is not None and self.sweep.running))

    # ------------------------------------------------------------------ listing
    def handles(self) -> list[RunHandle]:
        with self.lock:
            own = sorted((h for h in self.runs.values() if h.own), key=lambda h: -h.created)
            return own + [h for h in self.runs.values() if not h.own]

    def get(self, run_id: str | None) -> RunHandle | None:
        return self.runs.get(run_id) if run_id else None

    def by_name(self, name: str) -> RunHandle | None:
        return next((h for h in self.handles() if h.name == name), None)

    def unique_name(self, base: str) -> str:
        names = {h.name for h in self.runs.values()}
        name, i = base[:100], 2
        while name in names:
            name, i = f"{base[:95]} ({i})", i + 1
        return name

    def _adopt(self, h: RunHandle) -> RunHandle:
        """Register an own run (under the lock) and keep its analysis replica counted."""
        h.on_replica = self._replica_made
        self.runs[h.run_id] = h
        return h

    def _replica_made(self, h: RunHandle) -> None:
        """At most MAX_REPLICAS analysis models per user in server memory: the runs whose
        replica was built longest ago drop theirs (rebuilt from the file when asked again)."""
        with self.lock:
            if h in self._replicas:
                self._replicas.remove(h)
            self._replicas.append(h)
            old, self._replicas = self._replicas[:-MAX_REPLICAS], self._replicas[-MAX_REPLICAS:]
        for o in old:
            o.forget_replica()

    def _room_for_a_run(self) -> None:
        """StoreError when the user's list holds as many runs as one user keeps."""
        n = sum(h.own for h in self.runs.values())
        if n >= self.limits.user_runs:
            raise StoreError(f"you have {n} runs in your list, the most one user keeps "
                             f"({env_name('user_runs')}); remove some on the Checkpoints page "
                             "(save the ones to keep under a name first)")

    # ------------------------------------------------------------------ creating runs
    def new_run(self, cfg: RunConfig, name: str, play: bool = False,
                limits: Limits = LIBRARY, device: str = DEFAULT_DEVICE) -> RunHandle:
        """A fresh run of `cfg`, hosted in the pool (playing or paused) and trained on `device`
        (cpu | cuda[:N] | auto, `hnviz.core.devices`; not part of the run file). The run is
        admitted here, once (`admission.admit` under `limits`; the device; the user's run
        count and the budget for the file it will hold at most), and sent as its config: its
        worker builds its only Trainer. Raises ConfigError, StoreError (the user's run count or
        disk budget) or the pool's QuotaExceeded / PoolBusy / LiveError (e.g. data the worker
        cannot read): messages for the user."""
        resolve_device(device)  # one line when e.g. no CUDA GPU is there
        self._room_for_a_run()
        admit(cfg, limits)  # nothing is built here; the worker builds it without checking again
        self.store.check_room(file_tensor_bytes(cfg))  # the file it will hold, at most
        with self.lock:  # registered first: other tabs' reruns must find it while it is hosted
            h = RunHandle(self.unique_name(name), "trained", cfg=cfg)
            h._file = self.store.run_file(h.run_id)  # written with its first checkpoint
            h.device = device
            self._adopt(h)
        try:
            self._host(h, FromConfig(cfg.to_dict(), {"name": h.name}), play)
        except BaseException:
            with self.lock:
                self.runs.pop(h.run_id, None)
            self.store.drop_autosave(h.run_id)
            raise
        return h

    def add_file(self, data: bytes, fallback_name: str, source: str,
                 limits: Limits = LIBRARY) -> RunHandle:
        """A run file (upload, saved run) as a static run, validated whole before it is kept:
        the archive and the sizes it declares before anything is inflated, the config against
        `limits` and the state's structure before anything is built, then every tensor against
        the run it describes. Kept in the user's folder (counted against their budget), not in
        memory. Raises RunFileError or StoreError (one line)."""
        _trainer, meta = load_run(data, limits=limits)  # every check, tensors' shapes included
        name = display_name(meta or {}, _trainer.cfg.name, fallback_name)
        del _trainer
        self._room_for_a_run()
        h = RunHandle(self.unique_name(name), source)
        h._file = self.store.autosave(h.run_id, data)
        with self.lock:
            self._adopt(h)
        return h

    def remove(self, h: RunHandle) -> None:
        with self.lock:
            self.runs.pop(h.run_id, None)
        if h.hosted:
            self.pool.remove(h.run_id)
        self.store.drop_autosave(h.run_id)

    # ------------------------------------------------------------------ training
    def _host(self, h: RunHandle, source: FromConfig | FromFile, play: bool) -> None:
        """Hand the run to the training pool (`source`: its config, or its file). While the
        pool's workers are still starting (seconds after a server start), this returns at once
        and a thread finishes it: the run shows as "starting" meanwhile (its view from the
        config or the file), and a failure becomes its message."""
        pool = self.pool
        if pool.ready(0):
            h.attach(pool.add(h.run_id, self.token, source, play=play, extras=EXTRAS,
                              device=h.device))
            return
        h._pending, h._pending_play, h._pending_error = source, play, None
        h._hosted_event.clear()

        def host() -> None:
            try:
                mirror = pool.add(h.run_id, self.token, source, play=h._pending_play,
                                  extras=EXTRAS, device=h.device, timeout=300)
            except Exception as exc:  # noqa: BLE001 - the run stays, with the reason
                h._pending, h._static = None, None
                h._pending_error = f"Could not start training: {exc}"
                h._hosted_event.set()
                return
            h.attach(mirror)
            if not h._pending_play and mirror.state == "playing":
                pool.pause(h.run_id)  # paused while it was starting

        threading.Thread(target=host, daemon=True, name=f"hnviz-host-{h.run_id}").start()

    def play(self, h: RunHandle) -> None:
        if h.demo is not None:
            raise ValueError("a bundled demo is read-only: start a new run to train")
        if h.starting:
            h._pending_play = True
            return
        if h.hosted:
            h._play_sent = h._mirror.version
            self.pool.play(h.run_id)
            # like pause: the page that redraws next should already show it playing
            h._mirror.wait(lambda snap: snap.state != "paused", 0.5)
        else:
            self._host(h, self._source(h), play=True)

    def pause(self, h: RunHandle, wait_s: float = 0.5) -> None:
        """Stop training after the current slice; waits up to `wait_s` for the worker to say
        so (one slice, ~50 ms), so the page that redraws next already shows it paused."""
        if h.starting:
            h._pending_play = False
        elif h.hosted:
            h._play_sent = None
            self.pool.pause(h.run_id)
            if wait_s > 0:
                h._mirror.wait(lambda snap: snap.state != "playing", wait_s)

    def step(self, h: RunHandle, n_steps: int) -> int:
        if not h.hosted and not h.starting:
            self._host(h, self._source(h), play=False)
        if h.starting and not h.wait_hosted(120):
            raise RuntimeError(h._pending_error or "the training workers are still starting")
        return self.pool.step(h.run_id, n_steps)

    @staticmethod
    def _source(h: RunHandle) -> FromConfig | FromFile:
        """What a run that is not hosted is trained on from: its file (the worker reads it), or
        a new run's config when it has none yet (its hosting failed before its first
        checkpoint)."""
        if h.cfg is not None and not h.has_file:
            return FromConfig(h.cfg.to_dict(), {"name": h.name})
        if not h.has_file:
            raise StoreError(f"the file of run {h.name!r} is gone (removed in another tab?)")
        return FromFile(str(h._file))

    def settle(self, h: RunHandle) -> None:
        """A hosted run that is done leaves the pool (its worker memory is freed); its final
        state stays in its file as a static run."""
        if h.hosted and h.view().done:
            self._leave_pool(h)

    def _leave_pool(self, h: RunHandle) -> None:
        """Save the hosted run's latest state to its file and take it out of the pool. If the
        file cannot be written (budget, disk) the run keeps its previous file (its last
        autosave) and says so."""
        data, _step = h._mirror.checkpoint()
        if data is None or not h.view().done:
            data = self.pool.export(h.run_id)  # the latest state, not the last checkpoint
        self.autosave(h.run_id, data)
        self.pool.remove(h.run_id)
        h.detach(self.store.run_file(h.run_id))

    # ------------------------------------------------------------------ files
    def save(self, h: RunHandle, name: str, overwrite: bool = False) -> str:
        data = h.data(self.pool)
        return self.store.save(name, with_meta(data, name=name), overwrite=overwrite)

    def autosave(self, run_id: str, data: bytes) -> None:
        """Write a live run's checkpoint into its file; a failure (budget, disk) is kept on the
        run for its user to see, and the previous file stays."""
        h = self.runs.get(run_id)
        if h is None:
            return
        try:
            self.store.autosave(run_id, data)
            h.autosave_error = None
        except (StoreError, OSError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            h.autosave_error = (f"its latest state could not be saved on the server: {reason}. "
                                "Download it to keep it")
            log.warning("autosave of run %s failed: %s", run_id, reason)

    def _restore_autosaves(self) -> None:
        """The user's run files as static runs (headers only: nothing built or loaded)."""
        for f in self.store.list_autosaves():
            path = self.store.autosave_dir / f.name
            try:
                raw = read_run_header(path)
            except (RunFileError, OSError, Exception):  # noqa: BLE001 - skip a broken file
                continue
            name = display_name(raw.get("meta") or {}, raw["config"].get("name", ""),
                                Path(f.name).stem)
            # keep the file's run id, so later checkpoints overwrite the same file
            h = RunHandle(self.unique_name(name), "autosave", file=path,
                          run_id=Path(f.name).stem)
            h.created = f.mtime
            self._adopt(h)

    # ------------------------------------------------------------------ sweeps
    def start_sweep(self, name: str, benchmark: str, method: str, values: list[float],
                    seeds: list[int], iters: int, jobs: int = 1) -> sweeps.SweepJob:
        """This user's sweep (one at a time per user; the server-wide cap is checked by
        `Workspaces.start_sweep`)."""
        with self.lock:
            if self.sweep is not None and self.sweep.running:
                raise sweeps.SweepRefused(
                    f"your sweep {self.sweep.name!r} is still running; one sweep per user at a "
                    f"time: cancel it or wait for it (it should finish "
                    f"{wait_text(self.sweep.eta_s())})")
            self.sweep = sweeps.start_sweep(self.store, name, benchmark, method, values, seeds,
                                            iters, jobs)
            return self.sweep

    def cancel_sweep(self) -> None:
        if self.sweep is not None and self.sweep.running:
            sweeps.cancel(self.sweep)

    # ------------------------------------------------------------------ release
    def release(self) -> None:
        """Give back what this user holds in the server: each live run saved to its file and
        taken out of the pool (it comes back paused from its file on the next visit), the
        sweep stopped, analysis replicas dropped."""
        self.released = True
        self.cancel_sweep()
        for h in list(self.runs.values()):
            try:
                if h.hosted:
                    self._leave_pool(h)
            except Exception:  # noqa: BLE001 - best effort: its last autosave stays
                try:
                    self.pool.remove(h.run_id)
                except Exception:  # noqa: BLE001
                    pass
            h.forget_replica()


class Workspaces:
    """Every user's Workspace in this server process, by token: at most `limits.users` at once;
    one unseen for `limits.idle_s` is released (`Workspace.release`), one whose runs still
    train after 6 × that too (its runs come back paused, from their files)."""

    def __init__(self, runs_root: str | Path, pool_factory: Callable[[], Any],
                 ttl_s: float | None = None, limits: ServerLimits | None = None):
        self.root = Path(runs_root)
        self._pool_factory = pool_factory
        self.limits = limits or ServerLimits.from_env()
        self.ttl_s = self.limits.idle_s if ttl_s is None else ttl_s
        self.disk = DiskUsage(self.root, self.limits.disk_mb)
        self._lock = threading.Lock()
        self._by_token: dict[str, Workspace] = {}

    def get(self, token: str) -> Workspace:
        """The user's workspace (made on first use). ServerFull when the server holds as many
        users as it may and none is idle long enough to be released."""
        with self._lock:
            ws = self._by_token.get(token)
        if ws is None:
            if len(self._by_token) >= self.limits.users:
                self.evict_idle()
            with self._lock:
                ws = self._by_token.get(token)
                if ws is None:
                    if len(self._by_token) >= self.limits.users:
                        raise ServerFull(
                            f"this server already has {len(self._by_token)} users, the most "
                            f"it serves at once ({env_name('users')}); a place frees up when "
                            f"someone leaves, {wait_text(self._next_release())}: reload the "
                            "page then")
                    ws = Workspace(token, UserStore(self.root, token, self.limits, self.disk),
                                   self._pool_factory)
                    self._by_token[token] = ws
        ws.touch()
        return ws

    def _next_release(self, now: float | None = None) -> float | None:
        """Seconds until the next workspace is due for release (None: none is)."""
        now = time.time() if now is None else now
        due = [w.last_seen + (self.ttl_s * (6 if w.busy else 1)) - now
               for w in self._by_token.values()]
        return max(0.0, min(due)) if due else None

    def on_checkpoint(self, run_id: str, owner: str, data: bytes) -> None:
        """The pool's checkpoint hook: autosave into the owner's folder."""
        ws = self._by_token.get(owner)
        if ws is not None:
            ws.autosave(run_id, data)

    def running_sweeps(self) -> list[sweeps.SweepJob]:
        with self._lock:
            jobs = [w.sweep for w in self._by_token.values() if w.sweep is not None]
        return [j for j in jobs if j.running]

    def start_sweep(self, ws: Workspace, *args, **kwargs) -> sweeps.SweepJob:
        """`ws.start_sweep(...)` within the server's cap on sweeps running at once."""
        running = [j for j in self.running_sweeps() if j is not ws.sweep]
        if len(running) >= self.limits.sweeps:
            etas = [e for e in (j.eta_s() for j in running) if e is not None]
            raise sweeps.SweepRefused(
                f"the server is running {len(running)} sweeps, the most it runs at once "
                f"({env_name('sweeps')}); the soonest should finish "
                f"{wait_text(min(etas) if etas else None)}: start yours then")
        return ws.start_sweep(*args, **kwargs)

    def evict_idle(self, now: float | None = None) -> int:
        """Release workspaces unseen for ttl_s (6 × ttl_s if a run trains or the sweep runs).
        Returns how many."""
        now = time.time() if now is None else now
        dropped = []
        with self._lock:
            for token, ws in list(self._by_token.items()):
                idle = now - ws.last_seen
                if idle > self.ttl_s and (not ws.busy or idle > 6 * self.ttl_s):
                    dropped.append(self._by_token.pop(token))
        for ws in dropped:
            ws.release()
        return len(dropped)

    def __len__(self) -> int:
        return len(self._by_token)
