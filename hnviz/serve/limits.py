"""What one server gives its users, together and each: set by the operator through
`HNVIZ_LIMIT_*` environment variables (docs/LIMITS.md), read once at start.

    users        HNVIZ_LIMIT_USERS          users with a workspace at once (a cookie-less visit is
                                            a new user); default 200
    disk_mb      HNVIZ_LIMIT_DISK_MB        every user's files together (saved runs, their runs'
                                            files, sweeps, temp files); default 20000
    user_mb      HNVIZ_LIMIT_USER_MB        one user's files; default 500
    user_runs    HNVIZ_LIMIT_USER_RUNS      runs one user keeps in their list (each has a file);
                                            default 20
    saved_runs   HNVIZ_LIMIT_SAVED_RUNS     runs one user saves under a name; default 100
    sweeps       HNVIZ_LIMIT_SWEEPS         sweeps started from the app running at once;
                                            default 2 (one per user in any case)
    sweep_runs   HNVIZ_LIMIT_SWEEP_RUNS     runs (values × seeds) of one app-started sweep; 24
    sweep_iters  HNVIZ_LIMIT_SWEEP_ITERS    iterations per task of one; default 5000
    sweep_jobs   HNVIZ_LIMIT_SWEEP_JOBS     worker processes of one; default 1
    idle_s       HNVIZ_LIMIT_IDLE_S         a workspace unseen this long is released (its live
                                            runs saved to their files and taken out of training,
                                            its sweep stopped); default 600

Older names still read: HNVIZ_MAX_USER_MB, HNVIZ_MAX_SAVED_RUNS, HNVIZ_MAX_AUTOSAVES (user_runs),
HNVIZ_WORKSPACE_TTL_S (idle_s). Runs training at once on the whole server are the live pool's
(`HNVIZ_LIMIT_TRAINERS`, hnviz/live/limits.py). A malformed or non-positive value raises ValueError naming the
variable (a deployment error, found at start).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass

ENV = "HNVIZ_LIMIT_"
OLD_NAMES = {"user_mb": "HNVIZ_MAX_USER_MB", "saved_runs": "HNVIZ_MAX_SAVED_RUNS",
             "user_runs": "HNVIZ_MAX_AUTOSAVES", "idle_s": "HNVIZ_WORKSPACE_TTL_S"}


@dataclass(frozen=True)
class ServerLimits:
    users: int = 200
    disk_mb: float = 20_000.0
    user_mb: float = 500.0
    user_runs: int = 20
    saved_runs: int = 100
    sweeps: int = 2
    sweep_runs: int = 24
    sweep_iters: int = 5000
    sweep_jobs: int = 1
    idle_s: float = 600.0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            if not getattr(self, f.name) > 0:
                raise ValueError(f"{env_name(f.name)} must be > 0, got {getattr(self, f.name)!r}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> ServerLimits:
        """Defaults, then the environment (older names first, HNVIZ_LIMIT_* over them), then
        keyword overrides."""
        env = os.environ if env is None else env
        values: dict[str, float | int] = {}
        for f in dataclasses.fields(cls):
            kind = float if f.type in ("float", float) else int
            for name in (OLD_NAMES.get(f.name), env_name(f.name)):
                raw = env.get(name) if name else None
                if raw is None or not raw.strip():
                    continue
                try:
                    values[f.name] = kind(raw)
                except ValueError:
                    raise ValueError(f"{name}={raw!r} is not a valid {kind.__name__}") from None
        values.update(overrides)
        return cls(**values)

    def hint(self, field: str) -> str:
        return env_name(field)


def env_name(field: str) -> str:
    return ENV + field.upper()


def wait_text(seconds: float | None) -> str:
    """'in about 3 min' / 'in a few seconds' / 'later' (unknown)."""
    if seconds is None:
        return "later"
    if seconds < 60:
        return "in under a minute"
    return f"in about {round(seconds / 60)} min"
