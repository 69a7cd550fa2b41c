"""hnviz.analysis.sweeps: a sweep folder becomes arrays indexed [value, seed, ...]."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hnviz.analysis.sweeps import (
    SweepFileError,
    find_sweeps,
    grid_rows,
    load_sweep,
    progress,
    read_manifest,
    seed_stats,
    slices,
)
from hnviz.core.presets import default_config
from hnviz.sweeps import make_grid, run_sweep

REPO = Path(__file__).resolve().parents[1]


def test_tiny_sweep_becomes_expected_arrays(tmp_path: Path):
    base = default_config("regression1d", "hnet").replace(train={"iters_per_task": 20})
    out = tmp_path / "toy"
    run_sweep(make_grid([base], {"beta": [0.01, 0]}), out, backend="inline", progress=False,
              grid_points=50)
    s = load_sweep(out)
    assert list(s.values) == [0.0, 0.01]  # sorted ascending
    assert s.seeds == [0] and s.param == "beta" and s.metric == "mse"
    assert s.paper_value == base.train.beta and s.iters_per_task == 20 and s.status == "done"
    assert s.R.shape == (2, 1, 3, 3) and s.ok.all() and not s.errors
    assert np.isfinite(s.R).all()
    assert s.final.shape == (2, 1, 3)
    np.testing.assert_array_equal(s.newest, s.R[:, :, 2, 2])
    np.testing.assert_allclose(s.old_mean, s.R[:, :, 2, :2].mean(axis=-1))
    assert s.functions.shape == (2, 1, 3, 50) and np.isfinite(s.functions).all()
    assert len(s.grids[0]) == 50 and s.grids[0][0] == pytest.approx(-4.0)
    assert s.tasks[1]["formula"] == "y = 2x² - 1" and len(s.tasks[1]["x"]) == 100
    assert s.higher_is_better is False and s.label == "β"


def _manifest(runs):
    return {"format": "hnviz-sweep", "version": 1, "name": "hand", "benchmark": "split-digits",
            "method": "si", "param": "si_c", "values": [1.0, 0.1], "seeds": [0, 1],
            "metric": "accuracy", "paper_value": 1.0, "status": "running", "runs": runs}


def test_failed_and_pending_runs_are_nan(tmp_path: Path):
    root, tmp_path = tmp_path, tmp_path / "hand"
    tmp_path.mkdir()
    R = [[0.9, 0.5], [0.7, 0.8]]
    runs = [
        {"value": 0.1, "seed": 0, "status": "ok", "summary": {"acc_matrix": R}},
        {"value": 0.1, "seed": 1, "status": "failed", "error": "loss became nan",
         "summary": None},
        {"value": 1.0, "seed": 0, "status": "ok", "summary": {"acc_matrix": R}},
        {"value": 1.0, "seed": 1, "status": "pending", "summary": None},
    ]
    (tmp_path / "sweep.json").write_text(json.dumps(_manifest(runs)))
    s = load_sweep(tmp_path)
    assert list(s.values) == [0.1, 1.0]
    assert s.ok.tolist() == [[True, False], [True, False]]
    assert s.errors == {(0, 1): "loss became nan"}
    assert s.newest[0, 0] == 0.8 and s.old_mean[0, 0] == 0.7
    assert math.isnan(s.newest[0, 1])
    mean, std = seed_stats(s.newest)
    assert mean.tolist() == [0.8, 0.8] and std.tolist() == [0.0, 0.0]
    p = progress(tmp_path)
    assert (p.done, p.total, p.status, p.ok, p.failed, p.running) == (3, 4, "running", 2, 1, 0)
    refs = find_sweeps(root, "user")
    assert [(r.name, r.n_done, r.n_total) for r in refs] == [("hand", 3, 4)]


def test_bad_manifests_raise_one_line_errors(tmp_path: Path):
    with pytest.raises(SweepFileError, match="no sweep manifest"):
        load_sweep(tmp_path)
    (tmp_path / "sweep.json").write_text("{not json")
    with pytest.raises(SweepFileError, match="not a readable"):
        load_sweep(tmp_path)
    (tmp_path / "sweep.json").write_text(json.dumps({**_manifest([]), "version": 99}))
    with pytest.raises(SweepFileError, match="newer"):
        load_sweep(tmp_path)
    assert progress(tmp_path / "nowhere").status == "starting"


def test_run_file_names_are_deterministic_and_as_in_version_1():
    base = default_config("regression1d", "ewc")
    files = [p.file for p in make_grid([base], {"ewc_lambda": [1e6, 1e-4]}, (2,)).points()]
    assert files == ["ewc_lambda=1e+06_seed=2.pt", "ewc_lambda=0.0001_seed=2.pt"]
    # 6 significant digits would merge these two: the name keeps every digit then
    fine = make_grid([base], {"lr": [0.0012345678, 0.0012345679]}).points()
    assert [p.file for p in fine] == ["lr=0.0012345678_seed=0.pt", "lr=0.0012345679_seed=0.pt"]


def _v2(runs, axes, task_sets=None):
    ts = task_sets or {"split-digits": {"benchmark": "split-digits", "n_tasks": 2,
                                        "metric": "accuracy", "tasks": [{"name": "a"},
                                                                        {"name": "b"}]}}
    return {"format": "hnviz-sweep", "version": 2, "name": "grid", "benchmark": "split-digits",
            "method": "hnet", "param": "beta", "values": [0.0, 1.0], "seeds": [0],
            "benchmarks": ["split-digits"], "methods": ["hnet"], "axes": {"hnet": axes},
            "presets": {"split-digits|hnet": {"train.beta": 0.01}}, "task_sets": ts,
            "status": "running", "runs": runs}


def _run(params, status="ok", R=((0.9, 0.5), (0.7, 0.8)), task_set="split-digits"):
    return {"benchmark": "split-digits", "method": "hnet", "params": params, "seed": 0,
            "task_set": task_set, "status": status,
            "summary": {"acc_matrix": [list(r) for r in R], "mean_final": 0.75}
            if status == "ok" else None}


def test_version_2_grid_reads_as_slices(tmp_path: Path):
    axes = [{"field": "train.beta", "values": [0.0, 1.0]},
            {"field": "hnet.hidden", "values": [[5], [8, 8]]},
            {"field": "train.lr", "values": [0.001]}]
    runs = [_run({"train.beta": b, "hnet.hidden": h, "train.lr": 0.001},
                 "running" if (b, h) == (1.0, [8, 8]) else "ok",
                 R=((0.9, 0.5), (0.1 + b / 2, 0.8)))
            for b in (0.0, 1.0) for h in ([5], [8, 8])]
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "sweep.json").write_text(json.dumps(_v2(runs, axes)))
    d = read_manifest(tmp_path / "g")
    every = slices(d)  # along beta (per hidden, lr) and along lr (per beta, hidden)
    assert [(s.field, s.fixed) for s in every] == [
        ("train.beta", (("hnet.hidden", [5]), ("train.lr", 0.001))),
        ("train.beta", (("hnet.hidden", [8, 8]), ("train.lr", 0.001))),
        ("train.lr", (("train.beta", 0.0), ("hnet.hidden", [5]))),
        ("train.lr", (("train.beta", 0.0), ("hnet.hidden", [8, 8]))),
        ("train.lr", (("train.beta", 1.0), ("hnet.hidden", [5]))),
        ("train.lr", (("train.beta", 1.0), ("hnet.hidden", [8, 8])))]
    refs = find_sweeps(tmp_path, "user")  # the explorer offers the beta slices
    assert [(r.param, r.fixed, r.n_done, r.n_total) for r in refs] == [
        ("beta", "hnet.hidden=5, train.lr=0.001", 2, 2),
        ("beta", "hnet.hidden=8x8, train.lr=0.001", 1, 2)]
    assert len({r.key for r in refs}) == 2
    s = load_sweep(refs[1].path, refs[1].slice)
    assert list(s.values) == [0.0, 1.0] and s.paper_value == 0.01 and s.label == "β"
    assert s.ok.tolist() == [[True], [False]] and s.running.tolist() == [[False], [True]]
    assert s.old_mean[0, 0] == pytest.approx(0.1) and math.isnan(s.old_mean[1, 0])
    rows = grid_rows(d)
    assert len(rows) == 4 and rows[0]["hnet.hidden"] == "5" and rows[3]["status"] == "running"
    with pytest.raises(SweepFileError, match="no slice"):
        load_sweep(tmp_path / "g", "nope")


def test_a_grid_without_numeric_axis_or_with_changing_task_counts(tmp_path: Path):
    tuple_only = _v2([_run({"hnet.hidden": [5]})], [{"field": "hnet.hidden", "values": [[5]]}])
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "sweep.json").write_text(json.dumps(tuple_only))
    assert find_sweeps(tmp_path, "user") == []
    assert grid_rows(read_manifest(tmp_path / "t"))[0]["status"] == "ok"
    with pytest.raises(SweepFileError, match="no numeric axis"):
        load_sweep(tmp_path / "t")
    sets = {f"split-digits|task.n_tasks={n}": {"benchmark": "split-digits", "n_tasks": n,
                                               "metric": "accuracy", "tasks": []}
            for n in (2, 3)}
    n_tasks = _v2([_run({"task.n_tasks": n}, task_set=f"split-digits|task.n_tasks={n}")
                   for n in (2, 3)], [{"field": "task.n_tasks", "values": [2, 3]}], sets)
    (tmp_path / "t" / "sweep.json").write_text(json.dumps(n_tasks))
    with pytest.raises(SweepFileError, match="task count changes"):
        load_sweep(tmp_path / "t")


def test_bundled_sweeps_load():
    refs = find_sweeps(REPO / "assets" / "sweeps", "bundled")
    if not refs:
        pytest.skip("no bundled sweeps (run scripts/make_sweeps.py)")
    for ref in refs:
        s = load_sweep(ref.path)
        assert s.status == "done" and s.ok.mean() > 0.9, ref.name
        assert len(s.seeds) == 3 and len(s.values) >= 9


def test_analysis_does_not_import_streamlit():
    code = ("import sys, hnviz.analysis.sweeps, hnviz.sweeps.cli; "
            "assert 'streamlit' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
