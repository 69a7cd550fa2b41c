"""The inline backend: every run in this process, one after another (`--backend inline`).

For debugging (a breakpoint in the trainer works), notebooks and tests; nothing is isolated, so a
run that crashes the process ends the sweep (the manifest stays resumable). Sweeps that matter use
`local`, which survives a killed worker.
"""

from __future__ import annotations

from collections import deque

from .backends import Event, Finished, Job, Progress, Started
from .one_run import train_point


class InlineBackend:
    name = "inline"
    address = None
    n_workers = 1

    def __init__(self) -> None:
        self._queue: deque[Job] = deque()

    def submit(self, job: Job) -> None:
        self._queue.append(job)

    def cancel(self, job_id: int) -> None:
        self._queue = deque(j for j in self._queue if j.id != job_id)

    def poll(self, timeout: float) -> list[Event]:
        """Train the next run to its end (the engine sees its events all at once)."""
        if not self._queue:
            return []
        job = self._queue.popleft()
        events: list[Event] = []

        def report(event: dict) -> None:
            if event["event"] == "start":
                events.append(Started(job.id, "inline", event.get("host"), event.get("pid")))
            elif event["event"] == "progress":
                events.append(Progress(job.id, event["step"], event["total"]))

        result = train_point(job.cfg, job.grid_points, report, job.limits, job.device)
        return [*events, Finished(job.id, result)]

    def close(self) -> None:
        self._queue.clear()
