"""A user's runs on the server: what every page of that user's sessions shows.

One `Workspace` per user token (hnviz.ui.identity), kept by `Workspaces` so that a reload or a
second tab finds the same runs; never shared between tokens. A run (`RunHandle`) is one of
  - a bundled demo: a reference to the process-wide, read-only `Demo` (never copied);
  - a live run: hosted in the training pool (hnviz.live), which trains it in a worker process
    while the server reads its mirror;
  - a static run: run-file bytes held here (a loaded/uploaded file, an autosave, or a live run
    that finished or was paused long enough to leave the pool).
Pages read `handle.view()` (a RunView) for everything but the analysis pages, which ask for
`handle.trainer()`: a read-only Trainer rebuilt from the run's latest state (cached by version).

Every live run's checkpoints are autosaved into the user's folder (hnviz.serve.userstore), and a
new workspace starts with the user's autosaves, so a server restart or an evicted workspace loses
nothing but the steps since the last checkpoint.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hnviz.core.config import RunConfig
from hnviz.core.devices import DEFAULT_DEVICE, resolve_device
from hnviz.core.io import (
    RunFileError,
    display_name,
    load_run,
    read_run_dict,
    run_to_bytes,
    with_meta,
)
from hnviz.core.limits import LIBRARY, Limits
from hnviz.core.run_checks import check_run_dict
from hnviz.core.trainer import Trainer

from .demos import Demo, demos, view_from_file
from .runview import RunView
from .userstore import UserStore

EXTRAS = "hnviz.analysis.views:train_extras"
SOURCES = ("demo", "trained", "file", "upload", "autosave")


def new_run_id() -> str:
    return uuid.uuid4().hex[:16]


class RunHandle:
    """One run of one user, wherever it is held (see the module docstring)."""

    def __init__(self, name: str, source: str, *, demo: Demo | None = None,
                 data: bytes | None = None, run_id: str | None = None):
        self.run_id = run_id or new_run_id()
        self.name = name
        self.source = source
        self.demo = demo
        self.created = time.time()
        self._data = data  # static run file bytes (None for demos and live runs)
        self.device = DEFAULT_DEVICE  # where the pool trains it whenever it is hosted
        self._static: RunView | None = None
        self._mirror = None  # hnviz.live.RunMirror while hosted
        self._lock = threading.Lock()
        self._replica: tuple[Any, Trainer] | None = None
        self._hosting = 0  # counts attach/detach: part of `version` (a mirror restarts at 0)
        self._static_extras: dict | None = None
        # Hosting in progress (the pool's workers are still starting): the state it will start
        # from, whether it should play once hosted, and why it failed (if it did).
        self._pending: bytes | None = None
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
            return _view_of_snapshot(self._mirror.snapshot())
        if self._pending is not None:
            v = view_from_file(read_run_dict(self._pending), state="playing")
            return dataclasses.replace(v, message="Starting the training workers (the first "
                                                  "run after a server start takes a few "
                                                  "seconds) …")
        if self._static is None:
            self._static = view_from_file(read_run_dict(self._data))
            if self._pending_error:
                self._static = dataclasses.replace(self._static, message=self._pending_error)
        return self._static

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
        if self._pending is not None:
            return self._pending
        return self._data

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
        return self._replica[1]

    # ------------------------------------------------------------------ hosting
    def attach(self, mirror) -> None:
        self._mirror = mirror
        self._static = None
        self._pending = None
        self._hosting += 1
        self._hosted_event.set()

    def wait_hosted(self, timeout: float) -> bool:
        """Wait for a pending hosting to end (True when hosted)."""
        if self._pending is not None:
            self._hosted_event.wait(timeout)
        return self._mirror is not None

    def detach(self, data: bytes) -> None:
        """Leave the pool: keep `data` (the final state) as a static run."""
        with self._lock:
            self._data, self._mirror, self._static = data, None, None
            self._static_extras, self._replica = None, None
            self._hosting += 1


def _view_of_snapshot(snap) -> RunView:
    from hnviz.core.benchmarks import benchmark

    cfg = RunConfig.from_dict(snap.config)
    b = benchmark(cfg.task.benchmark)
    p = snap.progress
    n = p.n_tasks or b.n_tasks(cfg.task)
    state = {"starting": "playing"}.get(snap.state, snap.state)
    return RunView(cfg=cfg, history=snap.history, task=p.task, step_in_task=p.step_in_task,
                   n_tasks=n, task_names=tuple(b.task_names(n)), metric=b.metric.name,
                   error=p.error, state=state, message=snap.message or None,
                   extras=snap.extras or {}, version=snap.version)


class Workspace:
    """One user's runs (ordered: their own, newest first, then the demos)."""

    def __init__(self, token: str, store: UserStore, pool_factory: Callable[[], Any]):
        self.token = token
        self.store = store
        self._pool_factory = pool_factory
        self.lock = threading.RLock()
        self.runs: dict[str, RunHandle] = {}
        self.last_seen = time.time()
        self.last_active: str | None = None  # the run a new session of this user opens on
        for d in demos():
            h = RunHandle(d.name, "demo", demo=d)
            self.runs[h.run_id] = h
        self._restore_autosaves()

    @property
    def pool(self):
        return self._pool_factory()

    def touch(self) -> None:
        self.last_seen = time.time()

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

    # ------------------------------------------------------------------ creating runs
    def new_run(self, cfg: RunConfig, name: str, play: bool = False,
                limits: Limits = LIBRARY, device: str = DEFAULT_DEVICE) -> RunHandle:
        """A fresh run of `cfg`, hosted in the pool (playing or paused) and trained on `device`
        (cpu | cuda[:N] | auto, `hnviz.core.devices`; not part of the run file). Raises
        ConfigError (e.g. over `limits` or a device that is not there, checked before anything
        is built), DataUnavailableError, or the pool's QuotaExceeded / PoolBusy / LiveError
        (messages for the user)."""
        resolve_device(device)  # one line when e.g. no CUDA GPU is there
        trainer = Trainer(cfg, limits=limits)  # on the CPU: only its first run file
        with self.lock:  # registered first: other tabs' reruns must find it while it is hosted
            h = RunHandle(self.unique_name(name), "trained")
            h.device = device
            data = run_to_bytes(trainer, {"name": h.name})
            h._data = data
            self.runs[h.run_id] = h
        try:
            self._host(h, data, play)
        except BaseException:
            with self.lock:
                self.runs.pop(h.run_id, None)
            raise
        return h

    def add_file(self, data: bytes, fallback_name: str, source: str,
                 limits: Limits = LIBRARY) -> RunHandle:
        """A run file (upload, saved, autosave) as a static run, validated whole before it is
        kept: the config against `limits` and the state's structure before anything is built,
        then every tensor against the run it describes. Raises RunFileError (one line)."""
        raw = read_run_dict(data)
        check_run_dict(raw, limits)
        load_run(data, limits=limits)  # tensor names and shapes (bounded by the limits above)
        name = display_name(raw.get("meta") or {}, raw["config"].get("name", ""), fallback_name)
        h = RunHandle(self.unique_name(name), source, data=data)
        with self.lock:
            self.runs[h.run_id] = h
        return h

    def remove(self, h: RunHandle) -> None:
        with self.lock:
            self.runs.pop(h.run_id, None)
        if h.hosted:
            self.pool.remove(h.run_id)
        self.store.drop_autosave(h.run_id)

    # ------------------------------------------------------------------ training
    def _host(self, h: RunHandle, data: bytes, play: bool) -> None:
        """Hand the run to the training pool. While the pool's workers are still starting
        (seconds after a server start), this returns at once and a thread finishes it: the run
        shows as "starting" meanwhile, and a failure becomes its message."""
        pool = self.pool
        if pool.ready(0):
            h.attach(pool.add(h.run_id, self.token, data, play=play, extras=EXTRAS,
                              device=h.device))
            return
        h._pending, h._pending_play, h._pending_error = data, play, None
        h._hosted_event.clear()

        def host() -> None:
            try:
                mirror = pool.add(h.run_id, self.token, data, play=h._pending_play,
                                  extras=EXTRAS, device=h.device, timeout=300)
            except Exception as exc:  # noqa: BLE001 - the run stays, with the reason
                h._data, h._pending, h._static = data, None, None
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
            self._host(h, h.data(), play=True)

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
            self._host(h, h.data(), play=False)
        if h.starting and not h.wait_hosted(120):
            raise RuntimeError(h._pending_error or "the training workers are still starting")
        return self.pool.step(h.run_id, n_steps)

    def settle(self, h: RunHandle) -> None:
        """A hosted run that is done leaves the pool (its worker memory is freed); the final
        state stays here as a static run."""
        if h.hosted and h.view().done:
            data, _step = h._mirror.checkpoint()
            if data is None:
                data = self.pool.export(h.run_id)
            self.pool.remove(h.run_id)
            h.detach(data)

    # ------------------------------------------------------------------ files
    def save(self, h: RunHandle, name: str, overwrite: bool = False) -> str:
        data = h.data(self.pool)
        return self.store.save(name, with_meta(data, name=name), overwrite=overwrite)

    def autosave(self, run_id: str, data: bytes) -> None:
        if run_id in self.runs:
            self.store.autosave(run_id, data)

    def _restore_autosaves(self) -> None:
        for f in self.store.list_autosaves():
            try:
                data = self.store.read_autosave(f.name)
                h = self.add_file(data, Path(f.name).stem, "autosave")
            except (RunFileError, OSError, Exception):  # noqa: BLE001 - skip a broken autosave
                continue
            # keep the autosave's run id, so later checkpoints overwrite the same file
            with self.lock:
                self.runs.pop(h.run_id)
                h.run_id = Path(f.name).stem
                self.runs[h.run_id] = h


class Workspaces:
    """Every user's Workspace in this server process, by token; idle ones are dropped after
    `ttl_s` (their live runs were autosaved and come back on the user's next visit)."""

    def __init__(self, runs_root: str | Path, pool_factory: Callable[[], Any],
                 ttl_s: float = 6 * 3600):
        self.root = Path(runs_root)
        self._pool_factory = pool_factory
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._by_token: dict[str, Workspace] = {}

    def get(self, token: str) -> Workspace:
        with self._lock:
            ws = self._by_token.get(token)
            if ws is None:
                ws = Workspace(token, UserStore(self.root, token), self._pool_factory)
                self._by_token[token] = ws
        ws.touch()
        return ws

    def on_checkpoint(self, run_id: str, owner: str, data: bytes) -> None:
        """The pool's checkpoint hook: autosave into the owner's folder."""
        ws = self._by_token.get(owner)
        if ws is not None:
            ws.autosave(run_id, data)

    def evict_idle(self, now: float | None = None) -> int:
        """Drop workspaces unseen for ttl_s whose runs are not training. Returns how many."""
        now = time.time() if now is None else now
        dropped = []
        with self._lock:
            for token, ws in list(self._by_token.items()):
                if now - ws.last_seen > self.ttl_s and not any(h.playing for h in ws.runs.values()):
                    dropped.append(self._by_token.pop(token))
        for ws in dropped:
            for h in list(ws.runs.values()):
                if h.hosted:
                    try:
                        ws.pool.remove(h.run_id)
                    except Exception:  # noqa: BLE001 - best effort on the way out
                        pass
        return len(dropped)

    def __len__(self) -> int:
        return len(self._by_token)
