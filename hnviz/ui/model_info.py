"""Numbers the pages show about a model: parameter counts before training and the regression
view (each task's generated function on a dense grid). Torch lives here, not in the pages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hnviz.analysis.generated import task_functions
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


@torch.no_grad()
def regression_view(trainer: Trainer, n_grid: int = 300):
    """(train [(x, y)] per task, grid [G], preds [T][G]) for the 1-D regression chart."""
    seq = trainer.seq
    train = [(tk.x_train[:, 0].tolist(), tk.y_train[:, 0].tolist()) for tk in seq.tasks]
    lo = min(min(x) for x, _ in train)
    hi = max(max(x) for x, _ in train)
    pad = 0.05 * (hi - lo)
    grid = np.linspace(lo - pad, hi + pad, n_grid, dtype=np.float32)  # [G]
    preds = task_functions(trainer, np.tile(grid, (seq.n_tasks, 1)))  # [T, G]
    return train, grid.tolist(), preds.tolist()
