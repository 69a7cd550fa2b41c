"""What the network generated at an embedding does: e -> W = f_h(e, θ_h) -> metrics / functions.

Everything here is batched over K embeddings at once:

    emb [K, D] --hnet--> W [K, P] --target_kinds.forward_many(target, W, x)--> [K, B, heads·out]

in chunks of at most `max_floats` numbers per intermediate tensor, so a 100×100 grid of networks
stays within a few tens of MB. `evaluate_embeddings_loop` is the one-network-at-a-time reference
the tests and the benchmark compare against.

Conv targets (batch norm with per-task statistics) are scored task by task: the network generated
at an embedding is evaluated on task t's test set with task t's statistics, as the run evaluates
its own networks. One batch of several tasks' inputs would mix their statistics. A conv net costs
10⁴-10⁵ × an MLP per input, so each task is scored on its first CONV_ROWS test images (an
estimate; exactly R[last, t] at e_t when the test set is no larger): a 16×16 landscape of
ResNet-32 on 6 tasks is then ~7·10¹² FLOP instead of ~2·10¹⁴ on the reduced CIFAR's 6000 test
images.
"""

from __future__ import annotations

import numpy as np
import torch

from hnviz.core.target_kinds import (
    activation_floats,
    evaluate_head,
    forward,
    forward_many,
    is_conv,
    macs,
)
from hnviz.core.threads import threads

MAX_FLOATS = 2**20  # per intermediate tensor of one chunk (4 MB of float32: stays in cache)
CONV_ROWS = 32  # conv targets: test images per task that score a generated network


def task_embeddings(trainer) -> np.ndarray:
    """Learned task embeddings e_t as float32 [T, D] (a copy: the model is not touched)."""
    return trainer.method.embeddings().detach().float().cpu().numpy().copy()


def _as_tensor(embs, device: torch.device | None = None) -> torch.Tensor:
    return torch.as_tensor(np.asarray(embs), dtype=torch.float32, device=device)


def _device(trainer) -> torch.device:
    """Where the run computes (its data's device; the CPU unless trained elsewhere)."""
    return trainer.seq.tasks[0].y_test.device


@torch.no_grad()
def generate_weights(trainer, embs) -> torch.Tensor:
    """emb [K, D] -> generated target weights W [K, P] (float32)."""
    return trainer.method.generate(_as_tensor(embs, _device(trainer)))


def _test_batch(trainer) -> tuple[torch.Tensor, list[tuple[int, int]]]:
    """All tasks' test inputs concatenated [B_all, in] and each task's (start, stop) rows."""
    xs, spans, i = [], [], 0
    for tk in trainer.seq.tasks:
        xs.append(tk.x_test)
        spans.append((i, i + tk.x_test.shape[0]))
        i += tk.x_test.shape[0]
    return torch.cat(xs), spans


def chunk_size(trainer, n_rows: int, max_floats: int = MAX_FLOATS) -> int:
    """Networks per chunk so neither W [k, P] nor an activation [k, B, width] exceeds max_floats."""
    per_net = max(trainer.target_params, n_rows * activation_floats(trainer.target))
    return max(1, max_floats // per_net)


def _metrics(trainer, out: torch.Tensor, spans, tasks) -> torch.Tensor:
    """out [k, B_all, heads·out] -> metric [k, T] (accuracy, or MSE for regression)."""
    cols = []
    for t in tasks:
        s, e = spans[t]
        o = trainer.target.head(out[:, s:e], t)  # [k, B_t, out]
        y = trainer.seq.tasks[t].y_test  # [B_t] int64 | [B_t, 1]
        if trainer.seq.is_regression:
            cols.append((o - y).pow(2).mean(dim=(1, 2)))
        else:
            cols.append((o.argmax(dim=-1) == y).float().mean(dim=1))
    return torch.stack(cols, dim=1)


@torch.no_grad()
def evaluate_embeddings(trainer, embs, max_floats: int = MAX_FLOATS) -> np.ndarray:
    """Metric of the network generated at each embedding on every task's test set: [K, T].

    Batched: per chunk of k embeddings one hypernet call (W [k, P]) and one target call on all
    tasks' test inputs at once ([k, B_all, heads·out]); task t is scored with head t."""
    e = _as_tensor(embs, _device(trainer))  # [K, D]
    if is_conv(trainer.target):
        return _evaluate_per_task(trainer, e, max_floats)
    x, spans = _test_batch(trainer)  # [B_all, in]
    tasks = range(trainer.n_tasks)
    k = chunk_size(trainer, x.shape[0], max_floats)
    parts = []
    # A big grid is a few GFLOP of batched matmuls: worth all cores (training keeps one thread).
    n_threads = None if e.shape[0] * trainer.target_params * x.shape[0] > 10**9 else 1
    with threads(n_threads):
        for i in range(0, e.shape[0], k):
            W = generate_weights(trainer, e[i:i + k])  # [k, P]
            parts.append(_metrics(trainer, forward(trainer.target, W, x), spans, tasks))
    if not parts:
        return np.zeros((0, trainer.n_tasks), dtype=np.float32)
    return torch.cat(parts).cpu().numpy()


def _evaluate_per_task(trainer, e: torch.Tensor, max_floats: int) -> np.ndarray:
    """Conv targets: [K, T], task t scored on its first CONV_ROWS test images with its own
    batch-norm statistics; per chunk of embeddings one hypernet call (W [k, P])."""
    tasks = trainer.seq.tasks
    k = max(1, max_floats // trainer.target_params)
    parts = []
    for i in range(0, e.shape[0], k):
        W = generate_weights(trainer, e[i:i + k])  # [k, P]
        cols = []
        for t, tk in enumerate(tasks):
            x, y = tk.x_test[:CONV_ROWS], tk.y_test[:CONV_ROWS]
            o = trainer.target.head(forward_many(trainer.target, W, x, task=t), t)
            cols.append((o.argmax(dim=-1) == y).float().mean(dim=1))  # [k]
        parts.append(torch.stack(cols, dim=1))
    if not parts:
        return np.zeros((0, trainer.n_tasks), dtype=np.float32)
    return torch.cat(parts).cpu().numpy()


@torch.no_grad()
def evaluate_embeddings_loop(trainer, embs) -> np.ndarray:
    """Reference for `evaluate_embeddings`: one network and one task at a time (the trainer's
    own evaluation). [K, T]."""
    cap = CONV_ROWS if is_conv(trainer.target) else None
    out = np.zeros((len(embs), trainer.n_tasks), dtype=np.float32)
    for i, e in enumerate(_as_tensor(embs, _device(trainer))):
        w = trainer.method.generate(e)  # [P]
        for t, tk in enumerate(trainer.seq.tasks):
            x, y = tk.x_test[:cap], tk.y_test[:cap]
            out[i, t] = trainer.metric(evaluate_head(trainer.target, w, x, t), y)  # [B_t, out]
    return out


def regression_inputs(trainer, n_points: int = 100, pad: float = 0.0) -> np.ndarray:
    """Dense x grid per task over its input range (± pad · width): [T, X] float32."""
    rows = []
    for tk in trainer.seq.tasks:
        lo, hi = float(tk.x_train.min()), float(tk.x_train.max())
        lo, hi = min(lo, float(tk.x_test.min())), max(hi, float(tk.x_test.max()))
        w = hi - lo
        rows.append(np.linspace(lo - pad * w, hi + pad * w, n_points))
    return np.asarray(rows, dtype=np.float32)


@torch.no_grad()
def regression_curves(trainer, embs, xs: np.ndarray) -> np.ndarray:
    """Functions of the generated networks, task t's head on task t's inputs.

    embs [K, D], xs [T, X] -> y [K, T, X] float32 (regression runs only)."""
    W = generate_weights(trainer, embs)  # [K, P]
    x = torch.as_tensor(xs, dtype=torch.float32, device=W.device)  # [T, X]
    flat = x.reshape(-1, 1)  # [T·X, 1]
    out = forward(trainer.target, W, flat)  # [K, T·X, heads]
    T, X = x.shape
    ys = [trainer.target.head(out[:, t * X:(t + 1) * X], t)[..., 0] for t in range(T)]  # [K, X]
    return torch.stack(ys, dim=1).cpu().numpy()


@torch.no_grad()
def task_functions(trainer, xs) -> np.ndarray:
    """Each task's own network (the weights the run uses for task t, any method) on x grids,
    read from task t's head: xs [T, G] -> y [T, G] float32 (regression runs only)."""
    x = torch.as_tensor(np.asarray(xs), dtype=torch.float32, device=_device(trainer))  # [T, G]
    ys = [trainer.target.head(forward(trainer.target, trainer.weights_for(t), x[t, :, None]), t)
          for t in range(x.shape[0])]  # each [G, 1]
    return torch.stack(ys)[..., 0].cpu().numpy()


def flops_per_network(trainer) -> float:
    """Multiply-adds × 2 to score one generated network on every task's test set."""
    cap = CONV_ROWS if is_conv(trainer.target) else None
    rows = sum(tk.x_test[:cap].shape[0] for tk in trainer.seq.tasks)
    return 2.0 * macs(trainer.target) * rows  # macs: per input row
