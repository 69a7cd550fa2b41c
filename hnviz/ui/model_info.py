"""Task labels of a run for the pages (from its benchmark's registry entry)."""

from __future__ import annotations

from hnviz.core.benchmarks import benchmark
from hnviz.core.trainer import Trainer


def task_names(trainer: Trainer) -> list[str]:
    """Short labels of the run's tasks (from its benchmark's entry): 'task 1: y = x + 3'."""
    return benchmark(trainer.cfg.task.benchmark).task_names(trainer.n_tasks)
