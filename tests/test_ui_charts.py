"""Pure figure builders: hand-written numbers in, sensible figures out (no Streamlit)."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from hnviz.ui import charts


def test_regression_fig_bold_on_own_interval_faint_outside() -> None:
    train = [([0.0, 1.0], [0.0, 1.0]), ([2.0, 3.0], [4.0, 9.0]), ([4.0], [1.0])]
    fig = charts.regression_fig(train, [0, 1, 2, 3, 4], [[0] * 5, [1] * 5, [2] * 5],
                                n_trained=1, current=1)
    lines = [t for t in fig.data if t.mode == "lines"]
    faint, bold = lines[0::2], lines[1::2]  # per task: the whole curve faint, then its interval
    assert len(bold) == 3 and [t.name for t in bold] == ["task 1", "task 2", "task 3"]
    assert all(f.opacity < b.opacity and f.line.width < b.line.width for f, b in zip(faint, bold))
    assert list(bold[0].x) == [0, 1] and list(bold[1].x) == [2, 3] and list(bold[2].x) == [4]
    assert list(faint[0].x) == [0, 1, 2, 3, 4]  # extrapolation drawn, but faint
    assert bold[0].line.dash is None and bold[1].line.dash is None  # trained, current
    assert bold[2].line.dash == "dot"  # not trained yet
    assert bold[1].line.width > bold[0].line.width
    assert bold[0].line.color == charts.task_color(0)


def test_regression_fig_keeps_a_forgotten_curve_in_view_or_names_it() -> None:
    train = [([0.0, 1.0], [0.0, 1.0]), ([2.0, 3.0], [0.0, 1.0])]
    grid = [0, 1, 2, 3]
    # task 1 drifted to y≈3 on its own interval: the axis widens to show it
    fig = charts.regression_fig(train, grid, [[3, 3, 0, 0], [0, 0, 0.5, 0.5]], n_trained=2)
    lo, hi = fig.layout.yaxis.range
    assert hi >= 3 and not fig.layout.annotations
    # far away (y = 1000): beyond the stretch limit, so a note on the plot says so
    fig = charts.regression_fig(train, grid, [[1000, 1000, 0, 0], [0, 0, 0.5, 0.5]],
                                n_trained=2)
    assert fig.layout.yaxis.range[1] < 1000
    assert "leaves the plot" in fig.layout.annotations[0].text and "task 1" in \
        fig.layout.annotations[0].text
    # an untrained task's wild extrapolation never stretches the axis
    fig = charts.regression_fig(train, grid, [[0, 1, 0, 0], [0, 0, 1e6, 1e6]], n_trained=1)
    assert fig.layout.yaxis.range[1] < 10 and not fig.layout.annotations


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
    # two runs of one method (HNET at β = 0 and β = 0.005) get different colours
    fig = charts.compare_final_fig({"HNET β=0": [1, 0.5], "HNET β=0.005": [0.9, 0.9]},
                                   "accuracy")
    colors = [t.marker.color for t in fig.data]
    assert len(set(colors)) == 2 and [t.name for t in fig.data] == ["HNET β=0", "HNET β=0.005"]
    fig = charts.compare_mean_fig({"a": [1, 0.75]}, "mse")
    assert fig.layout.yaxis.type == "log"


def test_live_builders_produce_valid_figures() -> None:
    """The live builders skip plotly's validation for speed: re-validate what they build."""
    import plotly.graph_objects as go

    train = [([0.0, 1.0], [0.0, 1.0])]
    figs = [charts.regression_fig(train, [0, 1], [[0, 1]], n_trained=1, current=0),
            charts.task_curves_fig({0: ([1, 2], [0.5, 0.6])}, [2], "accuracy", 0, 2, 4),
            charts.loss_fig([[i, 1.0 / (i + 1), 0.1] for i in range(2000)], [10], 2000),
            charts.matrix_fig([[0.5, 0.4], [0.6, 0.7]], 2, "accuracy"),
            charts.compare_final_fig({"a": [1, 0.5]}, "accuracy"),
            charts.compare_mean_fig({"a": [1, 0.75]}, "mse")]
    for f in figs:
        go.Figure(f.to_dict())  # raises on any invalid property
    loss = figs[2]
    assert len(loss.data[0].x) <= charts.MAX_LOSS_POINTS + 1 and loss.data[0].x[-1] == 1999


def test_transfer_fig_shows_each_task_right_after_training_and_at_the_end() -> None:
    runs = {"HNET": [[0.9, 0.1, 0.1], [0.9, 0.8, 0.2], [0.88, 0.79, 0.95]],
            "scratch": [[0.9, 0.1, 0.1], [0.9, 0.7, 0.1]]}  # stopped after two tasks
    fig = go.Figure(charts.transfer_fig(runs, "accuracy", names=["a", "b", "c"]))  # validates
    bars = {t.name: t for t in fig.data}
    assert set(bars) == {f"{r}: {w}" for r in runs
                         for w in ("right after training it", "after all tasks")}
    during, after = bars["HNET: right after training it"], bars["HNET: after all tasks"]
    assert list(during.x) == ["a", "b", "c"] and list(during.y) == [0.9, 0.8, 0.95]
    assert list(after.y) == [0.88, 0.79, 0.95]
    assert during.marker.pattern.shape == "/" and not after.marker.pattern.shape
    assert during.marker.color == after.marker.color != bars["scratch: after all tasks"].marker.color
    assert list(bars["scratch: after all tasks"].x) == ["a", "b"]  # only the tasks it trained
    assert list(bars["scratch: right after training it"].y) == [0.9, 0.7]
    assert fig.layout.yaxis.range == (0, 1.02)
    assert len({t.offsetgroup for t in fig.data}) == 4  # side by side, none stacked
