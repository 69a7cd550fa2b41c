"""Continual-learning methods on one shared target network, behind one small protocol.

A method owns the learnable things and what it remembers between tasks; the Trainer owns data,
optimizer and loop. Per step the trainer calls

    w = method.weights(t)              # [P] target weights for task t (with autograd graph)
    task_loss = ...                    # computed by the trainer on the target run with w
    reg = method.regularizer(t, task_loss)
    (task_loss + reg).backward(); opt.step(); method.after_step(t)

and around each task `begin_task(t)` / `end_task(t, task)`. `state_dict()` holds tensors only so
that checkpoints load with `torch.load(weights_only=True)`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from . import regularizers as R
from .config import RunConfig
from .hnets import HyperNetwork, calibrate_output_scale
from .targets import init_flat, init_std, unflatten

# loss(out [B, out], y) -> scalar; used for per-sample Fisher estimates.
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class Method(nn.Module):
    """Base: direct training of the target weights `w` [P] (fine-tuning)."""

    name = "finetune"
    joint = False  # joint training samples every task seen so far at each step
    grown_buffers: tuple[str, ...] = ()  # buffers whose first dim grows with tasks

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for k in self.grown_buffers:  # take the saved shape before copying into it
            if prefix + k in state_dict:
                setattr(self, k, torch.empty_like(state_dict[prefix + k]))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def __init__(self, cfg: RunConfig, target: nn.Module, n_tasks: int, gen: torch.Generator):
        super().__init__()
        self.cfg, self.n_tasks = cfg, n_tasks
        self.w = nn.Parameter(init_flat(target, gen))  # [P]

    def weights(self, t: int) -> torch.Tensor:
        return self.w

    def train_weights(self, t: int, gen: torch.Generator | None = None) -> torch.Tensor:
        """Weights for the task loss of one training step (may prepare the regularizer)."""
        return self.weights(t)

    def trainable(self, t: int) -> list[nn.Parameter]:
        return [self.w]

    def begin_task(self, t: int) -> None:
        pass

    def regularizer(self, t: int, task_loss: torch.Tensor) -> torch.Tensor:
        return task_loss.new_zeros(())

    def after_step(self, t: int) -> None:
        pass

    def end_task(self, t: int, fisher_fn: Callable[[], torch.Tensor]) -> None:
        pass

    @torch.no_grad()
    def all_weights(self, n: int) -> torch.Tensor:
        """Weights for tasks 0..n-1 stacked: [n, P]."""
        return torch.stack([self.weights(t).detach() for t in range(n)])


class Finetune(Method):
    name = "finetune"


class Joint(Method):
    """Multitask training on all tasks seen so far: the upper bound."""

    name = "joint"
    joint = True


class EWC(Method):
    """Elastic weight consolidation; `online=True` keeps one running Fisher (online EWC,
    Schwarz et al. 2018): F ← γF + F_t, anchor ← w after the latest task."""

    name = "ewc"
    grown_buffers = ("anchors", "fishers")

    def __init__(self, cfg, target, n_tasks, gen, online: bool = False):
        super().__init__(cfg, target, n_tasks, gen)
        self.online = online
        if online:
            self.name = "online-ewc"
        p = self.w.numel()
        self.register_buffer("anchors", torch.zeros(0, p))  # [T', P]
        self.register_buffer("fishers", torch.zeros(0, p))  # [T', P]

    def regularizer(self, t, task_loss):
        return R.ewc_penalty(self.w, self.anchors, self.fishers, self.cfg.train.ewc_lambda)

    @torch.no_grad()
    def end_task(self, t, fisher_fn):
        fisher = fisher_fn()  # [P]
        w = self.w.detach().clone().unsqueeze(0)
        if self.online and self.fishers.shape[0] > 0:
            self.fishers = self.cfg.train.online_gamma * self.fishers + fisher.unsqueeze(0)
            self.anchors = w
        else:
            self.fishers = torch.cat([self.fishers, fisher.unsqueeze(0)])
            self.anchors = torch.cat([self.anchors, w])



class SI(Method):
    """Synaptic intelligence: online path-integral importance of each weight."""

    name = "si"

    def __init__(self, cfg, target, n_tasks, gen):
        super().__init__(cfg, target, n_tasks, gen)
        p = self.w.numel()
        for k in ("omega", "anchor", "path", "w_prev", "w_start"):
            self.register_buffer(k, torch.zeros(p))
        self.anchor.copy_(self.w.detach())
        self._grad: torch.Tensor | None = None

    def begin_task(self, t):
        self.w_start.copy_(self.w.detach())
        self.w_prev.copy_(self.w.detach())
        self.path.zero_()

    def regularizer(self, t, task_loss):
        # ∂L_task/∂w for the path integral; the penalty's own gradient is not part of ω.
        (g,) = torch.autograd.grad(task_loss, self.w, retain_graph=True)
        self._grad = g.detach()
        if t == 0:
            return task_loss.new_zeros(())
        return R.si_penalty(self.w, self.anchor, self.omega, self.cfg.train.si_c)

    @torch.no_grad()
    def after_step(self, t):
        w = self.w.detach()
        if self._grad is not None:
            self.path.add_(-self._grad * (w - self.w_prev))
        self.w_prev.copy_(w)

    @torch.no_grad()
    def end_task(self, t, fisher_fn):
        w = self.w.detach()
        self.omega.add_(R.si_importance(self.path, w - self.w_start, self.cfg.train.si_xi))
        self.anchor.copy_(w)


class HNET(Method):
    """Task-conditioned hypernetwork with the output regularizer (the paper's method)."""

    name = "hnet"
    grown_buffers = ("snapshot",)

    def __init__(self, cfg, target, n_tasks, gen):
        nn.Module.__init__(self)
        self.cfg, self.n_tasks = cfg, n_tasks
        p = sum(q.numel() for q in target.parameters())
        self.hnet = HyperNetwork(cfg.hnet, p, n_tasks)
        calibrate_output_scale(self.hnet, init_std(target), gen)
        self.register_buffer("snapshot", torch.zeros(0, p))  # [t, P] targets for tasks < t
        self._step_prev: tuple[torch.Tensor, torch.Tensor] | None = None

    def weights(self, t):
        return self.hnet(self.hnet.task_embs[t])

    def _reg_tasks(self, t: int, gen: torch.Generator | None) -> torch.Tensor:
        """Indices of the previous tasks regularized this step: all of them, or a random subset
        of `reg_tasks` (hypnettorch's cl_reg_batch_size) to keep long sequences cheap."""
        k = self.cfg.train.reg_tasks
        if k <= 0 or k >= t:
            return torch.arange(t)
        return torch.randperm(t, generator=gen)[:k].sort().values

    def train_weights(self, t, gen=None):
        """One batched hypernet forward for the current task AND the regularized previous ones:
        f_h([e_t; e_t'...]) -> [1 + t', P]; row 0 feeds the task loss, the rest the regularizer."""
        self._step_prev = None
        if t == 0 or self.cfg.train.beta == 0 or self.cfg.train.lookahead:
            return self.weights(t)
        idx = self._reg_tasks(t, gen)
        every = idx.numel() == t
        prev = self.hnet.emb_matrix()[:t] if every else self.hnet.emb_matrix()[idx]
        embs = torch.cat([self.hnet.task_embs[t].unsqueeze(0), prev.detach()])  # [1 + t', D]
        # split (not indexing): its backward concatenates the two gradients instead of
        # zero-filling a full [1 + t', P] buffer per part.
        w_t, w_prev = self.hnet(embs).split([1, embs.shape[0] - 1])  # [1, P], [t', P]
        self._step_prev = (w_prev, self.snapshot if every else self.snapshot[idx])
        return w_t[0]

    def trainable(self, t):
        return [*self.hnet.theta(), self.hnet.task_embs[t]]

    @torch.no_grad()
    def begin_task(self, t):
        """Snapshot f_h(e_t', θ_h*) for every previous task t' < t (embeddings are frozen)."""
        if t > 0:
            self.snapshot = self.hnet(self.hnet.emb_matrix()[:t].detach()).detach()
        else:
            self.snapshot = self.snapshot[:0]

    def regularizer(self, t, task_loss):
        beta = self.cfg.train.beta
        if t == 0 or beta == 0:
            return task_loss.new_zeros(())
        if self._step_prev is not None:  # computed with the task weights in train_weights
            w_now, w_snap = self._step_prev
            self._step_prev = None
            return R.output_regularizer(w_now, w_snap, beta)
        prev_embs = self.hnet.emb_matrix()[:t].detach()  # [t, D]
        if self.cfg.train.lookahead:
            # Δθ_h: the step the task loss alone would take (plain gradient step, held fixed).
            names, theta = zip(*self.hnet.named_theta().items(), strict=True)
            grads = torch.autograd.grad(task_loss, theta, retain_graph=True, allow_unused=True)
            lr = self.cfg.train.lr
            params = {n: p - lr * (g.detach() if g is not None else 0)
                      for n, p, g in zip(names, theta, grads, strict=True)}
            w_now = functional_call(self.hnet, params, (prev_embs,))
        else:
            w_now = self.hnet(prev_embs)  # [t, P], all previous tasks in one forward
        return R.output_regularizer(w_now, self.snapshot, beta)



def build_method(cfg: RunConfig, target: nn.Module, n_tasks: int,
                 gen: torch.Generator) -> Method:
    m = cfg.train.method
    if m == "hnet":
        return HNET(cfg, target, n_tasks, gen)
    if m == "ewc":
        return EWC(cfg, target, n_tasks, gen)
    if m == "online-ewc":
        return EWC(cfg, target, n_tasks, gen, online=True)
    if m == "si":
        return SI(cfg, target, n_tasks, gen)
    if m == "joint":
        return Joint(cfg, target, n_tasks, gen)
    return Finetune(cfg, target, n_tasks, gen)


def diag_fisher(target: nn.Module, w: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
                loss_of: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """Empirical diagonal Fisher  F_i = E_n[(∂ℓ(x_n, y_n)/∂w_i)²]  with per-sample gradients
    (vmap over grad).  w [P], x [N, in], y [N(,1)] -> [P].  `loss_of(out [1, O], y [1(,1)])`."""
    def sample_loss(wv: torch.Tensor, xi: torch.Tensor, yi: torch.Tensor) -> torch.Tensor:
        out = functional_call(target, unflatten(target, wv), (xi.unsqueeze(0),))
        return loss_of(out, yi.unsqueeze(0))

    g = vmap(grad(sample_loss), in_dims=(None, 0, 0))(w.detach(), x, y)  # [N, P]
    return g.pow(2).mean(dim=0)
