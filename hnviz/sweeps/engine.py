"""Run (or resume) a sweep: the grid into a folder of run files and a manifest, on any backend.

    manifest = run_sweep(grid, "runs/sweeps/toy", backend="dask", address="tcp://host:8786")

The client does all the writing. For each grid point it first looks for a finished checkpoint of
the same config (resume: finished runs and deterministic failures, i.e. diverged runs, are
skipped; a missing, truncated or foreign file is trained again), then submits the rest to the
backend and handles what comes back, one event at a time, in this thread:

- Started: the run is `running` on that worker (manifest: worker, host, attempts).
- Finished: the run file (bytes from the worker) is checked (its config is the point's) and
  written atomically, then the record (`ok`, or `failed` with the reason when it raised or
  diverged) goes into the manifest.
- Lost (its worker died, the cluster gave up on it): submitted again while it has had at most
  `retries` retries, else `failed` with the reason, e.g. "worker process died (signal 9) twice".
  A run that starts more than retries + 1 times (a cluster retrying on its own) is cancelled and
  failed the same way. The other runs go on.

The manifest is rewritten atomically after each batch of events. Ctrl-C or SIGTERM stops the
workers and leaves the manifest `cancelled` (running runs back to `pending`): run the same
command again to resume.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hnviz.analysis.sweeps import MANIFEST
from hnviz.core.io import RunFileError, read_run_dict, write_atomic

from .backends import (
    ALIASES,
    Backend,
    BackendError,
    Finished,
    Job,
    Lost,
    Progress,
    Started,
    open_backend,
)
from .grid import Grid
from .manifest import Manifest, finished_record, new_manifest, previous_runs
from .one_run import failed
from .progress import Display

POLL_S = 0.5
WORKERS_EVERY_S = 5.0  # how often the manifest's worker count is refreshed


class StopFlag:
    """Ctrl-C / SIGTERM ask the sweep to stop: the loop finishes its batch, stops the workers and
    leaves a resumable manifest. A second Ctrl-C raises KeyboardInterrupt at once."""

    def __init__(self) -> None:
        self.requested = False

    def _handler(self, signum, frame) -> None:
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True

    @contextmanager
    def installed(self):
        if threading.current_thread() is not threading.main_thread():
            yield self  # tests calling the CLI from a thread: no signal handlers there
            return
        old = {s: signal.signal(s, self._handler) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for s, h in old.items():
                signal.signal(s, h)


def times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def run_sweep(grid: Grid, out: str | os.PathLike, *, backend: str = "local",
              jobs: int | None = None, address: str | None = None,
              resources: dict[str, float] | None = None, retries: int = 1,
              grid_points: int = 200, progress: bool = True, name: str | None = None,
              stop: StopFlag | None = None, device: str = "cpu") -> dict[str, Any]:
    """Run (or resume) the sweep into folder `out`, every run on `device` (cpu | cuda[:N] |
    auto, resolved by each worker); returns the final manifest (its "status":
    "done", or "cancelled" when stopped). Raises BackendError (manifest status "error") when
    the backend cannot go on, ConfigError for options that do not apply."""
    if retries < 0:
        raise ValueError("retries must be >= 0")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    backend = ALIASES.get(backend, backend)
    points = list(grid.points())
    before = previous_runs(out / MANIFEST)
    manifest = Manifest(out / MANIFEST, new_manifest(grid, name or out.name, grid_points,
                                                     backend, address))
    todo: dict[int, Job] = {}
    for p, rec in zip(points, manifest.runs):
        cfg = p.config.to_dict()
        done = finished_record(out / p.file, cfg)
        if done is not None:
            old = before.get(p.file, {})
            rec.update({k: old[k] for k in ("attempts", "worker") if k in old}, **done,
                       skipped=True)
        else:
            todo[p.index] = Job(p.index, cfg, grid_points, grid.limits, device)
    manifest.data["n_skipped"] = len(points) - len(todo)
    manifest.save()
    stop = stop or StopFlag()
    display = Display(len(points), len(points) - len(todo), _desc(manifest.data), progress)
    t0 = time.perf_counter()
    status, be = "cancelled", None
    try:
        with stop.installed():
            if todo:
                be = open_backend(backend, jobs or os.cpu_count() or 1, address, resources,
                                  retries)
                manifest.data.update(address=be.address, workers=be.n_workers)
                manifest.save()
                _drive(be, todo, manifest, out, retries, display, stop, t0)
            status = "cancelled" if stop.requested else "done"
    except BackendError as e:
        status = "error"
        manifest.data["error"] = str(e)
        raise
    finally:
        try:
            if be is not None:
                be.close()
        finally:  # the manifest is saved even if stopping the workers fails
            for i in range(len(manifest.runs)):
                manifest.back_to_pending(i)
            manifest.data.update(status=status, wall_s=round(time.perf_counter() - t0, 2))
            manifest.save()
            display.close()
    return manifest.data


def _desc(d: dict[str, Any]) -> str:
    axes = ", ".join(dict.fromkeys(a["field"] for ax in d["axes"].values() for a in ax))
    return f"sweep {axes} ({', '.join(d['methods'])} on {', '.join(d['benchmarks'])})"


def _drive(be: Backend, todo: dict[int, Job], manifest: Manifest, out: Path, retries: int,
           display: Display, stop: StopFlag, t0: float) -> None:
    """Submit every job and handle the backend's events until each run is recorded."""
    for job in todo.values():
        be.submit(job)
    attempts: Counter[int] = Counter()  # starts seen per run
    losses: Counter[int] = Counter()  # attempts reported lost per run
    lost_reason: dict[int, str] = {}
    where = f"{be.name} {be.address or '(this machine)'}" if be.name in ("dask", "ray") else ""
    display.counts(manifest.counts(), where)
    last_workers = time.monotonic()
    while todo and not stop.requested:
        events = be.poll(POLL_S)
        changed = False
        for ev in events:
            if ev.id not in todo or stop.requested:
                continue
            rec = manifest.runs[ev.id]
            if isinstance(ev, Progress):
                display.step(ev.id, ev.step, ev.total)
                continue
            changed = True
            if isinstance(ev, Started):
                attempts[ev.id] += 1
                if attempts[ev.id] > retries + 1:  # the cluster retried it on its own
                    be.cancel(ev.id)
                    reason = lost_reason.get(ev.id, "its worker died or was lost")
                    _record(manifest, display, todo, ev.id, failed(
                        f"{reason} {times(attempts[ev.id] - 1)}"))
                    continue
                manifest.started(ev.id, {"worker": ev.worker, "host": ev.host, "pid": ev.pid})
                display.started(ev.id, rec["file"])
            elif isinstance(ev, Finished):
                _record(manifest, display, todo, ev.id, _save(out, rec, todo[ev.id], ev.result))
            elif isinstance(ev, Lost):
                lost_reason[ev.id] = ev.reason
                losses[ev.id] += 1
                n = max(losses[ev.id], attempts[ev.id])
                if ev.final:
                    _record(manifest, display, todo, ev.id, failed(ev.reason))
                elif n <= retries:
                    manifest.back_to_pending(ev.id)
                    display.finished(ev.id, counted=False)
                    display.note(f"run {rec['file']}: {ev.reason}; running it again "
                                 f"(retry {n} of {retries})")
                    be.submit(todo[ev.id])
                else:
                    _record(manifest, display, todo, ev.id, failed(f"{ev.reason} {times(n)}"))
        if time.monotonic() - last_workers > WORKERS_EVERY_S:
            last_workers = time.monotonic()
            if manifest.data["workers"] != be.n_workers:
                manifest.data["workers"], changed = be.n_workers, True
        if changed:
            manifest.data["wall_s"] = round(time.perf_counter() - t0, 2)
            manifest.save()
            display.counts(manifest.counts())


def _record(manifest: Manifest, display: Display, todo: dict[int, Job], i: int,
            rec: dict[str, Any]) -> None:
    manifest.finished(i, rec)
    del todo[i]
    display.finished(i)
    if rec["status"] == "failed":
        display.note(f"run {manifest.runs[i]['file']} failed: {rec['error']}")


def _save(out: Path, rec: dict[str, Any], job: Job, result: dict[str, Any]) -> dict[str, Any]:
    """Write the run file a worker sent (after checking it is this run) and return its record."""
    record, blob = dict(result["record"]), result.get("run")
    if blob is None:
        return record
    try:
        raw = read_run_dict(blob)
        if raw["config"] != job.cfg:
            raise RunFileError("it holds another config (is the worker's hnviz the same?)")
    except RunFileError as e:
        return failed(f"the worker sent an unusable run file: {e}")
    write_atomic(out / rec["file"], lambda f: f.write(blob))
    return record
