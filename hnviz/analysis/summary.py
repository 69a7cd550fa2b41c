"""A finished (or stopped) run's numbers as one JSON object: what `train --json` prints and what
a sweep records per grid point."""

from __future__ import annotations

from typing import Any

from hnviz.core.benchmarks import data_note
from hnviz.core.evaluation import is_long
from hnviz.core.hnets import compression_ratio, count_params


def run_summary(trainer, wall_s: float) -> dict[str, Any]:
    """Metric matrix and its summaries, parameter counts, timing, error, what the data is
    (`data`: a reduced version's label, or None) and the target kind; for methods with task
    embeddings also the compression and (classification, finished, not a long sequence: it
    costs T² network evaluations) accuracy without task identity (HNET+ENT)."""
    out: dict[str, Any] = {
        "benchmark": trainer.cfg.task.benchmark,
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
        "error": trainer.error,
    }
    if trainer.method.spec.has_embeddings:
        hnet = trainer.method.hnet
        out["hnet_params"] = count_params(hnet)
        out["compression"] = round(compression_ratio(hnet, trainer.target_params), 4)
        if not trainer.seq.is_regression and trainer.finished and not is_long(trainer.n_tasks):
            from hnviz.core.inference import entropy_task_inference

            ent = entropy_task_inference(trainer)
            out["ent_acc"], out["ent_task_acc"] = ent["acc"], ent["task_acc"]
    return out
