"""Long task sequences: the evaluation schedule, head-only evaluation, metrics over empty cells,
lazily permuted data; and the exploding-loss stop."""

from __future__ import annotations

import math

import pytest
import torch

from hnviz.core import evaluation, metrics
from hnviz.core.benchmarks import build_tasks
from hnviz.core.config import TaskConfig
from hnviz.core.evaluation import LONG_SEQUENCE, full_row, is_long, periodic_tasks, row_tasks
from hnviz.core.presets import default_config
from hnviz.core.targets import MLPTarget, forward, forward_head, init_flat
from hnviz.core.trainer import EXPLODE_FACTOR, EXPLODE_MIN, Trainer, exploded


def test_short_sequences_evaluate_everything():
    n = LONG_SEQUENCE
    assert not is_long(n)
    assert all(row_tasks(i, n) == list(range(n)) for i in range(n))
    assert periodic_tasks(7, n) == list(range(8))


def test_long_schedule_has_diagonal_next_task_and_full_rows():
    n = 1000
    full = [i for i in range(n) if full_row(i, n)]
    assert full == [*range(99, 1000, 100)]  # every ⌈T/10⌉-th row and the last
    for i in range(n):
        tasks = row_tasks(i, n)
        assert i in tasks and (i + 1 in tasks or i == n - 1)
        assert tasks == ([*range(i + 1)] if i in full else [i]) + ([i + 1] if i < n - 1 else [])
    assert periodic_tasks(5, n) == [5]
    cells_evaluated = sum(len(row_tasks(i, n)) for i in range(n))
    assert cells_evaluated < 8 * n  # O(T), not O(T²)


def test_head_only_forward_equals_the_head_of_the_full_forward():
    target = MLPTarget(64, (30, 20), 10, "relu", n_heads=7)
    w = init_flat(target, torch.Generator().manual_seed(0))
    x = torch.randn(50, 64)
    full = forward(target, w, x)
    for t in range(7):
        torch.testing.assert_close(forward_head(target, w, x, t), target.head(full, t))
    single = MLPTarget(1, (5,), 1, "tanh", n_heads=1)
    ws = init_flat(single)
    assert torch.equal(forward_head(single, ws, torch.ones(3, 1), 0),
                       forward(single, ws, torch.ones(3, 1)))


def test_metrics_skip_empty_cells_and_match_on_full_matrices():
    R = [[0.9, 0.1, 0.2], [0.7, 0.8, 0.3], [0.6, 0.9, 1.0]]
    sparse = [[0.9, 0.1, None], [None, 0.8, 0.3], [0.6, 0.9, 1.0]]
    r0 = [0.5, 0.2, 0.1]
    assert metrics.summarize(R, r0) == metrics.summarize([list(r) for r in R], r0)
    s = metrics.summarize(sparse, r0)
    assert s["mean_final"] == pytest.approx((0.6 + 0.9 + 1.0) / 3)
    assert s["bwt"] == pytest.approx(((0.6 - 0.9) + (0.9 - 0.8)) / 2)
    assert s["fwt"] == pytest.approx(((0.1 - 0.2) + (0.3 - 0.1)) / 2)
    # task 0: only R[0, 0] earlier (R[1, 0] empty); task 1: R[1, 1]
    assert metrics.forgetting_per_task(sparse) == pytest.approx([0.9 - 0.6, 0.8 - 0.9])
    mid = [[0.9, 0.1, None], [None, 0.8, 0.3]]  # last row not full: nothing to compare
    assert metrics.forgetting_per_task(mid) == [None] and metrics.forgetting(mid) == 0.0
    assert math.isnan(metrics.bwt(mid))
    curves = metrics.task_curves([{"step": 1, "task": 1, "values": [None, 0.5]}], 2)
    assert curves[0] == ([], []) and curves[1] == ([1], [0.5])


def test_long_run_records_the_schedule(monkeypatch):
    monkeypatch.setattr(evaluation, "LONG_SEQUENCE", 4)  # 6 tasks count as long here
    cfg = default_config("permuted-digits", "finetune").replace(
        task={"n_tasks": 6}, train={"iters_per_task": 4, "eval_every": 2})
    tr = Trainer(cfg)
    tr.run()
    R = tr.history["R"]
    assert len(R) == 6 and all(len(row) == 6 for row in R)
    for i, row in enumerate(R):
        want = set(row_tasks(i, 6))
        assert {j for j, v in enumerate(row) if v is not None} == want
    assert all(v is not None for v in tr.history["R0"])
    for rec in tr.history["evals"]:
        assert len(rec["values"]) == rec["task"] + 1
        assert [j for j, v in enumerate(rec["values"]) if v is not None] == [rec["task"]]
    s = tr.summary()
    assert all(math.isfinite(s[k]) for k in ("mean_final", "bwt", "fwt", "forgetting"))
    # the evaluated cells are the metric of each task's own head (up to rounding)
    assert R[-1][0] == pytest.approx(tr.evaluate([0])[0])


def test_permuted_tasks_share_their_data_and_permute_on_access():
    seq = build_tasks(TaskConfig(benchmark="permuted-digits", n_tasks=5))
    assert len({id(t.base_train) for t in seq.tasks}) == 1  # one copy for all tasks
    tk = seq.tasks[3]
    idx = torch.tensor([5, 0, 17, 5])
    copy = tk.base_train.index_select(1, tk.permutation)  # the materialized task
    assert torch.equal(tk.inputs("train", idx), copy[idx])
    assert torch.equal(tk.inputs("train", slice(0, 9)), copy[:9])
    assert torch.equal(tk.x_test, tk.base_test[:, tk.permutation])
    assert seq.tasks[0].inputs("test") is seq.tasks[0].base_test  # identity: no copy


def test_exploding_rule():
    assert exploded(2e6, 1.0) and not exploded(2e6, 1e3)  # 1e4 × the first loss
    assert not exploded(5e5, 1e-3)  # below EXPLODE_MIN
    assert not exploded(1e30, None)
    assert EXPLODE_FACTOR == 1e4 and EXPLODE_MIN == 1e6


def test_exploding_loss_stops_the_run_keeping_the_last_state():
    cfg = default_config("split-digits", "hnet").replace(
        task={"n_tasks": 2}, train={"lr": 10.0, "iters_per_task": 300, "eval_every": 100})
    tr = Trainer(cfg)
    events = tr.run()
    assert tr.error is not None and "exploded" in tr.error and "\n" not in tr.error
    assert events[-1].kind == "diverged" and not tr.finished
    w = tr.weights_for(tr.task)
    assert torch.isfinite(w).all()


def test_trainer_says_when_it_evaluates():
    tr = Trainer(default_config("regression1d", "finetune").replace(
        train={"iters_per_task": 3, "eval_every": 3}))
    phases = []
    tr.on_phase = phases.append
    tr.run()
    assert phases == ["evaluating"] * 3
