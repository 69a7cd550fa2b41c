"""A finished (or stopped) run's numbers as one JSON object: what `train --json` prints and what
a sweep records per grid point."""

from __future__ import annotations

from typing import Any

from hnviz.core.evaluation import is_long
from hnviz.core.hnets import compression_ratio, count_params
from hnviz.core.metrics import mean_final


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
    """Metric matrix and its summaries, parameter counts, timing, error; the scenario, and in
    CL2/CL3 `mean_final` with the task inferred, `mean_final_given` (task given) and
    `task_inference_acc`; for methods with task embeddings in CL1 also the compression and
    (classification, finished, not a long sequence: it costs T² network evaluations) accuracy
    without task identity (HNET+ENT: `ent_acc`, `ent_task_acc`)."""
    out: dict[str, Any] = {
        "benchmark": trainer.cfg.task.benchmark,
        "scenario": trainer.cfg.task.scenario,
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
        "error": trainer.error,
        "task_inference_acc": task_inference_acc(trainer),
    }
    if "R_given" in trainer.history:
        out["mean_final_given"] = mean_final(trainer.history["R_given"])
    if trainer.method.spec.has_embeddings:
        hnet = trainer.method.hnet
        out["hnet_params"] = count_params(hnet)
        out["compression"] = round(compression_ratio(hnet, trainer.target_params), 4)
        if (not trainer.seq.is_regression and trainer.finished and not is_long(trainer.n_tasks)
                and trainer.scenario.task_given):
            from hnviz.core.inference import entropy_task_inference

            ent = entropy_task_inference(trainer)
            out["ent_acc"], out["ent_task_acc"] = ent["acc"], ent["task_acc"]
    return out
