"""Shared helpers for the live-training tests (tests/test_live_*.py). Also the extras hooks the
tests name by dotted path ("tests.live_helpers:extras_probe"): spawned workers import them by
that name (they inherit the test process's sys.path, which has the repository root)."""

from __future__ import annotations

import time

import torch

from hnviz.core.io import run_to_bytes
from hnviz.core.presets import default_config
from hnviz.core.trainer import MEASURED_HISTORY, Trainer


def toy_cfg(seed: int = 0, iters: int = 150, **train):
    return default_config("regression1d").replace(
        train={"iters_per_task": iters, "eval_every": 50, "seed": seed, **train})


def fresh_bytes(cfg) -> bytes:
    """A run file of an untrained run (what the app sends when the user presses Play)."""
    return run_to_bytes(Trainer(cfg), {"name": "test"})


def reference(cfg) -> Trainer:
    t = Trainer(cfg)
    t.run()
    return t


def same_tensors(a, b) -> bool:
    """Nested dicts/lists of tensors and plain values, compared exactly."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)
                and a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_tensors(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_tensors(x, y) for x, y in zip(a, b))
    return a == b


def without_wall(history: dict) -> dict:
    """History minus its measured entries (wall_s, timing: they differ between otherwise
    identical runs)."""
    return {k: v for k, v in history.items() if k not in MEASURED_HISTORY}


def extras_probe(trainer) -> dict:
    return {"step": trainer.global_step, "task": trainer.task, "pid_marker": "probe"}


def extras_broken(trainer) -> dict:
    raise ValueError(f"probe failed at step {trainer.global_step}")


def wait_until(predicate, timeout: float, every: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


def extras_exit(trainer) -> dict:
    """A poison run: its worker dies at the first publish after it trained (a crash loop)."""
    if trainer.global_step > 0:
        raise SystemExit(3)
    return {}
