import math

import pytest
import torch

from hnviz.core.inference import entropy_task_inference, infer_tasks, predictive_entropy
from hnviz.core.presets import default_config
from hnviz.core.targets import MLPTarget, num_params
from hnviz.core.trainer import Trainer


def test_entropy_of_uniform_and_peaked():
    h = predictive_entropy(torch.tensor([[0.0, 0.0, 0.0], [50.0, 0.0, 0.0]]))
    assert h[0].item() == pytest.approx(math.log(3))
    assert h[1].item() == pytest.approx(0.0, abs=1e-6)


def test_most_confident_network_wins():
    # One linear layer, 2 heads of 2 classes; weights = [W (4x2) | b (4)].
    target = MLPTarget(in_dim=2, hidden=(), out_dim=2, n_heads=2)
    assert num_params(target) == 12
    w0 = torch.zeros(12)
    w0[8:10] = torch.tensor([0.0, 9.0])  # network 0, head 0: confident class 1
    w1 = torch.zeros(12)  # network 1, head 1: uniform
    x = torch.randn(5, 2)
    t_hat, local = infer_tasks(target, torch.stack([w0, w1]), x)
    assert t_hat.tolist() == [0] * 5 and local.tolist() == [1] * 5


def test_entropy_inference_on_a_trained_run():
    # 5 tasks: with 2, a tiny binary network is as confident on the other task's digits as on
    # its own and the task is inferred no better than a coin (0.43-0.51 measured); with 5 the
    # task is inferred right ~1/3 of the time (0.33-0.36 at 300-600 steps per task)
    cfg = default_config("split-digits", "hnet").replace(
        train={"iters_per_task": 300, "eval_every": 100})
    tr = Trainer(cfg)
    tr.run()
    out = entropy_task_inference(tr)
    assert 0.26 < out["task_acc"] <= 1.0  # clearly better than guessing among 5 tasks (0.2)
    assert 0.0 <= out["acc"] <= out["task_acc"] + 1e-9  # a right class needs the right task
    assert len(out["per_task_acc"]) == 5


def test_regression_has_no_task_inference():
    tr = Trainer(default_config("regression1d").replace(train={"iters_per_task": 5}))
    with pytest.raises(ValueError):
        entropy_task_inference(tr)
