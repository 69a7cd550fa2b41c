"""A small reproduction bundle for the Paper page's tests, made by the real code path: a tiny
Split Digits experiment (HNET and fine-tuning, CL1 and CL3, seeds 0 and 1, 10 steps per task)
run as a sweep (`run_experiment`), with a paper number on one cell, the registry's Split MNIST
rows "not run" (their paper numbers and sources), one row marked failed, bundled with
`write_bundle` like `reproduce --bundle`.

    folder, rows = bundle()   # made once per test process (a few seconds), removed at exit
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hnviz.reproduce.experiments import EXPERIMENTS, PaperValue
from hnviz.reproduce.run import not_run_rows, run_experiment, write_bundle

SOURCE = "test source: CL1 HNET"
PAPER = PaperValue(95.5, 0.25, SOURCE)
SEEDS = (0, 1)
ITERS = 10
FAILED_REASON = "diverged at step 3 (test)"


def tiny_experiment():
    return dataclasses.replace(
        EXPERIMENTS["split-digits"], methods=("hnet", "finetune"), scenarios=("cl1", "cl3"),
        lite={"train": {"iters_per_task": ITERS, "eval_every": ITERS}},
        paper={("cl1", "hnet"): PAPER})


@functools.cache
def bundle() -> tuple[Path, list[dict[str, Any]]]:
    """(the bundle folder, its rows as written)."""
    tmp = Path(tempfile.mkdtemp(prefix="hnviz-paper-"))
    atexit.register(shutil.rmtree, tmp, True)
    rows = run_experiment(tiny_experiment(), tmp / "sweeps", False, SEEDS, 1, progress=False)
    assert all(r["status"] == "ok" for r in rows), [r["reason"] for r in rows]
    failed = dict(rows[-1], status="failed", reason=FAILED_REASON, mean=None, spread=None, n=0,
                  values=[], task_inference_acc=None, mean_given=None, wall_s=None)
    # (cl3, finetune) as `rows_from_manifest` writes a row whose runs all failed
    rows = [*rows[:-1], failed,
            *not_run_rows(EXPERIMENTS["split-mnist"], False, SEEDS, "no MNIST here (test)")]
    write_bundle(rows, tmp / "bundle", False)
    return tmp / "bundle", rows
