"""The Train page's Device selector (issue 11): shown only when torch sees a CUDA GPU, and the
chosen device travels with the run to the worker that trains it. CI has no GPU, so "a GPU is
there" is the project's one check of it patched (`devices.cuda_unavailable_reason`; patching
torch.cuda.is_available itself breaks torch's own optimizer step on a CPU-only build); a run
asked to train on CUDA then really goes to the worker, which cannot move it there, and the page
says so in one line.
"""

from __future__ import annotations

import pytest
import torch

import hnviz.live.host as live_host
from hnviz.core import devices
from hnviz.core.config import ConfigError
from hnviz.core.presets import default_config
from hnviz.ui.services import services
from tests.apptest_helpers import active, open_app, wait_until, workspace

TRAIN = "pages/1_Train.py"
DEVICE = "train.form.device"
REAL_REASON = devices.cuda_unavailable_reason


def _gpu(monkeypatch, present: bool) -> None:
    if present:
        monkeypatch.setattr(devices, "cuda_unavailable_reason", lambda: None)
    else:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        monkeypatch.setattr(devices, "cuda_unavailable_reason", REAL_REASON)


@pytest.fixture
def loads(monkeypatch):
    """The `device` every worker-side build of a run (from its config or its file) was asked
    for (the real build runs)."""
    seen: list[str | None] = []
    real = live_host.build_run

    def spy(source, device=None):
        seen.append(device)
        return real(source, device)

    monkeypatch.setattr(live_host, "build_run", spy)
    return seen


def _open():
    """The Train page, once the pool's worker is ready (so Play hosts the run at once)."""
    at = open_app(TRAIN, iters="40")
    assert services().pool.ready(60)
    return at


def _selector_keys(at) -> list[str]:
    return [s.key for s in at.selectbox]


def test_no_gpu_no_selector_and_runs_train_on_the_cpu(monkeypatch, loads) -> None:
    _gpu(monkeypatch, False)
    at = _open()
    assert DEVICE not in _selector_keys(at)
    assert any("runs on the CPU" in c.value for c in at.caption)
    at.button(key="train.play").click().run()
    entry = active(at)
    assert entry.source == "trained" and loads == ["cpu"]
    wait_until(at, lambda: entry.view().global_step > 0)
    assert not at.exception and not at.error


def test_gpu_shows_the_selector_and_cpu_is_what_the_worker_gets(monkeypatch, loads) -> None:
    _gpu(monkeypatch, True)
    at = _open()
    sel = at.selectbox(key=DEVICE)
    assert list(sel.options) == ["auto (the GPU)", "CPU", "CUDA GPU"] and sel.value == "cpu"
    assert not any("runs on the CPU" in c.value for c in at.caption)
    at.button(key="train.play").click().run()
    entry = active(at)
    assert loads == ["cpu"] and entry.device == "cpu"
    wait_until(at, lambda: entry.view().global_step > 0)
    assert not at.exception and not at.error


@pytest.mark.parametrize("choice", ["cuda", "auto"])
def test_a_gpu_choice_reaches_the_worker_and_a_failure_is_one_line(monkeypatch, loads,
                                                                   choice) -> None:
    _gpu(monkeypatch, True)
    at = _open()
    before = {h.run_id for h in workspace(at).handles()}
    at.selectbox(key=DEVICE).set_value(choice).run()
    at.button(key="train.play").click().run()
    assert loads == [choice]  # the worker was asked to train there
    # this torch cannot put tensors on a GPU: the worker refuses, the page says why, no crash
    msgs = [e.value for e in at.error]
    assert len(msgs) == 1 and msgs[0].startswith("Could not start the run:"), msgs
    assert "\n" not in msgs[0] and ("CUDA" in msgs[0] or "GPU" in msgs[0]), msgs
    assert {h.run_id for h in workspace(at).handles()} == before  # no half-made run is kept
    assert not at.exception


def test_side_by_side_runs_both_go_to_the_chosen_device(monkeypatch, loads) -> None:
    _gpu(monkeypatch, True)
    at = _open()
    at.selectbox(key=DEVICE).set_value("cpu").run()
    at.toggle(key="train.compare").set_value(True).run()
    at.button(key="train.play").click().run()
    assert loads == ["cpu", "cpu"] and not at.exception and not at.error


def test_a_stale_gpu_choice_is_not_used_when_no_gpu_is_there(monkeypatch, loads) -> None:
    _gpu(monkeypatch, True)
    at = _open()
    at.selectbox(key=DEVICE).set_value("cuda").run()
    _gpu(monkeypatch, False)  # e.g. the GPU went away between two reruns
    at.run()
    assert DEVICE not in _selector_keys(at)
    at.button(key="train.play").click().run()
    assert loads == ["cpu"] and not at.exception and not at.error


def test_workspace_refuses_a_missing_gpu_before_building_anything(monkeypatch, tmp_path) -> None:
    from hnviz.live import InlinePool
    from hnviz.serve.workspace import Workspaces

    _gpu(monkeypatch, False)
    pool = InlinePool()
    try:
        ws = Workspaces(tmp_path, lambda: pool).get("t" * 32)
        n = len(ws.handles())
        with pytest.raises(ConfigError, match="not available") as e:
            ws.new_run(default_config("regression1d"), "r", device="cuda")
        assert "\n" not in str(e.value) and len(ws.handles()) == n
        with pytest.raises(ConfigError, match="device must be one of"):
            ws.new_run(default_config("regression1d"), "r", device="tpu")
    finally:
        pool.close()
