"""AppTest: every page of the app renders, and its widgets drive the session's runs.

One AppTest per test (a fresh session); the bundled demos are loaded on first render.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hnviz.core.io import run_to_bytes
from hnviz.core.presets import default_config
from hnviz.core.trainer import Trainer
from tests.apptest_helpers import active, open_app

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60


def _app(page: str | None = None, **query: str) -> AppTest:
    return open_app(page, timeout=TIMEOUT, **query)


_active = active


def test_home_renders_with_demo_active() -> None:
    at = _app()
    assert at.title[0].value.startswith("hnviz")
    assert at.latex, "the regularizer formula is shown"
    assert _active(at).name == "Demo · regression · HNET β=0.005"
    assert not at.error


def test_train_play_step_pause_and_url() -> None:
    at = _app("pages/1_Train.py", iters="40", beta="0.01")
    assert at.number_input(key="train.form.iters").value == 40
    assert at.number_input(key="train.form.beta").value == 0.01
    assert not at.error
    at.button(key="train.play").click().run()
    entry = _active(at)
    assert entry.source == "trained" and entry.trainer.cfg.train.iters_per_task == 40
    assert entry.trainer.global_step > 0, "play advances the run"
    assert at.session_state["hnviz.playing"] == entry.run_id
    at.button(key="train.pause").click().run()
    assert at.session_state["hnviz.playing"] is None
    before = entry.trainer.global_step
    at.button(key="train.step").click().run()
    assert entry.trainer.global_step > before
    # settings -> URL
    at.number_input(key="train.form.iters").set_value(55).run()
    assert at.query_params["iters"] == ["55"] or at.query_params["iters"] == "55"
    assert not at.exception


def test_new_run_with_progress_asks_first_and_keeps_old_run() -> None:
    at = _app("pages/1_Train.py", iters="40")
    at.button(key="train.step").click().run()
    old = _active(at)
    n_runs = len(at.session_state["hnviz.runs"])
    at.button(key="train.new").click().run()
    assert _active(at) is old and at.button(key="train.confirm_yes")
    at.button(key="train.confirm_yes").click().run()
    assert _active(at) is not old and old.name in at.session_state["hnviz.runs"]
    assert len(at.session_state["hnviz.runs"]) == n_runs + 1


def test_benchmark_change_loads_its_preset() -> None:
    at = _app("pages/1_Train.py")
    at.selectbox(key="train.form.benchmark").set_value("split-digits").run()
    assert at.selectbox(key="train.form.hnet_kind").value == "chunked"
    assert at.query_params["benchmark"] in ("split-digits", ["split-digits"])
    assert not at.exception


def test_diverged_run_shows_error_and_stays() -> None:
    at = _app("pages/1_Train.py", iters="40")
    at.button(key="train.step").click().run()
    entry = _active(at)
    entry.trainer.error = "loss became nan at step 3 of task 1 (lr=10, beta=0.005)"
    at.run()
    assert any("diverged" in e.value and "loss became nan" in e.value for e in at.error)
    assert entry.name in at.session_state["hnviz.runs"]


def test_forgetting_page_matrix_metrics_and_compare() -> None:
    at = _app("pages/2_Forgetting.py")
    assert [m.label for m in at.metric][:4] == ["Mean final MSE", "Forgetting", "BWT", "FWT"]
    ms = at.multiselect(key="forget.compare.regression1d")
    assert len(ms.value) >= 2
    assert not at.error


def test_checkpoints_bad_upload_keeps_active_run() -> None:
    at = _app("pages/3_Checkpoints.py")
    active = _active(at)
    at.file_uploader(key="ckpt.upload").upload("evil.pt", b"\x80\x04garbage not a zip").run()
    assert any("Could not load evil.pt" in e.value for e in at.error)
    assert _active(at) is active and not at.exception


def test_checkpoints_good_upload_becomes_active() -> None:
    t = Trainer(default_config("regression1d").replace(train={"iters_per_task": 10}))
    t.run()
    at = _app("pages/3_Checkpoints.py")
    at.file_uploader(key="ckpt.upload").upload("mine.pt", run_to_bytes(t, {"name": "mine"})).run()
    assert _active(at).name == "mine" and _active(at).source == "upload"
    assert not at.exception


@pytest.mark.parametrize("data,needle", [
    (b"", "empty"),
    (b"PK\x03\x04 truncated zip", "not a readable hnviz run file"),
])
def test_upload_handler_messages(data: bytes, needle: str) -> None:
    def script() -> None:
        import streamlit as st

        from hnviz.ui.run_files import handle_upload

        entry, err = handle_upload("x.pt", st.session_state["data"])
        st.session_state["result"] = (entry, err)

    at = AppTest.from_function(script, default_timeout=TIMEOUT)
    at.session_state["data"] = data
    at.run()
    entry, err = at.session_state["result"]
    assert entry is None and needle in err
