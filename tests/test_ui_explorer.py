"""β explorer: figure builders on a hand-written sweep, the form's parsing, the background
runner (start -> progress -> done; cancel), and the page in AppTest with the bundled sweeps."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from hnviz.analysis.sweeps import load_sweep
from hnviz.ui.explorer import charts
from hnviz.ui.explorer.form import parse_values
from tests.apptest_helpers import plotly_array

REPO = Path(__file__).resolve().parents[1]


def _write(tmp: Path, metric: str = "accuracy", method: str = "hnet") -> Path:
    T, values = 2, [0.0, 0.01, 1.0]
    runs = []
    for v in values:
        for s in (0, 1):
            R = [[0.9, 0.5], [0.6 + 0.3 * (v > 0), 0.95 - 0.1 * (v == 1.0)]]
            rec = {"value": v, "seed": s, "status": "ok", "summary": {"acc_matrix": R}}
            if metric == "mse":
                rec["functions"] = [[v + s] * 4, [2 * v] * 4]
            runs.append(rec)
    tasks = [{"name": f"t{t}", "grid": [0, 1, 2, 3], "x": [0, 1], "y": [0, 1]} if metric == "mse"
             else {"name": f"t{t}", "classes": [2 * t, 2 * t + 1]} for t in range(T)]
    d = {"format": "hnviz-sweep", "version": 1, "name": "hand", "benchmark": "split-digits",
         "method": method, "param": {"hnet": "beta", "ewc": "ewc_lambda", "si": "si_c"}[method],
         "values": values, "seeds": [0, 1], "metric": metric, "paper_value": 0.01,
         "status": "done", "tasks": tasks, "runs": runs}
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "sweep.json").write_text(json.dumps(d))
    return tmp


def _slider_ok(fig, n: int, start: int) -> None:
    (slider,) = fig.layout.sliders
    assert len(slider.steps) == len(fig.frames) == n and slider.active == start
    step = slider.steps[1]
    assert step.method == "animate" and list(step.args[0]) == ["v1"]
    assert step.args[1]["mode"] == "immediate" and step.args[1]["transition"]["duration"] == 0


def test_classification_scrub_has_a_frame_per_value(tmp_path):
    s = load_sweep(_write(tmp_path))
    fig = charts.classification_scrub_figure(s)
    _slider_ok(fig, 3, start=1)  # starts at the paper's 0.01
    heat = fig.frames[0].data[0]
    assert heat.z[0][1] is None  # future tasks are masked
    assert heat.z[1][0] == pytest.approx(0.6)  # β=0 forgets task 1
    assert fig.frames[2].data[1].y[1] == pytest.approx(0.85)  # β=1 hurts the newest task
    assert "β = 0.01" in fig.layout.title.text and "preset's value" in fig.layout.title.text


def test_regression_scrub_moves_the_curves(tmp_path):
    s = load_sweep(_write(tmp_path, metric="mse"))
    fig = charts.regression_scrub_figure(s)
    _slider_ok(fig, 3, start=1)
    mean_task1 = [tr for tr in fig.frames[2].data if tr.name and tr.name.startswith("task 1")]
    assert mean_task1[0].y[0] == pytest.approx(1.5)  # mean over seeds of v + s at v = 1
    assert len(fig.frames[0].data) == 6  # (upper, lower, mean) per task


def test_tradeoff_and_comparison(tmp_path):
    a = load_sweep(_write(tmp_path / "a"))
    b = load_sweep(_write(tmp_path / "b", method="ewc"))
    fig = charts.tradeoff_figure([a, b])
    stars = [tr for tr in fig.data if tr.marker.symbol == "star"]
    assert len(stars) == 2 and stars[0].y[0] == pytest.approx(0.95)
    assert list(fig.data[0].x) == pytest.approx([0.6, 0.9, 0.9])
    multi = charts.small_multiples_figure([a, b])
    assert sum(tr.name in ("old tasks", "newest task") for tr in multi.data) == 4
    x, ticks = charts.strength_positions(np.array([0.0, 0.01, 1.0]))
    assert x == [0.001, 0.01, 1.0] and ticks == ["0", "0.01", "1"]


def test_parse_values():
    assert parse_values("1e-3, 0 ,0.01,0.01") == [0.0, 0.001, 0.01]
    for bad in ("", "a", "-1", "inf"):
        with pytest.raises(ValueError):
            parse_values(bad)


def test_runner_argv_and_cluster(tmp_path, monkeypatch):
    """The command line of an app sweep; starting, progress and Cancel (the process group),
    the bounds and the release with the workspace: tests/test_hostile_server.py."""
    from hnviz.ui.explorer import runner

    argv = runner.sweep_argv("regression1d", "hnet", [0, 0.5], [0], 20, tmp_path / "x", 1)
    assert argv[:4] == [sys.executable, "-m", "hnviz", "sweep"] and "--jobs" in argv
    assert "--address" not in argv
    monkeypatch.setenv("HNVIZ_SWEEP_ADDRESS", "tcp://127.0.0.1:8786")  # the server's cluster
    argv = runner.sweep_argv("regression1d", "hnet", [0], [0], 20, tmp_path / "x", 1,
                             runner.cluster_address())
    assert argv[-4:] == ["--backend", "dask", "--address", "tcp://127.0.0.1:8786"]


def test_page_renders_in_apptest():
    from streamlit.testing.v1 import AppTest

    if not (REPO / "assets" / "sweeps" / "toy-hnet-beta").exists():
        pytest.skip("bundled sweeps missing")
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/7_Beta_explorer.py").run()
    assert not at.exception and not at.error
    assert at.title[0].value.startswith("β explorer")
    assert any("Stability vs plasticity" in s.value for s in at.subheader)
    sweep_box = next(s for s in at.selectbox if s.label == "Sweep")
    assert "bundled" in sweep_box.format_func(sweep_box.value)
    assert len(at.get("plotly_chart")) >= 2


def test_explorer_shows_the_compressive_regime_from_the_bundled_sweep():
    """Issue 13: the compression figure (accuracy against hypernet/target weights, ratios
    below and above 1, fine-tuning and EWC lines) on a regular page, not only the lecture."""
    import json

    from streamlit.testing.v1 import AppTest

    from hnviz.ui.explorer.compression import bundled_compression

    sweep = bundled_compression()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/7_Beta_explorer.py").run()
    assert not at.exception and not at.error
    assert any(s.value == "The compressive regime" for s in at.subheader)
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    fig = next(f for f in specs
               if "accuracy against compression" in f["layout"]["title"]["text"])
    ratios = np.concatenate([plotly_array(tr["x"]) for tr in fig["data"] if "x" in tr])
    assert ratios.min() < 1 < ratios.max()  # both sides of the compressive regime
    names = " ".join([tr.get("name") or "" for tr in fig["data"]]
                     + [a.get("text") or "" for a in fig["layout"].get("annotations", [])])
    assert "fine-tuning" in names.lower() and "ewc" in names.lower()
    assert f"{len(sweep.seeds)} seeds" in fig["layout"]["title"]["text"]


def test_explorer_reads_a_sweep_while_it_runs():
    """A real sweep in the background: once one run is done and the other running, the page
    draws the finished one, says how far it got and lists every run."""
    import os
    import signal
    import subprocess

    from streamlit.testing.v1 import AppTest

    from hnviz.analysis.sweeps import progress
    from tests.apptest_helpers import workspace

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    out = workspace(at).store.sweeps / "growing"  # this session's user's sweeps
    argv = [sys.executable, "-m", "hnviz", "sweep", "--param", "train.iters_per_task",
            "--values", "20,1000000", "--jobs", "1", "--no-lookahead", "--quiet",
            "--out", str(out)]
    proc = subprocess.Popen(argv, cwd=REPO, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.time() + 120
        while not (progress(out).done == 1 and progress(out).running == 1):
            assert time.time() < deadline and proc.poll() is None, "sweep did not get going"
            time.sleep(0.2)
        at.switch_page("pages/7_Beta_explorer.py")
        at.session_state["hnviz.ui.explorer.select_next"] = str(out)  # as a finished job does
        at.run()
        assert not at.exception and not at.error, [e.value for e in at.exception]
        box = next(s for s in at.selectbox if s.label == "Sweep")
        assert "(running, 1/2)" in box.format_func(at.session_state["explorer.sweep"])
        info = " ".join(i.value for i in at.info)
        assert "This sweep is running: 1 of 2 runs finished, 1 running" in info
        assert next(m for m in at.metric if m.label == "failed runs").value == "0"
        assert len(at.get("plotly_chart")) >= 2
        table = next(e for e in at.expander if "All 2 runs" in e.label)
        df = table.dataframe[0].value
        assert sorted(df["status"]) == ["ok", "running"] and list(df["worker"]) == ["local-1"] * 2
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
