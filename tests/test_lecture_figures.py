"""The lecture's data and figures without a server: the functions recorded after each task
(hnviz.analysis.task_ends and the bundled assets/lecture files), and the lecture's figure
builders (hnviz.ui.lecture.figures)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from hnviz.analysis.task_ends import (
    TaskEndsError,
    load_task_ends,
    parse_task_ends,
    record_task_ends,
    task_ends_dict,
)
from hnviz.analysis.views import train_extras
from hnviz.core.benchmarks import benchmark
from hnviz.core.config import RunConfig
from hnviz.core.presets import default_config
from hnviz.core.trainer import Trainer
from hnviz.serve.demos import demos
from hnviz.ui.lecture import figures as lfigs
from hnviz.ui.lecture.steps import LECTURE_ASSETS

ITERS = 40


def _toy(method: str = "hnet") -> Trainer:
    return Trainer(default_config("regression1d", method).replace(
        train={"iters_per_task": ITERS, "eval_every": 20}))


@pytest.fixture(scope="module")
def recorded():
    t = _toy()
    snaps = record_task_ends(t, grid_points=50)
    doc = task_ends_dict(t, snaps, "HNET", benchmark("regression1d").task_names(t.n_tasks))
    return t, snaps, json.loads(json.dumps(doc))


def test_snapshots_are_the_functions_at_each_task_end(recorded) -> None:
    t, snaps, _doc = recorded
    assert [s["task"] for s in snaps] == [1, 2, 3] and t.finished
    assert [s["step"] for s in snaps] == [ITERS, 2 * ITERS, 3 * ITERS]
    ref = _toy()
    for s in snaps:  # a second run stopped at the same step computes the same functions
        ref.advance(s["step"] - ref.global_step)
        np.testing.assert_array_equal(s["preds"], train_extras(ref, 50)["preds"])
    assert not np.allclose(snaps[0]["preds"][0], snaps[2]["preds"][2])


def test_document_round_trip(recorded) -> None:
    _t, snaps, doc = recorded
    te = parse_task_ends(doc)
    assert te.n_tasks == 3 and te.steps == (ITERS, 2 * ITERS, 3 * ITERS) and te.method == "hnet"
    assert te.preds.shape == (3, 3, 50) and te.grid.shape == (50,)
    np.testing.assert_allclose(te.preds, np.asarray([s["preds"] for s in snaps]), rtol=1e-3,
                               atol=1e-6)
    assert all(len(x) == len(y) <= 40 for x, y in te.data)


@pytest.mark.parametrize("breaks, needle", [
    (lambda d: d.update(format="other"), "not an hnviz task-ends"),
    (lambda d: d.update(version=2), "version 2"),
    (lambda d: d["after"][1].update(task=3), "after task 2"),
    (lambda d: d["after"][0]["preds"].pop(), "one function per task"),
    (lambda d: d["after"][0]["preds"][0].append(1.0), r"preds\[0\] must be a list of 50"),
    (lambda d: d["after"][0]["preds"][1].__setitem__(0, "x"), "not a number"),
    (lambda d: d["data"][0].update(y=[1.0]), r"data\[0\]\.y"),
    (lambda d: d.update(task_names=[]), "task_names"),
])
def test_bad_documents_are_refused_in_one_line(recorded, breaks, needle) -> None:
    doc = copy.deepcopy(recorded[2])
    breaks(doc)
    with pytest.raises(TaskEndsError, match=needle) as e:
        parse_task_ends(doc)
    assert "\n" not in str(e.value)


def test_bad_files_are_refused_in_one_line(tmp_path) -> None:
    with pytest.raises(TaskEndsError, match="missing"):
        load_task_ends(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(TaskEndsError, match="not readable JSON"):
        load_task_ends(tmp_path / "bad.json")


@pytest.mark.parametrize("stem, demo", [("forgetting-finetune", "03-regression-finetune.pt"),
                                        ("forgetting-hnet", "01-regression-hnet.pt")])
def test_bundled_asset_ends_where_its_demo_ends(stem: str, demo: str) -> None:
    """The asset retrains the demo's config: its last snapshot is the demo's final state (a
    demo regenerated without `make assets` would fail here)."""
    te = load_task_ends(LECTURE_ASSETS / f"{stem}.json")
    d = next(x for x in demos() if x.file == demo)
    asset_cfg = RunConfig.from_dict(te.config).to_dict()  # fields added since: their defaults
    assert {**asset_cfg, "name": ""} == {**d.view.cfg.to_dict(), "name": ""}
    assert te.steps[-1] == d.view.global_step
    final = np.asarray(train_extras(d.trainer(), len(te.grid))["preds"], dtype=np.float32)
    np.testing.assert_allclose(te.preds[-1], final, rtol=2e-3, atol=1e-4)
    assert (LECTURE_ASSETS / f"{stem}.json").stat().st_size < 20_000


def test_task_end_figs_share_one_y_range_and_draw_only_trained_tasks(recorded) -> None:
    te = parse_task_ends(recorded[2])
    figs = lfigs.task_end_figs(te, height=200)
    assert [f.layout.title.text for f in figs] == ["after task 1", "after task 2",
                                                   "after task 3"]
    ranges = {tuple(f.layout.yaxis.range) for f in figs}
    assert len(ranges) == 1
    for k, f in enumerate(figs):
        bold = [tr for tr in f.data if tr.mode == "lines" and tr.name]
        assert len(bold) == k + 1  # functions of the tasks trained so far
        assert not f.layout.showlegend and f.layout.height == 200


def test_forgetting_fig_in_points_one_colour_per_run() -> None:
    colors = {"A": "#111111", "B": "#222222"}
    fig = lfigs.forgetting_fig({"A": 0.056, "B": 0.0}, colors)
    bar = fig.data[0]
    np.testing.assert_allclose(bar.x, [5.6, 0.0])
    assert list(bar.y) == ["A", "B"] and list(bar.marker.color) == ["#111111", "#222222"]




# ------------------------------------------------------------------------------ step 1's claims
def _asset_mse(stem: str, after: int) -> list[float]:
    """Each task's test MSE of the recorded function after task `after` (1-based): its grid
    curve interpolated at the task's test inputs, against the noise-free test targets."""
    from hnviz.core.benchmarks import build_tasks

    te = load_task_ends(LECTURE_ASSETS / f"{stem}.json")
    seq = build_tasks(RunConfig.from_dict(te.config).task)
    out = []
    for j, task in enumerate(seq.tasks):
        x = task.x_test[:, 0].numpy()
        fit = np.interp(x, te.grid, te.preds[after - 1, j])
        out.append(float(np.mean((fit - task.y_test[:, 0].numpy()) ** 2)))
    return out


def test_step_1_hypernetwork_row_fits_every_task_fine_tuning_forgets_task_1() -> None:
    """Step 1: "The hypernetwork (bottom) keeps every earlier curve on its points" and fits
    every task, the cubic (task 3) included (a straight line's MSE there is 0.023); fine-tuning
    bends task 1 away."""
    from hnviz.core.metrics import MSE

    hnet = _asset_mse("forgetting-hnet", 3)
    assert all(MSE.is_solved(v) for v in hnet) and hnet[2] < 0.01, hnet
    first = _asset_mse("forgetting-hnet", 1)[0]
    assert hnet[0] <= max(2 * first, 0.01), (first, hnet)
    ft = _asset_mse("forgetting-finetune", 3)
    assert ft[0] >= 0.3 and _asset_mse("forgetting-finetune", 1)[0] < 0.01, ft


def test_projector_gives_every_axis_room_for_its_labels() -> None:
    fig = lfigs.projector(lfigs.forgetting_fig({"A": 0.1}, {"A": "#111111"}), height=300)
    assert fig.layout.font.size == lfigs.FONT and fig.layout.height == 300
    assert fig.layout.xaxis.automargin and fig.layout.yaxis.automargin


# ------------------------------------------------------------------------------ step 8
def _input_view(kind: str, scores, inferred: int, task: int):
    from hnviz.analysis.task_inference import InputView

    return InputView(x=np.zeros(64, np.float32), image_shape=(8, 8), task=task, label=0,
                     scores=np.asarray(scores, np.float32), kind=kind, inferred=inferred,
                     pred=0, target=0, seen=len(scores))


def test_scores_fig_colours_the_chosen_task_and_outlines_the_true_one() -> None:
    v = _input_view("entropy", [3e-2, 2e-5, 0.4], inferred=1, task=0)
    fig = lfigs.scores_fig(v, "HNET+ENT", ["a", "b", "c"])
    bar = fig.data[0]
    assert list(bar.marker.color)[1] != "#c7c7c7" and list(bar.marker.color)[0] == "#c7c7c7"
    assert list(bar.marker.line.width) == [3, 0, 0]  # the true task
    assert fig.layout.yaxis.type == "log"  # entropies span decades: the winner stays visible
    assert "lowest wins → task 2, wrong (true: task 1)" in fig.layout.title.text
    np.testing.assert_allclose(bar.customdata, [3e-2, 2e-5, 0.4], rtol=1e-6)
    p = lfigs.scores_fig(_input_view("probability", [0.1, 0.9], 1, 1), "HNET+R", ["a", "b"])
    assert p.layout.yaxis.type != "log" and "highest wins → task 2, right" in \
        p.layout.title.text


def test_given_inferred_fig_in_percent() -> None:
    fig = lfigs.given_inferred_fig({"A": {"given": 0.99, "inferred": 0.4},
                                    "B": {"given": 0.98, "inferred": None}})
    given, inferred = fig.data
    assert given.meta == "accuracy:given" and list(given.y) == [99.0, 98.0]
    assert list(inferred.x) == ["A", "B"] and inferred.y[0] == 40.0 and inferred.y[1] is None
    assert list(inferred.text) == ["40%", ""]


def test_step_8_claims_on_the_bundled_cl3_demos() -> None:
    """Step 8: "Given the task both are nearly always right; inferring it, HNET+R is right far
    more often [than HNET+ENT]": on the two bundled CL3 demos it shows, and on the bundled
    reproduction table's Split Digits CL3 rows (3 seeds each) the same way round."""
    from hnviz.reproduce.table import read_table
    from hnviz.ui.lecture.inference import CL3_DEMOS, final_accuracy
    from hnviz.ui.paper.layout import BUNDLED

    acc = {}
    for file, label in CL3_DEMOS:
        d = next(x for x in demos() if x.file == file)
        assert d.view.cfg.task.scenario == "cl3"
        acc[label] = final_accuracy(d.view.history, "cl3")
    assert all(a["given"] >= 0.9 for a in acc.values()), acc
    assert acc["HNET+R"]["inferred"] >= acc["HNET+ENT"]["inferred"] + 0.2, acc
    rows = {r["method"]: r for r in read_table(BUNDLED / "table.json").rows
            if r["experiment"] == "split-digits" and r["scenario"] == "cl3"}
    if {"hnet", "hnet-replay"} <= set(rows):
        assert rows["hnet-replay"]["mean"] > rows["hnet"]["mean"] + 20, rows


def test_step_8_starts_on_an_input_entropy_gets_wrong_and_replay_right() -> None:
    from hnviz.analysis.task_inference import input_view
    from hnviz.ui.lecture.inference import CL3_DEMOS, default_input

    runs = [(label, None, next(x for x in demos() if x.file == file).trainer())
            for file, label in CL3_DEMOS]
    task, index = default_input(runs, ("a", "b"))
    assert input_view(runs[0][2], task, index).inferred != task
    assert input_view(runs[1][2], task, index).inferred == task


# ------------------------------------------------------------------------------ step 9
def _rows(**by_exp):
    return tuple({"experiment": e, "benchmark": "x", "scenario": s, "method": m,
                  "metric": "accuracy", "status": "ok", "mean": 90.0, "spread": 1.0, "n": 3,
                  "paper": paper}
                 for e, rows in by_exp.items() for s, m, paper in rows)


def test_step_9_reads_any_experiment_generically() -> None:
    from hnviz.ui.lecture.paper import default_experiment, label, side_table

    rows = _rows(toy=[("cl1", "hnet", None)],
                 digits=[("cl1", "hnet", None), ("cl2", "hnet", None)],
                 new_mnist=[("cl1", "hnet", 99.79), ("cl1", "ewc", None)])
    assert default_experiment(rows) == "new_mnist"  # the paper reports numbers for it
    assert default_experiment(rows[:3]) == "digits"  # none does: the fullest comparison
    assert label("new_mnist") == "new_mnist" and label("split-digits") == "Split Digits"
    html = side_table("new_mnist", [r for r in rows if r["experiment"] == "new_mnist"], "lite")
    assert "99.79" in html and "90.00 ± 1.00" in html and "CL1 · HNET" in html
    assert "EWC" not in html  # only the rows the paper gives a number for
    plain = side_table("digits", [r for r in rows if r["experiment"] == "digits"], "lite")
    assert "CL2 · HNET" in plain and "—" in plain
