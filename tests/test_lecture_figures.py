"""The lecture's data and figures without a server: the functions recorded after each task
(hnviz.analysis.task_ends and the bundled assets/lecture files), and the lecture's figure
builders (hnviz.ui.lecture_figures)."""

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
from hnviz.ui import lecture_figures as lfigs
from hnviz.ui.lecture_steps import LECTURE_ASSETS

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


