"""Pure figure builders: hand-written numbers in, sensible figures out (no Streamlit)."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from hnviz.core.method_specs import METHODS
from hnviz.ui import charts


def test_regression_fig_one_line_per_task_and_dotted_untrained() -> None:
    train = [([0.0, 1.0], [0.0, 1.0]), ([2.0, 3.0], [4.0, 9.0]), ([4.0], [1.0])]
    fig = charts.regression_fig(train, [0, 1, 2, 3, 4], [[0] * 5, [1] * 5, [2] * 5],
                                n_trained=1, current=1)
    lines = [t for t in fig.data if t.mode == "lines"]
    assert len(lines) == 3
    assert lines[0].line.dash is None and lines[1].line.dash is None  # trained, current
    assert lines[2].line.dash == "dot"
    assert lines[1].line.width > lines[0].line.width
    assert lines[0].line.color == charts.task_color(0)


def test_task_curves_fig_marks_boundaries_and_current_task() -> None:
    curves = {0: ([10, 20, 30], [0.5, 0.9, 0.8]), 1: ([30], [0.6]), 2: ([], [])}
    fig = charts.task_curves_fig(curves, [20], "accuracy", current=1, iters=20, total_steps=60)
    assert len(fig.data) == 2  # task 3 has no points yet
    kinds = [s.type for s in fig.layout.shapes]
    assert kinds.count("line") == 1 and kinds.count("rect") == 1
    assert tuple(fig.layout.yaxis.range) == (0, 1.02)


def test_loss_fig_hides_zero_regularizer_and_drops_nan() -> None:
    fig = charts.loss_fig([[1, 0.5, 0.0], [5, float("nan"), 0.0]])
    assert len(fig.data) == 1
    assert fig.data[0].y[1] is None
    fig = charts.loss_fig([[1, 0.5, 0.1]])
    assert [t.name for t in fig.data] == ["task loss", "regularizer"]


def test_matrix_fig_greys_upper_triangle_and_annotates() -> None:
    R = [[0.9, 0.5, 0.4], [0.8, 0.95, 0.5]]
    fig = charts.matrix_fig(R, 3, "accuracy")
    grey, main = fig.data
    assert main.z[0][1] is None and main.z[1][0] == 0.8  # upper triangle not coloured
    assert grey.z[0][1] == 1 and grey.z[1][0] is None
    assert list(main.text[2]) == ["", "", ""] and main.text[0][1] == ""  # row after task 3 not reached
    assert any(a.text == "0.50" for a in fig.layout.annotations)
    assert isinstance(charts.matrix_fig([[math.nan]], 1, "mse"), go.Figure)


def test_compare_figs_and_mean_seen() -> None:
    assert charts.mean_seen([[1.0, 0.0], [0.5, 1.0]]) == [1.0, 0.75]
    fig = charts.compare_final_fig({"a": [1, 0.5], "b": [0.9, 0.9]}, "accuracy",
                                   {"a": "hnet", "b": "finetune"})
    assert [t.marker.color for t in fig.data] == [METHODS["hnet"].color,
                                                  METHODS["finetune"].color]
    fig = charts.compare_mean_fig({"a": [1, 0.75]}, "mse")
    assert fig.layout.yaxis.type == "log"
