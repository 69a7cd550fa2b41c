"""The Ray backend, behind the same interface as Dask: runs go to a Ray cluster, results (run
file bytes and record) come back to the client, which writes them.

    --backend ray --address HOST:6379 (or ray://HOST:10001, or auto)   attach to a running cluster
    --backend ray                                                      a local Ray (--jobs CPUs)

Each run is one Ray task (`ray_task`, one CPU; `--resources GPU=1` asks for one GPU). A task whose
worker process dies is rerun by Ray itself up to `retries` times (`max_retries`); then the
client records it failed. Start and progress events travel through a `ray.util.queue.Queue`.
Every node of an external cluster needs the client's hnviz and torch (`pip install
'hnviz[cluster]'`): `check_versions` asks each alive node (`versions.probe`, sent by value, one
zero-CPU task pinned to the node) before anything is submitted and stops with one line naming
the first node that differs.
"""

from __future__ import annotations

import os
from typing import Any

from hnviz.core.config import ConfigError
from hnviz.paths import source_root

from .backends import BackendError, Event, Finished, Job, Lost, Progress, Started
from .one_run import one_line, train_point


def ray_task(cfg: dict[str, Any], grid_points: int, job_id: int, events,
             limits, device: str = "cpu") -> dict[str, Any]:
    """One run on a Ray worker; its events go to the client through the `events` queue."""
    import ray

    name = f"{ray.get_runtime_context().get_node_id()[:8]}/{os.getpid()}"

    def report(event: dict[str, Any]) -> None:
        events.put_nowait({"id": job_id, "worker": name, **event})

    return train_point(cfg, grid_points, report, limits, device)


CHECK_S = 120  # how long a node may take to answer (it starts a worker and imports torch)


def check_versions() -> str | None:
    """One line naming the first alive node of the connected Ray cluster that cannot run this
    client's runs (no hnviz, another hnviz or torch version, ...); None if every node can.
    Nodes that join later are not checked."""
    import ray
    from ray import cloudpickle
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from . import versions

    versions.by_value(cloudpickle)  # Ray pickles remote functions with its own cloudpickle
    remote = ray.remote(num_cpus=0, max_retries=0)(versions.probe)
    refs = {}
    for node in sorted(ray.nodes(), key=lambda n: n["NodeManagerAddress"]):
        if node.get("Alive"):
            where = NodeAffinitySchedulingStrategy(node["NodeID"], soft=False)
            name = f"ray node {node['NodeManagerAddress']} ({node['NodeID'][:8]})"
            refs[name] = remote.options(scheduling_strategy=where).remote()
    nodes: dict[str, object] = {}
    for name, ref in refs.items():
        try:
            nodes[name] = ray.get(ref, timeout=CHECK_S)
        except Exception as e:  # noqa: BLE001 - reported as that node's problem
            nodes[name] = e
    return versions.mismatch(versions.probe(), nodes)


class RayBackend:
    name = "ray"

    def __init__(self, n_workers: int, address: str | None, resources: dict[str, float],
                 retries: int):
        try:
            import ray
            from ray.util.queue import Queue
        except ImportError:
            raise ConfigError("--backend ray needs the `ray` package: pip install 'ray'"
                              ) from None
        self._ray = ray
        self.address = address
        self._n_local = n_workers
        try:
            if address:
                ray.init(address=address, include_dashboard=False, log_to_driver=False,
                         configure_logging=False)
            else:  # a local Ray: its workers run this Python, and from a checkout need its path
                src = source_root()
                env = {} if src is None else {"env_vars": {"PYTHONPATH": os.pathsep.join(
                    filter(None, [str(src), os.environ.get("PYTHONPATH")]))}}
                ray.init(num_cpus=n_workers, include_dashboard=False, log_to_driver=False,
                         configure_logging=False, runtime_env=env or None)
        except Exception as e:  # noqa: BLE001 - connection, authentication, ...: one line
            raise BackendError(f"cannot start or reach Ray at {address or 'this machine'}: "
                               f"{one_line(e)[:200]}") from None
        if address:  # a local Ray runs this very Python; a cluster's nodes must match it
            try:
                problem = check_versions()
            except BaseException:
                ray.shutdown()
                raise
            if problem:
                ray.shutdown()
                raise BackendError(problem)
        self._queue = Queue()
        res = dict(resources)
        options: dict[str, Any] = {"num_cpus": 1, "max_retries": retries,
                                   "retry_exceptions": False}
        if "GPU" in res:
            options["num_gpus"] = res.pop("GPU")
        if res:
            options["resources"] = res
        self._remote = ray.remote(**options)(ray_task)
        self._refs: dict[Any, int] = {}  # ObjectRef -> job id
        self._cancelled: set[int] = set()

    @property
    def n_workers(self) -> int:
        if not self.address:
            return self._n_local
        try:
            return int(self._ray.cluster_resources().get("CPU", 0))
        except Exception:  # noqa: BLE001 - a count for display only
            return 0

    def submit(self, job: Job) -> None:
        self._cancelled.discard(job.id)
        ref = self._remote.remote(job.cfg, job.grid_points, job.id, self._queue, job.limits,
                                       job.device)
        self._refs[ref] = job.id

    def cancel(self, job_id: int) -> None:
        for ref, i in list(self._refs.items()):
            if i == job_id:
                self._cancelled.add(job_id)
                del self._refs[ref]
                self._ray.cancel(ref, force=True)

    def poll(self, timeout: float) -> list[Event]:
        ray = self._ray
        events: list[Event] = []
        if self._refs:
            ray.wait(list(self._refs), num_returns=1, timeout=timeout)
        n = self._queue.size()
        for msg in self._queue.get_nowait_batch(n) if n else []:
            if msg.get("event") == "start":
                events.append(Started(msg["id"], msg.get("worker", "?"), msg.get("host"),
                                      msg.get("pid")))
            elif msg.get("event") == "progress":
                events.append(Progress(msg["id"], msg["step"], msg["total"]))
        if not self._refs:
            return events
        ready, _ = ray.wait(list(self._refs), num_returns=len(self._refs), timeout=0)
        for ref in ready:
            job_id = self._refs.pop(ref)
            events.append(self._outcome(job_id, ref))
        return events

    def _outcome(self, job_id: int, ref) -> Event:
        from ray import exceptions as rx

        try:
            return Finished(job_id, self._ray.get(ref))
        except rx.TaskCancelledError:
            return Lost(job_id, "cancelled on the cluster")
        except rx.RayTaskError as e:  # the task itself raised (e.g. hnviz missing there)
            return Lost(job_id, f"on the ray worker: {one_line(e)[:300]}", final=True)
        except rx.WorkerCrashedError:
            return Lost(job_id, "its ray worker process died")
        except rx.RayError as e:  # node died, object lost, ...
            return Lost(job_id, f"lost on the ray cluster ({type(e).__name__})")

    def close(self) -> None:
        ray = self._ray
        try:
            for ref in self._refs:
                ray.cancel(ref, force=True)
            self._refs.clear()
            ray.kill(self._queue.actor)
        finally:
            ray.shutdown()
