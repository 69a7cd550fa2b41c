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
    load_sweep,
    progress,
    run_file_name,
    seed_stats,
)
from hnviz.core.presets import default_config
from hnviz.sweep import run_sweep

REPO = Path(__file__).resolve().parents[1]


def test_tiny_sweep_becomes_expected_arrays(tmp_path: Path):
    base = default_config("regression1d", "hnet").replace(train={"iters_per_task": 20})
    out = tmp_path / "toy"
    run_sweep(base, "beta", [0.01, 0], [0], out, n_jobs=1, progress=False, grid_points=50)
    s = load_sweep(out)
    assert list(s.values) == [0.0, 0.01]  # sorted ascending
    assert s.seeds == [0] and s.param == "beta" and s.metric == "mse"
    assert s.paper_value is None and s.iters_per_task == 20 and s.status == "done"
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
    assert progress(tmp_path) == (3, 4, "running")
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
    assert progress(tmp_path / "nowhere") == (0, 0, "starting")


def test_run_file_names_are_deterministic():
    assert run_file_name("beta", 0.001, 1) == "beta=0.001_seed=1.pt"
    assert run_file_name("si_c", 1e-4, 0) == "si_c=0.0001_seed=0.pt"
    assert run_file_name("ewc_lambda", 1e6, 2) == "ewc_lambda=1e+06_seed=2.pt"


def test_bundled_sweeps_load():
    refs = find_sweeps(REPO / "assets" / "sweeps", "bundled")
    if not refs:
        pytest.skip("no bundled sweeps (run scripts/make_sweeps.py)")
    for ref in refs:
        s = load_sweep(ref.path)
        assert s.status == "done" and s.ok.mean() > 0.9, ref.name
        assert len(s.seeds) == 3 and len(s.values) >= 9


def test_analysis_does_not_import_streamlit():
    code = ("import sys, hnviz.analysis.sweeps, hnviz.sweep; "
            "assert 'streamlit' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
