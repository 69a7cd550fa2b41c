"""The paper's ordering when the task is not given (issue 12, "Must show"), on Split Digits:
HNET+R >= HNET+ENT > EWC / SI / fine-tuning in CL3, and HNET+R above every baseline in CL2.

One seed, 300 steps per task, two runs at a time in worker processes (~1 minute on 2 cores).
The margins are argued from the spread over seeds 0-2 of the lite reproduction
(docs/REPRODUCTION.md, 500 steps per task):
  CL3: HNET+R 82.5-82.8%, HNET+ENT 34.1-50.7%, EWC / SI / fine-tuning 18.0-20.0% (a baseline that
       forgets every earlier task's classes answers about 1/5 of the inputs right);
  CL2: HNET+R 92.2-94.7%, the baselines 78.8-86.7%, HNET+ENT 80.2-88.3% — HNET+ENT is NOT above
       the baselines in CL2 on these 8×8 digits (see docs/REPRODUCTION.md), so it is not asserted.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest

pytestmark = pytest.mark.slow

ITERS = 300
BASELINES = ("ewc", "si", "finetune")


def _run(method: str, scn: str) -> dict:
    from hnviz.analysis.summary import run_summary
    from hnviz.core.presets import default_config
    from hnviz.core.trainer import Trainer

    cfg = default_config("split-digits", method).replace(
        task={"scenario": scn}, train={"iters_per_task": ITERS, "eval_every": ITERS})
    tr = Trainer(cfg)
    tr.run(chunk=1000)
    assert tr.error is None, tr.error
    return run_summary(tr, 0.0)


RUNS = [(m, "cl3") for m in ("hnet-replay", "hnet", *BASELINES)] + \
       [(m, "cl2") for m in ("hnet-replay", *BASELINES)]


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], dict]:
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = {k: pool.submit(_run, *k) for k in RUNS}
        return {k: f.result() for k, f in futures.items()}


def test_cl3_hnet_replay_beats_entropy_beats_the_baselines(results):
    acc = {m: results[(m, "cl3")]["mean_final"] for m in ("hnet-replay", "hnet", *BASELINES)}
    best_baseline = max(acc[m] for m in BASELINES)
    assert best_baseline < 0.25, acc  # they keep only the last task's classes
    assert acc["hnet"] > best_baseline + 0.08, acc
    assert acc["hnet-replay"] > acc["hnet"] + 0.2, acc
    # HNET+R's answer is right only where its task classifier found the task
    r = results[("hnet-replay", "cl3")]
    assert r["mean_final"] <= r["task_inference_acc"] + 1e-9
    assert r["mean_final_given"] > r["mean_final"]  # inferring the task costs accuracy


def test_cl2_hnet_replay_beats_the_baselines(results):
    acc = {m: results[(m, "cl2")]["mean_final"] for m in ("hnet-replay", *BASELINES)}
    assert acc["hnet-replay"] > max(acc[m] for m in BASELINES) + 0.04, acc
    for m in BASELINES:  # one shared head: no task to infer
        assert results[(m, "cl2")]["task_inference_acc"] is None
