"""Device plumbing on the CPU (CI has no GPU): resolution of --device, one-line errors for an
unusable GPU, and no tensor that silently lands elsewhere.

The last check runs whole trainings with torch's default device set to "meta" while the run
computes on the CPU: any tensor the code allocates without saying where (a `torch.zeros(n)`
in the hot loop, an index built with `torch.arange`) lands on "meta" and the run fails, so a
CUDA run would not hit a hidden CPU tensor either. What must stay on the CPU on purpose (data
building, model construction, the batch-index generators) says so explicitly.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from hnviz.analysis.generated import evaluate_embeddings, task_embeddings
from hnviz.analysis.summary import run_summary
from hnviz.core import devices
from hnviz.core.config import ConfigError
from hnviz.core.io import load_run, run_to_bytes
from hnviz.core.presets import default_config
from hnviz.core.trainer import MEASURED_HISTORY, Trainer


def _no_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


def test_cpu_and_auto_resolve_to_cpu_without_a_gpu(monkeypatch):
    _no_gpu(monkeypatch)
    assert devices.resolve_device("cpu") == torch.device("cpu")
    assert devices.resolve_device("auto") == torch.device("cpu")
    assert devices.resolve_device(None) == torch.device("cpu")
    assert devices.resolve_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize("name", ["cuda", "cuda:0", "CUDA"])
def test_cuda_without_a_gpu_is_a_one_line_error(monkeypatch, name):
    _no_gpu(monkeypatch)
    with pytest.raises(ConfigError, match="not available") as e:
        devices.resolve_device(name)
    assert "\n" not in str(e.value) and "--device cpu" in str(e.value)


@pytest.mark.parametrize("name", ["tpu", "gpu", "cuda:x", ""])
def test_unknown_device_names(monkeypatch, name):
    _no_gpu(monkeypatch)
    if name == "":  # empty means the default
        assert devices.resolve_device(name) == torch.device("cpu")
        return
    with pytest.raises(ConfigError):
        devices.resolve_device(name)


def _cfg(bench, method, **train):
    n = None if bench == "regression1d" else 3
    return default_config(bench, method).replace(
        train={"iters_per_task": 12, "eval_every": 5, **train}, task={"n_tasks": n})


def _computed(history):
    return {k: v for k, v in history.items() if k not in MEASURED_HISTORY}


def _all_tensors(tr: Trainer):
    yield from tr.method.state_dict().values()
    yield from tr.target.state_dict().values()
    for tk in tr.seq.tasks:
        yield from (tk.base_train, tk.y_train, tk.base_test, tk.y_test)
    if tr.opt is not None:
        for s in tr.opt.state.values():
            yield from (v for v in s.values() if isinstance(v, torch.Tensor))


CASES = [("split-digits", "hnet", {}), ("permuted-digits", "hnet", {"reg_tasks": 1}),
         ("regression1d", "hnet", {}), ("split-digits", "ewc", {}), ("split-digits", "si", {}),
         ("permuted-digits", "joint", {}), ("regression1d", "online-ewc", {})]


@pytest.mark.parametrize("bench,method,train", CASES)
def test_no_tensor_is_allocated_without_its_device(bench, method, train):
    cfg = _cfg(bench, method, **train)
    ref = Trainer(cfg)
    ref.advance(20)
    torch.set_default_device("meta")
    try:
        tr = Trainer(cfg, device="cpu")
        tr.advance(20)
        assert all(t.device.type == "cpu" for t in _all_tensors(tr))
        assert _computed(tr.history) == _computed(ref.history)
        tr.run()
        summary = run_summary(tr, 1.0)
        if method == "hnet":
            grid = evaluate_embeddings(tr, task_embeddings(tr)[:2])
            assert grid.shape == (2, tr.n_tasks)
    finally:
        torch.set_default_device(None)
    assert tr.error is None and summary["ms_per_step"] > 0


def test_run_files_hold_cpu_tensors_and_load_on_a_device(monkeypatch):
    tr = Trainer(_cfg("split-digits", "hnet"), device="cpu")
    tr.advance(17)
    raw = torch.load(io.BytesIO(run_to_bytes(tr)), weights_only=True)
    flat = [raw["state"]["method"][k] for k in raw["state"]["method"]]
    assert all(t.device.type == "cpu" for t in flat)
    back, _ = load_run(run_to_bytes(tr), device="cpu")
    assert back.device == torch.device("cpu")
    back.advance(5)
    tr.advance(5)
    assert _computed(back.history) == _computed(tr.history)
    _no_gpu(monkeypatch)
    with pytest.raises(ConfigError, match="not available"):
        load_run(run_to_bytes(tr), device="cuda")


def test_task_sequence_to_same_device_is_itself_and_moves_share_data():
    tr = Trainer(_cfg("permuted-digits", "finetune"))
    seq = tr.seq
    assert seq.to("cpu") is seq and seq.device == torch.device("cpu")
    meta = seq.to("meta")
    assert meta.device.type == "meta"
    assert meta.tasks[0].base_train is meta.tasks[2].base_train  # permuted tasks share data
    assert np.array_equal(meta.tasks[1].permutation.shape, seq.tasks[1].permutation.shape)


# ------------------------------------------------------------------ mixed precision (--amp)
def test_amp_is_refused_off_cuda_in_one_line(monkeypatch):
    _no_gpu(monkeypatch)
    with pytest.raises(ConfigError, match="needs a CUDA device") as e:
        devices.amp_dtype(torch.device("cpu"))
    assert "\n" not in str(e.value) and "--amp" in str(e.value)
    with pytest.raises(ConfigError, match="needs a CUDA device"):
        Trainer(_cfg("split-digits", "hnet"), device="auto", amp=True)  # auto = the CPU here
    tr = Trainer(_cfg("split-digits", "hnet"), device="cpu")
    assert tr.amp_dtype is None and tr.scaler is None


@pytest.mark.parametrize("dtype,scaled", [(torch.bfloat16, False), (torch.float16, True)])
def test_amp_step_path_on_the_cpu(dtype, scaled):
    """The trainer's mixed-precision step (CUDA-only through the API) driven on the CPU, where
    torch's autocast and GradScaler also exist: the target's forward runs in `dtype`, the loss,
    the generated weights and every trained tensor stay float32, training moves the same way as
    without it and not bit-identically (autocast really ran)."""
    cfg = _cfg("split-digits", "hnet", iters_per_task=30, eval_every=30)
    ref = Trainer(cfg)
    ref.run()
    tr = Trainer(cfg)
    tr.amp_dtype = dtype
    if scaled:
        tr.scaler = torch.amp.GradScaler("cpu")
    seen = []
    real = tr._train_forward

    def spy(w, x, j, s):
        out = real(w, x, j, s)
        seen.append((w.dtype, out.dtype))
        return out

    tr._train_forward = spy
    tr.run()
    assert tr.error is None and seen and all(s == (torch.float32, dtype) for s in seen)
    assert all(p.dtype == torch.float32 for p in tr.method.parameters())
    assert tr.method.weights(0).dtype == torch.float32
    a, b = np.array(ref.history["R"][-1]), np.array(tr.history["R"][-1])
    assert np.abs(a - b).max() < 0.1  # the same run up to reduced-precision rounding
    assert [x[1] for x in ref.history["loss"]] != [x[1] for x in tr.history["loss"]]
