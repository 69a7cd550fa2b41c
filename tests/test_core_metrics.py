import math

import pytest

from hnviz.core import metrics

R = [[0.9, 0.1, 0.2],
     [0.7, 0.8, 0.3],
     [0.6, 0.9, 1.0]]
R0 = [0.5, 0.2, 0.1]


def test_mean_final_and_bwt():
    assert metrics.mean_final(R) == pytest.approx((0.6 + 0.9 + 1.0) / 3)
    assert metrics.bwt(R) == pytest.approx(((0.6 - 0.9) + (0.9 - 0.8)) / 2)


def test_fwt():
    assert metrics.fwt(R, R0) == pytest.approx(((0.1 - 0.2) + (0.3 - 0.1)) / 2)


def test_forgetting_uses_best_earlier_value():
    assert metrics.forgetting_per_task(R) == pytest.approx([0.9 - 0.6, 0.8 - 0.9])
    assert metrics.forgetting(R) == pytest.approx(((0.3) + (-0.1)) / 2)


def test_mse_direction_flips_sign():
    mse = [[0.01, 5.0], [0.5, 0.02]]
    assert metrics.bwt(mse, higher_is_better=False) == pytest.approx(-(0.5 - 0.01))
    assert metrics.forgetting(mse, higher_is_better=False) == pytest.approx(0.49)


def test_partial_and_empty_runs():
    assert math.isnan(metrics.mean_final([]))
    assert metrics.mean_final([[0.8, 0.1, 0.1]]) == pytest.approx(0.8)
    assert metrics.bwt([[0.8, 0.1]]) == 0.0 and metrics.forgetting([[1.0]]) == 0.0
    s = metrics.summarize(R[:2], R0)
    assert s["mean_final"] == pytest.approx(0.75) and "fwt" in s


def test_task_curves():
    evals = [{"step": 10, "task": 0, "values": [0.5]},
             {"step": 20, "task": 1, "values": [0.6, 0.7]}]
    c = metrics.task_curves(evals, 3)
    assert c[0] == ([10, 20], [0.5, 0.6]) and c[1] == ([20], [0.7]) and c[2] == ([], [])


def test_fwt_against_the_from_scratch_control():
    S = [[0.8, 0.1, 0.1],  # each task trained alone: its diagonal
         [0.8, 0.7, 0.1],
         [0.8, 0.7, 0.9]]
    assert metrics.diagonal(R) == [0.9, 0.8, 1.0]
    assert metrics.fwt_vs_scratch(R, S) == pytest.approx(((0.8 - 0.7) + (1.0 - 0.9)) / 2)
    assert metrics.fwt_vs_scratch(R[:2], S) == pytest.approx(0.8 - 0.7)  # tasks both trained
    assert math.isnan(metrics.fwt_vs_scratch(R[:1], S))  # task 1 has nothing before it
    mse = [[0.1, 9.0], [0.2, 0.3]]
    assert metrics.fwt_vs_scratch(mse, [[0.1, 9.0], [0.1, 0.5]], higher_is_better=False) == \
        pytest.approx(0.5 - 0.3)  # lower MSE than alone: positive transfer
    s = metrics.summarize(R, R0, scratch=S)
    assert s["fwt_scratch"] == pytest.approx(0.1) and "fwt" in s
    assert "fwt_scratch" not in metrics.summarize(R, R0)
