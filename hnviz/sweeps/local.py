"""The local backend: a pool of worker processes on this machine that survives losing one.

Each worker is a spawned process with a pipe to the client; it takes one job at a time, reports
its start and progress, and sends back the result. The client watches every pipe and every
process sentinel at once (`multiprocessing.connection.wait`): when a worker dies (the OOM killer's
SIGKILL, a segfault), the job it held is reported `Lost` with the reason ("worker process died
(signal 9)") and a fresh worker takes its place; the engine decides whether to run it again. A
job whose worker died before the job started is requeued silently, and workers that keep dying
before starting anything stop the sweep with a `BackendError` (a broken environment, not a run).

Workers ignore SIGINT: Ctrl-C reaches the client, which stops the pool itself.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
from collections import deque
from multiprocessing.connection import Connection, wait
from typing import Any

from .backends import BackendError, Event, Finished, Job, Lost, Progress, Started

JOIN_S = 5.0  # how long close() waits for a worker before killing it


class _Worker:
    def __init__(self, ctx, name: str):
        self.name = name
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=worker_main, args=(child,), name=name, daemon=True)
        self.proc.start()
        child.close()
        self.job: Job | None = None
        self.started = False  # the job reported its start (an attempt began)
        self.cancelled = False

    @property
    def dead(self) -> bool:
        return self.proc.exitcode is not None


class LocalBackend:
    name = "local"
    address = None

    def __init__(self, n_workers: int):
        self.n_workers = max(1, n_workers)
        self._ctx = mp.get_context("spawn")
        self._workers: list[_Worker] = []
        self._queue: deque[Job] = deque()
        self._n_spawned = 0
        self._early_deaths = 0  # workers that died before starting any job

    # ---------------------------------------------------------------- the Backend interface
    def submit(self, job: Job) -> None:
        self._queue.append(job)

    def cancel(self, job_id: int) -> None:
        self._queue = deque(j for j in self._queue if j.id != job_id)
        for w in self._workers:
            if w.job is not None and w.job.id == job_id:
                w.cancelled = True
                w.proc.kill()

    def poll(self, timeout: float) -> list[Event]:
        events: list[Event] = []
        self._dispatch()
        busy = [w for w in self._workers if w.job is not None]
        if not busy:
            return events
        ready = set(wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout))
        for w in busy:
            if w.conn in ready:
                self._receive(w, events)
        for w in list(self._workers):
            if w.proc.sentinel in ready or w.dead:
                w.proc.join(0.1)
                if w.dead:
                    self._receive(w, events)  # whatever it sent before dying
                    self._buried(w, events)
        self._dispatch()
        return events

    def close(self) -> None:
        for w in self._workers:
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
        for w in self._workers:
            if w.job is not None:
                w.proc.terminate()
        for w in self._workers:
            w.proc.join(JOIN_S)
            if w.proc.exitcode is None:
                w.proc.kill()
                w.proc.join(JOIN_S)
            w.conn.close()
        self._workers.clear()

    # ---------------------------------------------------------------- internals
    def _dispatch(self) -> None:
        """Start workers up to the pool size (as long as there are jobs) and hand out jobs."""
        for w in self._workers:
            if w.job is None and self._queue and not w.dead:
                self._give(w, self._queue.popleft())
        while self._queue and len(self._workers) < self.n_workers:
            self._n_spawned += 1
            w = _Worker(self._ctx, f"local-{self._n_spawned}")
            self._workers.append(w)
            self._give(w, self._queue.popleft())

    def _give(self, w: _Worker, job: Job) -> None:
        w.job, w.started, w.cancelled = job, False, False
        try:
            w.conn.send(("job", job.id, job.cfg, job.grid_points, job.limits, job.device))
        except (OSError, ValueError):
            pass  # it died meanwhile: its sentinel reports it

    def _receive(self, w: _Worker, events: list[Event]) -> None:
        try:
            while w.conn.poll():
                kind, job_id, payload = w.conn.recv()
                if w.job is None or job_id != w.job.id or w.cancelled:
                    continue
                if kind == "result":
                    events.append(Finished(job_id, payload))
                    w.job = None
                elif payload.get("event") == "start":
                    w.started = True
                    events.append(Started(job_id, w.name, payload.get("host"),
                                          payload.get("pid")))
                elif payload.get("event") == "progress":
                    events.append(Progress(job_id, payload["step"], payload["total"]))
        except (EOFError, OSError):
            pass  # the pipe broke: the worker died mid-message

    def _buried(self, w: _Worker, events: list[Event]) -> None:
        """A worker exited: report its job lost (or requeue it if it never started)."""
        self._workers.remove(w)
        w.conn.close()
        job, reason = w.job, exit_reason(w.proc.exitcode)
        if job is None or w.cancelled:
            return
        if w.started:
            events.append(Lost(job.id, reason))
            return
        self._early_deaths += 1
        if self._early_deaths > 3 * self.n_workers:
            raise BackendError(f"local worker processes keep dying before they start a run "
                               f"(last: {reason})")
        self._queue.appendleft(job)


def exit_reason(exitcode: int | None) -> str:
    """'worker process died (signal 9)' / 'worker process exited (code 1)'."""
    if exitcode is not None and exitcode < 0:
        return f"worker process died (signal {-exitcode})"
    return f"worker process exited (code {exitcode})"


def worker_main(conn: Connection) -> None:
    """A worker's loop: take a job, train it, send events and the result; None ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .one_run import train_point

    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        _, job_id, cfg, grid_points, limits, device = msg

        def report(event: dict[str, Any], job_id: int = job_id) -> None:
            conn.send(("event", job_id, event))

        result = train_point(cfg, grid_points, report, limits, device)
        conn.send(("result", job_id, result))
