"""RunView: everything a page draws for a run, without the model.

A live run's model sits in a worker process (hnviz.live); the server keeps a mirror of its
progress and history. Demos and loaded files are parsed once. Pages draw all three through this
one immutable value: config, progress, the trainer's history (plain JSON, see
hnviz.core.trainer), per-task labels and the live extras (hnviz.analysis.views.train_extras).
Only the analysis pages (landscapes, interpolation) need a real Trainer; they ask the run for one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hnviz.core.config import RunConfig
from hnviz.core.metrics import metric_named

# What a run is doing, as the pages say it.
STATES = ("idle", "playing", "paused", "done", "diverged", "lost")


@dataclass(frozen=True)
class RunView:
    cfg: RunConfig
    history: Mapping[str, Any]  # trainer.history: loss, evals, R0, R, emb_traj, task_end_steps
    task: int  # task being trained (== n_tasks when finished)
    step_in_task: int
    n_tasks: int
    task_names: Sequence[str]  # 'task 1: y = x + 3', ...
    metric: str  # "accuracy" | "mse"
    error: str | None = None
    state: str = "idle"
    message: str | None = None  # e.g. "restored from step 1,200 after a worker crash"
    extras: Mapping[str, Any] = field(default_factory=dict)
    version: int = 0  # grows with every change of the run

    # ------------------------------------------------------------------ progress
    @property
    def iters(self) -> int:
        return self.cfg.train.iters_per_task

    @property
    def global_step(self) -> int:
        return min(self.task, self.n_tasks) * self.iters + self.step_in_task

    @property
    def total_steps(self) -> int:
        return self.n_tasks * self.iters

    @property
    def progress(self) -> float:
        return min(1.0, self.global_step / max(1, self.total_steps))

    @property
    def finished(self) -> bool:
        return self.task >= self.n_tasks

    @property
    def done(self) -> bool:
        return self.finished or self.error is not None

    @property
    def tasks_done(self) -> int:
        return len(self.history.get("R", ()))

    # ------------------------------------------------------------------ metric
    @property
    def higher_is_better(self) -> bool:
        return metric_named(self.metric).higher_is_better

    @property
    def is_regression(self) -> bool:
        return not self.higher_is_better

    def status(self) -> str:
        """'3/3 tasks done', '1/5 tasks done · step 1,250/5,000', '… · diverged'."""
        text = f"{self.tasks_done}/{self.n_tasks} tasks done"
        if self.error:
            return text + " · diverged"
        if not self.finished and self.global_step:
            text += f" · step {self.global_step:,}/{self.total_steps:,}"
        return text


def view_of(trainer, task_names: Sequence[str], extras: Mapping[str, Any] | None = None,
            state: str | None = None, version: int = 0) -> RunView:
    """A RunView of a Trainer held in this process (a snapshot: lists are copied)."""
    h = trainer.history
    hist = {k: (list(v) if isinstance(v, list) else v) for k, v in h.items()}
    if state is None:
        state = "diverged" if trainer.error else "done" if trainer.finished else (
            "paused" if trainer.global_step else "idle")
    return RunView(cfg=trainer.cfg, history=hist, task=trainer.task,
                   step_in_task=trainer.step_in_task, n_tasks=trainer.n_tasks,
                   task_names=tuple(task_names), metric=trainer.metric_name,
                   error=trainer.error, state=state, extras=dict(extras or {}), version=version)
