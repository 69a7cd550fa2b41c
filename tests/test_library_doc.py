"""docs/LIBRARY.md runs as written: every ```python block, in order, in one namespace (what a
notebook does), in a fresh working folder; then what its comments say is checked. And the public
API of hnviz/__init__.py: every name resolves, lazily."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

import hnviz

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "LIBRARY.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)


def test_the_worked_example_runs_and_says_what_it_shows(tmp_path, monkeypatch, capsys):
    blocks = python_blocks(DOC.read_text())
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)
    ns: dict = {"__name__": "__main__"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{DOC.name} block {i + 1}", "exec"), ns)
    out = capsys.readouterr().out

    trainer, R = ns["trainer"], ns["R"]
    assert trainer.finished and trainer.cfg.task.benchmark == "split-digits"
    assert len(R) == 5 and all(len(row) == 5 for row in R)
    assert out.count("after task ") == 5
    scores = trainer.summary()
    # "mean final accuracy ≈ 0.99, forgetting ≈ 0.00: task 1 is still solved after task 5"
    assert scores["mean_final"] >= 0.985 and scores["forgetting"] <= 0.005
    assert R[-1][0] >= 0.98
    assert f"mean final accuracy {scores['mean_final']:.3f}" in out

    land, fig = ns["land"], ns["fig"]
    assert land.values.shape == (5, 48, 48) and land.task_points.shape == (5, 2)
    assert isinstance(fig, go.Figure)
    heat = fig.data[0]
    assert heat.type == "heatmap" and np.asarray(heat.z).shape == (48, 48)
    assert np.allclose(np.asarray(heat.z), land.best())
    assert list(fig.data[1].text) == [f"task {t + 1}" for t in range(5)]

    # "own networks: the last row of R"
    acc = ns["acc"]
    assert acc.shape == (5, 5)
    assert np.allclose(acc.diagonal(), R[-1], atol=1e-6)

    assert (tmp_path / "digits.pt").is_file()  # saved where the notebook runs
    assert ns["again"].history["R"] == R


def test_the_public_api_resolves_and_importing_hnviz_stays_light():
    for name in hnviz.__all__:
        assert getattr(hnviz, name) is not None, name
    assert hnviz.Trainer.__module__ == "hnviz.core.trainer"
    assert set(hnviz.__all__) <= set(dir(hnviz))
    try:
        hnviz.no_such_name  # noqa: B018
    except AttributeError as e:
        assert "no_such_name" in str(e)
    else:
        raise AssertionError("unknown names must raise AttributeError")
    # the doc's list of names is the package's
    listed = re.search(r"^from hnviz import (.*?)^```", DOC.read_text(), re.S | re.M).group(1)
    listed = re.sub(r"#.*", "", listed)
    assert set(re.findall(r"[A-Za-z_]+", listed)) == set(hnviz.__all__) - {"__version__"}
    code = ("import sys, hnviz, hnviz.live\n"
            "assert 'torch' not in sys.modules and 'streamlit' not in sys.modules\n"
            "hnviz.default_config\nassert 'torch' in sys.modules\nprint('ok')")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr
