"""Convolutional target networks that run on *generated* weights (same contract as `targets`).

The target publishes its parameter shapes (`named_parameters()` order == `conv_shapes.
conv_param_shapes(kind, ...)`), the hypernet emits one flat vector of P numbers, and

    forward(target, W, x, task=None, train=False, generator=None)
      W [P],    x [B, C·H·W] -> [B, out·heads]        one network
      W [K, P], x [B, C·H·W] -> [K, B, out·heads]     K networks at once

x arrives flat (the task data contract) and is reshaped with `target.input_shape` (C, H, W).

Batched path: the K networks are folded into the channel dimension. The first conv sees the shared
input, so its K weight sets are one conv with K·C_out output channels; every later conv is a
grouped conv with groups = K (network k owns channels k·C .. k·C+C−1); pooling, ReLU, dropout and
batch norm act per channel and need nothing special; the fc layers are batched matmuls.
It equals the per-network path (tested), but on CPU (oneDNN, 1 thread) it measured 1.5-2.5x
SLOWER than a loop over the K networks (grouped convs, and batch norm over feature maps that no
longer fit in cache; benchmarks/bench_conv.py): conv nets do enough work per call that the call
overhead folding saves does not matter there. `forward_many`, the many-network entry point, loops
on CPU and folds elsewhere (folding on a GPU is unmeasured).

`train` switches dropout on (masks drawn from `generator`, so a step is reproducible) and makes
batch norm use the batch's statistics; `task` picks the batch-norm statistics (see
`task_batchnorm`: per-task running statistics; task=None = batch statistics, for networks
generated at arbitrary embeddings).
"""

from __future__ import annotations

import functools
import math

import torch
from torch import nn
from torch.nn import functional as F

from .conv_shapes import (
    RESNET_BLOCKS,
    RESNET_STEM,
    RESNET_WIDTHS,
    check_geometry,
    conv_activation_floats,
    resnet_layers,
    zenke_layers,
)
from .targets import param_shapes, unflatten
from .task_batchnorm import TaskBatchNorm, TaskIds, batch_norm


class ConvTarget(nn.Module):
    """Common part of the conv targets: input geometry, heads, per-task batch norms."""

    kind = ""

    def __init__(self, input_shape, out_dim: int, n_heads: int):
        super().__init__()
        self.input_shape = check_geometry(input_shape, out_dim, n_heads)  # (C, H, W)
        self.in_dim = math.prod(self.input_shape)
        self.out_dim, self.n_heads = int(out_dim), int(n_heads)

    def head(self, out: torch.Tensor, t: int) -> torch.Tensor:
        """[..., out_dim · n_heads] -> [..., out_dim]: task t's head (head 0 when single-head)."""
        if self.n_heads == 1:
            return out
        return out[..., t * self.out_dim:(t + 1) * self.out_dim]

    def batch_norms(self) -> list[TaskBatchNorm]:
        return [m for m in self.modules() if isinstance(m, TaskBatchNorm)]

    def grow(self, n_tasks: int) -> None:
        """Per-task batch-norm statistics for `n_tasks` tasks (no-op without batch norm)."""
        for bn in self.batch_norms():
            bn.grow(n_tasks)

    def image(self, x: torch.Tensor) -> torch.Tensor:
        """x [B, C·H·W] (or already [B, C, H, W]) -> [B, C, H, W] (channels-last in memory)."""
        if x.dim() == 4 and tuple(x.shape[1:]) == self.input_shape:
            return _channels_last(x)
        if x.dim() != 2 or x.shape[1] != self.in_dim:
            raise ValueError(f"{self.kind} expects inputs [B, {self.in_dim}] (flattened "
                             f"{self.input_shape}), got {list(x.shape)}")
        return _channels_last(x.reshape(x.shape[0], *self.input_shape))

    def own_params(self) -> dict[str, torch.Tensor]:
        """Name -> the tensor currently in that slot (also under torch.func.functional_call)."""
        return {n: functools.reduce(getattr, n.split("."), self) for n, _ in param_shapes(self)}

    def forward(self, x: torch.Tensor, task: TaskIds = None, train: bool | None = None,
                generator: torch.Generator | None = None) -> torch.Tensor:
        """The module's own weights (train defaults to `self.training`): [B, in] -> [B, out]."""
        train = self.training if train is None else train
        return self.run(self.own_params(), x, None, task, train, generator)

    def run(self, p: dict[str, torch.Tensor], x: torch.Tensor, k: int | None, task: TaskIds,
            train: bool, generator: torch.Generator | None) -> torch.Tensor:
        raise NotImplementedError


class ZenkeNet(ConvTarget):
    """Zenke et al. 2017's CIFAR net (the SI paper), 3×3 convs, ReLU:

        conv32 'same' – conv32 'valid' – maxpool 2 – dropout(conv_dropout)
        conv64 'same' – conv64 'valid' – maxpool 2 – dropout(conv_dropout)
        fc512 – dropout(fc_dropout) – fc(out_dim · n_heads)

    Dropout is element-wise as in the original Keras code (hypnettorch uses channel-wise
    Dropout2d after the conv blocks)."""

    kind = "zenke"

    def __init__(self, input_shape=(3, 32, 32), out_dim: int = 10, n_heads: int = 1,
                 conv_dropout: float = 0.25, fc_dropout: float = 0.5):
        super().__init__(input_shape, out_dim, n_heads)
        for name, rate in (("conv_dropout", conv_dropout), ("fc_dropout", fc_dropout)):
            if not 0.0 <= float(rate) < 1.0:
                raise ValueError(f"{name} must be in [0, 1) (got {rate})")
        self.conv_dropout, self.fc_dropout = float(conv_dropout), float(fc_dropout)
        layers = zenke_layers(self.input_shape, out_dim, n_heads)
        c = self.input_shape[0]
        self.conv1 = nn.Conv2d(c, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 32, 3)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1)
        self.conv4 = nn.Conv2d(64, 64, 3)
        self.fc1 = nn.Linear(layers[-2].in_ch, 512)
        self.fc2 = nn.Linear(512, self.out_dim * self.n_heads)

    def run(self, p, x, k, task, train, generator):
        h = self.image(x)  # [B, C, H, W]
        h = _relu(_conv(h, p, "conv1", k, padding=1, shared_input=True))  # [B, (K·)32, H, W]
        h = _relu(_conv(h, p, "conv2", k, padding=0))
        h = _dropout(F.max_pool2d(h, 2), self.conv_dropout, train, generator)
        h = _relu(_conv(h, p, "conv3", k, padding=1))  # [B, (K·)64, h, w]
        h = _relu(_conv(h, p, "conv4", k, padding=0))
        h = _dropout(F.max_pool2d(h, 2), self.conv_dropout, train, generator)
        h = _per_network(h, k)  # [B, F] | [K, B, F]
        h = _dropout(_relu(_linear(h, p, "fc1", k)), self.fc_dropout, train, generator)
        return _linear(h, p, "fc2", k)  # [B, out] | [K, B, out]


class _BasicBlock(nn.Module):
    """conv – BN – ReLU – conv – BN – (+ shortcut) – ReLU. Option-A shortcut (He et al.): when the
    block halves the resolution and widens, the input is subsampled (every 2nd pixel) and padded
    with zero channels on both sides."""

    def __init__(self, c_in: int, c_out: int, stride: int, n_tasks: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1)
        self.bn1 = TaskBatchNorm(c_out, n_tasks)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.bn2 = TaskBatchNorm(c_out, n_tasks)
        self.stride = stride
        self.pad = ((c_out - c_in) // 2, (c_out - c_in + 1) // 2)  # zero channels (lo, hi)


class ResNet32(ConvTarget):
    """He et al. 2016's CIFAR ResNet-(6n+2), n = `blocks` (5: ResNet-32), as in the hypernetwork
    paper: stem conv16 – BN – ReLU, 3 stages × n basic blocks (16, 32, 64 channels), global
    average pool, fc(out_dim · n_heads). Convs carry a bias (hypnettorch's ResNet does).

    Batch norm: generated affine parameters, running statistics per task (`n_tasks` rows, grown
    with `grow`); see `task_batchnorm` for which statistics `task` and `train` select."""

    kind = "resnet32"

    def __init__(self, input_shape=(3, 32, 32), out_dim: int = 10, n_heads: int = 1,
                 n_tasks: int = 1, blocks: int = RESNET_BLOCKS):
        super().__init__(input_shape, out_dim, n_heads)
        layers = resnet_layers(self.input_shape, out_dim, n_heads, blocks)  # validates `blocks`
        self.blocks_per_stage = blocks
        self.stem = nn.Conv2d(self.input_shape[0], RESNET_STEM, 3, padding=1)
        self.stem_bn = TaskBatchNorm(RESNET_STEM, n_tasks)
        mods, c = [], RESNET_STEM
        for s, width in enumerate(RESNET_WIDTHS):
            for b in range(blocks):
                mods.append(_BasicBlock(c, width, 2 if s > 0 and b == 0 else 1, n_tasks))
                c = width
        self.blocks = nn.ModuleList(mods)
        self.fc = nn.Linear(layers[-1].in_ch, self.out_dim * self.n_heads)

    @property
    def n_tasks(self) -> int:
        return self.stem_bn.n_tasks

    def run(self, p, x, k, task, train, generator):
        def conv_bn(h, name, bn_name, bn, stride=1, shared_input=False):
            h = _conv(h, p, name, k, stride=stride, padding=1, shared_input=shared_input)
            return batch_norm(bn, h, p[f"{bn_name}.gain"], p[f"{bn_name}.shift"], task, train)

        h = _relu(conv_bn(self.image(x), "stem", "stem_bn", self.stem_bn, shared_input=True))
        for i, blk in enumerate(self.blocks):  # h [B, (K·)C, H, W]
            pre = f"blocks.{i}."
            short = _shortcut(h, k, blk.stride, blk.pad)
            h = _relu(conv_bn(h, pre + "conv1", pre + "bn1", blk.bn1, stride=blk.stride))
            h = _relu(conv_bn(h, pre + "conv2", pre + "bn2", blk.bn2) + short)
        h = _per_network(h.mean(dim=(2, 3)), k)  # [B, 64] | [K, B, 64]
        return _linear(h, p, "fc", k)


# ---------------------------------------------------------------------------------------------
# Layers for one network (k None: weights [*shape]) or K folded networks (weights [K, *shape])


def _channels_last(h: torch.Tensor) -> torch.Tensor:
    """[B, C, H, W] stored channels-last: oneDNN's CPU convolutions run faster on it
    (bench_conv.py, part 3). Not under torch.func transforms (vmap of per-sample gradients for a
    Fisher), which only take the default layout."""
    if torch._C._functorch.is_functorch_wrapped_tensor(h):
        return h
    return h.contiguous(memory_format=torch.channels_last)


def _relu(h: torch.Tensor) -> torch.Tensor:
    return F.relu(h, inplace=True)  # in place: fresh conv / BN / sum outputs only


def _conv(h: torch.Tensor, p, name: str, k: int | None, stride: int = 1, padding: int = 1,
          shared_input: bool = False) -> torch.Tensor:
    """3×3 conv. One network: h [B, Ci, H, W] -> [B, Co, H', W']. K networks: h [B, K·Ci, H, W]
    (or the shared input [B, Ci, H, W] when `shared_input`) -> [B, K·Co, H', W']."""
    w, b = p[name + ".weight"], p[name + ".bias"]  # [(K,) Co, Ci, 3, 3], [(K,) Co]
    if k is None:
        return F.conv2d(h, w, b, stride, padding)
    groups = 1 if shared_input else k
    return F.conv2d(h, w.reshape(-1, *w.shape[2:]), b.reshape(-1), stride, padding,
                    groups=groups)


def _linear(h: torch.Tensor, p, name: str, k: int | None) -> torch.Tensor:
    """h [B, F] -> [B, O]; K networks: h [K, B, F] -> [K, B, O] (batched matmul)."""
    w, b = p[name + ".weight"], p[name + ".bias"]  # [(K,) O, F], [(K,) O]
    if k is None:
        return F.linear(h, w, b)
    return torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))


def _per_network(h: torch.Tensor, k: int | None) -> torch.Tensor:
    """Flatten features per example: [B, C, ...] -> [B, C·...]; K networks: [B, K·C, ...] ->
    [K, B, C·...] (each network's features in the order its own flatten would give)."""
    if k is None:
        return h.reshape(h.shape[0], -1)
    return h.reshape(h.shape[0], k, -1).transpose(0, 1)


def _shortcut(h: torch.Tensor, k: int | None, stride: int, pad: tuple[int, int]) -> torch.Tensor:
    """Option-A shortcut: identity, or subsample by `stride` and zero-pad channels (lo, hi) of
    each network separately: [B, (K·)C, H, W] -> [B, (K·)(C+lo+hi), H', W']."""
    if stride == 1 and pad == (0, 0):
        return h
    s = h[:, :, ::stride, ::stride]
    b, kc, hh, ww = s.shape
    nets = s.reshape(b, k or 1, kc // (k or 1), hh, ww)  # [B, K, C, H', W']
    return F.pad(nets, (0, 0, 0, 0, *pad)).reshape(b, -1, hh, ww)


def _dropout(h: torch.Tensor, rate: float, train: bool,
             generator: torch.Generator | None) -> torch.Tensor:
    """Inverted dropout, element-wise: h · m / (1 − rate), m ~ Bernoulli(1 − rate) drawn from
    `generator` (reproducible); identity when not training."""
    if not train or rate == 0.0:
        return h
    dev = generator.device if generator is not None else h.device
    u = torch.rand(h.shape, generator=generator, device=dev, dtype=h.dtype).to(h.device)
    return h * (u >= rate) / (1.0 - rate)


# ---------------------------------------------------------------------------------------------
# The functional contract


def build_conv_target(kind: str, input_shape=(3, 32, 32), out_dim: int = 10, n_heads: int = 1,
                      n_tasks: int = 1) -> ConvTarget:
    """`kind` in conv_shapes.KINDS; n_tasks sizes ResNet-32's per-task statistics."""
    if kind == "zenke":
        return ZenkeNet(input_shape, out_dim, n_heads)
    if kind == "resnet32":
        return ResNet32(input_shape, out_dim, n_heads, n_tasks)
    raise ValueError(f"unknown conv target {kind!r}; expected 'zenke' or 'resnet32'")


def forward(target: ConvTarget, weights: torch.Tensor, x: torch.Tensor, task: TaskIds = None,
            train: bool = False, generator: torch.Generator | None = None) -> torch.Tensor:
    """Run the target on generated weights.

    weights [P],    x [B, C·H·W] -> [B, out·heads]
    weights [K, P], x [B, C·H·W] -> [K, B, out·heads]   (K networks, channel-folded)

    task: int (that task's BN statistics), [K] ints (eval: one per network) or None (batch
    statistics). train: dropout on, BN normalizes with the batch and updates task `task`'s
    statistics (one network only). No batch norm in ZenkeNet: `task` is ignored there."""
    p = unflatten(target, weights)  # {name: [(K,) *shape]}
    k = None if weights.dim() == 1 else weights.shape[0]
    return target.run(p, x, k, task, train, generator)


def forward_many(target: ConvTarget, weights: torch.Tensor, x: torch.Tensor, task: TaskIds = None,
                 fold: bool | None = None, max_floats: int = 2**24) -> torch.Tensor:
    """Eval forward of K networks [K, P] on x [B, in] -> [K, B, out] (what landscapes,
    interpolation paths and task inference need).

    fold=True: channel-folded chunks whose largest feature map [B, k·C, H, W] stays within
    `max_floats`; fold=False: one network at a time. Default: fold off the CPU only. On CPU
    (oneDNN, 1 thread) folding measured SLOWER than the loop for both nets (grouped convs and
    batch norm over feature maps that no longer fit in cache; see benchmarks/bench_conv.py);
    conv networks are big enough that the per-call overhead folding saves is negligible there."""
    if fold is None:
        fold = weights.device.type != "cpu"
    per_net = x.shape[0] * conv_activation_floats(target.kind, target.input_shape)
    chunk = max(1, max_floats // per_net) if fold else 1
    ids = None if task is None else torch.as_tensor(task, dtype=torch.long).reshape(-1)
    if ids is not None and ids.numel() not in (1, weights.shape[0]):
        raise ValueError(f"got {ids.numel()} task ids for {weights.shape[0]} networks")
    parts = []
    for i in range(0, weights.shape[0], chunk):
        w = weights[i:i + chunk] if chunk > 1 else weights[i]  # [k, P] | [P]
        t = None if ids is None else (ids if ids.numel() == 1 else ids[i:i + chunk])
        if chunk == 1 and t is not None:
            t = int(t.reshape(-1)[0])
        out = forward(target, w, x, t)
        parts.append(out if chunk > 1 else out.unsqueeze(0))
    if not parts:
        return x.new_zeros(0, x.shape[0], target.out_dim * target.n_heads)
    return torch.cat(parts)


def init_std(target: ConvTarget) -> torch.Tensor:
    """Per-weight standard deviation [P] of PyTorch's default init: conv and linear weights and
    biases U(±1/√fan_in), fan_in = C_in·3·3 (conv) or F_in (linear), so std = 1/√(3·fan_in);
    batch-norm gain (γ − 1) and shift are constant 0 at init (std 0)."""
    shapes = dict(param_shapes(target))
    out = []
    for name, shape in shapes.items():
        if name.endswith((".gain", ".shift")):
            std = 0.0
        else:
            w = shapes[name[: -len("bias")] + "weight"] if name.endswith(".bias") else shape
            std = 1.0 / math.sqrt(3 * math.prod(w[1:]))
        out.append(torch.full((math.prod(shape),), std))
    return torch.cat(out)


def init_flat(target: ConvTarget, generator: torch.Generator | None = None) -> torch.Tensor:
    """A fresh flat weight vector [P] drawn like PyTorch's default init (uniform, `init_std`)."""
    std = init_std(target)
    return (torch.rand(std.shape, generator=generator) * 2 - 1) * std * math.sqrt(3)
