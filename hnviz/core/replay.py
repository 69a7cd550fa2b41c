"""HNET+R (method `hnet-replay`): task inference from a replay model that does not forget.

The classifier is HNET's (a hypernetwork generating the target per task, output regularizer β).
Beside it, per the paper's replay setup (hypercl's mnist/replay, written anew here):

- a VAE whose DECODER weights come from a second task-conditioned hypernetwork f_r(e^r_t, θ_r)
  (chunked), protected by the same output regularizer with its own strength β_r, so the replay
  model itself does not forget:
      L_vae = BCE(x, σ(dec(z; f_r(e^r_t)))) + KL(q(z|x) ‖ N(0, I)) / in_dim,  z = μ + σ·ε
      L_reg = β_r / k · Σ_{t' regularized} ‖f_r(e^r_t', θ_r) − f_r(e^r_t', θ_r*)‖²
  (the decoder is conditioned on the task through its generated weights; the encoder is a
  plain network trained on the current task only);
- a task-inference classifier g(x) -> p(task | x), trained on the current task's data (label t)
  and on replayed samples of every old task t' < t, drawn from the old decoders
  f_r(e^r_t', θ_r*) (the snapshot taken when task t began). Their targets are SOFT: g's own
  snapshot's softmax over tasks 0..t-1 (zero for task t), as in the paper's replay:
      L_cls = ½ CE(g(x)_{0..t}, t) + ½ E_replay[−Σ_{t'<t} p*(t' | x̃) log g(x̃)_{t'}]
At test time (CL2/CL3) the task g infers selects the embedding for the main hypernetwork
(`task_probabilities`, read by `inference.predict`).

Every step is one trainer step: the VAE, its hypernet's regularizer and the classifier are
trained on the same batch as the main hypernet (`Step.extra`), from the step's random stream,
so runs are deterministic and resume bit for bit. State: tensors only (weights_only files).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from . import regularizers
from .config import HnetConfig, ReplayConfig
from .hnets import HyperNetwork, calibrate_output_scale
from .methods import HNET, Step
from .targets import MLPTarget, forward, init_flat, init_std

CLS_WEIGHT = 0.5  # current data vs replayed data in the classifier's loss


def decoder_widths(r: ReplayConfig, in_dim: int) -> list[int]:
    """[latent, *hidden, in_dim]: the generated decoder."""
    return [r.latent_dim, *r.hidden, in_dim]


def encoder_widths(r: ReplayConfig, in_dim: int) -> list[int]:
    """[in_dim, *reversed(hidden), 2·latent]: the encoder mirrors the decoder (μ and log σ²)."""
    return [in_dim, *reversed(r.hidden), 2 * r.latent_dim]


def classifier_widths(r: ReplayConfig, in_dim: int, n_tasks: int) -> list[int]:
    """[in_dim, *classifier_hidden, n_tasks]: the task-inference classifier."""
    return [in_dim, *r.classifier_hidden, n_tasks]


def replay_hnet_config(r: ReplayConfig) -> HnetConfig:
    """The replay hypernetwork: chunked, with the replay section's sizes."""
    return HnetConfig(kind="chunked", emb_dim=r.emb_dim, hidden=r.hnet_hidden,
                      chunk_size=r.chunk_size, chunk_emb_dim=r.chunk_emb_dim)


def _net(widths: list[int]) -> MLPTarget:
    """An MLP layout that runs on flat weights (`targets.forward`)."""
    return MLPTarget(widths[0], widths[1:-1], widths[-1], "relu")


def vae_loss(x: torch.Tensor, h: torch.Tensor, recon_logits_of, gen: torch.Generator
             ) -> torch.Tensor:
    """x [B, in] in [0, 1]; h [B, 2L] the encoder's output (μ, log σ²); `recon_logits_of(z)`
    the decoder's logits [B, in]. BCE (mean over pixels) + KL / in_dim (mean over the batch)."""
    latent = h.shape[1] // 2
    mu, logvar = h[:, :latent], h[:, latent:].clamp(-10.0, 10.0)
    eps = torch.randn(mu.shape, generator=gen).to(mu.device)  # drawn on the CPU
    z = mu + eps * torch.exp(0.5 * logvar)  # [B, L]
    rec = F.binary_cross_entropy_with_logits(recon_logits_of(z), x.clamp(0.0, 1.0))
    kld = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)).mean() / x.shape[1]
    return rec + kld


class HNETReplay(HNET):
    """HNET + a hypernetwork-protected replay VAE + a replay-trained task classifier."""

    grown_buffers = ("snapshot", "replay_snapshot")

    def __init__(self, spec, cfg, target: nn.Module, n_tasks, gen: torch.Generator):
        super().__init__(spec, cfg, target, n_tasks, gen)
        r, in_dim = cfg.replay, target.in_dim
        # layouts only (their own nn.Linear weights are never used): kept out of the module
        self._nets = {"decoder": _net(decoder_widths(r, in_dim)),
                      "encoder": _net(encoder_widths(r, in_dim)),
                      "classifier": _net(classifier_widths(r, in_dim, n_tasks))}
        dec = self._nets["decoder"]
        p_dec = sum(q.numel() for q in dec.parameters())
        self.replay_hnet = HyperNetwork(replay_hnet_config(r), p_dec, n_tasks)
        calibrate_output_scale(self.replay_hnet, init_std(dec), gen)
        self.enc_w = nn.Parameter(init_flat(self._nets["encoder"], gen))  # [P_enc]
        self.cls_w = nn.Parameter(init_flat(self._nets["classifier"], gen))  # [P_cls]
        self.register_buffer("replay_snapshot", torch.zeros(0, p_dec))  # [t, P_dec]
        self.register_buffer("cls_snapshot", self.cls_w.detach().clone())  # [P_cls]

    # ------------------------------------------------------------------ protocol
    def trainable(self, t):
        return [*super().trainable(t), *self.replay_hnet.theta(),
                self.replay_hnet.task_embs[t], self.enc_w, self.cls_w]

    @torch.no_grad()
    def begin_task(self, t):
        """HNET's snapshot, the old decoders f_r(e^r_t', θ_r*) for t' < t (the regularizer's
        targets and the replay's source) and the classifier's snapshot (the soft targets)."""
        super().begin_task(t)
        if t > 0:
            embs = self.replay_hnet.emb_matrix()[:t].detach()
            self.replay_snapshot = self.replay_hnet(embs).detach()
        else:
            self.replay_snapshot = self.replay_snapshot[:0]
        self.cls_snapshot.copy_(self.cls_w.detach())

    def step(self, t, gen, s=0):
        main = super().step(t, gen, s)
        r = self.cfg.replay
        if t > 0 and r.beta > 0:  # one batched forward: e^r_t and the regularized old ones
            parts = self.regularized_tasks(t, s)  # the same cycle as the main hypernet's
            frozen = self.replay_hnet.emb_matrix()[:t].detach()  # [t, D]
            prev = torch.cat([frozen[p] for p in parts])  # [k, D]
            embs = torch.cat([self.replay_hnet.task_embs[t].unsqueeze(0), prev])
            w_now, w_prev = self.replay_hnet(embs).split([1, prev.shape[0]])
            snapshot = torch.cat([self.replay_snapshot[p] for p in parts])  # [k, P_dec]
            replay_reg = regularizers.output_regularizer(w_prev, snapshot, r.beta)
        else:
            w_now = self.replay_hnet(self.replay_hnet.task_embs[t]).unsqueeze(0)  # [1, P_dec]
            replay_reg = None

        def regularize(task_loss: torch.Tensor) -> torch.Tensor:
            reg = main.regularize(task_loss)
            return reg if replay_reg is None else reg + replay_reg

        def extra(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return self.vae_loss(x, w_now[0], gen) + self.classifier_loss(x, t, gen)

        return Step(main.weights, regularize, main.after, extra)

    # ------------------------------------------------------------------ the replay model
    def vae_loss(self, x: torch.Tensor, w_dec: torch.Tensor, gen: torch.Generator
                 ) -> torch.Tensor:
        """The VAE's loss on the current batch x [B, in] with decoder weights w_dec [P_dec]."""
        h = forward(self._nets["encoder"], self.enc_w, x)  # [B, 2L]
        return vae_loss(x, h, lambda z: forward(self._nets["decoder"], w_dec, z), gen)

    @torch.no_grad()
    def replay(self, tasks: int, per_task: int, gen: torch.Generator | None,
               decoders: torch.Tensor | None = None) -> torch.Tensor:
        """Samples of the first `tasks` tasks from their decoders (default: the snapshot):
        [tasks, per_task, in], values in [0, 1]; all decoders in one batched pass."""
        W = self.replay_snapshot[:tasks] if decoders is None else decoders  # [K, P_dec]
        z = torch.randn(W.shape[0], per_task, self.cfg.replay.latent_dim,
                        generator=gen).to(W.device)  # drawn on the CPU: the same on any device
        return torch.sigmoid(forward_many(self._nets["decoder"], W, z))

    @torch.no_grad()
    def samples(self, n: int, gen: torch.Generator | None = None) -> torch.Tensor:
        """n samples of every task's decoder as generated now: [T, n, in] (the app's view)."""
        W = self.replay_hnet(self.replay_hnet.emb_matrix().detach())  # [T, P_dec]
        return self.replay(W.shape[0], n, gen, decoders=W)

    def classifier_loss(self, x: torch.Tensor, t: int, gen: torch.Generator) -> torch.Tensor:
        """L_cls (module docstring); 0 for the first task (one task: nothing to tell apart)."""
        if t == 0:
            return x.new_zeros(())
        clf = self._nets["classifier"]
        per = math.ceil(self.cfg.replay.batch / t)
        x_old = self.replay(t, per, gen).reshape(t * per, -1)  # [t·per, in]
        with torch.no_grad():
            soft = torch.softmax(forward(clf, self.cls_snapshot, x_old)[:, :t], dim=-1)
            soft = F.pad(soft, (0, 1))  # [t·per, t+1]: the new task gets 0
        new = forward(clf, self.cls_w, x)[:, :t + 1]  # [B, t+1]
        old = forward(clf, self.cls_w, x_old)[:, :t + 1]  # [t·per, t+1]
        loss_new = F.cross_entropy(new, torch.full((x.shape[0],), t, dtype=torch.long,
                                                    device=x.device))
        loss_old = -(soft * torch.log_softmax(old, dim=-1)).sum(dim=-1).mean()
        return CLS_WEIGHT * loss_new + (1 - CLS_WEIGHT) * loss_old

    @torch.no_grad()
    def task_probabilities(self, x, k):
        """p(task | x) [B, k] from the task classifier, over the first k tasks."""
        return torch.softmax(forward(self._nets["classifier"], self.cls_w, x)[:, :k], dim=-1)


def forward_many(net: MLPTarget, W: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """K networks, each on its own inputs: W [K, P], z [K, B, in] -> [K, B, out] (batched
    matmuls, like `targets.forward` for shared inputs)."""
    h, i = z, 0
    layers = net.linear_shapes
    for li, (n_out, n_in) in enumerate(layers):
        Wl = W[:, i:i + n_out * n_in].reshape(W.shape[0], n_out, n_in)
        i += n_out * n_in
        b = W[:, i:i + n_out]
        i += n_out
        h = torch.baddbmm(b.unsqueeze(1), h, Wl.transpose(1, 2))  # [K, B, out]
        if li < len(layers) - 1:
            h = net.act_fn(h)
    return h
