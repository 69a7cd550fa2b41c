"""Convolutional targets on generated weights: architecture arithmetic, batched == per-network
forward, per-task batch-norm statistics, dropout, init spread."""

from __future__ import annotations

import io
import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from hnviz.core import conv_targets as ct
from hnviz.core.config import HnetConfig
from hnviz.core.conv_shapes import (
    conv_activation_floats,
    conv_macs,
    conv_num_params,
    conv_param_shapes,
)
from hnviz.core.hnets import HyperNetwork, calibrate_output_scale
from hnviz.core.targets import num_params, param_shapes, reference_forward


def flat_params(target) -> torch.Tensor:
    """The module's own parameters as one flat vector [P] (the generated-weights layout)."""
    return torch.cat([p.reshape(-1) for p in target.parameters()])

KINDS = ("zenke", "resnet32")


def _weights(target, k: int, seed: int = 0) -> torch.Tensor:
    """K distinct weight vectors [K, P]; BN gains/shifts get a spread too (init has 0)."""
    g = torch.Generator().manual_seed(seed)
    w = torch.stack([ct.init_flat(target, g) for _ in range(k)])
    return w + 0.05 * torch.randn(w.shape, generator=g)


def _x(b: int, shape=(3, 32, 32), seed: int = 1) -> torch.Tensor:
    return torch.randn(b, math.prod(shape), generator=torch.Generator().manual_seed(seed))


def _close(a: torch.Tensor, b: torch.Tensor, rtol: float = 1e-5) -> None:
    scale = max(1.0, float(b.detach().abs().max()))
    assert (a - b).abs().max().item() <= rtol * scale, (a - b).abs().max().item()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape,out_dim,heads", [((3, 32, 32), 10, 1), ((1, 28, 28), 7, 3)])
def test_arithmetic_shapes_match_the_built_module(kind, shape, out_dim, heads):
    target = ct.build_conv_target(kind, shape, out_dim, heads, n_tasks=2)
    built = [(n, tuple(s)) for n, s in param_shapes(target)]
    assert built == conv_param_shapes(kind, shape, out_dim, heads)
    assert conv_num_params(kind, shape, out_dim, heads) == num_params(target)


def test_architectures_as_published():
    zenke = conv_param_shapes("zenke")
    weights = [s for n, s in zenke if n.endswith(".weight")]
    assert [s[0] for s in weights] == [32, 32, 64, 64, 512, 10]
    assert weights[4] == (512, 64 * 6 * 6)  # two 'valid' convs and two pools: 32 -> 6
    resnet = conv_param_shapes("resnet32")
    layers = [s for n, s in resnet if n.endswith(".weight")]
    assert len(layers) == 32  # 6n + 2 with n = 5
    assert sum(1 for n, _ in resnet if n.endswith(".gain")) == 31  # BN after every conv
    assert [s[0] for s in layers[:-1]] == [16] * 11 + [32] * 10 + [64] * 10


def test_size_bounds_and_flops_need_no_module():
    with pytest.raises(ValueError, match="too small"):
        conv_num_params("zenke", (3, 8, 8))
    with pytest.raises(ValueError, match="out of range"):
        conv_num_params("resnet32", (3, 10**6, 32))
    with pytest.raises(ValueError, match="unknown conv target"):
        conv_num_params("vgg")
    # stem conv: 16 out · 27 in-fan · 32·32 positions, the largest map is the stem's output
    assert conv_macs("resnet32") > 16 * 27 * 32 * 32
    assert conv_activation_floats("resnet32") == 16 * 32 * 32
    assert conv_activation_floats("zenke") == 32 * 32 * 32


@pytest.mark.parametrize("kind", KINDS)
def test_batched_forward_equals_per_network_forward(kind):
    target = ct.build_conv_target(kind, n_tasks=3)
    W, x = _weights(target, 3), _x(4)
    if kind == "resnet32":  # give each task its own non-trivial statistics first
        for t in range(3):
            ct.forward(target, W[t], _x(8, seed=10 + t) * (1 + t), task=t, train=True)
    batched = ct.forward(target, W, x)  # [K, B, out], batch statistics
    assert batched.shape == (3, 4, 10)
    _close(batched, torch.stack([ct.forward(target, w, x) for w in W]))
    assert (batched[0] - batched[1]).abs().max() > 1e-3  # really K different networks
    for task in (1, [2, 0, 1]):  # one task for all, or one per network
        ids = [task] * 3 if isinstance(task, int) else task
        batched = ct.forward(target, W, x, task=task)
        loop = torch.stack([ct.forward(target, w, x, task=t) for w, t in zip(W, ids)])
        _close(batched, loop)


@pytest.mark.parametrize("kind", KINDS)
def test_forward_equals_functional_call_reference(kind):
    target = ct.build_conv_target(kind).eval()  # module forward: train = self.training
    W, x = _weights(target, 2), _x(3)
    _close(reference_forward(target, W, x), ct.forward(target, W, x))  # vmap(functional_call)
    _close(target(x), ct.forward(target, flat_params(target), x))


def test_zenke_equals_plain_torch_layers():
    target = ct.ZenkeNet()
    ref = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3), nn.ReLU(),
        nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3),
        nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2304, 512), nn.ReLU(),
        nn.Linear(512, 10))
    with torch.no_grad():
        for mine, theirs in zip(target.parameters(), ref.parameters(), strict=True):
            theirs.copy_(mine)
    x = _x(5)
    _close(ct.forward(target, flat_params(target), x), ref(x.reshape(5, 3, 32, 32)))


def test_per_task_bn_statistics_stay_separate():
    target = ct.ResNet32(n_tasks=2)
    w = _weights(target, 1)[0]
    before = {k: v.clone() for k, v in target.state_dict().items()}
    ct.forward(target, w, _x(6), task=1, train=True)
    after = target.state_dict()
    for bn_name in ("stem_bn", "blocks.7.bn2"):
        for buf in ("running_mean", "running_var"):
            key = f"{bn_name}.{buf}"
            assert torch.equal(after[key][0], before[key][0])  # task 0 untouched
            assert not torch.equal(after[key][1], before[key][1])  # task 1 updated
        assert after[f"{bn_name}.num_batches_tracked"].tolist() == [0, 1]
    frozen = {k: v.clone() for k, v in after.items()}
    ct.forward(target, w, _x(6), task=None, train=True)  # batch statistics: no update
    ct.forward(target, w, _x(6), task=0)  # eval: no update
    assert all(torch.equal(frozen[k], v) for k, v in target.state_dict().items())
    x = _x(4, seed=3)
    assert not torch.allclose(ct.forward(target, w, x, task=0), ct.forward(target, w, x, task=1))


def test_bn_statistics_round_trip_and_grow():
    target = ct.ResNet32(n_tasks=3)
    w = _weights(target, 1)[0]
    for t in range(3):
        ct.forward(target, w, _x(6, seed=t) + t, task=t, train=True)
    buf = io.BytesIO()
    torch.save(target.state_dict(), buf)
    buf.seek(0)
    state = torch.load(buf, weights_only=True)
    fresh = ct.ResNet32(n_tasks=1)  # adopts the saved number of tasks
    fresh.load_state_dict(state)
    assert fresh.n_tasks == 3
    x = _x(4, seed=9)
    for t in range(3):
        assert torch.equal(ct.forward(fresh, w, x, task=t), ct.forward(target, w, x, task=t))
    fresh.grow(5)
    assert fresh.stem_bn.running_mean.shape == (5, 16)
    assert torch.equal(fresh.stem_bn.running_mean[:3], target.stem_bn.running_mean)
    assert torch.equal(fresh.stem_bn.running_var[3:], torch.ones(2, 16))


def test_bn_misuse_gets_clear_errors():
    target = ct.ResNet32(n_tasks=2, blocks=1)
    W, x = _weights(target, 2), _x(2)
    with pytest.raises(ValueError, match="one network"):
        ct.forward(target, W, x, task=0, train=True)
    with pytest.raises(ValueError, match="task ids must be in 0..1"):
        ct.forward(target, W[0], x, task=2)
    with pytest.raises(ValueError, match=r"inputs \[B, 3072\]"):
        ct.forward(target, W[0], x[:, :100])


def test_dropout_is_reproducible_from_the_generator():
    target = ct.ZenkeNet()
    w, x = _weights(target, 1)[0], _x(4)

    def run(seed):
        return ct.forward(target, w, x, train=True, generator=torch.Generator().manual_seed(seed))

    assert torch.equal(run(0), run(0))
    assert not torch.allclose(run(0), run(1))
    assert not torch.allclose(run(0), ct.forward(target, w, x))  # eval: no dropout


def test_gradients_reach_the_hypernet_through_both_nets():
    for kind in KINDS:
        target = ct.build_conv_target(kind)
        p = num_params(target)
        hnet = HyperNetwork(HnetConfig(kind="chunked", hidden=(8,), chunk_size=4096), p, 1)
        calibrate_output_scale(hnet, ct.init_std(target), torch.Generator().manual_seed(0))
        out = ct.forward(target, hnet.weights_for(0), _x(4), task=0, train=True,
                         generator=torch.Generator().manual_seed(0))
        F.cross_entropy(out, torch.tensor([0, 1, 2, 3])).backward()
        assert all(q.grad is not None and q.grad.abs().sum() > 0 for q in hnet.theta())
        assert hnet.task_embs[0].grad.abs().sum() > 0


@pytest.mark.parametrize("kind", KINDS)
def test_init_std_is_pytorchs_default_spread(kind):
    target = ct.build_conv_target(kind)
    std = ct.init_std(target)
    assert std.shape == (num_params(target),)
    i = 0
    for name, shape in param_shapes(target):
        n = math.prod(shape)
        piece, want = flat_params(target)[i:i + n].detach(), std[i:i + n]
        if name.endswith((".gain", ".shift")):  # BN starts at γ = 1, β = 0
            assert torch.all(want == 0) and torch.all(piece == 0)
        elif n >= 2000:  # enough samples to estimate a spread
            assert abs(piece.std().item() / want[0].item() - 1) < 0.1, name
        i += n
    drawn = ct.init_flat(target, torch.Generator().manual_seed(0))
    big = std > 0
    assert abs((drawn[big] / std[big]).std().item() - 1) < 0.05


@pytest.mark.parametrize("kind", KINDS)
def test_forward_many_folded_or_looped_equals_one_batched_call(kind):
    target = ct.build_conv_target(kind, n_tasks=2)
    W, x = _weights(target, 5), _x(3)
    ids = [0, 1, 1, 0, 1]
    want = ct.forward(target, W, x, task=ids)
    floats = 3 * target.input_shape[1] * target.input_shape[2] * 32 * 2  # 2 networks per chunk
    for fold in (False, True):
        got = ct.forward_many(target, W, x, task=ids, fold=fold, max_floats=floats)
        assert got.shape == (5, 3, 10)
        _close(got, want)
    _close(ct.forward_many(target, W, x, fold=False), ct.forward(target, W, x))
