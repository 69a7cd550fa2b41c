"""Adam (Kingma & Ba 2015) for the trainer, without `torch.optim`'s machinery.

    m ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²,
    θ ← θ − lr · (m / (1 − β₁ˢ)) / (√(v / (1 − β₂ˢ)) + ε)          (s: the parameter's step)

The update is torch's own fused kernel (`torch._fused_adam_`, one pass over all tensors), called
exactly as `torch.optim.Adam(fused=True)` calls it, so the numbers are the same bit for bit
(tests/test_adam.py). Why not `torch.optim.Adam` itself: its `add_param_group`, `zero_grad` and
`step` are wrapped by `torch._disable_dynamo`, whose first call imports `torch._dynamo` — 0.85 s
of every process's first training step on this machine (benchmarks/bench_peer.py's start-up),
paid by every `train`, `sweep` point and app worker for nothing a step uses.

`state_dict()` / `load_state_dict()` use torch.optim's format (one parameter group, per-parameter
`step`, `exp_avg`, `exp_avg_sq`), so run files written with either load into the other. Devices
without the fused kernel (`fused_capable`) keep `torch.optim.Adam` (`trainer.make_optimizer`).
"""

from __future__ import annotations

from typing import Any

import torch

# torch.optim.Adam's param group for the settings used here (saved so torch.optim can load it)
_GROUP_DEFAULTS = {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False,
                   "maximize": False, "foreach": None, "capturable": False,
                   "differentiable": False, "fused": True, "decoupled_weight_decay": False}


def fused_capable(params: list[torch.Tensor]) -> bool:
    """Whether torch has the fused Adam kernel for every tensor's device (CPU and CUDA)."""
    return all(p.device.type in ("cpu", "cuda") for p in params)


class Adam:
    """Adam over one list of tensors (one parameter group); β₁, β₂ = 0.9, 0.999, ε = 1e-8, no
    weight decay: `torch.optim.Adam(params, lr, fused=True)`'s update and state format."""

    def __init__(self, params: list[torch.Tensor], lr: float):
        self.params = list(params)
        self.lr = float(lr)
        # per parameter (by position): {"step": [] float32, "exp_avg", "exp_avg_sq": like p}
        self.state: dict[int, dict[str, torch.Tensor]] = {}

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        """torch.optim's view of the settings (read by GradScaler.unscale_ and state_dict)."""
        return [{"params": self.params, "lr": self.lr, **_GROUP_DEFAULTS}]

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.detach_().zero_()

    def _state_of(self, i: int, p: torch.Tensor) -> dict[str, torch.Tensor]:
        s = self.state.get(i)
        if s is None:  # as torch.optim.Adam initialises it for fused=True
            s = self.state[i] = {
                "step": torch.zeros((), dtype=torch.float32, device=p.device),
                "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format)}
        return s

    @torch.no_grad()
    def step(self) -> None:
        """One Adam step of every tensor that has a gradient (the others keep their state)."""
        groups: dict[tuple, tuple[list, ...]] = {}  # (device, dtype) -> the kernel's lists
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            s = self._state_of(i, p)
            lists = groups.setdefault((p.device, p.dtype), ([], [], [], [], []))
            for lst, t in zip(lists, (p, p.grad, s["exp_avg"], s["exp_avg_sq"], s["step"]),
                              strict=True):
                lst.append(t)
        beta1, beta2 = _GROUP_DEFAULTS["betas"]
        for ps, grads, exp_avgs, exp_avg_sqs, steps in groups.values():
            torch._foreach_add_(steps, 1)
            torch._fused_adam_(ps, grads, exp_avgs, exp_avg_sqs, [], steps, amsgrad=False,
                               lr=self.lr, beta1=beta1, beta2=beta2, weight_decay=0.0,
                               eps=_GROUP_DEFAULTS["eps"], maximize=False, grad_scale=None,
                               found_inf=None)

    def state_dict(self) -> dict[str, Any]:
        """torch.optim's format: {"state": {i: {...}}, "param_groups": [{..., "params": [0..]}]}."""
        group = {k: v for k, v in self.param_groups[0].items() if k != "params"}
        return {"state": {i: dict(s) for i, s in self.state.items()},
                "param_groups": [{**group, "params": list(range(len(self.params)))}]}

    def load_state_dict(self, sd: dict[str, Any]) -> None:
        """Take a state from `state_dict()` or torch.optim.Adam's (checked beforehand by
        `run_checks`): moments cast to each parameter's dtype and device, steps float32 on it."""
        self.state = {}
        for i, s in sd["state"].items():
            p = self.params[int(i)]
            step = s["step"]
            step = (step.detach().clone() if isinstance(step, torch.Tensor)
                    else torch.tensor(float(step)))
            self.state[int(i)] = {
                "step": step.to(dtype=torch.float32, device=p.device).reshape(()),
                "exp_avg": s["exp_avg"].detach().to(dtype=p.dtype, device=p.device).clone(),
                "exp_avg_sq": s["exp_avg_sq"].detach().to(dtype=p.dtype,
                                                          device=p.device).clone()}
