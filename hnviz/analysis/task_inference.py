"""What the Task inference page shows, from a run's model and history (no streamlit).

When the task is not given (CL2/CL3), a method with task embeddings runs a test input through
the network generated for every task seen so far and picks one (`core.inference.predict`): the
most confident network, lowest predictive entropy H (HNET+ENT), or the task classifier's most
probable task p(t | x) (HNET+R). These views show that choice and how good it is:

    input_view(trainer, task, index)   one test input: its score per task embedding, the task
                                       inferred, the prediction, right or wrong
    confusion(trainer)                 [true task, inferred task] fractions over the test sets
    curves(history)                    mean accuracy over the tasks seen after each task: task
                                       given, task inferred, task inferred right
    replay_samples(trainer, n, seed)   HNET+R: what the replay model generates for each task
    applies(cfg)                       whether the views mean anything for a run (and why not)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hnviz.core.benchmarks import benchmark
from hnviz.core.config import RunConfig
from hnviz.core.inference import predict, scenario_labels
from hnviz.core.method_specs import method_spec
from hnviz.core.scenarios import scenario

MAX_CONFUSION_ROWS = 2000  # test inputs per task used for the confusion matrix (bounded work)


def applies(cfg: RunConfig) -> str | None:
    """None when the views apply to runs of `cfg`, else why not (one line)."""
    if benchmark(cfg.task.benchmark).kind != "classification":
        return "task inference needs a classification benchmark (this run is a regression)"
    if scenario(cfg.task.scenario).task_given and not method_spec(cfg.train.method).has_embeddings:
        return (f"in CL1 the task is given, and {method_spec(cfg.train.method).short} has no "
                "task embeddings to infer it with")
    return None


@dataclass(frozen=True)
class InputView:
    """One test input as the run sees it without its task."""

    x: np.ndarray  # [in] the input
    image_shape: tuple[int, ...]  # how to draw x: (H, W), (C, H, W), or () for a vector
    task: int  # its true task (0-based)
    label: int  # its true label within the task
    scores: np.ndarray | None  # [K] per candidate task (None: the method infers no task)
    kind: str | None  # "entropy" (lower = chosen) | "probability" (higher = chosen) | None
    inferred: int | None  # the task inferred (None: none)
    pred: int  # the prediction, in the scenario's label space (CL3: t·O + c)
    target: int  # the right answer in that label space
    seen: int  # candidate tasks (the first `seen`)

    @property
    def correct(self) -> bool:
        return self.pred == self.target


def seen_tasks(trainer) -> int:
    """Tasks the run has learned (or is learning): the candidates when the task is inferred."""
    return trainer.seen


@torch.no_grad()
def input_view(trainer, task: int, index: int) -> InputView:
    """Test input `index` of task `task` (both bounded to what exists) through `predict`."""
    seq = trainer.seq
    task = min(max(0, int(task)), seq.n_tasks - 1)
    tk = seq.tasks[task]
    index = min(max(0, int(index)), tk.y_test.shape[0] - 1)
    x = tk.x_test[index:index + 1]  # [1, in]
    seen = seen_tasks(trainer)
    inf = predict(trainer, x, seen)
    y = tk.y_test[index:index + 1]
    return InputView(
        x=x[0].detach().cpu().numpy(), image_shape=tuple(seq.input_shape), task=task,
        label=int(y[0]), scores=None if inf.scores is None else inf.scores[0].cpu().numpy(),
        kind=inf.kind, inferred=None if inf.task is None else int(inf.task[0]),
        pred=int(inf.pred[0]), target=int(scenario_labels(trainer, y, task)[0]), seen=seen)


@torch.no_grad()
def confusion(trainer, max_rows: int = MAX_CONFUSION_ROWS) -> np.ndarray | None:
    """[seen, seen] row-normalized: the fraction of task i's test inputs (the first `max_rows`)
    whose task was inferred as k, over the tasks seen so far; None when the method infers no
    task (CL2 baselines). CL3 baselines: the task of the predicted class."""
    seen = seen_tasks(trainer)
    out = np.zeros((seen, seen))
    for i in range(seen):
        x = trainer.seq.tasks[i].x_test[:max_rows]
        inf = predict(trainer, x, seen)
        if inf.task is None:
            return None
        counts = torch.bincount(inf.task.cpu(), minlength=seen)[:seen].double()
        out[i] = (counts / max(1, x.shape[0])).numpy()
    return out


def _means(rows: list[list[float | None]] | None) -> list[float | None]:
    """Mean over tasks 0..i of row i (cells that hold a value); None where none does."""
    out: list[float | None] = []
    for i, row in enumerate(rows or []):
        vals = [v for v in row[:i + 1] if v is not None]
        out.append(sum(vals) / len(vals) if vals else None)
    return out


def curves(history: dict, scenario_name: str) -> dict[str, list[float | None]]:
    """After each task i, the mean over tasks 0..i of: "given" (accuracy with the task given),
    "inferred" (with it inferred; CL2/CL3 only) and "task" (fraction inferred right; None for
    methods that infer none). CL1 runs hold only "given" (R)."""
    if scenario(scenario_name).task_given:
        return {"given": _means(history.get("R"))}
    return {"given": _means(history.get("R_given")), "inferred": _means(history.get("R")),
            "task": _means(history.get("R_task"))}


@torch.no_grad()
def replay_samples(trainer, n: int, seed: int = 0) -> np.ndarray | None:
    """HNET+R: n samples of each seen task's decoder as the replay hypernetwork generates it
    now, [seen, n, in] in [0, 1]; None for methods without a replay model."""
    samples = getattr(trainer.method, "samples", None)
    if samples is None:
        return None
    gen = torch.Generator().manual_seed(seed)
    return samples(n, gen)[:seen_tasks(trainer)].cpu().numpy()
