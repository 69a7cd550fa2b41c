"""Target networks: plain nn.Modules that run on *generated* weights.

The contract with the hypernetwork (as in hypnettorch): the target publishes its parameter shapes
(`param_shapes`), the hypernet emits one flat vector of `num_params` numbers, and `forward` runs
the target on it: on one weight vector [P] (training), or on K of them [K, P] in one batched
matmul (landscapes, interpolation paths, entropy task inference, which chunk K themselves).
`reference_forward` is the generic `torch.func.functional_call` (vmapped for [K, P]) that the
tests compare `forward` against. `mlp` is the layer stack both networks are made of.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.func import functional_call, vmap

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
}


def mlp(widths: Sequence[int], activation: str) -> nn.Sequential:
    """Linear layers widths[0] -> widths[1] -> ... with `activation` between them (not after
    the last)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


class MLPTarget(nn.Module):
    """in_dim -> hidden... -> out_dim MLP. With `n_heads > 1` the output layer holds one head of
    `out_dim` units per task (task-incremental multi-head); `head(out, t)` picks task t's."""

    def __init__(self, in_dim: int, hidden: Sequence[int], out_dim: int, activation: str = "relu",
                 n_heads: int = 1):
        super().__init__()
        self.in_dim, self.out_dim, self.n_heads = in_dim, out_dim, n_heads
        widths = [in_dim, *hidden, out_dim * n_heads]
        self.net = mlp(widths, activation)
        self.linear_shapes = [(b, a) for a, b in zip(widths[:-1], widths[1:], strict=True)]
        # numbers of each weight matrix and bias, in `param_shapes` order (sum = P)
        self.split_sizes = [n for o, i in self.linear_shapes for n in (o * i, o)]
        self.act_fn = ACTIVATIONS[activation]()

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B, in] -> [B, out_dim * n_heads]
        return self.net(x)

    def head(self, out: torch.Tensor, t: int) -> torch.Tensor:
        """[..., out_dim * n_heads] -> [..., out_dim]: task t's head (head 0 when single-head)."""
        if self.n_heads == 1:
            return out
        return out[..., t * self.out_dim:(t + 1) * self.out_dim]


def param_shapes(target: nn.Module) -> list[tuple[str, torch.Size]]:
    return [(n, p.shape) for n, p in target.named_parameters()]


def num_params(target: nn.Module) -> int:
    return sum(p.numel() for p in target.parameters())


def unflatten(target: nn.Module, flat: torch.Tensor) -> dict[str, torch.Tensor]:
    """[..., P] -> {name: [..., *shape]} in `param_shapes` order."""
    out, i = {}, 0
    lead = flat.shape[:-1]
    for name, shape in param_shapes(target):
        n = math.prod(shape)
        out[name] = flat[..., i:i + n].reshape(*lead, *shape)
        i += n
    if i != flat.shape[-1]:
        raise ValueError(f"expected {i} weights, got {flat.shape[-1]}")
    return out


def init_flat(target: nn.Module, generator: torch.Generator | None = None) -> torch.Tensor:
    """A fresh flat weight vector [P] drawn like PyTorch's default Linear init (for baselines)."""
    std = init_std(target)
    return (torch.rand(std.shape, generator=generator) * 2 - 1) * std * math.sqrt(3)



def forward(target: MLPTarget, weights: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Run the target on generated weights.

    weights [P],    x [B, in] -> [B, out]
    weights [K, P], x [B, in] -> [K, B, out]   (K networks at once, batched matmul)

    Equivalent to `torch.func.functional_call(target, unflatten(target, w), (x,))` (and its vmap
    over K), which the tests check; written out because this is the training hot loop and the
    generic call costs more than the tiny matmuls themselves. The weight vector is cut with ONE
    `split` (its backward is one concatenation; a slice per layer would zero-fill a full [.., P]
    gradient buffer per slice)."""
    parts = weights.split(target.split_sizes, dim=-1)
    lead = weights.shape[:-1]
    h = x if weights.dim() == 1 else x.unsqueeze(0)  # [B, in] | [1, B, in]
    layers = target.linear_shapes
    for li, (n_out, n_in) in enumerate(layers):
        W = parts[2 * li].reshape(*lead, n_out, n_in)  # [(K,) out, in]
        b = parts[2 * li + 1]  # [(K,) out]
        if weights.dim() == 1:
            h = torch.nn.functional.linear(h, W, b)
        else:
            h = torch.baddbmm(b.unsqueeze(1), h.expand(W.shape[0], *h.shape[1:]),
                              W.transpose(1, 2))  # [K, B, out]
        if li < len(layers) - 1:
            h = target.act_fn(h)
    return h


def forward_head(target: MLPTarget, weights: torch.Tensor, x: torch.Tensor, t: int
                 ) -> torch.Tensor:
    """Task t's head only: weights [P], x [B, in] -> [B, out_dim], what
    `target.head(forward(target, weights, x), t)` gives, without computing the other heads: the
    output layer uses rows t·out_dim .. (t+1)·out_dim of its weight matrix and bias. With one
    head per task that layer costs O(T) per input, so long sequences evaluate with this (equal up
    to float rounding; short sequences keep `forward` and its exact numbers)."""
    if target.n_heads == 1:
        return forward(target, weights, x)
    parts = weights.split(target.split_sizes)
    h = x
    layers = target.linear_shapes
    for li, (n_out, n_in) in enumerate(layers):
        W, b = parts[2 * li].reshape(n_out, n_in), parts[2 * li + 1]  # [out, in], [out]
        if li == len(layers) - 1:
            rows = slice(t * target.out_dim, (t + 1) * target.out_dim)
            return torch.nn.functional.linear(h, W[rows], b[rows])
        h = target.act_fn(torch.nn.functional.linear(h, W, b))
    raise AssertionError("unreachable")  # pragma: no cover


def reference_forward(target: nn.Module, weights: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The generic path: functional_call on [P], vmap(functional_call) on [K, P]."""
    def one(w: torch.Tensor) -> torch.Tensor:
        return functional_call(target, unflatten(target, w), (x,))

    return one(weights) if weights.dim() == 1 else vmap(one)(weights)


def init_std(target: nn.Module) -> torch.Tensor:
    """Per-weight standard deviation [P] of PyTorch's default Linear init, U(±1/√fan_in)."""
    params = dict(target.named_parameters())
    out = []
    for name, p in params.items():
        fan_in = p.shape[1] if p.dim() == 2 else params[name[:-4] + "weight"].shape[1]
        out.append(torch.full((p.numel(),), 1.0 / math.sqrt(3 * fan_in)))
    return torch.cat(out)
