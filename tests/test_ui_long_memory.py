"""The Long memory view in AppTest: the Paper page's section for a long-sequence experiment read
from a bundle the test made with the real code path (`run_experiment` + `write_bundle`, a tiny
version of permuted-digits-100: 60 tasks, 2 steps each, HNET and fine-tuning, two seeds), the
lecture's compact form, a missing bundle's message; and the Train page's Tasks input and links
opening the long-sequence preset."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

import pytest

from hnviz.core.benchmarks import BENCHMARKS
from hnviz.core.presets import default_config
from hnviz.core.sizes import param_counts
from hnviz.reproduce.experiments import EXPERIMENTS
from hnviz.reproduce.run import run_experiment, write_bundle
from hnviz.ui.paper.long_memory import MAKE_COMMAND, PAPER_ENV
from tests.apptest_helpers import open_app, plotly_array

PAPER = "pages/9_Paper.py"
TRAIN = "pages/1_Train.py"
N_TASKS, ITERS = 60, 2


@pytest.fixture(scope="module")
def long_bundle():
    exp = dataclasses.replace(EXPERIMENTS["permuted-digits-100"], n_tasks=N_TASKS,
                              methods=("hnet", "finetune"),
                              lite={"train": {"iters_per_task": ITERS, "eval_every": ITERS}})
    tmp = Path(tempfile.mkdtemp(prefix="hnviz-long-"))
    rows = run_experiment(exp, tmp / "sweeps", False, (0, 1), 1, progress=False)
    assert all(r["status"] == "ok" for r in rows), [r["reason"] for r in rows]
    write_bundle(rows, tmp / "bundle", False)
    yield tmp / "bundle"
    shutil.rmtree(tmp, ignore_errors=True)


def _texts(at) -> str:
    parts = [*(c.value for c in at.caption), *(m.value for m in at.markdown),
             *(i.value for i in at.info), *(w.value for w in at.warning)]
    return "\n".join(map(str, parts))


def _charts(at) -> list:
    return list(at.get("plotly_chart"))


def test_paper_page_shows_the_long_memory_section(long_bundle, monkeypatch):
    monkeypatch.setenv(PAPER_ENV, str(long_bundle))
    at = open_app(PAPER, exp="permuted-digits-100")
    assert at.selectbox(key="paper.exp").value == "permuted-digits-100"
    assert not at.exception
    texts = _texts(at)
    assert "### Long memory" in texts, texts
    assert f"Mean final accuracy over all {N_TASKS} tasks (2 seeds)" in texts, texts
    assert "**HNET**" in texts and "**fine-tuning**" in texts
    # the experiment's bars, the per-task animation, the summary bars, and accuracy against
    # compression ratio (no ratio sweep bundled for this tiny bundle: the bundled runs alone,
    # HNET at its ratio, the line at 1, fine-tuning a reference line)
    import plotly.io as pio

    figs = [pio.from_json(c.proto.spec) for c in _charts(at)]
    ratio = [f for f in figs if "compression" in (f.layout.title.text or "")]
    assert len(figs) >= 4 and len(ratio) == 1
    (hnet,) = ratio[0].data  # HNET's point (hover: its ratio); the baselines are lines
    want = param_counts(default_config("permuted-digits", "hnet", n_tasks=N_TASKS)).compression
    assert list(hnet.text) == [f"ratio {want:.2f}"] and hnet.name == f"HNET ({N_TASKS} tasks)"
    shapes = ratio[0].layout.shapes
    assert any(s.x0 == 1.0 and s.x1 == 1.0 for s in shapes)  # the line at 1
    assert any("fine-tuning" in (a.text or "") for a in ratio[0].layout.annotations)
    assert not at.exception


def test_a_bundled_ratio_sweep_draws_accuracy_against_ratio(long_bundle, tmp_path, monkeypatch):
    """With the ratio sweep bundled beside the runs (`<experiment>/ratio/sweep.json`, what
    `scripts/make_sweeps.py --only long-compression` writes; made here with the real sweep code
    at the tiny bundle's tasks and budget), the figure shows HNET over its sizes as one curve,
    each point at its config's ratio, and the bundled fine-tuning runs as a reference line."""
    import plotly.io as pio

    from hnviz.sweeps import make_grid, run_sweep

    bundle = tmp_path / "bundle"
    shutil.copytree(long_bundle, bundle)
    base = default_config("permuted-digits", "hnet", n_tasks=N_TASKS).replace(
        train={"iters_per_task": ITERS, "eval_every": ITERS})
    sizes = ((64, 32), (64, 256))
    run_sweep(make_grid([base], {"hnet.hidden": sizes}, (0,)), tmp_path / "ratio", jobs=1,
              name="long-compression", progress=False)
    (bundle / "permuted-digits-100" / "ratio").mkdir()
    shutil.copyfile(tmp_path / "ratio" / "sweep.json",
                    bundle / "permuted-digits-100" / "ratio" / "sweep.json")
    monkeypatch.setenv(PAPER_ENV, str(bundle))
    at = open_app(PAPER, exp="permuted-digits-100")
    assert not at.exception
    figs = [pio.from_json(c.proto.spec) for c in _charts(at)]
    (ratio,) = [f for f in figs if "compression" in (f.layout.title.text or "")]
    assert f"HNET at 2 sizes, {ITERS} steps per task, seed 0" in ratio.layout.title.text
    (hnet,) = ratio.data
    want = [param_counts(base.replace(hnet={"hidden": h})).compression for h in sizes]
    assert hnet.name == f"HNET ({N_TASKS} tasks)"
    assert list(plotly_array(ratio.to_dict()["data"][0]["x"])) == pytest.approx(want) and want[0] < 1 < want[1]
    assert any(s.x0 == 1.0 and s.x1 == 1.0 for s in ratio.layout.shapes)
    assert any("fine-tuning" in (a.text or "") for a in ratio.layout.annotations)


def test_other_experiments_have_no_long_memory_section(long_bundle, monkeypatch):
    monkeypatch.setenv(PAPER_ENV, str(long_bundle))
    from hnviz.reproduce.run import not_run_rows

    write_bundle(not_run_rows(EXPERIMENTS["toy"], False, (0,), "not here"), long_bundle, False)
    at = open_app(PAPER, exp="toy")
    assert "### Long memory" not in _texts(at)
    assert not at.exception


def _lecture_figure(tmp: Path, folder: Path):
    """The lecture compression step's long-memory figure (its `FIGURES` entry), drawn alone
    from the bundle in `folder`."""
    from streamlit.testing.v1 import AppTest

    script = tmp / "lecture_long_memory.py"
    script.write_text(
        "import os\n"
        f"os.environ[{PAPER_ENV!r}] = {str(folder)!r}\n"
        "from hnviz.ui.lecture.compression import FIGURES\n"
        "dict(FIGURES)['Long memory: 100 tasks'](500)\n")
    return AppTest.from_file(str(script), default_timeout=60).run()


def test_lecture_figure_without_the_bundle_is_a_message_with_the_command(tmp_path):
    at = _lecture_figure(tmp_path, tmp_path / "none")
    assert not at.exception
    assert MAKE_COMMAND in _texts(at)
    assert not _charts(at)


def test_lecture_figure_draws_every_task_with_its_slider(long_bundle, tmp_path):
    at = _lecture_figure(tmp_path, long_bundle)
    assert not at.exception
    charts = _charts(at)
    assert len(charts) == 1
    import json

    fig = json.loads(charts[0].proto.spec)
    assert fig["layout"]["sliders"], "no slider over 'after task t'"
    assert f"after task {N_TASKS} of {N_TASKS}" in fig["layout"]["title"]["text"]
    assert "compression ratio" in fig["layout"]["title"]["text"]
    metas = {t.get("meta") for t in fig["data"]}
    assert {"memory:hnet", "memory:finetune"} <= metas


def test_train_page_tasks_input_loads_the_long_preset():
    long = BENCHMARKS["permuted-digits"].long
    at = open_app(TRAIN, benchmark="permuted-digits", method="hnet")
    tasks = at.number_input(key="train.form.tasks")
    assert tasks.value == 10
    tasks.set_value(long.min_tasks).run()
    assert at.text_input(key="train.form.hnet_hidden").value == ",".join(
        map(str, long.hnet.hidden))
    assert at.number_input(key="train.form.iters").value == long.train.iters_per_task
    assert at.query_params["tasks"] in (str(long.min_tasks), [str(long.min_tasks)])
    assert "Long sequence" in _texts(at)
    sel = at.selectbox(key="train.form.scenario")
    assert sel.value == "cl1" and (sel.disabled or long.min_tasks <= 50)
    assert "Compression:" in _texts(at)
    assert not at.exception


def test_a_link_with_100_tasks_opens_the_long_preset_within_the_app_budgets():
    long = BENCHMARKS["permuted-digits"].long
    at = open_app(TRAIN, benchmark="permuted-digits", method="hnet", tasks="100")
    assert at.number_input(key="train.form.tasks").value == 100
    assert at.text_input(key="train.form.hnet_hidden").value == ",".join(
        map(str, long.hnet.hidden))
    cfg = default_config("permuted-digits", "hnet", n_tasks=100)
    assert at.number_input(key="train.form.iters").value == cfg.train.iters_per_task
    assert "too large" not in _texts(at)
    sel = at.selectbox(key="train.form.scenario")
    assert sel.value == "cl1" and sel.disabled  # 100 tasks: the task is given
    assert not at.exception
