"""The paper's ordering when the task is not given, on real Split MNIST (issue 19): in CL3
HNET+R > HNET+ENT > EWC / online EWC / SI / fine-tuning, at the presets the app and `reproduce`
use, cut to ITERS steps per task so that CI runs it (six runs, two at a time in worker
processes; HNVIZ_TEST_WORKERS=1 one at a time). Skipped without the files, failing instead under HNVIZ_MNIST_REQUIRED=1
(tests/mnist_data.py).

The margins come from the spread over seeds 0-2 at exactly these settings (`python -m hnviz
reproduce --experiment split-mnist --methods hnet-replay,hnet --scenarios cl3 --iters 200`,
measured for issue 19, docs/REPRODUCTION.md); the test runs seed 0:
  HNET+R   CL3 76.07 / 77.75 / 73.49% (75.77 ± 2.15), task inferred right 77.0 / 78.3 / 73.9%
  HNET+ENT CL3 55.16 / 48.54 / 49.97% (51.23 ± 3.49), task inferred right 54.7 / 48.4 / 49.2%
  baselines: about 1/5 right (each keeps only the last task's two classes; at 500 steps per task
  19.7-21.0% over seeds 0-2), asserted < 25%
The smallest gaps over those seeds: HNET+R − HNET+ENT 20.9 points (seed 0; task inference 22.4),
HNET+ENT − a baseline ≈ 27 points. MARGIN_R and MARGIN_ENT are about half of them, so a method
that stops finding the task (a broken task classifier, an entropy that no longer tells the tasks
apart) fails the test while the seed-to-seed spread does not.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from tests.mnist_data import mnist_root

pytestmark = pytest.mark.slow

ITERS = 200
BASELINES = ("ewc", "online-ewc", "si", "finetune")
METHODS = ("hnet-replay", "hnet", *BASELINES)
MARGIN_ENT = 0.12  # HNET+ENT above the best baseline by at least this (fraction right)
MARGIN_R = 0.10  # HNET+R above HNET+ENT by at least this (accuracy and task inference)


def _run(method: str, root: str) -> dict:
    from hnviz.analysis.summary import run_summary
    from hnviz.core.presets import default_config
    from hnviz.core.trainer import Trainer

    cfg = default_config("split-mnist", method).replace(
        task={"scenario": "cl3", "data_root": root},
        train={"iters_per_task": ITERS, "eval_every": ITERS})
    tr = Trainer(cfg)
    tr.run(chunk=1000)
    assert tr.error is None, tr.error
    return run_summary(tr, 0.0)


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    root = mnist_root()
    workers = int(os.environ.get("HNVIZ_TEST_WORKERS", "2"))  # 1 on a machine others share
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {m: pool.submit(_run, m, root) for m in METHODS}
        return {m: f.result() for m, f in futures.items()}


def test_cl3_hnet_replay_beats_entropy_beats_every_baseline(results):
    acc = {m: results[m]["mean_final"] for m in METHODS}
    best_baseline = max(acc[m] for m in BASELINES)
    assert best_baseline < 0.25, acc  # they keep only the last task's classes
    assert acc["hnet"] > best_baseline + MARGIN_ENT, acc
    assert acc["hnet-replay"] > acc["hnet"] + MARGIN_R, acc


def test_cl3_task_inference_is_what_limits_hnet_replay(results):
    """HNET+R is right only where its task classifier found the task, and with the task given
    its main hypernetwork is HNET's CL1 network (nearly always right)."""
    r = results["hnet-replay"]
    assert r["mean_final"] <= r["task_inference_acc"] + 1e-9
    assert r["task_inference_acc"] > results["hnet"]["task_inference_acc"] + MARGIN_R
    assert r["mean_final_given"] > 0.98
