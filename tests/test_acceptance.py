"""The paper's qualitative claims, on the embedded benchmarks (issue: "What it must show").

Full-length runs with the presets, two at a time in worker processes; ~1-2 minutes on 2 cores.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest

pytestmark = pytest.mark.slow


def _run(benchmark: str, method: str, train: dict) -> dict:
    from hnviz.core.presets import default_config
    from hnviz.core.trainer import Trainer

    tr = Trainer(default_config(benchmark, method).replace(train=train))
    tr.run(chunk=1000)
    assert tr.error is None, tr.error
    return {"R": tr.history["R"], **tr.summary()}


RUNS = {
    "toy_beta": ("regression1d", "hnet", {}),  # the preset's β
    "toy_zero": ("regression1d", "hnet", {"beta": 0.0}),
    "digits_hnet": ("split-digits", "hnet", {"beta": 0.01}),
    "digits_zero": ("split-digits", "hnet", {"beta": 0.0}),
    "digits_finetune": ("split-digits", "finetune", {}),
    "digits_ewc": ("split-digits", "ewc", {}),
    "digits_si": ("split-digits", "si", {}),
    "digits_joint": ("split-digits", "joint", {}),
}


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = {k: pool.submit(_run, *v) for k, v in RUNS.items()}
        return {k: f.result() for k, f in futures.items()}


def test_toy_regression_hnet_keeps_all_tasks(results):
    R = results["toy_beta"]["R"]
    for j in range(3):
        assert R[-1][j] <= 2 * R[j][j], (j, R)


def test_toy_regression_without_regularizer_forgets_task_1(results):
    R = results["toy_zero"]["R"]
    assert R[-1][0] > 10 * R[0][0] and R[-1][0] > 0.1, R


def test_split_digits_hnet_does_not_forget(results):
    s = results["digits_hnet"]
    assert s["mean_final"] >= 0.99, s
    assert s["forgetting"] <= 0.005, s


def test_split_digits_beta_zero_forgets_visibly(results):
    assert results["digits_zero"]["forgetting"] >= 0.03
    assert results["digits_zero"]["forgetting"] > results["digits_hnet"]["forgetting"] + 0.02


def test_baselines_order(results):
    ft = results["digits_finetune"]["forgetting"]
    assert ft > results["digits_ewc"]["forgetting"]
    assert ft > results["digits_si"]["forgetting"]
    # Joint training is the ceiling of the methods that share one set of target weights. On
    # single seeds SI ties it within test noise (~72 digits per task: one digit is 0.28 points of
    # the mean; measured joint − SI over seeds 0/1/2: −1.1, −0.6, +2.8 points), so SI gets a
    # 1.5-point tolerance; fine-tuning and EWC must be strictly below.
    joint = results["digits_joint"]["mean_final"]
    assert joint >= results["digits_finetune"]["mean_final"]
    assert joint >= results["digits_ewc"]["mean_final"]
    assert joint >= results["digits_si"]["mean_final"] - 0.015
