"""UI helpers without a Streamlit session: param counts, live-chart extras, run views, the Train
page's run names and side-by-side variants."""

from __future__ import annotations

import numpy as np
import pytest

from hnviz.analysis.views import regression_grid, train_extras
from hnviz.core.io import read_run_dict, run_to_bytes
from hnviz.core.presets import default_config
from hnviz.core.sizes import param_counts
from hnviz.core.trainer import Trainer
from hnviz.serve.demos import view_from_file
from hnviz.serve.runview import view_of
from hnviz.ui.labels import task_names
from hnviz.ui.train import actions as train_actions


def _small_trainer() -> Trainer:
    return Trainer(default_config("regression1d").replace(train={"iters_per_task": 20}))


def test_param_counts() -> None:
    pc = param_counts(default_config("regression1d", "hnet"))
    assert pc.target == 141 and pc.hnet and pc.compression == pytest.approx(pc.hnet / 141)
    assert param_counts(default_config("regression1d", "ewc")).hnet is None


def test_train_extras_are_each_tasks_function_on_one_grid() -> None:
    t = _small_trainer()
    t.run()
    ex = train_extras(t)
    grid = regression_grid(t)
    assert np.allclose(ex["grid"], grid) and len(ex["preds"]) == 3
    assert all(len(p) == len(grid) for p in ex["preds"])
    assert grid[0] < -4 and grid[-1] > 4  # padded beyond the data range [-4, 4]
    assert task_names(t)[0] == "task 1: y = x + 3"
    assert train_extras(Trainer(default_config("split-digits").replace(
        train={"iters_per_task": 2}))) == {}


def test_view_from_file_equals_view_of_trainer() -> None:
    t = _small_trainer()
    t.advance(25)  # mid task 2
    live = view_of(t, task_names(t))
    filed = view_from_file(read_run_dict(run_to_bytes(t)))
    for attr in ("global_step", "total_steps", "tasks_done", "task", "step_in_task", "metric",
                 "state", "task_names"):
        assert getattr(live, attr) == getattr(filed, attr), attr
    assert live.history["R"] == filed.history["R"] and filed.state == "paused"
    assert filed.status() == "1/3 tasks done · step 25/60"


def test_run_labels_and_side_by_side_variants() -> None:
    cfg = default_config("regression1d", "hnet").replace(train={"iters_per_task": 77, "seed": 3},
                                                         task={"seed": 3})
    assert train_actions.run_label(cfg) == "HNET β=0.1 · 1-D regression"
    cl3 = default_config("split-digits", "finetune").replace(task={"scenario": "cl3"})
    assert train_actions.run_label(cl3) == "fine-tuning · CL3 · Split Digits"
    off = train_actions.variant(cfg, train_actions.COMPARE_OFF)
    assert off.train.beta == 0 and off.train.iters_per_task == 77
    assert train_actions.same_setup(off.replace(train={"beta": cfg.train.beta}), cfg)
    ewc = train_actions.variant(cfg, "ewc")
    assert ewc.train.method == "ewc" and ewc.train.seed == 3 and ewc.task.seed == 3
    assert ewc.train.iters_per_task == 77 and ewc.train.ewc_lambda > 0
    assert train_actions.compare_choices("finetune")[0] != train_actions.COMPARE_OFF
    assert train_actions.compare_choices("hnet")[0] == train_actions.COMPARE_OFF
