"""Resource limits of the live-training pool: how many workers, and how much one user (and the
server as a whole) may host and train at once.

Every field can be overridden from the environment (read by `Limits.from_env()`):

    HNVIZ_WORKERS               worker processes (default: the CPUs this process may use;
                                0 = train in a background thread of the server, `InlinePool`)
    HNVIZ_MAX_PLAYING_PER_USER  runs one user may train at once (playing or stepping), default 2
    HNVIZ_MAX_HOSTED_PER_USER   runs one user may keep live (playing or not), default 6
    HNVIZ_LIMIT_TRAINERS        runs the whole server trains at once, default 4 per CPU and
                                at least 10 (older name: HNVIZ_MAX_PLAYING)
    HNVIZ_MAX_HOSTED            runs the whole server keeps live, default 64
    HNVIZ_MAX_RUN_MB            largest run file a worker is asked to load, default 256
    HNVIZ_MAX_STEP              most steps one Step request may ask for, default 1000000
    HNVIZ_WORKER_NICE           niceness added to each worker process, default 5 (the web
                                server's own work then preempts training)

A malformed value raises ValueError naming the variable (a deployment error, found at start).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass

TRAINERS_ENV = "HNVIZ_LIMIT_TRAINERS"


def available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Limits:
    workers: int = dataclasses.field(default_factory=available_cpus)
    max_playing_per_user: int = 2
    max_hosted_per_user: int = 6
    max_playing: int = dataclasses.field(default_factory=lambda: max(10, 4 * available_cpus()))
    max_hosted: int = 64
    max_run_mb: float = 256.0
    max_step: int = 1_000_000
    worker_nice: int = 5

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name == "worker_nice":
                if not 0 <= v <= 19:
                    raise ValueError(f"Limits.worker_nice must be in [0, 19], got {v!r}")
            elif f.name == "workers":
                if not 0 <= v <= 256:
                    raise ValueError(f"Limits.workers must be in [0, 256], got {v!r}")
            elif not v > 0:
                raise ValueError(f"Limits.{f.name} must be > 0, got {v!r}")

    @property
    def max_run_bytes(self) -> int:
        return int(self.max_run_mb * 2**20)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> Limits:
        """Defaults, then HNVIZ_* environment variables, then explicit keyword overrides."""
        env = os.environ if env is None else env
        values = {}
        for f in dataclasses.fields(cls):
            name = "HNVIZ_" + f.name.upper()
            if f.name == "max_playing" and (env.get(TRAINERS_ENV) or "").strip():
                name = TRAINERS_ENV  # the operator's name for it (docs/LIMITS.md)
            raw = env.get(name)
            if raw is None or raw.strip() == "":
                continue
            kind = float if f.name == "max_run_mb" else int
            try:
                values[f.name] = kind(raw)
            except ValueError:
                raise ValueError(f"{name}={raw!r} is not a valid {kind.__name__}") from None
        values.update(overrides)
        try:
            return cls(**values)
        except ValueError as e:
            raise ValueError(f"{e} (check the HNVIZ_* environment settings)") from None
