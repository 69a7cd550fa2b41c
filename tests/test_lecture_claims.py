"""What the lecture's live step says holds on every seed, at its exact settings.

Step 3 ("Live: β = 0 against β > 0") trains the toy twice, `lecture_live.live_config()` and the
same with β = 0 (`train_actions.variant(cfg, COMPARE_OFF)`, what its ▶ starts), and tells the
students: "at β = 0 [task 1's curve] drifts away from its points, with β > 0 it stays". For
seeds 0-4, after task 3:

    β > 0:  task 1's test MSE ≤ max(2 × its MSE right after task 1, 0.01)
    β = 0:  task 1's test MSE ≥ 0.3

The live configuration is the toy's HNET preset (the Train page's default) at 1000 steps per task,
and `python -m hnviz train --benchmark regression1d --method hnet --iters 1000 --seed S` builds the
same configuration (checked below), so the Train page and the command line show the same.
The toy's functions after each task are also what step 1 shows (`assets/lecture/`): there the
hypernetwork row must fit every task, the cubic included (tests/test_lecture_figures.py).
"""

from __future__ import annotations

import pytest

from hnviz.core.presets import default_config
from hnviz.core.trainer import Trainer
from hnviz.run_args import config_from_args
from hnviz.ui.lecture.live_pair import LIVE_ITERS, live_config
from hnviz.ui.train.actions import COMPARE_OFF, variant

SEEDS = (0, 1, 2, 3, 4)
KEEP_FACTOR, KEEP_FLOOR = 2.0, 0.01  # β > 0: task 1 within 2× its own MSE (or 0.01)
FORGOTTEN = 0.3  # β = 0: task 1's MSE at least this


def seeded(cfg, seed: int):
    """The run of `cfg` with `seed` for the data and the initialisation (as the CLI's --seed
    and the Train page's seed field set both)."""
    return cfg.replace(task={"seed": seed}, train={"seed": seed})


def task1_mse(cfg) -> tuple[float, float]:
    """(task 1's test MSE right after task 1, after the last task)."""
    t = Trainer(cfg)
    while not t.done:
        t.advance(1000)
    assert t.error is None, t.error
    R = t.history["R"]
    return R[0][0], R[-1][0]


@pytest.fixture(scope="module")
def results() -> dict[tuple[int, str], tuple[float, float]]:
    out = {}
    for seed in SEEDS:
        cfg = seeded(live_config(), seed)
        out[seed, "beta"] = task1_mse(cfg)
        out[seed, "off"] = task1_mse(variant(cfg, COMPARE_OFF))
    return out


def test_the_live_step_is_the_train_pages_preset_at_1000_steps() -> None:
    preset = default_config("regression1d", "hnet")
    assert LIVE_ITERS == 1000
    assert live_config() == preset.replace(train={"iters_per_task": 1000})
    assert live_config().train.beta > 0 and variant(live_config(), COMPARE_OFF).train.beta == 0


@pytest.mark.parametrize("seed", (0, 1, 2))
def test_the_command_line_trains_the_same_runs(seed: int) -> None:
    """`hnviz train --benchmark regression1d --method hnet --iters 1000 --seed S [--beta 0]`
    is the configuration the seed test runs."""
    import argparse

    from hnviz.run_args import add_run_args

    p = argparse.ArgumentParser()
    add_run_args(p)
    argv = ["--benchmark", "regression1d", "--method", "hnet", "--iters", "1000",
            "--seed", str(seed)]
    cfg = seeded(live_config(), seed)
    assert config_from_args(p.parse_args(argv)) == cfg
    assert config_from_args(p.parse_args(argv + ["--beta", "0"])) == variant(cfg, COMPARE_OFF)


@pytest.mark.parametrize("seed", SEEDS)
def test_beta_keeps_task_1(results, seed: int) -> None:
    right_after, at_end = results[seed, "beta"]
    bound = max(KEEP_FACTOR * right_after, KEEP_FLOOR)
    assert at_end <= bound, (f"seed {seed}, β = {live_config().train.beta}: task 1's MSE "
                             f"{right_after:.4f} after task 1, {at_end:.4f} after task 3 "
                             f"(at most {bound:.4f})")


@pytest.mark.parametrize("seed", SEEDS)
def test_beta_zero_forgets_task_1(results, seed: int) -> None:
    right_after, at_end = results[seed, "off"]
    assert at_end >= FORGOTTEN, (f"seed {seed}, β = 0: task 1's MSE {right_after:.4f} after "
                                 f"task 1, only {at_end:.4f} after task 3 (at least "
                                 f"{FORGOTTEN})")
