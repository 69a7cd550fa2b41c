"""Continual-learning regularizers as pure functions of tensors.

Each takes the current weights and what was stored at the end of earlier tasks, and returns a
scalar penalty to add to the task loss. The methods in `methods.py` only decide *what* to store.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def output_regularizer(w_now: torch.Tensor, w_snapshot: torch.Tensor, beta: float) -> torch.Tensor:
    """HNET output regularizer (von Oswald et al. 2020, eq. 2):

        L_out = β/(T−1) · Σ_{t'<T} ‖f_h(e_t', θ_h*) − f_h(e_t', θ_h + Δθ_h)‖²

    w_now       [T−1, P]  weights generated now for every previous task (one batched forward,
                          optionally at the lookahead θ_h + Δθ_h)
    w_snapshot  [T−1, P]  weights generated for them by θ_h* (snapshot taken before task T)
    Returns 0 when there are no previous tasks.
    """
    if w_now.shape[0] == 0:
        return w_now.new_zeros(())
    # One fused kernel (and one for its backward) instead of sub/pow/sum/mean: this runs on
    # [T−1, P] every step and is memory-bound.
    return (beta / w_now.shape[0]) * F.mse_loss(w_now, w_snapshot, reduction="sum")


def ewc_penalty(w: torch.Tensor, anchors: torch.Tensor, fishers: torch.Tensor,
                lam: float) -> torch.Tensor:
    """EWC (Kirkpatrick et al. 2017): λ/2 · Σ_{t'} Σ_i F_{t',i} (w_i − w*_{t',i})².

    w [P]; anchors, fishers [T', P] (one row per earlier task; online EWC keeps a single row).
    """
    if anchors.shape[0] == 0:
        return w.new_zeros(())
    return 0.5 * lam * (fishers * (w.unsqueeze(0) - anchors).pow(2)).sum()


def si_penalty(w: torch.Tensor, anchor: torch.Tensor, omega: torch.Tensor, c: float) -> torch.Tensor:
    """Synaptic Intelligence (Zenke et al. 2017): c · Σ_i Ω_i (w_i − w*_i)².   w, anchor, Ω [P]."""
    return c * (omega * (w - anchor).pow(2)).sum()


def si_importance(path_integral: torch.Tensor, delta: torch.Tensor, xi: float) -> torch.Tensor:
    """SI per-task importance Ω_i += ω_i / (Δ_i² + ξ), with ω_i = −Σ_steps g_i·Δw_i the path
    integral of the task loss and Δ_i the total change of w_i over the task.  All [P].
    Negative contributions are clipped to 0 (they come from noisy steps that increased the loss)."""
    return (path_integral / (delta.pow(2) + xi)).clamp_min(0)
