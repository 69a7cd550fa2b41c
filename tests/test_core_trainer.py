import math

import pytest
import torch

from hnviz.core.presets import default_config
from hnviz.core.trainer import Trainer


def cfg(method="hnet", benchmark="regression1d", **train):
    return default_config(benchmark, method).replace(
        train={"iters_per_task": 30, "eval_every": 10, **train})


def state_equal(a: Trainer, b: Trainer) -> bool:
    sa, sb = a.method.state_dict(), b.method.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize("method", ["hnet", "ewc", "si"])
def test_advance_is_resumable(method):
    a, b = Trainer(cfg(method)), Trainer(cfg(method))
    a.advance(45)
    for _ in range(9):
        b.advance(5)
    assert a.global_step == b.global_step == 45
    assert state_equal(a, b)
    assert a.history["R"] == b.history["R"] and a.history["loss"] == b.history["loss"]


def test_same_seed_same_run_other_seed_differs():
    a, b, c = Trainer(cfg()), Trainer(cfg()), Trainer(cfg(seed=1))
    for t in (a, b, c):
        t.run()
    assert a.history["R"] == b.history["R"]
    assert a.history["R"] != c.history["R"]


def test_events_and_history_shape():
    t = Trainer(cfg())
    events = t.advance(10_000)
    kinds = [e.kind for e in events]
    assert kinds.count("step") == 90 and kinds.count("task_end") == 3
    assert kinds.count("eval") == 9 and kinds[-1] == "done"
    assert t.finished and t.progress == 1.0
    assert len(t.history["R"]) == 3 and all(len(r) == 3 for r in t.history["R"])
    assert len(t.history["R0"]) == 3
    assert [len(e["values"]) for e in t.history["evals"]] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert t.history["task_end_steps"] == [30, 60, 90]
    assert t.history["emb_traj"][0]["task"] == 0 and len(t.history["emb_traj"][0]["emb"]) == 2
    assert t.advance(10) == []  # nothing left to do


def test_stop_at_any_step_is_consistent():
    t = Trainer(cfg())
    t.advance(37)
    assert (t.task, t.step_in_task) == (1, 7)
    assert len(t.history["R"]) == 1
    assert t.evaluate([0, 1])  # usable mid-task


@pytest.mark.parametrize("method", ["finetune", "ewc", "online-ewc", "si", "joint", "hnet"])
def test_every_method_trains_on_digits(method):
    t = Trainer(cfg(method, "split-digits", iters_per_task=40))
    t.run()
    assert t.finished and t.error is None
    R = t.history["R"]
    assert all(R[i][i] > 0.8 for i in range(5)), R


def test_joint_sees_all_tasks():
    t = Trainer(cfg("joint", "split-digits", iters_per_task=60))
    t.run()
    final = t.history["R"][-1]
    assert min(final) > 0.85, final


def test_nan_is_caught_and_state_kept_finite():
    t = Trainer(cfg(lr=1e12, beta=1e12))
    events = t.advance(1000)
    assert t.error and "lower the learning rate" in t.error.lower()
    assert events[-1].kind == "diverged"
    assert t.done and not t.finished
    # the parameters are those before the step whose loss was not finite (the weights they
    # generate may overflow: at lr 1e12 they are ~1e12 and a product of them is not a float32)
    assert all(torch.isfinite(p).all() for p in t.method.parameters())
    assert t.advance(10) == []


def test_regression_metric_is_mse():
    t = Trainer(cfg())
    assert t.metric_name == "mse" and not t.higher_is_better
    assert all(v >= 0 and math.isfinite(v) for v in t.history["R0"])


def test_multi_head_off_gives_single_head():
    t = Trainer(cfg("finetune", "permuted-digits", multi_head=False))
    assert t.target.n_heads == 1 and t.target_params == 64 * 100 + 100 + 100 * 100 + 100 + 1010
