"""Target kinds behind one contract: the one place that builds a target network from the config
and runs it, whatever its architecture (`TargetConfig.kind`).

    build_target(cfg, seq, heads)            MLPTarget ("mlp") or a ConvTarget ("zenke",
                                             "resnet32"; per-task batch-norm statistics)
    forward(target, W, x, task, train, generator)
                                             W [P] -> [B, out·heads]; W [K, P] -> [K, B, ...]
    evaluate_head(target, w, x, t, head_only)
                                             task t's head on x, evaluation mode, task t's
                                             statistics (conv nets: in chunks of rows)
    forward_many(target, W, x, task)         K networks in evaluation mode [K, B, out·heads]
    init_std / init_flat / output_scale      the init spread [P] and a draw of it; the per-weight
                                             scale of the hypernet's outputs (conv nets only)
    macs(target), activation_floats(target)  per input: multiply-adds, largest activation

Every consumer (trainer, methods, analysis, task inference) calls these instead of asking which
kind it has. The MLP path is exactly `targets` (bit for bit the recorded golden runs): `task`,
`train` and `generator` mean nothing to an MLP. Conv nets use them: `train` switches dropout on
(masks drawn from `generator`) and makes batch norm normalize with the batch and update task
`task`'s running statistics; in evaluation `task` picks whose statistics normalize (see
`task_batchnorm`). The statistics are buffers of the target (`target_buffers`), saved with the run.
"""

from __future__ import annotations

import torch
from torch import nn

from . import conv_targets, targets
from .config import RunConfig
from .conv_shapes import conv_activation_floats, conv_macs, image_shape
from .hnets import output_scale as _output_scale
from .task_batchnorm import TaskIds
from .tasks import TaskSequence

Target = targets.MLPTarget | conv_targets.ConvTarget
# Evaluation of a conv net runs in chunks of rows whose largest feature map stays within this
# many floats (16 MB; 256 CIFAR images for ResNet-32): a whole CIFAR-10 test set at once would
# need ~650 MB per feature map.
EVAL_FLOATS = 2**22


def build_target(cfg: RunConfig, seq: TaskSequence, heads: int) -> Target:
    """The target network `cfg.target` describes, for the data of `seq` (in_dim / input shape,
    out_dim, tasks), with `heads` output heads of out_dim units each (`scenarios.n_heads`: the
    scenario's and the method's layout). Its parameters are placeholders whose shapes define
    the flat weight vector [P] (`targets.param_shapes`); the weights that run come from the
    method."""
    if cfg.target.kind == "mlp":
        return targets.MLPTarget(seq.in_dim, cfg.target.hidden, seq.out_dim,
                                 cfg.target.activation, heads)
    return conv_targets.build_conv_target(cfg.target.kind, image_shape(seq.input_shape),
                                          seq.out_dim, heads, n_tasks=seq.n_tasks)


def is_conv(target: nn.Module) -> bool:
    return isinstance(target, conv_targets.ConvTarget)


def forward(target: Target, weights: torch.Tensor, x: torch.Tensor, task: TaskIds = None,
            train: bool = False, generator: torch.Generator | None = None) -> torch.Tensor:
    """Run the target on generated weights: W [P], x [B, in] -> [B, out·heads]; W [K, P] ->
    [K, B, out·heads]. `task`, `train`, `generator`: batch norm and dropout (conv nets)."""
    if is_conv(target):
        return conv_targets.forward(target, weights, x, task, train, generator)
    return targets.forward(target, weights, x)


@torch.no_grad()
def evaluate_head(target: Target, w: torch.Tensor, x: torch.Tensor, t: int,
                  head_only: bool = False) -> torch.Tensor:
    """Task t's outputs in evaluation mode: w [P], x [B, in] -> [B, out_dim] (task t's head,
    task t's batch-norm statistics). `head_only` (long sequences): an MLP computes task t's
    head alone (`targets.forward_head`)."""
    if is_conv(target):
        rows = eval_rows(target)
        parts = [target.head(conv_targets.forward(target, w, x[i:i + rows], task=t), t)
                 for i in range(0, x.shape[0], rows)]
        return torch.cat(parts) if parts else x.new_zeros(0, target.out_dim)
    if head_only:
        return targets.forward_head(target, w, x, t)
    return target.head(targets.forward(target, w, x), t)


@torch.no_grad()
def forward_many(target: Target, weights: torch.Tensor, x: torch.Tensor,
                 task: TaskIds = None) -> torch.Tensor:
    """K networks in evaluation mode: W [K, P], x [B, in] -> [K, B, out·heads]. `task`: the
    batch-norm statistics of each network (one id for all, [K] ids, or None: the batch's own)."""
    if is_conv(target):
        rows = eval_rows(target)
        parts = [conv_targets.forward_many(target, weights, x[i:i + rows], task)
                 for i in range(0, x.shape[0], rows)]
        if not parts:
            return x.new_zeros(weights.shape[0], 0, target.out_dim * target.n_heads)
        return torch.cat(parts, dim=1)
    return targets.forward(target, weights, x)


def eval_rows(target: conv_targets.ConvTarget) -> int:
    """Rows of x per evaluation chunk of a conv net (largest feature map <= EVAL_FLOATS)."""
    return max(1, EVAL_FLOATS // conv_activation_floats(target.kind, target.input_shape))


def init_std(target: Target) -> torch.Tensor:
    """Per-weight standard deviation [P] of PyTorch's default init (batch norm: 0)."""
    return conv_targets.init_std(target) if is_conv(target) else targets.init_std(target)


def init_flat(target: Target, generator: torch.Generator | None = None) -> torch.Tensor:
    """A fresh flat weight vector [P] drawn like PyTorch's default init (for baselines)."""
    if is_conv(target):
        return conv_targets.init_flat(target, generator)
    return targets.init_flat(target, generator)


def output_scale(target: Target) -> torch.Tensor | None:
    """The fixed per-weight factor [P] the hypernet multiplies its outputs by (`hnets.
    output_scale`), or None (MLP targets: their recorded runs have none)."""
    return _output_scale(init_std(target)) if is_conv(target) else None


def target_buffers(target: nn.Module) -> dict[str, torch.Tensor]:
    """The target's state that is not generated: per-task batch-norm statistics ({} for MLPs
    and ZenkeNet). Saved in run files next to the method's state."""
    return dict(target.named_buffers())


def macs(target: Target) -> int:
    """Multiply-adds of one network on one input (every head)."""
    if is_conv(target):
        return conv_macs(target.kind, target.input_shape, target.out_dim, target.n_heads)
    return sum(a * b for b, a in target.linear_shapes)


def activation_floats(target: Target) -> int:
    """The largest activation of one network on one input (floats): what sizes chunks of a
    batched evaluation of many networks."""
    if is_conv(target):
        return conv_activation_floats(target.kind, target.input_shape)
    return max(max(b for b, _ in target.linear_shapes), target.in_dim)
