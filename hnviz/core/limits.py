"""Size limits and a memory budget for one run: the values, checked on the config before anything
is built.

    Limits(...)                   frozen: one bound per size a user can ask for, and a budget
    LIBRARY                       the library's and the CLI's limits (generous, bounded)
    APP_DEFAULTS, app_limits()    the app's: APP_DEFAULTS overridden by HNVIZ_LIMIT_<FIELD>
    HARD                          absolute caps; the config dataclasses enforce the per-field ones
                                  in __post_init__; `--allow-large` checks only these
    check_sizes(sizes, limits)    ConfigError naming field, value and limit

A leaf like `config.py` (it imports only `errors`), so the configs can check their own fields
against HARD. Checking a whole run against limits needs the registries (the benchmark's task
count and sizes, the parameter counts, the memory estimate): that is `admission.admit(cfg,
limits)`, the one admission of a run. docs/LIMITS.md lists every limit.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from .errors import ConfigError

ENV_PREFIX = "HNVIZ_LIMIT_"


@dataclass(frozen=True)
class Limits:
    max_tasks: int  # task.n_tasks (resolved: the benchmark's default counts too)
    max_width: int  # every entry of target.hidden and hnet.hidden
    max_layers: int  # len(target.hidden), len(hnet.hidden)
    max_emb_dim: int  # hnet.emb_dim
    max_chunk_emb_dim: int  # hnet.chunk_emb_dim
    max_chunk_size: int  # hnet.chunk_size
    max_iters: int  # train.iters_per_task
    max_batch_size: int  # train.batch_size
    max_eval_every: int  # train.eval_every
    max_samples: int  # task.n_train, task.n_test (generated benchmarks)
    max_target_params: int  # sizes.param_counts(cfg).target
    max_hnet_params: int  # sizes.param_counts(cfg).hnet
    max_memory_mb: float  # sizes.memory_estimate(cfg).mb
    max_step_s: float  # sizes.step_estimate(cfg).seconds: one training step on one CPU core
    # the time budget: training steps of the whole run, task.n_tasks × train.iters_per_task
    max_steps: int = 10**13
    origin: str = "library"  # "library" | "app" | "hard": what the message says to change

    def hint(self, name: str) -> str:
        """How to change limit `name`, for the message."""
        if self.origin == "app":
            return env_name(name)
        if self.origin == "hard":
            return "an absolute cap"
        return "library limit; the CLI's --allow-large lifts it"


def env_name(field: str) -> str:
    """'max_width' -> 'HNVIZ_LIMIT_MAX_WIDTH'."""
    return ENV_PREFIX + field.upper()


# Absolute caps: nothing runs beyond these (the config dataclasses check the per-field ones).
HARD = Limits(
    max_tasks=10_000, max_width=2**24, max_layers=256, max_emb_dim=2**16,
    max_chunk_emb_dim=2**16, max_chunk_size=2**26, max_iters=10**9, max_batch_size=2**24,
    max_eval_every=10**9, max_samples=10**8, max_target_params=2**33, max_hnet_params=2**33,
    max_memory_mb=2.0**20, max_step_s=1e6, max_steps=10**13, origin="hard")

# Library and CLI: anything a workstation can run, nothing that takes it down by accident.
LIBRARY = Limits(
    max_tasks=1000, max_width=4096, max_layers=16, max_emb_dim=1024, max_chunk_emb_dim=1024,
    max_chunk_size=2**20, max_iters=10**6, max_batch_size=65_536, max_eval_every=10**6,
    max_samples=10**6, max_target_params=50_000_000, max_hnet_params=50_000_000,
    max_memory_mb=4096, max_step_s=600, max_steps=10**9, origin="library")

# The app's defaults: a shared 2-core class server with a few GB of memory and ~20 users. Every
# preset of every benchmark and method fits (tests/test_limits.py), the long-sequence presets at
# 100 tasks included (Permuted Digits-100, Permuted MNIST-100: 100 × 1000 and 100 × 2000 steps);
# the largest, EWC on Permuted MNIST, needs ~1 GB (its Fisher's per-sample gradients). The time
# budget: at most 250,000 training steps per run (tasks × iterations per task).
APP_DEFAULTS = Limits(
    max_tasks=100, max_width=1024, max_layers=6, max_emb_dim=64, max_chunk_emb_dim=64,
    max_chunk_size=20_000, max_iters=20_000, max_batch_size=1024, max_eval_every=20_000,
    max_samples=10_000, max_target_params=2_000_000, max_hnet_params=2_000_000,
    max_memory_mb=1536, max_step_s=5.0, max_steps=250_000, origin="app")

LIMIT_FIELDS = tuple(f.name for f in fields(Limits) if f.name != "origin")
FLOAT_FIELDS = ("max_memory_mb", "max_step_s")


def app_limits(environ: Mapping[str, str] | None = None,
               base: Limits = APP_DEFAULTS) -> Limits:
    """`base` with every `HNVIZ_LIMIT_<FIELD>` set in `environ` (default os.environ) applied.
    ConfigError for a value that is not a positive number or exceeds the absolute cap."""
    env = os.environ if environ is None else environ
    changes: dict[str, int | float] = {}
    for name in LIMIT_FIELDS:
        key = env_name(name)
        if key not in env:
            continue
        text = env[key].strip()
        try:
            value: int | float = float(text) if name in FLOAT_FIELDS else int(text)
        except ValueError:
            raise ConfigError(f"{key}={text!r} must be a positive "
                              f"{'number' if name in FLOAT_FIELDS else 'integer'}") from None
        cap = getattr(HARD, name)
        if not 0 < value <= cap:
            raise ConfigError(f"{key}={text} must be in (0, {num_text(cap)}]")
        changes[name] = value
    return dataclasses.replace(base, origin="app", **changes)


def num_text(v: float) -> str:
    """16777216 -> '16777216', 256.5 -> '256.5' (never 1.67772e+07)."""
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def too_big(name: str, value: float, limits: Limits, field: str) -> ConfigError:
    """The one-line refusal: '<name>=<value> exceeds the limit <limit> (<how to change it>)'."""
    limit = num_text(getattr(limits, field))
    return ConfigError(f"{name}={num_text(value)} exceeds the limit {limit} ({limits.hint(field)})")


def check_sizes(sizes: list[tuple[str, int, str]], limits: Limits) -> None:
    """ConfigError for the first (field, value, Limits field) whose value exceeds its limit."""
    for name, value, field in sizes:
        if value > getattr(limits, field):
            raise too_big(name, value, limits, field)
