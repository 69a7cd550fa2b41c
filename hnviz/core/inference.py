"""Task inference from predictive entropy (the paper's HNET+ENT, section 3.2 / CL2-CL3).

When the task identity is not given at test time, run the input through the network generated for
every task and trust the one that is most certain:

    t̂(x) = argmin_t  H(softmax(f(x, f_h(e_t, θ_h))))        H(p) = −Σ_c p_c log p_c

then predict with task t̂'s head; the global class is class_offsets[t̂] + local class.
"""

from __future__ import annotations

import torch

from .target_kinds import activation_floats, forward_many

MAX_FLOATS = 2**22  # per activation tensor [T, rows, width] of one chunk of test rows (16 MB)


@torch.no_grad()
def predictive_entropy(logits: torch.Tensor) -> torch.Tensor:
    """[..., C] logits -> [...] entropy of the softmax (nats)."""
    logp = torch.log_softmax(logits, dim=-1)
    return -(logp.exp() * logp).sum(dim=-1)


@torch.no_grad()
def infer_tasks(target, weights: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """weights [T, P], x [B, in] -> (inferred task [B], local class under that task [B]).
    Network t is task t's: conv nets normalize with task t's batch-norm statistics."""
    T = weights.shape[0]
    out = forward_many(target, weights, x, task=list(range(T)))  # [T, B, heads*C]
    heads = torch.stack([target.head(out[t], t) for t in range(T)])  # [T, B, C]
    ent = predictive_entropy(heads)  # [T, B]
    t_hat = ent.argmin(dim=0)  # [B]
    local = heads[t_hat, torch.arange(x.shape[0], device=x.device)].argmax(dim=-1)  # [B]
    return t_hat, local


@torch.no_grad()
def entropy_task_inference(trainer) -> dict[str, float | list[float]]:
    """Accuracy without task identity on every task's test set: how often the task is inferred
    right (`task_acc`) and how often the global class is right (`acc`), overall and per task.
    Test rows go through the T networks in chunks, so activations stay within MAX_FLOATS."""
    seq = trainer.seq
    if seq.is_regression:
        raise ValueError("task inference from entropy needs a classification benchmark")
    W = torch.stack([trainer.weights_for(t) for t in range(seq.n_tasks)])  # [T, P]
    rows = max(1, MAX_FLOATS // (seq.n_tasks * activation_floats(trainer.target)))
    per_task_acc, per_task_tacc, n_tot, hit, thit = [], [], 0, 0, 0
    for t, tk in enumerate(seq.tasks):
        x = tk.x_test
        parts = [infer_tasks(trainer.target, W, x[i:i + rows]) for i in range(0, len(x), rows)]
        t_hat, local = torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
        offsets = torch.tensor(seq.class_offsets, device=t_hat.device)
        pred_global = offsets[t_hat] + local
        true_global = seq.class_offsets[t] + tk.y_test
        if seq.class_offsets[t] == 0 and all(o == 0 for o in seq.class_offsets):
            correct = (t_hat == t) & (local == tk.y_test)  # domain-incremental: task must match
        else:
            correct = pred_global == true_global
        per_task_acc.append(correct.float().mean().item())
        per_task_tacc.append((t_hat == t).float().mean().item())
        n_tot += tk.y_test.shape[0]
        hit += int(correct.sum())
        thit += int((t_hat == t).sum())
    return {"acc": hit / n_tot, "task_acc": thit / n_tot,
            "per_task_acc": per_task_acc, "per_task_task_acc": per_task_tacc}
