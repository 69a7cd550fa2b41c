import torch

from hnviz.core.config import HnetConfig
from hnviz.core.hnets import HyperNetwork, calibrate_output_scale, compression_ratio, count_params
from hnviz.core.targets import (
    MLPTarget,
    forward,
    init_std,
    num_params,
    param_shapes,
    reference_forward,
)


def target():
    return MLPTarget(in_dim=3, hidden=(5, 4), out_dim=2, n_heads=3)


def test_param_shapes_and_count():
    t = target()
    shapes = [tuple(s) for _, s in param_shapes(t)]
    assert shapes == [(5, 3), (5,), (4, 5), (4,), (6, 4), (6,)]
    assert num_params(t) == 15 + 5 + 20 + 4 + 24 + 6


def test_forward_matches_functional_call_single_and_batched():
    t = target()
    P = num_params(t)
    x = torch.randn(7, 3)
    w = torch.randn(P)
    assert torch.allclose(forward(t, w, x), reference_forward(t, w, x), atol=1e-6)
    W = torch.randn(9, P)
    out = forward(t, W, x)
    assert out.shape == (9, 7, 6)
    assert torch.allclose(out, reference_forward(t, W, x), atol=1e-5)
    looped = torch.stack([forward(t, W[k], x) for k in range(9)])  # one network at a time
    assert torch.allclose(out, looped, atol=1e-5)


def test_heads_pick_task_slice():
    t = target()
    out = torch.arange(12.0).reshape(2, 6)
    assert t.head(out, 1).tolist() == [[2.0, 3.0], [8.0, 9.0]]


def test_mlp_hnet_shapes_and_grads():
    P = 57
    h = HyperNetwork(HnetConfig(kind="mlp", emb_dim=2, hidden=(8,)), P, n_tasks=3)
    assert h.forward(h.task_embs[0]).shape == (P,)
    assert h(h.emb_matrix()).shape == (3, P)
    loss = h.weights_for(1).pow(2).sum()
    loss.backward()
    assert h.task_embs[1].grad.abs().sum() > 0
    assert h.task_embs[0].grad is None  # only the used embedding gets a gradient
    assert all(p.grad is not None for p in h.theta())


def test_chunked_hnet_covers_target_and_is_compressive():
    P = 1000
    cfg = HnetConfig(kind="chunked", emb_dim=4, hidden=(6,), chunk_size=64, chunk_emb_dim=3)
    h = HyperNetwork(cfg, P, n_tasks=5)
    assert h.n_chunks == 16
    assert h(h.emb_matrix()).shape == (5, P)
    expected = (7 * 6 + 6) + (6 * 64 + 64) + 16 * 3  # body + chunk embs
    assert count_params(h, include_embs=False) == expected
    assert count_params(h) == expected + 5 * 4
    assert compression_ratio(h, P) < 1
    h(h.emb_matrix()).sum().backward()
    assert h.chunk_embs.grad.abs().sum() > 0


def test_calibration_gives_target_init_scale():
    t = MLPTarget(64, (100, 100), 10)
    want = init_std(t)
    h = HyperNetwork(HnetConfig(kind="mlp", hidden=(10,)), num_params(t), 2)
    calibrate_output_scale(h, want, torch.Generator().manual_seed(0))
    got = h(torch.randn(256, 2)).std(dim=0)
    assert torch.allclose(got.mean(), want.mean(), rtol=0.3)


def test_chunk_embedding_init_std_scales_the_draw_only():
    """hnet.chunk_emb_init_std scales the chunk embeddings' initial draw (the same draw: σ = 1
    is the former init bit for bit); task embeddings and the body are untouched; σ ≤ 0 is a
    ConfigError."""
    import pytest

    from hnviz.core.config import ConfigError

    base = HnetConfig(kind="chunked", emb_dim=4, hidden=(6,), chunk_size=64, chunk_emb_dim=3)
    torch.manual_seed(3)
    one = HyperNetwork(base, 1000, n_tasks=2)
    torch.manual_seed(3)
    small = HyperNetwork(HnetConfig(**{**base.__dict__, "chunk_emb_init_std": 0.1}), 1000, 2)
    assert torch.allclose(small.chunk_embs, 0.1 * one.chunk_embs)
    assert torch.equal(small.emb_matrix(), one.emb_matrix())
    assert torch.equal(small.body[0].weight, one.body[0].weight)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ConfigError, match="hnet.chunk_emb_init_std must be"):
            HnetConfig(chunk_emb_init_std=bad)
