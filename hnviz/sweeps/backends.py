"""Where runs execute: the interface every backend implements, and how to open one by name.

    local  worker processes on this machine (`local.py`; default; survives a killed worker)
    inline this process, one run after another (`inline.py`; debugging, tests)
    dask   a Dask cluster: `--address tcp://host:8786`, or a LocalCluster (`dask_backend.py`)
    ray    a Ray cluster: `--address host:6379` / `ray://host:10001` / `auto`, or a local Ray

A backend runs `one_run.train_point` on a job's config somewhere and reports back, through
`poll()`, what happened, as events addressed by the job's id (the run's index in the manifest):
`Started` (an attempt began on a worker), `Progress`, `Finished` (the result: record and run
bytes) and `Lost` (the attempt died with its worker, or the cluster gave up on it). The engine
(`engine.py`) decides what to do: resubmit a lost run (bounded), record it failed, save results.
Nothing a backend does writes into the sweep folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from hnviz.core.config import ConfigError
from hnviz.core.limits import LIBRARY, Limits

BACKENDS = ("local", "dask", "ray", "inline")
ALIASES = {"loky": "local"}  # the joblib backend sweeps used before: same meaning


@dataclass(frozen=True)
class Job:
    id: int  # the run's index in the manifest
    cfg: dict[str, Any]  # RunConfig.to_dict()
    grid_points: int
    limits: Limits = LIBRARY  # what the worker's Trainer checks the config against
    device: str = "cpu"  # where the worker trains: cpu | cuda[:N] | auto (resolved there)


@dataclass(frozen=True)
class Started:
    id: int
    worker: str  # the worker's name (local: "local-3"; dask: its --name; ray: node/pid)
    host: str | None = None
    pid: int | None = None


@dataclass(frozen=True)
class Progress:
    id: int
    step: int
    total: int


@dataclass(frozen=True)
class Finished:
    id: int
    result: dict[str, Any] = field(repr=False)  # {"record": ..., "run": bytes | None}


@dataclass(frozen=True)
class Lost:
    id: int
    reason: str  # 'worker process died (signal 9)'
    final: bool = False  # not worth retrying (e.g. the worker cannot import hnviz): failed now


Event = Started | Progress | Finished | Lost


class BackendError(RuntimeError):
    """The backend cannot go on (cluster unreachable, connection lost); one line."""


class Backend(Protocol):
    name: str
    address: str | None  # where the runs go, as shown to people (None: this machine)
    n_workers: int

    def submit(self, job: Job) -> None: ...

    def cancel(self, job_id: int) -> None: ...

    def poll(self, timeout: float) -> list[Event]: ...

    def close(self) -> None: ...


def parse_resources(items: list[str] | None) -> dict[str, float]:
    """['GPU=1', 'MEM=4e9'] -> {'GPU': 1.0, 'MEM': 4e9}: what one run needs from a worker."""
    out: dict[str, float] = {}
    for item in items or []:
        name, sep, amount = item.partition("=")
        try:
            value = float(amount)
        except ValueError:
            value = -1.0
        if not sep or not name.strip() or not value > 0:
            raise ConfigError(f"--resources {item!r}: write NAME=AMOUNT, e.g. GPU=1")
        out[name.strip()] = value
    return out


def open_backend(name: str, n_workers: int, address: str | None = None,
                 resources: dict[str, float] | None = None, retries: int = 1) -> Backend:
    """Start (or attach to) the named backend. ConfigError (one line) when its package is
    missing or an option does not apply; BackendError when the cluster cannot be reached."""
    name = ALIASES.get(name, name)
    if name not in BACKENDS:
        raise ConfigError(f"--backend must be one of {BACKENDS}")
    if name in ("local", "inline"):
        if address or resources:
            raise ConfigError("--address and --resources need --backend dask or ray")
        from .inline import InlineBackend
        from .local import LocalBackend

        return LocalBackend(n_workers) if name == "local" else InlineBackend()
    if name == "dask":
        from .dask_backend import DaskBackend

        return DaskBackend(n_workers, address, resources or {}, retries)
    from .ray_backend import RayBackend

    return RayBackend(n_workers, address, resources or {}, retries)
