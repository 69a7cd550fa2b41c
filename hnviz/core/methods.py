"""Continual-learning methods on one shared target network, behind one small protocol.

A method owns the learnable things and what it remembers between tasks; the Trainer owns data,
optimizer and loop. Per training step of task t the trainer calls

    step = method.step(t, gen, s)           # Step(weights [P], regularize, after)
    task_loss = ...                         # the trainer's loss of the target run on step.weights
    task_loss += step.extra(x, y)           # the method's own models on the batch (HNET+R)
    reg = step.regularize(task_loss)        # the method's penalty for this step (scalar)
    (task_loss + reg).backward(); opt.step(); step.after()

and around each task `begin_task(t)` / `end_task(t, fisher)` (`fisher` [P] only for methods
whose entry says `needs_fisher`, else None). Everything one step needs travels in its `Step`;
nothing is left on the method between calls. `weights(t)` gives the weights the method uses for
task t outside training (evaluation, joint training's earlier tasks). `state_dict()` holds tensors
only so that checkpoints load with `torch.load(weights_only=True)`.

Which class serves which name, and its capabilities, is in the registry `method_specs.py`; each
method keeps its entry as `method.spec`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, grad, vmap

from . import regularizers
from .config import RunConfig
from .hnets import HyperNetwork, calibrate_output_scale
from .target_kinds import init_flat, init_std, output_scale
from .targets import unflatten

if TYPE_CHECKING:
    from .method_specs import MethodSpec

FISHER_SAMPLES = 500  # the empirical Fisher of a task uses at most this many training examples
FISHER_FLOATS = 2**26  # per-sample gradients of at most this many floats at a time

# loss(out [B, out], y) -> scalar; used for per-sample Fisher estimates.
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def no_penalty(task_loss: torch.Tensor) -> torch.Tensor:
    """The regularizer of a step that has none: 0."""
    return task_loss.new_zeros(())


def _nothing() -> None:
    pass


def no_extra(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The loss of a method without models of its own: 0."""
    return x.new_zeros(())


class Step(NamedTuple):
    """One training step of a method."""

    weights: torch.Tensor  # [P] target weights for the task loss (with autograd graph)
    regularize: Callable[[torch.Tensor], torch.Tensor] = no_penalty  # task_loss -> penalty
    after: Callable[[], None] = _nothing  # call after the optimizer step
    # (x [B, in], y [B]) of the current task's batch -> the loss of the method's own models
    # (HNET+R: its replay VAE and task classifier), added to the task loss
    extra: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = no_extra


class Method(nn.Module):
    """The protocol only: what the trainer calls. Subclasses implement `weights`, `trainable` and
    `step`; `begin_task` / `end_task` default to doing nothing."""

    grown_buffers: tuple[str, ...] = ()  # buffers whose first dim grows with tasks

    def __init__(self, spec: MethodSpec, cfg: RunConfig, n_tasks: int):
        super().__init__()
        self.spec, self.cfg, self.n_tasks = spec, cfg, n_tasks

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for k in self.grown_buffers:  # take the saved shape before copying into it
            if prefix + k in state_dict:
                setattr(self, k, torch.empty_like(state_dict[prefix + k],
                                                  device=getattr(self, k).device))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def weights(self, t: int) -> torch.Tensor:
        """The target weights [P] the method uses for task t (with autograd graph)."""
        raise NotImplementedError

    def trainable(self, t: int) -> list[nn.Parameter]:
        """What task t's optimizer updates."""
        raise NotImplementedError

    def step(self, t: int, gen: torch.Generator, s: int = 0) -> Step:
        """The weights and regularizer of training step s of task t; `gen` is the step's own
        random stream, `s` its number in the task (HNET: which previous tasks to regularize)."""
        raise NotImplementedError

    def begin_task(self, t: int) -> None:
        pass

    def end_task(self, t: int, fisher: torch.Tensor | None) -> None:
        pass

    def task_probabilities(self, x: torch.Tensor, k: int) -> torch.Tensor | None:
        """p(task | x) [B, k] over the first k tasks from a task-inference model of the method's
        own (HNET+R), or None: the task is inferred from the networks' entropy
        (`inference.predict`)."""
        return None

    def embeddings(self) -> torch.Tensor | None:
        """The learned task embeddings e_t [T, D] (with autograd graph), or None for a method
        without them (its entry's `has_embeddings`). The trainer's embedding trajectory and
        the analysis (landscapes, projections, interpolation) read them here."""
        return None

    def generate(self, embs: torch.Tensor) -> torch.Tensor:
        """Target weights generated at any embeddings: [K, D] -> [K, P] ([D] -> [P]); only for
        methods with task embeddings (the embedding plane, interpolation paths)."""
        raise TypeError(f"{self.spec.short} generates no weights from embeddings")


class TargetWeights(Method):
    """Methods that train the target's weights w [P] directly (one set shared by all tasks)."""

    def __init__(self, spec, cfg, target: nn.Module, n_tasks, gen: torch.Generator):
        super().__init__(spec, cfg, n_tasks)
        self.w = nn.Parameter(init_flat(target, gen))  # [P]

    def weights(self, t):
        return self.w

    def trainable(self, t):
        return [self.w]

    def step(self, t, gen, s=0):
        return Step(self.w)


class Finetune(TargetWeights):
    """Plain sequential training: the lower bound."""


class Scratch(TargetWeights):
    """The from-scratch control: every task trained alone, from a fresh network, with the same
    budget (steps, batches, optimizer) as the continual learners; the reference for forward
    transfer (`metrics.fwt_vs_scratch`). Task 0 starts from the run's init (what fine-tuning
    starts from); task t > 0 from a fresh draw seeded by (train.seed, t) alone. weights(t) is
    task t's network: its final weights once trained, its fresh init before (so R0 and the
    not-yet-trained cells of R are each task's own untrained network)."""

    grown_buffers = ("trained",)

    def __init__(self, spec, cfg, target, n_tasks, gen):
        super().__init__(spec, cfg, target, n_tasks, gen)
        self.register_buffer("trained", torch.zeros(0, self.w.numel()))  # [t, P] tasks < t
        self._draw = lambda g: init_flat(target, g)  # a fresh network [P] (no module kept)

    def fresh(self, t: int) -> torch.Tensor:
        """Task t's initial weights [P] (t = 0: the run's init, kept in w until trained)."""
        seed = (self.cfg.train.seed * 1_000_003 + 7_919 * t + 1) % (2**63 - 1)
        return self._draw(torch.Generator().manual_seed(seed))

    def weights(self, t):
        done = self.trained.shape[0]
        if t < done:
            return self.trained[t]
        return self.w if t == done else self.fresh(t)

    @torch.no_grad()
    def end_task(self, t, fisher):
        """Keep task t's network; the next task starts from its own fresh init."""
        self.trained = torch.cat([self.trained, self.w.detach().clone().unsqueeze(0)])
        if t + 1 < self.n_tasks:
            self.w.copy_(self.fresh(t + 1))


class Joint(TargetWeights):
    """Multitask training on all tasks seen so far (the trainer mixes them; entry `joint`): the
    upper bound."""


class EWC(TargetWeights):
    """Elastic weight consolidation (Kirkpatrick et al. 2017): one anchor and Fisher per task
    (its entry's `online`: one running Fisher, `OnlineEWC`)."""

    grown_buffers = ("anchors", "fishers")

    def __init__(self, spec, cfg, target, n_tasks, gen):
        super().__init__(spec, cfg, target, n_tasks, gen)
        p = self.w.numel()
        self.register_buffer("anchors", torch.zeros(0, p))  # [T', P]
        self.register_buffer("fishers", torch.zeros(0, p))  # [T', P]

    def step(self, t, gen, s=0):
        lam = self.cfg.train.ewc_lambda
        return Step(self.w, lambda task_loss: regularizers.ewc_penalty(
            self.w, self.anchors, self.fishers, lam))

    @torch.no_grad()
    def end_task(self, t, fisher):
        """fisher [P]: the diagonal Fisher of task t at the weights it ends with."""
        w = self.w.detach().clone().unsqueeze(0)
        if self.spec.online and self.fishers.shape[0] > 0:
            self.fishers = self.cfg.train.online_gamma * self.fishers + fisher.unsqueeze(0)
            self.anchors = w
        else:
            self.fishers = torch.cat([self.fishers, fisher.unsqueeze(0)])
            self.anchors = torch.cat([self.anchors, w])


class OnlineEWC(EWC):
    """Online EWC (Schwarz et al. 2018): one running Fisher F ← γF + F_t, anchor ← w after the
    latest task (its registry entry sets `online`)."""


class SI(TargetWeights):
    """Synaptic intelligence (Zenke et al. 2017): online path-integral importance of each
    weight, ω_i = −Σ_steps g_i·Δw_i with g = ∂L_task/∂w of each step."""

    def __init__(self, spec, cfg, target, n_tasks, gen):
        super().__init__(spec, cfg, target, n_tasks, gen)
        p = self.w.numel()
        for k in ("omega", "anchor", "path", "w_prev", "w_start"):
            self.register_buffer(k, torch.zeros(p))
        self.anchor.copy_(self.w.detach())

    def begin_task(self, t):
        self.w_start.copy_(self.w.detach())
        self.w_prev.copy_(self.w.detach())
        self.path.zero_()

    def step(self, t, gen, s=0):
        task_grad: list[torch.Tensor] = []  # this step's ∂L_task/∂w, from regularize to after

        def regularize(task_loss: torch.Tensor) -> torch.Tensor:
            # The penalty's own gradient is not part of ω: take the task loss's alone.
            (g,) = torch.autograd.grad(task_loss, self.w, retain_graph=True)
            task_grad.append(g.detach())
            if t == 0:
                return task_loss.new_zeros(())
            return regularizers.si_penalty(self.w, self.anchor, self.omega, self.cfg.train.si_c)

        @torch.no_grad()
        def after() -> None:
            w = self.w.detach()
            if task_grad:
                self.path.add_(-task_grad[0] * (w - self.w_prev))
            self.w_prev.copy_(w)

        return Step(self.w, regularize, after)

    @torch.no_grad()
    def end_task(self, t, fisher):
        w = self.w.detach()
        self.omega.add_(regularizers.si_importance(self.path, w - self.w_start,
                                                   self.cfg.train.si_xi))
        self.anchor.copy_(w)


class HNET(Method):
    """Task-conditioned hypernetwork with the output regularizer (the paper's method)."""

    grown_buffers = ("snapshot",)

    def __init__(self, spec, cfg, target: nn.Module, n_tasks, gen: torch.Generator):
        super().__init__(spec, cfg, n_tasks)
        p = sum(q.numel() for q in target.parameters())
        self.hnet = HyperNetwork(cfg.hnet, p, n_tasks, out_scale=output_scale(target))
        calibrate_output_scale(self.hnet, init_std(target), gen)
        self.register_buffer("snapshot", torch.zeros(0, p))  # [t, P] targets for tasks < t
        self._frozen: tuple[int, torch.Tensor] | None = None  # (t, [t, D]) see frozen_embs
        # (the snapshot it was made from, [t, C, chunk_size]): the snapshot in chunk rows, for
        # reg_choice "chunks" (derived, not saved)
        self._rows: tuple[torch.Tensor, torch.Tensor] | None = None

    def _load_from_state_dict(self, *args, **kwargs):
        self._frozen = self._rows = None  # the embeddings and the snapshot are about to change
        super()._load_from_state_dict(*args, **kwargs)

    def _apply(self, fn, *args, **kwargs):
        # moved or cast: derive again from the moved tensors
        self._frozen = self._rows = None
        return super()._apply(fn, *args, **kwargs)

    def weights(self, t):
        return self.hnet(self.hnet.task_embs[t])

    def trainable(self, t):
        return [*self.hnet.theta(), self.hnet.task_embs[t]]

    def embeddings(self) -> torch.Tensor:
        return self.hnet.emb_matrix()  # [T, D]

    def generate(self, embs: torch.Tensor) -> torch.Tensor:
        return self.hnet(embs)  # f_h(e, θ_h): [K, D] -> [K, P]

    def frozen_embs(self, t: int) -> torch.Tensor:
        """The embeddings of the tasks before t, [t, D], without autograd: task t's optimizer
        does not hold them, so they stay fixed for the whole task and are stacked once."""
        if self._frozen is None or self._frozen[0] != t:
            self._frozen = (t, self.hnet.emb_matrix()[:t].detach())
        return self._frozen[1]

    @torch.no_grad()
    def begin_task(self, t):
        """Snapshot f_h(e_t', θ_h*) for every previous task t' < t (embeddings are frozen)."""
        self._frozen = None
        if t > 0:
            self.snapshot = self.hnet(self.frozen_embs(t)).detach()
        else:
            self.snapshot = self.snapshot[:0]

    def regularized_tasks(self, t: int, s: int,
                          gen: torch.Generator | None = None) -> tuple[slice, ...] | torch.Tensor:
        """Which previous tasks step s of task t regularizes: all of them, or with `reg_tasks`
        = k < t a subset of k. `reg_choice` "cycle" (as at most two slices of 0..t-1): k
        consecutive tasks (k·s, ..., k·s + k − 1) mod t, so every previous task is regularized
        once every ⌈t/k⌉ steps; slices, not an index tensor: the snapshot rows are views and
        nothing is copied. "random": k distinct tasks drawn from the step's own stream `gen`
        (an index tensor [k]; hypnettorch's cl_reg_batch_size), so a task can go unregularized
        for many steps but no pattern of the step number favours one. ("chunks" regularizes
        every previous task on a sample of its chunks: `_chunk_step`; a full MLP hypernet, which
        has no chunks, takes it as "random".)"""
        k = self.cfg.train.reg_tasks
        if k <= 0 or k >= t:
            return (slice(0, t),)
        if self.cfg.train.reg_choice in ("random", "chunks"):  # "chunks" without chunks
            return torch.randperm(t, generator=gen)[:k].to(self.snapshot.device)
        start = (s * k) % t
        if start + k <= t:
            return (slice(start, start + k),)
        return slice(start, t), slice(0, start + k - t)

    def step(self, t, gen, s=0):
        """Without lookahead, ONE batched hypernet forward for the current task AND the
        regularized previous ones (`regularized_tasks`): f_h([e_t; e_t'...]) -> [1 + t', P];
        row 0 feeds the task loss, the rest the output regularizer against the snapshot."""
        beta = self.cfg.train.beta
        if t == 0 or beta == 0:
            return Step(self.weights(t))
        if self.cfg.train.lookahead:
            return Step(self.weights(t), lambda task_loss: self._lookahead_penalty(t, task_loss))
        k = self.cfg.train.reg_tasks
        if self.cfg.train.reg_choice == "chunks" and self.hnet.chunk_embs is not None and 0 < k < t:
            return self._chunk_step(t, gen, k, beta)
        parts = self.regularized_tasks(t, s, gen)
        frozen = self.frozen_embs(t)  # [t, D]
        if isinstance(parts, torch.Tensor):  # a random subset [k]: gathered rows
            prev, snapshot = [frozen[parts]], self.snapshot[parts]  # [k, D], [k, P]
        else:
            prev = [frozen[p] for p in parts]  # each [t_p, D]
            snapshot = (self.snapshot[parts[0]] if len(parts) == 1
                        else torch.cat([self.snapshot[p] for p in parts]))  # [t', P]
        embs = torch.cat([self.hnet.task_embs[t].unsqueeze(0), *prev])  # [1 + t', D]
        # split (not indexing): its backward concatenates the two gradients instead of
        # zero-filling a full [1 + t', P] buffer per part.
        w_t, w_prev = self.hnet(embs).split([1, embs.shape[0] - 1])  # [1, P], [t', P]
        return Step(w_t[0], lambda task_loss: regularizers.output_regularizer(
            w_prev, snapshot, beta))

    def _chunk_step(self, t: int, gen: torch.Generator, k: int, beta: float) -> Step:
        """reg_choice "chunks": the output regularizer over EVERY previous task, estimated from
        M = k·C (task, chunk) pairs drawn uniformly (with replacement) from the t·C pairs of
        tasks < t, so a step costs what k whole tasks cost (M generated chunk rows) while each
        previous task is pulled back on some of its chunks at every step, not once every t/k
        steps. With L = β/t · Σ_{t'<t} Σ_i ‖w_{t',i} − w*_{t',i}‖² (the paper's regularizer
        written per chunk i), the estimate is β·C/M · Σ_{sampled (t', i)} ‖·‖², unbiased:
        E = β/t · Σ over all pairs. The last chunk's tail past P is not a target weight and is
        masked out."""
        h = self.hnet
        n_chunks = h.n_chunks
        idx = torch.randint(t * n_chunks, (k * n_chunks,), generator=gen)
        idx = idx.to(self.snapshot.device)
        task, chunk = idx // n_chunks, idx % n_chunks  # [M] each
        rows = h.chunk_rows(self.frozen_embs(t)[task], chunk)  # [M, chunk_size]
        snap = self._snapshot_rows()  # [t', C, chunk_size]
        want = snap.view(-1, snap.shape[-1]).index_select(0, idx)  # [M, chunk_size] (a copy)
        cut = h.target_numel - (n_chunks - 1) * h.cfg.chunk_size  # real weights of the last chunk
        last = (chunk == n_chunks - 1).nonzero().squeeze(1)  # [m] rows of the last chunk
        if cut < h.cfg.chunk_size and last.numel():
            # The tail past P is no target weight: the difference there is made exactly 0 (no
            # loss, no gradient) by setting `want` (a gathered copy) to the rows' own values on
            # those few rows, instead of masking all M rows.
            want[last, cut:] = rows.detach()[last, cut:]
        w_t = self.weights(t)  # [P] the current task's weights (its own forward)
        return Step(w_t, lambda task_loss: regularizers.output_regularizer(
            rows, want, beta * n_chunks))

    def _snapshot_rows(self) -> torch.Tensor:
        """The snapshot [t, P] as chunk rows [t, C, chunk_size] (zero-padded tail), made once
        per snapshot."""
        if self._rows is None or self._rows[0] is not self.snapshot:
            h = self.hnet
            pad = h.n_chunks * h.cfg.chunk_size - h.target_numel
            rows = F.pad(self.snapshot, (0, pad)).view(self.snapshot.shape[0], h.n_chunks, -1)
            self._rows = (self.snapshot, rows)
        return self._rows[1]

    def _lookahead_penalty(self, t: int, task_loss: torch.Tensor) -> torch.Tensor:
        """The output regularizer at θ_h + Δθ_h, Δθ_h = −lr·∂L_task/∂θ_h (the step the task loss
        alone would take, held fixed), over all previous tasks in one forward."""
        prev_embs = self.frozen_embs(t)  # [t, D]
        names, theta = zip(*self.hnet.named_theta().items(), strict=True)
        grads = torch.autograd.grad(task_loss, theta, retain_graph=True, allow_unused=True)
        lr = self.cfg.train.lr
        params = {n: p - lr * (g.detach() if g is not None else 0)
                  for n, p, g in zip(names, theta, grads, strict=True)}
        w_now = functional_call(self.hnet, params, (prev_embs,))  # [t, P]
        return regularizers.output_regularizer(w_now, self.snapshot, self.cfg.train.beta)


def fisher_chunk(p: int, layers: int) -> int:
    """Samples per per-sample-gradient call of the Fisher (`layers` with weights, P weights):
    vmap keeps ~(layers + 1) copies of [chunk, P], kept within FISHER_FLOATS. Conv nets always go
    in chunks; an MLP takes all samples at once where they fit (as its recorded runs did) and
    goes in chunks only beyond that (Split MNIST's 784-400-400 target: 35 samples a call, 256 MB
    instead of 3.8 GB for 500 samples)."""
    return max(1, FISHER_FLOATS // ((layers + 1) * p))


def diag_fisher(target: nn.Module, w: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
                loss_of: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                run: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
                chunk: int | None = None) -> torch.Tensor:
    """Empirical diagonal Fisher  F_i = E_n[(∂ℓ(x_n, y_n)/∂w_i)²]  with per-sample gradients
    (vmap over grad).  w [P], x [N, in], y [N(,1)] -> [P].  `loss_of(out [1, O], y [1(,1)])`.
    `run(w [P], x [1, in]) -> out [1, O]`: how the target runs on w (default: functional_call
    of the module; conv nets pass their forward with the task's batch-norm statistics).
    `chunk`: samples per vmap call (their [chunk, P] gradients at a time; None: all N)."""
    def sample_loss(wv: torch.Tensor, xi: torch.Tensor, yi: torch.Tensor) -> torch.Tensor:
        if run is None:
            out = functional_call(target, unflatten(target, wv), (xi.unsqueeze(0),))
        else:
            out = run(wv, xi.unsqueeze(0))
        return loss_of(out, yi.unsqueeze(0))

    per_sample = vmap(grad(sample_loss), in_dims=(None, 0, 0))
    if chunk is None:
        return per_sample(w.detach(), x, y).pow(2).mean(dim=0)  # [N, P] -> [P]
    total = torch.zeros_like(w, dtype=torch.float32)
    for i in range(0, x.shape[0], chunk):
        total += per_sample(w.detach(), x[i:i + chunk], y[i:i + chunk]).pow(2).sum(dim=0)
    return total / max(1, x.shape[0])
