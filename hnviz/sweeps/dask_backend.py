"""The Dask backend: runs go to a Dask cluster, results come back to the client.

    --backend dask --address tcp://scheduler:8786   attach to a running scheduler (any machines)
    --backend dask                                   a LocalCluster: --jobs worker processes

Each run is one task (`dask_task`): it trains on whichever worker the scheduler picks and returns
the run file as bytes with its record, so workers need no shared file system, only the same
hnviz as the client (`pip install 'hnviz[cluster]'`). Before anything is submitted to an external
scheduler, `check_versions` asks the scheduler (which unpickles the task graph) and every worker
what they import (`versions.probe`, sent by value) and stops with one line naming the first node
without the client's hnviz and torch. While a run trains, the task reports its start and
progress with `Worker.log_event` on a topic of this sweep, which the client receives through
`Client.subscribe_topic`.

Lost workers: when a worker dies holding a run, the scheduler reruns the task on another worker,
at most `distributed.scheduler.allowed-failures` times, then the future fails with `KilledWorker`.
For a LocalCluster that limit is set to `retries`; an external scheduler keeps its own (default
3), and the engine still fails a run that starts more than retries + 1 times. `--resources
GPU=1` makes each run take one GPU of a worker started with `dask worker --resources GPU=1`.
"""

from __future__ import annotations

import logging
import queue
import uuid
from typing import Any

from hnviz.core.config import ConfigError

from .backends import BackendError, Event, Finished, Job, Lost, Progress, Started
from .one_run import one_line, train_point

CONNECT_S = 20  # how long to wait for an external scheduler


def dask_task(cfg: dict[str, Any], grid_points: int, job_id: int, topic: str,
              limits, device: str = "cpu") -> dict[str, Any]:
    """One run on a Dask worker; its events go to the client as log events on `topic`."""
    from distributed import get_worker

    worker = get_worker()
    name = str(worker.name)

    def report(event: dict[str, Any]) -> None:
        # ("worker" would be overwritten: the scheduler sets it to the worker's address)
        worker.log_event(topic, {"id": job_id, "name": name, **event})

    return train_point(cfg, grid_points, report, limits, device)


def check_versions(client, address: str) -> str | None:
    """One line naming the first node of the cluster (the scheduler, then each worker) that
    cannot run this client's runs: no hnviz, another hnviz or torch version, ...; None if all
    can. Workers that join later are not checked (a run on one without hnviz fails with the
    reason)."""
    import cloudpickle

    from . import versions

    versions.by_value(cloudpickle)  # distributed pickles such functions with cloudpickle
    nodes: dict[str, object] = {}
    try:
        nodes[f"the dask scheduler at {address}"] = client.run_on_scheduler(versions.probe)
    except Exception as e:  # noqa: BLE001 - reported as that node's problem
        nodes[f"the dask scheduler at {address}"] = e
    names = {a: str(w.get("name", a)) for a, w in client.scheduler_info()["workers"].items()}
    for addr, info in sorted(client.run(versions.probe, on_error="return").items()):
        name = names.get(addr, addr)
        nodes[f"dask worker {name} ({addr})" if name != addr else f"dask worker {addr}"] = info
    return versions.mismatch(versions.probe(), nodes)


class DaskBackend:
    name = "dask"

    def __init__(self, n_workers: int, address: str | None, resources: dict[str, float],
                 retries: int):
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise ConfigError("--backend dask needs `dask[distributed]`: "
                              "pip install 'dask[distributed]'") from None
        self._events: queue.Queue = queue.Queue()
        self._topic = f"hnviz-sweep-{uuid.uuid4().hex}"
        self._futures: dict[int, Any] = {}
        self._n_submitted = 0
        self._resources = resources or None
        self._cluster = None
        self._local_workers = n_workers
        try:
            if address:
                self.client = Client(address, timeout=CONNECT_S, set_as_default=False)
            else:
                with dask.config.set({"distributed.scheduler.allowed-failures": retries}):
                    self._cluster = LocalCluster(
                        n_workers=n_workers, threads_per_worker=1, processes=True,
                        dashboard_address=None, resources=self._resources,
                        silence_logs=logging.ERROR)
                self.client = Client(self._cluster, set_as_default=False)
        except (OSError, TimeoutError) as e:
            if self._cluster is not None:
                self._cluster.close()
            where = address or "a local cluster"
            raise BackendError(f"cannot reach the dask scheduler at {where}: "
                               f"{one_line(e)[:200]}") from None
        self.address = address  # None: a LocalCluster on this machine
        if address:  # a LocalCluster runs this very Python; an external one must match it
            try:
                problem = check_versions(self.client, address)
            except BaseException:
                self.client.close()
                raise
            if problem:
                self.client.close()
                raise BackendError(problem)
        self.client.subscribe_topic(self._topic, self._on_event)

    @property
    def n_workers(self) -> int:
        if self._cluster is not None:
            return self._local_workers
        try:
            return int(self.client.scheduler_info(n_workers=0).get("n_workers", 0))
        except Exception:  # noqa: BLE001 - a count for display only
            return 0

    def _on_event(self, event: tuple[float, dict[str, Any]]) -> None:
        self._events.put(("event", event[1]))  # runs in the client's thread: only enqueue

    def submit(self, job: Job) -> None:
        self._n_submitted += 1
        fut = self.client.submit(dask_task, job.cfg, job.grid_points, job.id, self._topic,
                                 job.limits, job.device, key=f"hnviz-run-{job.id}-{self._n_submitted}-{self._topic[-8:]}",
                                 pure=False, resources=self._resources)
        self._futures[job.id] = fut
        fut.add_done_callback(lambda f, i=job.id: self._events.put(("done", i, f)))

    def cancel(self, job_id: int) -> None:
        fut = self._futures.pop(job_id, None)
        if fut is not None:
            self.client.cancel([fut], force=True)

    def poll(self, timeout: float) -> list[Event]:
        items = []
        try:
            items.append(self._events.get(timeout=timeout))
            while True:
                items.append(self._events.get_nowait())
        except queue.Empty:
            pass
        events: list[Event] = []
        for item in items:
            if item[0] == "event":
                msg = item[1]
                if msg.get("event") == "start":
                    events.append(Started(msg["id"], msg.get("name", "?"), msg.get("host"),
                                          msg.get("pid")))
                elif msg.get("event") == "progress":
                    events.append(Progress(msg["id"], msg["step"], msg["total"]))
                continue
            _, job_id, fut = item
            if self._futures.get(job_id) is not fut:
                continue  # cancelled, or an earlier submission of a run sent again
            del self._futures[job_id]
            events.append(self._outcome(job_id, fut))
        return events

    def _outcome(self, job_id: int, fut) -> Event:
        from distributed.scheduler import KilledWorker

        if fut.status == "finished":
            return Finished(job_id, fut.result())
        if fut.status == "cancelled":
            if self.client.status not in ("running", "connecting"):
                raise BackendError(f"lost the connection to the dask scheduler at "
                                   f"{self.address}")
            return Lost(job_id, "cancelled on the cluster")
        exc = fut.exception()
        if isinstance(exc, KilledWorker):
            return Lost(job_id, "its dask worker died or was lost while running it")
        return Lost(job_id, f"on the dask worker: {one_line(exc)[:300]}", final=True)

    def close(self) -> None:
        try:
            if self._futures:
                self.client.cancel(list(self._futures.values()), force=True)
            self._futures.clear()
            self.client.unsubscribe_topic(self._topic)
            self.client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()
