"""AppTest: every page of the app renders, and its widgets drive the user's runs (trained by the
in-process pool here; tests/e2e drives the real worker processes).

One AppTest per test (a fresh session and a fresh user); the bundled demos are shared.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hnviz.core.io import run_to_bytes
from hnviz.core.presets import default_config
from hnviz.core.trainer import Trainer
from tests.apptest_helpers import active, open_app, wait_until, workspace

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60
TRAIN = "pages/1_Train.py"


def _app(page: str | None = None, **query: str) -> AppTest:
    return open_app(page, timeout=TIMEOUT, **query)


def test_home_renders_with_demo_active() -> None:
    at = _app()
    assert at.title[0].value.startswith("hnviz")
    assert at.latex, "the regularizer formula is shown"
    assert active(at).name == "Demo · regression · HNET β=0.1"
    assert not at.error


def test_fresh_train_page_shows_the_first_demo_with_its_settings() -> None:
    """A new visitor's Train page shows the first demo and starts on its preset: no note that
    the settings differ from it (the bundled demos are trained from today's presets)."""
    at = _app(TRAIN)
    assert active(at).name == "Demo · regression · HNET β=0.1"
    notes = " ".join(i.value for i in at.info)
    assert "Showing **Demo" not in notes and "differ" not in notes, notes
    assert not at.error


def test_train_play_pause_step_and_url() -> None:
    at = _app(TRAIN, iters="5000", beta="0.01")
    assert at.number_input(key="train.form.iters").value == 5000
    assert at.number_input(key="train.form.strength").value == 0.01
    assert not at.error
    at.button(key="train.play").click().run()
    entry = active(at)
    assert entry.source == "trained" and entry.view().cfg.train.iters_per_task == 5000
    assert entry.view().cfg.train.beta == 0.01 and entry.playing
    wait_until(at, lambda: entry.view().global_step > 0)
    at.button(key="train.pause").click().run()
    wait_until(at, lambda: not entry.playing)
    paused_at = entry.view().global_step
    assert 0 < paused_at < entry.view().total_steps
    at.button(key="train.step").click().run()
    assert entry.view().global_step == paused_at + entry.view().cfg.train.eval_every
    # settings -> URL
    at.number_input(key="train.form.iters").set_value(55).run()
    assert at.query_params["iters"] in (["55"], "55")
    assert not at.exception


def test_out_of_range_link_values_are_reported_not_clamped() -> None:
    at = _app(TRAIN, iters="200000", lr="1000", emb_dim="300", beta="2000000000")
    warnings = " ".join(w.value for w in at.warning)
    assert "iters=200000 is above the most allowed" in warnings
    assert "lr=1000" in warnings and "emb_dim=300" in warnings
    preset = default_config("regression1d", "hnet")
    assert at.number_input(key="train.form.iters").value == preset.train.iters_per_task  # not 1
    assert at.number_input(key="train.form.lr").value == preset.train.lr  # not 1e-6
    assert at.number_input(key="train.form.emb_dim").value == preset.hnet.emb_dim  # not 1
    assert at.number_input(key="train.form.strength").value == 2e9  # taken as written, never 0
    assert not at.exception


def test_every_method_strength_can_be_set() -> None:
    at = _app(TRAIN)
    at.selectbox(key="train.form.method").set_value("ewc").run()
    assert "λ" in at.number_input(key="train.form.strength").label
    at.number_input(key="train.form.strength").set_value(123.0).run()
    assert at.query_params["ewc_lambda"] in (["123"], "123")
    at.selectbox(key="train.form.method").set_value("si").run()
    assert "c" in at.number_input(key="train.form.strength").label
    assert at.number_input(key="train.form.strength").value == \
        default_config("regression1d", "si").train.si_c
    assert not at.exception


def test_method_switch_takes_the_methods_head_layout() -> None:
    """HNET generates one head per network; a baseline switched to keeps one head per task."""
    at = _app(TRAIN)
    assert at.session_state["hnviz.config"].train.multi_head is False  # HNET's preset
    at.selectbox(key="train.form.method").set_value("ewc").run()
    assert at.session_state["hnviz.config"].train.multi_head is True
    at.selectbox(key="train.form.method").set_value("hnet").run()
    assert at.session_state["hnviz.config"].train.multi_head is False
    assert not at.exception


def test_new_run_with_progress_asks_first_and_keeps_old_run() -> None:
    at = _app(TRAIN, iters="40")
    at.button(key="train.step").click().run()
    old = active(at)
    assert old.view().global_step > 0
    n_runs = len(workspace(at).handles())
    at.button(key="train.new").click().run()
    assert active(at) is old and at.button(key="train.confirm_yes")
    at.button(key="train.confirm_yes").click().run()
    assert active(at) is not old and workspace(at).get(old.run_id) is old
    assert len(workspace(at).handles()) == n_runs + 1


def test_side_by_side_trains_both_runs() -> None:
    at = _app(TRAIN, iters="30")
    at.toggle(key="train.compare").set_value(True).run()
    assert at.selectbox(key="train.compare_with").value == "off"  # β = 0 first
    at.button(key="train.play").click().run()
    ws = workspace(at)
    a, b = (ws.get(i) for i in at.session_state["hnviz.pair"])
    beta = default_config("regression1d", "hnet").train.beta
    assert a.view().cfg.train.beta == beta > 0 and b.view().cfg.train.beta == 0.0
    wait_until(at, lambda: a.view().done and b.view().done)
    assert a.view().tasks_done == 3 and b.view().tasks_done == 3
    names = [m.value for m in at.markdown]
    assert any(a.name in n for n in names) and any(b.name in n for n in names)
    assert not at.exception


def test_benchmark_change_loads_its_preset() -> None:
    at = _app(TRAIN)
    at.selectbox(key="train.form.benchmark").set_value("split-digits").run()
    assert at.selectbox(key="train.form.hnet_kind").value == "chunked"
    assert at.query_params["benchmark"] in ("split-digits", ["split-digits"])
    assert not at.exception


def test_scenario_from_the_form_and_the_url_reaches_the_run() -> None:
    at = _app(TRAIN, benchmark="split-digits", method="hnet-replay", scenario="cl2", iters="20")
    assert at.selectbox(key="train.form.scenario").value == "cl2"
    at.selectbox(key="train.form.scenario").set_value("cl3").run()
    assert at.query_params["scenario"] in ("cl3", ["cl3"])
    at.button(key="train.play").click().run()
    entry = active(at)
    assert entry.view().cfg.task.scenario == "cl3" and "CL3" in entry.name
    wait_until(at, lambda: entry.view().done)
    assert len(entry.view().history["R_task"]) == 5
    # regression: the task is always given, the selector is CL1 and disabled
    at.selectbox(key="train.form.benchmark").set_value("regression1d").run()
    sel = at.selectbox(key="train.form.scenario")
    assert sel.value == "cl1" and sel.disabled
    assert "scenario" not in at.query_params
    assert not at.exception


def test_diverged_run_shows_error_and_stays() -> None:
    at = _app(TRAIN, lr="50", benchmark="split-digits", iters="200")
    at.button(key="train.play").click().run()
    entry = active(at)
    wait_until(at, lambda: entry.view().done)
    assert entry.view().error, "an exploding loss stops the run with a message"
    at.run()
    assert any("diverged" in e.value for e in at.error)
    assert workspace(at).get(entry.run_id) is entry


def test_forgetting_page_matrix_metrics_and_compare() -> None:
    at = _app("pages/2_Forgetting.py")
    assert [m.label for m in at.metric][:4] == ["Mean final MSE", "Forgetting", "BWT", "FWT"]
    ms = at.multiselect(key="forget.compare.regression1d")
    assert len(ms.value) >= 2
    assert not at.error


def test_checkpoints_bad_upload_keeps_active_run() -> None:
    at = _app("pages/4_Checkpoints.py")
    before = active(at)
    at.file_uploader(key="ckpt.upload").upload("evil.pt", b"\x80\x04garbage not a zip").run()
    assert any("Could not load evil.pt" in e.value for e in at.error)
    assert active(at) is before and not at.exception


def test_checkpoints_good_upload_becomes_active() -> None:
    t = Trainer(default_config("regression1d").replace(train={"iters_per_task": 10}))
    t.run()
    at = _app("pages/4_Checkpoints.py")
    at.file_uploader(key="ckpt.upload").upload("mine.pt", run_to_bytes(t, {"name": "mine"})).run()
    assert active(at).name == "mine" and active(at).source == "upload"
    assert not at.exception


@pytest.mark.parametrize("data,needle", [
    (b"", "empty"),
    (b"PK\x03\x04 truncated zip", "not"),
])
def test_upload_handler_messages(data: bytes, needle: str) -> None:
    def script() -> None:
        import streamlit as st

        from hnviz.ui.checkpoints.layout import handle_upload

        st.session_state["result"] = handle_upload("x.pt", st.session_state["data"])

    at = AppTest.from_function(script, default_timeout=TIMEOUT)
    at.session_state["data"] = data
    at.run()
    kind, msg = at.session_state["result"]
    assert kind == "err" and needle in msg and "x.pt" in msg


def test_train_page_offers_target_kinds_and_trains_a_reduced_conv_run(tmp_path, monkeypatch):
    """Split CIFAR on tiny files in the real format: the form offers the conv targets and the
    subset (labelled reduced); Play trains a ZenkeNet; the Forgetting page draws the per-task
    transfer figure for it."""
    from tests.test_datasets_cifar import write_cifar

    write_cifar(tmp_path)
    monkeypatch.setenv("HNVIZ_DATA", str(tmp_path))
    at = _app(TRAIN, benchmark="split-cifar", target="zenke", subset="2", iters="2",
              tasks="2")
    assert at.selectbox(key="train.form.target").options == ["MLP", "ZenkeNet (conv)",
                                                             "ResNet-32 (conv)"]
    assert at.selectbox(key="train.form.target").value == "zenke"
    assert at.number_input(key="train.form.subset").value == 2
    assert any("Reduced version: at most 2" in c.value for c in at.caption)
    assert not at.error and not at.warning, [w.value for w in at.warning]
    at.button(key="train.play").click().run()
    entry = active(at)
    assert "reduced: 2/class" in entry.name
    wait_until(at, lambda: entry.view().finished, timeout=120)
    cfg = entry.view().cfg
    assert (cfg.target.kind, cfg.task.subset, cfg.task.benchmark) == ("zenke", 2, "split-cifar")
    at.switch_page("pages/2_Forgetting.py").run()
    assert not at.exception, [e.value for e in at.exception]
    # a 1-D benchmark offers only the MLP
    at = _app(TRAIN, benchmark="regression1d")
    assert at.selectbox(key="train.form.target").options == ["MLP"]


def test_train_form_shows_the_learning_rate_of_the_chosen_target_and_method() -> None:
    """Split CIFAR: picking ZenkeNet shows HNET's preset rate for it (`Benchmark.hnet_lr`),
    switching to a baseline shows the benchmark's rate, back to ResNet-32 the preset's."""
    at = _app(TRAIN, benchmark="split-cifar")
    preset = at.number_input(key="train.form.lr").value
    assert preset == default_config("split-cifar", "hnet").train.lr
    at.selectbox(key="train.form.target").set_value("zenke").run()
    want = default_config("split-cifar", "hnet", "zenke").train.lr
    assert at.number_input(key="train.form.lr").value == want != preset
    at.selectbox(key="train.form.method").set_value("finetune").run()
    assert (at.number_input(key="train.form.lr").value
            == default_config("split-cifar", "finetune", "zenke").train.lr == preset)
    at.selectbox(key="train.form.method").set_value("hnet").run()
    assert at.number_input(key="train.form.lr").value == want
    at.selectbox(key="train.form.target").set_value("resnet32").run()
    assert at.number_input(key="train.form.lr").value == preset
    assert not at.exception, [e.value for e in at.exception]


def test_forgetting_page_shows_transfer_against_a_from_scratch_run() -> None:
    """Two uploaded Split Digits runs, HNET and the from-scratch control: the compare section
    draws each task right after training it and after all tasks, and a 'FWT vs scratch'
    column measured against the control."""
    short = {"iters_per_task": 30, "eval_every": 10}
    files = {}
    for method in ("hnet", "scratch"):
        t = Trainer(default_config("split-digits", method).replace(task={"n_tasks": 3},
                                                                   train=short))
        t.run()
        files[method] = run_to_bytes(t, {"name": f"digits {method}"})
    at = _app("pages/4_Checkpoints.py")
    for method, data in files.items():
        at.file_uploader(key="ckpt.upload").upload(f"{method}.pt", data).run()
    at.switch_page("pages/2_Forgetting.py").run()
    assert not at.exception, [e.value for e in at.exception]
    ms = at.multiselect(key="forget.compare.split-digits")
    assert set(ms.value) >= {"digits hnet", "digits scratch"}
    assert any("is the control" in c.value for c in at.caption)
    table = at.dataframe[-1].value
    assert "FWT vs scratch" in table.columns
    rows = dict(zip(table["run"], table["FWT vs scratch"], strict=True))
    assert rows["digits hnet"] == rows["digits hnet"]  # a number (not NaN)
    assert rows["digits scratch"] is None or rows["digits scratch"] != rows["digits scratch"]
