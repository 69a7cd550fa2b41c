"""Predictions without the task identity (CL2/CL3), and task inference from predictive entropy
(the paper's HNET+ENT, section 2.3).

When the task identity is not given at test time, a method with task embeddings runs the input
through the network generated for every task seen so far, in ONE batched pass over the K
embeddings (`candidate_logits`: W [K, P] -> [K, B, O]), and trusts the one that is most certain:

    t̂(x) = argmin_t  H(softmax(f(x, f_h(e_t, θ_h))))        H(p) = −Σ_c p_c log p_c

unless the method has a task-inference model of its own (`method.task_probabilities`, HNET+R:
t̂(x) = argmax_t p(t | x)). It then predicts with network t̂: the local class c (CL2), or the
class t̂·O + c among every task's classes (CL3). Baselines infer nothing: in CL2 their one shared
head answers, in CL3 the argmax over the outputs of every task seen (the task is the class's).

    predict(trainer, x, seen) -> Inference        scores [B, K], inferred task [B], prediction [B]
    evaluate_inferred(trainer, tasks, seen)       per task: accuracy and task-inference accuracy
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .scenarios import scenario
from .target_kinds import activation_floats, forward_many

# per activation tensor [T, rows, width] of one chunk of test rows (1 MB: stays in cache; with
# 16 MB chunks the batched pass over 10 Permuted Digits networks took 2× a loop over them,
# with 1 MB chunks it matches the loop on many rows and beats it on few; bench_task_inference)
MAX_FLOATS = 2**18


@dataclass(frozen=True)
class Inference:
    """What a run predicts for test inputs x [B] without their task."""

    pred: torch.Tensor  # [B] int64: the label in the scenario's label space (CL3: t·O + c)
    task: torch.Tensor | None  # [B] int64 inferred task; None: the method infers none (CL2
    #                            baselines)
    scores: torch.Tensor | None  # [B, K] per candidate task: entropy (nats, lower = chosen) or
    #                              p(task | x) (higher = chosen); None for baselines
    kind: str | None  # "entropy" | "probability" | None: what `scores` hold


@torch.no_grad()
def predictive_entropy(logits: torch.Tensor) -> torch.Tensor:
    """[..., C] logits -> [...] entropy of the softmax (nats)."""
    logp = torch.log_softmax(logits, dim=-1)
    return -(logp.exp() * logp).sum(dim=-1)


@torch.no_grad()
def candidate_logits(target, weights: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The network generated for each of K tasks on the same inputs, each read at its own head
    (conv nets: with its own task's batch-norm statistics), in one batched pass:
    weights [K, P] (rows = tasks 0..K-1), x [B, in] -> [K, B, O]."""
    K = weights.shape[0]
    out = forward_many(target, weights, x, task=list(range(K)))  # [K, B, heads·O]
    n_heads, n_out = target.n_heads, target.out_dim
    if n_heads == 1:
        return out
    per_head = out.reshape(K, x.shape[0], n_heads, n_out)  # [K, B, heads, O]
    k = torch.arange(K, device=out.device)
    return per_head[k, :, k]  # [K, B, O]: network k at head k


@torch.no_grad()
def infer_tasks(target, weights: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """weights [T, P], x [B, in] -> (inferred task [B], local class under that task [B]).
    Network t is task t's: conv nets normalize with task t's batch-norm statistics."""
    heads = candidate_logits(target, weights, x)  # [T, B, C]
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


def _rows_per_chunk(trainer, k: int) -> int:
    """Test rows per batched pass so that one activation tensor [K, rows, width] stays within
    MAX_FLOATS."""
    return max(1, MAX_FLOATS // (max(1, k) * activation_floats(trainer.target)))


@torch.no_grad()
def predict(trainer, x: torch.Tensor, seen: int) -> Inference:
    """Predictions for inputs x [B, in] whose task is not given, among the first `seen` tasks,
    in the label space of the run's scenario (see the module docstring)."""
    scn = scenario(trainer.cfg.task.scenario)
    n_out = trainer.seq.out_dim
    method = trainer.method
    if not method.spec.has_embeddings:  # one set of weights; the scenario's heads answer
        # conv nets normalize with the last trained task's batch-norm statistics (the task of
        # the input is not known)
        out = forward_many(trainer.target, trainer.weights_for(0)[None], x,
                           task=seen - 1)[0]  # [B, heads·O]
        if scn.class_incremental:
            pred = out[:, :seen * n_out].argmax(dim=-1)  # [B] among every seen task's classes
            return Inference(pred, pred // n_out, None, None)
        return Inference(trainer.heads.logits(out, 0).argmax(dim=-1), None, None, None)
    W = torch.stack([trainer.weights_for(t) for t in range(seen)])  # [K, P]
    rows = _rows_per_chunk(trainer, seen)
    preds, tasks, scores = [], [], []
    kind = "entropy"
    for i in range(0, x.shape[0], rows):
        xb = x[i:i + rows]
        logits = candidate_logits(trainer.target, W, xb)  # [K, b, O]
        probs = method.task_probabilities(xb, seen)  # [b, K] or None
        if probs is None:
            score = predictive_entropy(logits).T  # [b, K]
            t_hat = score.argmin(dim=-1)
        else:
            score, kind = probs, "probability"
            t_hat = score.argmax(dim=-1)
        local = logits[t_hat, torch.arange(xb.shape[0], device=xb.device)].argmax(dim=-1)  # [b]
        preds.append(t_hat * n_out + local if scn.class_incremental else local)
        tasks.append(t_hat)
        scores.append(score)
    return Inference(torch.cat(preds), torch.cat(tasks), torch.cat(scores), kind)


def scenario_labels(trainer, y: torch.Tensor, t: int) -> torch.Tensor:
    """Task t's local labels y [B] in the scenario's label space (CL3: t·O + y)."""
    cl3 = scenario(trainer.cfg.task.scenario).class_incremental
    return y + t * trainer.seq.out_dim if cl3 else y


@torch.no_grad()
def evaluate_inferred(trainer, tasks, seen: int, split: str = "test"
                      ) -> tuple[list[float], list[float | None]]:
    """For each task j in `tasks`: (accuracy with the task inferred among the first `seen`,
    fraction of its inputs whose task was inferred right, None if the method infers none)."""
    accs: list[float] = []
    task_accs: list[float | None] = []
    for j in tasks:
        tk = trainer.seq.tasks[j]
        x, y = tk.inputs(split), (tk.y_test if split == "test" else tk.y_train)
        inf = predict(trainer, x, seen)
        accs.append((inf.pred == scenario_labels(trainer, y, j)).float().mean().item())
        task_accs.append(None if inf.task is None else (inf.task == j).float().mean().item())
    return accs, task_accs
