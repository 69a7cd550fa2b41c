"""Conv targets through the whole library: the trainer (per-task batch-norm statistics, dropout),
run files (the statistics saved, checked and restored), analysis (generated networks scored with
each task's statistics), the hypernet's per-weight output scale, the from-scratch control, and
the size limits of conv configs."""

from __future__ import annotations

import importlib.util
import io
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from hnviz.analysis.generated import evaluate_embeddings, evaluate_embeddings_loop, task_embeddings
from hnviz.core import conv_targets as ct
from hnviz.core import sizes
from hnviz.core.admission import admit
from hnviz.core.config import ConfigError, HnetConfig, RunConfig
from hnviz.core.hnets import HyperNetwork, calibrate_output_scale, output_scale
from hnviz.core.inference import entropy_task_inference
from hnviz.core.io import load_run, run_to_bytes
from hnviz.core.limits import APP_DEFAULTS, HARD, LIBRARY
from hnviz.core.presets import default_config
from hnviz.core.run_checks import RunFileError
from hnviz.core.target_kinds import init_std
from hnviz.core.targets import param_shapes
from hnviz.core.trainer import Trainer
from tests.test_datasets_cifar import write_cifar


@pytest.fixture(scope="module")
def cifar_root(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("cifar")
    write_cifar(root)
    return str(root)


def _cfg(root: str, method: str, kind: str = "resnet32", **train) -> RunConfig:
    """A tiny split-CIFAR run: 3 tasks, 2 images per class, a few steps."""
    return default_config("split-cifar", method).replace(
        task={"data_root": root, "n_tasks": 3, "subset": 2}, target={"kind": kind},
        hnet={"chunk_size": 20_000, "hidden": (8,)},
        train={"iters_per_task": 4, "eval_every": 2, "batch_size": 6, **train})


@pytest.mark.parametrize("kind, method", [("resnet32", "hnet"), ("resnet32", "scratch"),
                                          ("zenke", "finetune"), ("zenke", "si")])
def test_conv_run_resumes_bit_identically_from_its_file(cifar_root, kind, method):
    """Stopped mid-task, saved, loaded: the run continues exactly as if never stopped, batch-norm
    statistics (ResNet-32) and dropout masks (ZenkeNet) included."""
    cfg = _cfg(cifar_root, method, kind)
    whole = Trainer(cfg)
    whole.run()
    assert whole.error is None and len(whole.history["R"]) == 3
    half = Trainer(cfg)
    half.advance(6)  # task 2, step 2
    again, _ = load_run(run_to_bytes(half))
    again.run()
    assert again.history["R"] == whole.history["R"]
    assert again.history["loss"] == whole.history["loss"]


def test_batch_norm_statistics_are_per_task_and_travel_in_the_run_file(cifar_root):
    tr = Trainer(_cfg(cifar_root, "hnet"))
    tr.advance(4)  # task 1 done, task 2 not started
    bn = tr.target.stem_bn
    assert bn.num_batches_tracked.tolist() == [4, 0, 0]
    assert not torch.equal(bn.running_mean[0], torch.zeros(16))  # task 1's statistics moved
    assert torch.equal(bn.running_mean[1:], torch.zeros(2, 16))  # the others did not
    state = torch.load(io.BytesIO(run_to_bytes(tr)), weights_only=True)["state"]
    assert torch.equal(state["target"]["stem_bn.running_mean"], bn.running_mean)
    loaded, _ = load_run(run_to_bytes(tr))
    for name, buf in loaded.target.named_buffers():
        assert torch.equal(buf, dict(tr.target.named_buffers())[name]), name
    # evaluation uses the task's own statistics: task 1's R entry does not change when task
    # 2's statistics are trained afterwards with the hypernet held fixed
    w0 = loaded.weights_for(0)
    before = loaded.evaluate([0])
    ct.forward(loaded.target, w0, loaded.seq.tasks[1].x_train, task=1, train=True)
    assert loaded.evaluate([0]) == before


def _tampered(tr: Trainer, change) -> bytes:
    raw = torch.load(io.BytesIO(run_to_bytes(tr)), weights_only=True)
    change(raw["state"]["target"])
    buf = io.BytesIO()
    torch.save(raw, buf)
    return buf.getvalue()


@pytest.mark.parametrize("change, message", [
    (lambda t: t.update({"stem_bn.running_mean": torch.zeros(5, 16)}),
     r"target tensor 'stem_bn.running_mean' is \[5, 16\].*expected \[3, 16\]"),
    (lambda t: t.pop("blocks.0.bn1.running_var"), r"missing \['blocks.0.bn1.running_var'\]"),
    (lambda t: t.update({"stem_bn.running_mean": "x"}), r"target tensor 'stem_bn.running_mean'"),
])
def test_bad_batch_norm_statistics_in_a_run_file_are_refused(cifar_root, change, message):
    tr = Trainer(_cfg(cifar_root, "finetune"))
    tr.advance(2)
    with pytest.raises(RunFileError, match=message) as e:
        load_run(_tampered(tr, change))
    assert "\n" not in str(e.value)


@pytest.fixture(scope="module")
def hnet_run(cifar_root) -> Trainer:
    tr = Trainer(_cfg(cifar_root, "hnet", "resnet32", iters_per_task=6))
    tr.run()
    return tr


def test_generated_networks_are_scored_with_each_tasks_statistics(hnet_run):
    embs = task_embeddings(hnet_run)  # [3, D]
    mixed = embs[:1] * 0.5 + embs[1:2] * 0.5
    grid = [*embs, *mixed]
    batched = evaluate_embeddings(hnet_run, grid)
    assert batched.shape == (4, 3)
    assert torch.allclose(torch.as_tensor(batched), torch.as_tensor(
        evaluate_embeddings_loop(hnet_run, grid)))
    # at the learned embeddings: exactly the run's own final row
    assert [float(batched[t, t]) for t in range(3)] == pytest.approx(hnet_run.history["R"][-1])


def test_task_inference_runs_each_network_with_its_tasks_statistics(hnet_run):
    ent = entropy_task_inference(hnet_run)
    assert 0 <= ent["acc"] <= 1 and 0 <= ent["task_acc"] <= 1
    assert len(ent["per_task_acc"]) == 3


@pytest.mark.parametrize("kind", ["zenke", "resnet32"])
def test_generated_conv_weights_start_with_each_layers_init_spread(kind):
    """With the per-weight output scale the chunked hypernet gives every layer about its own
    PyTorch init spread; one global scale (what MLP targets use) leaves layers apart by factors
    of 4.5 (ResNet-32) to 12 (ZenkeNet)."""
    target = ct.build_conv_target(kind, n_tasks=1)
    std = init_std(target)
    cfg = HnetConfig(kind="chunked", emb_dim=8, hidden=(32,), chunk_size=4000, chunk_emb_dim=8)
    ratios = {}
    for scaled in (True, False):
        torch.manual_seed(0)
        hnet = HyperNetwork(cfg, std.numel(), 1, out_scale=output_scale(std) if scaled else None)
        calibrate_output_scale(hnet, std, torch.Generator().manual_seed(0))
        with torch.no_grad():
            w = hnet(torch.randn(16, 8))  # [16, P]
        i, per_layer = 0, []
        for name, shape in param_shapes(target):
            n = int(torch.tensor(shape).prod())
            if name.endswith(".weight"):
                per_layer.append(w[:, i:i + n].std().item() / std[i].item())
            i += n
        ratios[scaled] = per_layer
    def spread(r):
        return max(r) / min(r)

    assert all(0.5 < r < 2 for r in ratios[True]), ratios[True]
    assert spread(ratios[False]) > 4 and spread(ratios[False]) > 2 * spread(ratios[True]), ratios


def test_zenke_net_trains_through_the_chunked_hypernet_only_with_the_output_scale():
    """Fit 20 random 16×16 images: with the per-weight scale the loss leaves ln 10 within 60
    steps; with one global scale it stays stuck there (the conv weights are ~12× too small)."""
    final = {}
    for scaled in (True, False):
        torch.manual_seed(0)
        target = ct.ZenkeNet((3, 16, 16), 10, 1)
        std = init_std(target)
        cfg = HnetConfig(kind="chunked", emb_dim=8, hidden=(32,), chunk_size=4000,
                         chunk_emb_dim=8)
        hnet = HyperNetwork(cfg, std.numel(), 1, out_scale=output_scale(std) if scaled else None)
        calibrate_output_scale(hnet, std, torch.Generator().manual_seed(0))
        g = torch.Generator().manual_seed(1)
        x, y = torch.randn(20, 3 * 16 * 16, generator=g), torch.arange(20) % 10
        opt = torch.optim.Adam(hnet.parameters(), lr=1e-3)
        for s in range(60):
            out = ct.forward(target, hnet.weights_for(0), x, train=True,
                             generator=torch.Generator().manual_seed(s))
            loss = F.cross_entropy(out, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        final[scaled] = loss.item()
    assert final[True] < 1.0 and final[False] > 2.0, final


def test_output_scale_has_mean_one_and_a_floor_for_batch_norm():
    std = torch.tensor([0.0, 0.1, 0.2, 0.0, 0.5])
    s = output_scale(std)
    assert s.mean().item() == pytest.approx(1.0)
    assert s[0] == s[3] == s[1] and s[4] / s[1] == pytest.approx(5.0)


# ------------------------------------------------------------------------------ the control
def test_scratch_trains_every_task_alone_from_its_own_fresh_network():
    cfg = default_config("split-digits", "scratch").replace(
        task={"n_tasks": 3}, train={"iters_per_task": 30, "eval_every": 10})
    tr = Trainer(cfg)
    r0 = tr.history["R0"]
    fresh = [tr.method.weights(t).clone() for t in range(3)]
    assert not torch.equal(fresh[1], fresh[2])  # each task its own init
    tr.run()
    R = tr.history["R"]
    assert R[0][1:] == r0[1:] and R[1][2] == r0[2]  # untrained tasks: their fresh networks
    for t in range(3):  # a trained task keeps its network; later tasks never touch it
        assert torch.equal(tr.method.weights(t), tr.method.trained[t])
    assert R[-1] == [R[0][0], R[1][1], R[2][2]]  # no forgetting, no transfer
    ft = Trainer(cfg.replace(train={"method": "finetune"}))
    ft.advance(30)
    assert ft.history["R"][0][0] == R[0][0]  # task 1: the same init, batches and steps


# ------------------------------------------------------------------------------ limits
@pytest.mark.parametrize("benchmark, kind", [("split-cifar", "zenke"), ("split-cifar", "resnet32"),
                                             ("split-digits", "resnet32"),
                                             ("permuted-digits", "resnet32")])
def test_conv_parameter_counts_equal_the_built_models(benchmark, kind, cifar_root):
    for method in ("hnet", "finetune"):
        cfg = default_config(benchmark, method).replace(target={"kind": kind},
                                                        task={"n_tasks": 2})
        if benchmark == "split-cifar":
            cfg = cfg.replace(task={"data_root": cifar_root, "subset": 2})
        counts = sizes.param_counts(cfg)
        tr = Trainer(cfg, limits=HARD)
        assert counts.target == tr.target_params
        if method == "hnet":
            assert counts.hnet == sum(p.numel() for p in tr.method.hnet.parameters())


def test_conv_configs_are_checked_before_anything_is_built(monkeypatch):
    import hnviz.core.trainer as trainer_mod

    def never(*a, **k):
        raise AssertionError("built something")

    monkeypatch.setattr(trainer_mod, "build_tasks", never)
    monkeypatch.setattr(trainer_mod, "build_target", never)
    with pytest.raises(ConfigError, match=r"target.kind=zenke does not fit regression1d: conv "
                                          r"targets need image inputs"):
        admit(default_config("regression1d").replace(target={"kind": "zenke"}))
    with pytest.raises(ConfigError, match=r"too small for the Zenke net"):
        Trainer(default_config("split-digits").replace(target={"kind": "zenke"}))
    with pytest.raises(ConfigError, match=r"target.kind must be one of"):
        RunConfig.from_dict({"target": {"kind": "vgg"}})
    # a batch of 2048 CIFAR images keeps ~10 GB of ResNet-32 feature maps: refused, named
    big = default_config("split-cifar", "finetune").replace(train={"batch_size": 2048})
    with pytest.raises(ConfigError, match=r"needs ~\d+\.\d GB.*largest part: training "
                                          r"activations"):
        Trainer(big)
    with pytest.raises(ConfigError, match=r"task.subset=20000 exceeds the limit 10000"):
        admit(default_config("split-cifar").replace(task={"subset": 20_000}),
                     APP_DEFAULTS)
    with pytest.raises(ConfigError, match=r"task.subset must be null for split-digits"):
        admit(default_config("split-digits").replace(task={"subset": 10}))


def test_split_cifar_presets_fit_and_the_full_benchmark_needs_the_cli():
    for method in ("hnet", "finetune", "si", "scratch", "ewc"):
        admit(default_config("split-cifar", method), APP_DEFAULTS)
    full = default_config("split-cifar", "hnet").replace(task={"subset": None})
    est = sizes.memory_estimate(full)
    assert est.mb > APP_DEFAULTS.max_memory_mb  # ~2.4 GB: 90,000 images as float32, twice while built
    admit(full, LIBRARY)  # the command line runs it
    assert dict(est.parts)["task data"] > 90_000 * 3072 * 4


def test_generated_conv_networks_are_scored_on_a_bounded_number_of_test_images(
        hnet_run, monkeypatch):
    from hnviz.analysis import generated
    from hnviz.core.target_kinds import macs

    monkeypatch.setattr(generated, "CONV_ROWS", 5)
    embs = task_embeddings(hnet_run)
    capped = evaluate_embeddings(hnet_run, embs)
    assert torch.allclose(torch.as_tensor(capped),
                          torch.as_tensor(evaluate_embeddings_loop(hnet_run, embs)))
    assert all(v * 5 == round(v * 5) for v in capped.ravel())  # fractions of 5 images
    assert generated.flops_per_network(hnet_run) == 2.0 * macs(hnet_run.target) * 5 * 3


def _synthetic_cifar():
    """scripts/make_synthetic_cifar.py as a module (scripts/ is no package)."""
    path = Path(__file__).resolve().parents[1] / "scripts" / "make_synthetic_cifar.py"
    spec = importlib.util.spec_from_file_location("make_synthetic_cifar", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _relative_steps(cfg: RunConfig, steps: int) -> tuple[list[float], Trainer]:
    """Train `steps` steps of task 1; per step, the largest change of a generated weight
    tensor relative to its norm at init, max over tensors: ||Δw_layer|| / ||w_layer(0)||."""
    tr = Trainer(cfg)
    tr._begin_task()
    w0 = tr.weights_for(0).detach().clone()  # (a baseline's weights are updated in place)
    prev, out = w0, []
    sizes = [math.prod(s) for _, s in param_shapes(tr.target)]
    for _ in range(steps):
        tr._step()
        tr.step_in_task += 1
        w = tr.weights_for(0).detach().clone()
        out.append(max(float(d.norm() / r.norm()) for d, r in
                       zip((w - prev).split(sizes), w0.split(sizes), strict=True)))
        prev = w
    return out, tr


def test_hnet_on_zenkenet_steps_like_direct_training_at_its_preset_lr(tmp_path):
    """HNET generating ZenkeNet (no batch norm) at its Split CIFAR preset learning rate: a step
    changes the generated layers by about as much as direct training's step at the baselines'
    rate, for a few dozen steps. At 1e-3 (the ResNet-32 preset) Adam moves the chunked
    hypernet's shared output layer so that the first step changes every layer by ~55% of its
    init norm (15x direct training's), fc1's ReLUs die and the loss stays at ln 10 for good."""
    _synthetic_cifar().write(str(tmp_path), train=20, test=2, train100=1, test100=1)
    task = {"data_root": str(tmp_path), "n_tasks": 1, "subset": 20}
    hnet = default_config("split-cifar", "hnet", "zenke").replace(task=task)
    direct = default_config("split-cifar", "finetune", "zenke").replace(task=task)
    assert hnet.target.kind == direct.target.kind == "zenke"
    hnet_steps, _ = _relative_steps(hnet, 20)
    direct_steps, _ = _relative_steps(direct, 1)
    assert max(hnet_steps) < 2 * direct_steps[0], (hnet_steps, direct_steps)
