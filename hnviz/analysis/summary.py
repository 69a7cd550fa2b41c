"""A finished (or stopped) run's numbers as one JSON object: what `train --json` prints and what
a sweep records per grid point."""

from __future__ import annotations

from typing import Any

from hnviz.core.benchmarks import data_note
from hnviz.core.evaluation import is_long
from hnviz.core.inference import entropy_task_inference
from hnviz.core.metrics import mean_final
from hnviz.core.sizes import param_counts


def task_inference_acc(trainer) -> float | None:
    """The fraction of test inputs (of the tasks in the last row) whose task was inferred right,
    in CL2/CL3 (`history["R_task"]`); None in CL1 (the task is given) and for methods that infer
    no task (CL2 baselines)."""
    rows = trainer.history.get("R_task") or []
    if not rows:
        return None
    hit = n = 0.0
    for j, v in enumerate(rows[-1][:len(rows)]):
        if v is None:
            continue
        size = trainer.seq.tasks[j].y_test.shape[0]
        hit, n = hit + v * size, n + size
    return hit / n if n else None


def run_summary(trainer, wall_s: float) -> dict[str, Any]:
    """Metric matrix and its summaries, parameter counts, timing, error, what the data is
    (`data`: a reduced version's label, or None) and the target kind; the scenario, and in
    CL2/CL3 `mean_final` with the task inferred, `mean_final_given` (task given) and
    `task_inference_acc`; for methods with task embeddings in CL1 also the compression and
    (classification, finished, not a long sequence: it costs T² network evaluations) accuracy
    without task identity (HNET+ENT: `ent_acc`, `ent_task_acc`).

    Timing: `wall_s` is the caller's wall time (`train`: the training loop, evaluation
    included) and `sec_per_iter` = wall_s / steps (kept for old readers; it includes
    evaluation). `train_s` / `eval_s` split the trainer's own time (history["timing"]);
    `ms_per_step` is training only (steps and end-of-task work, no evaluation) and
    `ms_per_step_by_task` the same per task (None where not measured), so a step cost that
    grows with the number of tasks shows."""
    out: dict[str, Any] = {
        "benchmark": trainer.cfg.task.benchmark,
        "scenario": trainer.cfg.task.scenario,
        "data": data_note(trainer.cfg.task),  # "reduced: ..." for a subset, else None
        "target": trainer.cfg.target.kind,
        "method": trainer.cfg.train.method,
        "beta": trainer.cfg.train.beta,
        "seed": trainer.cfg.train.seed,
        "metric": trainer.metric_name,
        "acc_matrix": trainer.history["R"],
        **trainer.summary(),
        "target_params": trainer.target_params,
        "hnet_params": None,
        "compression": None,
        "wall_s": round(wall_s, 3),
        "sec_per_iter": round(wall_s / max(1, trainer.global_step), 6),
        **step_timing(trainer),
        "error": trainer.error,
        "task_inference_acc": task_inference_acc(trainer),
    }
    if "R_given" in trainer.history:
        out["mean_final_given"] = mean_final(trainer.history["R_given"])
    if trainer.method.spec.has_embeddings:
        counts = param_counts(trainer.cfg)  # arithmetic, equal to the built model's
        out["hnet_params"] = counts.hnet
        out["compression"] = round(counts.compression, 4)
        if (not trainer.seq.is_regression and trainer.finished and not is_long(trainer.n_tasks)
                and trainer.scenario.task_given):
            ent = entropy_task_inference(trainer)
            out["ent_acc"], out["ent_task_acc"] = ent["acc"], ent["task_acc"]
    return out


def step_timing(trainer) -> dict[str, Any]:
    """{"train_s", "eval_s", "ms_per_step", "ms_per_step_by_task"} from history["timing"]."""
    timing = trainer.history.get("timing") or {}
    per_task = timing.get("task_train_s") or []
    steps = [trainer.iters if t < trainer.task else trainer.step_in_task
             for t in range(len(per_task))]
    measured = [(s, n) for s, n in zip(per_task, steps, strict=True) if s is not None and n]
    total_s, total_n = sum(s for s, _ in measured), sum(n for _, n in measured)
    return {
        "train_s": round(timing.get("train_s", 0.0), 3),
        "eval_s": round(timing.get("eval_s", 0.0), 3),
        "ms_per_step": round(1000 * total_s / total_n, 4) if total_n else None,
        "ms_per_step_by_task": [round(1000 * s / n, 4) if s is not None and n else None
                                for s, n in zip(per_task, steps, strict=True)],
    }
