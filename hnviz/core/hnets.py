"""Hypernetworks f_h(e, θ_h): task embedding e -> all weights of the target network.

Two kinds (HnetConfig.kind):
- "mlp": e [K, D] -> MLP -> [K, P], one output unit per target weight.
- "chunked": the target's P weights are cut into ⌈P / chunk_size⌉ chunks; chunk i is generated
  from [e ; c_i] with a learned chunk embedding c_i, so the hypernet's output layer only has
  chunk_size units. This is how the hypernet gets *smaller* than its target (compressive regime).

The task embeddings e_t live in `task_embs` (one Parameter per task, so each task's optimizer sees
only its own); `theta()` is θ_h: every other parameter.

Output scale. A chunked hypernet shares its output layer across chunks, so every generated
number starts with about the same spread; a conv net's weights need spreads that differ by an
order of magnitude between layers (1/√fan_in: a 3-channel stem vs. a 2304-input fc layer), and a
single global calibration left ZenkeNet's convs 12× too small to train (loss stuck at ln 10).
With `out_scale` [P] (`output_scale(init_std)`, conv targets) the generated weights are
w = s ⊙ f_h(e), s_i ∝ the init spread of weight i: a fixed buffer, not a parameter.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .config import HnetConfig
from .targets import mlp


def output_scale(want_std: torch.Tensor) -> torch.Tensor:
    """The per-weight output factor s [P] = max(σ_i, σ_min) / mean(max(σ, σ_min)) for a target
    whose init spread is σ = `want_std` [P] (`target_kinds.init_std`), σ_min its smallest
    positive entry: weights with no spread at init (batch norm's γ − 1 and β, σ = 0) get the
    floor σ_min so they can still move. Mean 1, so the calibration keeps its meaning."""
    s = _floored(want_std)
    return s / s.mean()


def _floored(want_std: torch.Tensor) -> torch.Tensor:
    """max(σ_i, σ_min) [P], σ_min the smallest positive entry of σ (1 if there is none)."""
    positive = want_std[want_std > 0]
    floor = positive.min() if positive.numel() else want_std.new_tensor(1.0)
    return torch.maximum(want_std, floor)


class HyperNetwork(nn.Module):
    def __init__(self, cfg: HnetConfig, target_numel: int, n_tasks: int,
                 out_scale: torch.Tensor | None = None):
        super().__init__()
        self.cfg, self.target_numel, self.n_tasks = cfg, target_numel, n_tasks
        self.task_embs = nn.ParameterList(
            [nn.Parameter(torch.randn(cfg.emb_dim) * cfg.emb_init_std) for _ in range(n_tasks)])
        if cfg.kind == "chunked":
            self.n_chunks = math.ceil(target_numel / cfg.chunk_size)
            self.chunk_embs = nn.Parameter(
                torch.randn(self.n_chunks, cfg.chunk_emb_dim) * cfg.chunk_emb_init_std)
            in_dim, out_dim = cfg.emb_dim + cfg.chunk_emb_dim, cfg.chunk_size
        else:
            self.n_chunks = 1
            self.chunk_embs = None
            in_dim, out_dim = cfg.emb_dim, target_numel
        self.body = mlp([in_dim, *cfg.hidden, out_dim], cfg.activation)
        # [P] fixed per-weight factor (see the module docstring), derived from the target: not
        # saved in run files (persistent=False), rebuilt with the run
        self.register_buffer("out_scale", None if out_scale is None else
                             out_scale.detach().clone().float(), persistent=False)

    def forward(self, emb: torch.Tensor) -> torch.Tensor:
        """emb [K, D] (or [D]) -> generated target weights [K, P] (or [P])."""
        single = emb.dim() == 1
        e = emb.unsqueeze(0) if single else emb  # [K, D]
        if self.chunk_embs is None:
            w = self.body(e)  # [K, P]
        else:
            k, c = e.shape[0], self.n_chunks
            inp = torch.cat([e.unsqueeze(1).expand(k, c, e.shape[1]),
                             self.chunk_embs.unsqueeze(0).expand(k, c, -1)], dim=2)  # [K, C, D+Dc]
            w = self.body(inp).reshape(k, c * self.cfg.chunk_size)[:, :self.target_numel]
        if self.out_scale is not None:
            w = w * self.out_scale  # [K, P]
        return w[0] if single else w

    def chunk_rows(self, emb: torch.Tensor, chunks: torch.Tensor) -> torch.Tensor:
        """Chunked hypernet only: chunk `chunks[m]` generated for embedding `emb[m]`, for M
        (embedding, chunk) pairs: emb [M, D], chunks [M] -> [M, chunk_size], row m =
        f_h([e_m; c_{chunks[m]}]) (times its slice of `out_scale`), the same numbers `forward`
        puts at those positions; the last chunk's tail past the target's P weights is included
        (`tail_mask` tells it apart)."""
        w = self.body(torch.cat([emb, self.chunk_embs[chunks]], dim=1))  # [M, chunk_size]
        if self.out_scale is not None:
            pad = self.n_chunks * self.cfg.chunk_size - self.target_numel
            scale = F.pad(self.out_scale, (0, pad)).view(self.n_chunks, -1)  # [C, chunk_size]
            w = w * scale[chunks]
        return w

    def tail_mask(self) -> torch.Tensor | None:
        """[C, chunk_size] 1 where a chunk position is a target weight, 0 on the last chunk's
        tail past P; None when the chunks cover P exactly (or the hypernet is not chunked)."""
        if self.chunk_embs is None:
            return None
        pad = self.n_chunks * self.cfg.chunk_size - self.target_numel
        if pad == 0:
            return None
        mask = torch.ones(self.n_chunks, self.cfg.chunk_size, device=self.chunk_embs.device)
        mask[-1, self.cfg.chunk_size - pad:] = 0
        return mask

    def theta(self) -> list[nn.Parameter]:
        """θ_h: all parameters except the task embeddings."""
        emb_ids = {id(p) for p in self.task_embs}
        return [p for p in self.parameters() if id(p) not in emb_ids]

    def named_theta(self) -> dict[str, nn.Parameter]:
        return {n: p for n, p in self.named_parameters() if not n.startswith("task_embs.")}

    def emb_matrix(self) -> torch.Tensor:
        """All task embeddings stacked: [T, D]."""
        return torch.stack(list(self.task_embs))

    def weights_for(self, t: int) -> torch.Tensor:
        return self.forward(self.task_embs[t])


CALIBRATION_PROBES = 64  # random embeddings, in one forward (sizes.memory_estimate counts it)


@torch.no_grad()
def calibrate_output_scale(hnet: HyperNetwork, want_std: torch.Tensor,
                           generator: torch.Generator | None = None) -> None:
    """Rescale the hypernet's output layer so generated weights start with the spread of a normal
    target init (`want_std` [P], see `targets.init_std`): per output unit for the full MLP
    hypernet, one global scale for the chunked one. Without this the generated target starts far
    too large or too small and training is slow or unstable. With an `out_scale` s (conv
    targets) the chunked hypernet's raw output f_h gets the spread mean(max(σ, σ_min)), so that
    s ⊙ f_h has about σ_i at weight i (the floor σ_min where σ_i = 0)."""
    n_probe = CALIBRATION_PROBES
    e = torch.randn(n_probe, hnet.cfg.emb_dim, generator=generator) * hnet.cfg.emb_init_std
    out_layer: nn.Linear = hnet.body[-1]
    out_layer.bias.zero_()
    w = hnet(e)  # [n_probe, P]
    if hnet.chunk_embs is None:
        have = w.std(dim=0).clamp_min(1e-8)  # [P]
        out_layer.weight.mul_((want_std / have).unsqueeze(1))
    elif hnet.out_scale is None:
        out_layer.weight.mul_(want_std.mean() / w.std().clamp_min(1e-8))
    else:
        raw = w / hnet.out_scale  # [n_probe, P] f_h(e) before the per-weight factor
        out_layer.weight.mul_(_floored(want_std).mean() / raw.std().clamp_min(1e-8))


def count_params(hnet: HyperNetwork, include_embs: bool = True) -> int:
    """Number of hypernet parameters (θ_h incl. chunk embeddings, plus task embeddings)."""
    n = sum(p.numel() for p in hnet.theta())
    if include_embs:
        n += sum(p.numel() for p in hnet.task_embs)
    return n


def compression_ratio(hnet: HyperNetwork, target_numel: int) -> float:
    """(hypernet params incl. all embeddings) / target params; < 1 is the compressive regime."""
    return count_params(hnet, include_embs=True) / target_numel
