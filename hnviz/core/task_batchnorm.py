"""Batch normalization for generated networks, with running statistics kept PER TASK.

    BN(h)_c = (1 + g_c) · (h_c − μ_c) / √(σ²_c + ε) + b_c

g (`gain`) and b (`shift`) are ordinary target parameters, i.e. part of the weight vector the
hypernetwork generates. The gain is stored as an offset from 1 so that every generated number is
centred on 0 at init (PyTorch's BN starts at γ = 1, β = 0, i.e. g = b = 0); a hypernet whose
output layer is shared across weights (the chunked one) cannot put a mean of 1 on some outputs.

(μ, σ²) are the running statistics. One shared set would be overwritten by each new task and make
old tasks collapse for a reason that has nothing to do with the hypernetwork, so every task t has
its own row: buffers `running_mean`, `running_var` [T, C] and `num_batches_tracked` [T].

Which statistics a forward pass uses (`task`, `train`):
  task=t, train=True    normalize with the batch's statistics and update row t (momentum 0.1,
                        PyTorch's rule); allowed for ONE network only (W [P] or [1, P])
  task=t, train=False   normalize with row t (no update)
  task=[t_1..t_K]       (eval, K networks) network k uses row t_k
  task=None             normalize with the batch's statistics, update nothing (train or eval):
                        what networks generated at arbitrary embeddings (landscapes,
                        interpolation) use, since they belong to no task
The buffers are tensors only (state_dict loads with weights_only=True); loading a state_dict
adopts its number of rows, and `grow(n)` adds rows (mean 0, var 1, count 0) for new tasks.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

MOMENTUM = 0.1  # PyTorch's default: μ ← (1 − m) μ + m μ_batch
EPS = 1e-5

TaskIds = int | Sequence[int] | torch.Tensor | None


class TaskBatchNorm(nn.Module):
    """Per-channel affine parameters (generated) and per-task running statistics (buffers)."""

    grown_buffers = ("running_mean", "running_var", "num_batches_tracked")

    def __init__(self, channels: int, n_tasks: int):
        super().__init__()
        if n_tasks < 1:
            raise ValueError(f"n_tasks must be >= 1 (got {n_tasks})")
        self.channels = channels
        self.gain = nn.Parameter(torch.zeros(channels))  # [C] γ − 1
        self.shift = nn.Parameter(torch.zeros(channels))  # [C] β
        self.register_buffer("running_mean", torch.zeros(n_tasks, channels))  # [T, C]
        self.register_buffer("running_var", torch.ones(n_tasks, channels))  # [T, C]
        self.register_buffer("num_batches_tracked", torch.zeros(n_tasks, dtype=torch.long))  # [T]

    @property
    def n_tasks(self) -> int:
        return self.running_mean.shape[0]

    def grow(self, n_tasks: int) -> None:
        """Make room for `n_tasks` tasks (new rows start as mean 0, var 1); never shrinks."""
        extra = n_tasks - self.n_tasks
        if extra <= 0:
            return
        like = self.running_mean
        self.running_mean = torch.cat([like, like.new_zeros(extra, self.channels)])
        self.running_var = torch.cat([self.running_var, like.new_ones(extra, self.channels)])
        self.num_batches_tracked = torch.cat(
            [self.num_batches_tracked, self.num_batches_tracked.new_zeros(extra)])

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for k in self.grown_buffers:  # adopt the saved number of tasks before copying into it
            if prefix + k in state_dict:
                setattr(self, k, torch.empty_like(state_dict[prefix + k]))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)



def batch_norm(bn: TaskBatchNorm, h: torch.Tensor, gain: torch.Tensor, shift: torch.Tensor,
               task: TaskIds, train: bool) -> torch.Tensor:
    """BN(h) for one network or K networks folded into the channel dimension.

    one network:  h [B, C, H, W],   gain/shift [C]
    K networks:   h [B, K·C, H, W], gain/shift [K, C] (network k owns channels k·C .. k·C+C−1)
    Statistics per `task` / `train` as in the module docstring."""
    weight = (1 + gain).reshape(-1)  # [C] | [K·C]
    bias = shift.reshape(-1)
    k = 1 if gain.dim() == 1 else gain.shape[0]
    if task is None:  # batch statistics per (network, channel), no running update
        return F.batch_norm(h, None, None, weight, bias, training=True, eps=EPS)
    if train:
        if k != 1:
            raise ValueError(f"training with a task updates that task's statistics: pass one "
                             f"network (weights [P]), not {k}")
        t = int(_task_rows(bn, task, 1)[0])
        bn.num_batches_tracked[t] += 1
        return F.batch_norm(h, bn.running_mean[t], bn.running_var[t], weight, bias,
                            training=True, momentum=MOMENTUM, eps=EPS)  # updates row t in place
    ids = _task_rows(bn, task, k)  # [K]
    mean = bn.running_mean[ids].reshape(-1)  # [K·C]
    var = bn.running_var[ids].reshape(-1)
    return F.batch_norm(h, mean, var, weight, bias, training=False, eps=EPS)


def _task_rows(bn: TaskBatchNorm, task: TaskIds, k: int) -> torch.Tensor:
    """Row index per network [K] (one int applies to all K networks)."""
    ids = torch.as_tensor(task, dtype=torch.long).reshape(-1)
    if ids.numel() == 1:
        ids = ids.expand(k)
    if ids.numel() != k:
        raise ValueError(f"got {ids.numel()} task ids for {k} networks")
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= bn.n_tasks):
        raise ValueError(f"task ids must be in 0..{bn.n_tasks - 1} (got {ids.tolist()})")
    return ids.to(bn.running_mean.device)
