"""Numbers the pages show about a model: parameter counts before training and task labels.
Torch lives here, not in the pages."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from hnviz.core.benchmarks import benchmark, build_tasks
from hnviz.core.config import RunConfig
from hnviz.core.hnets import compression_ratio, count_params
from hnviz.core.method_specs import method_spec
from hnviz.core.targets import num_params
from hnviz.core.trainer import Trainer, build_target


@dataclass(frozen=True)
class ParamCounts:
    target: int
    hnet: int | None  # None for the baselines (they train the target weights directly)
    compression: float | None  # hnet / target; < 1 means the hypernet is smaller


def param_counts(cfg: RunConfig) -> ParamCounts:
    """Counts for a config without training (builds the nets once; data sets are cached)."""
    seq = build_tasks(cfg.task)
    target = build_target(cfg, seq)
    p = num_params(target)
    spec = method_spec(cfg.train.method)
    if not spec.has_embeddings:
        return ParamCounts(p, None, None)
    method = spec.build(cfg, target, seq.n_tasks, torch.Generator().manual_seed(0))
    return ParamCounts(p, count_params(method.hnet), compression_ratio(method.hnet, p))


def task_names(trainer: Trainer) -> list[str]:
    """Short labels of the run's tasks (from its benchmark's entry): 'task 1: y = x + 3'."""
    return benchmark(trainer.cfg.task.benchmark).task_names(trainer.n_tasks)
