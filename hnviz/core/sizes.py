"""Sizes of a run from its config alone: parameter counts and a memory estimate, computed by
arithmetic (no network, no data is built), so limits can be checked before anything is allocated
and pages can show counts without building a model.

    target_widths(cfg) -> [in, *hidden, out·heads]   the target's layer widths (its layout)
    param_counts(cfg)  -> ParamCounts                 target, generated, hypernet, compression
    memory_estimate(cfg) -> MemoryEstimate            bytes per part of a run, and the total

`param_counts` follows the layout of `trainer.build_target` (`targets.MLPTarget`) and
`hnets.HyperNetwork`; `tests/test_limits.py` compares it with built models for every preset and
random configs, so a layout change that forgets this file fails there. The memory estimate is an
upper estimate of what one run allocates (see `memory_estimate`), not including the Python
interpreter and torch themselves (~300 MB per process).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .benchmarks import benchmark
from .config import RunConfig
from .method_specs import method_spec

FLOAT = 4  # bytes of a float32
PY_FLOAT = 32  # bytes of one number in a history list (float object + list slot)
LOSS_ROW = 200  # bytes of one [step, loss, reg] row of history["loss"]
EVAL_REC = 250  # bytes of one evaluation record without its values
FISHER_SAMPLES = 500  # trainer._fisher: per-sample gradients of at most this many examples
LOG_EVERY = 5  # trainer.LOG_EVERY (a loss row every 5 steps)


@dataclass(frozen=True)
class ParamCounts:
    target: int  # parameters of the target network (all heads)
    hnet: int | None  # hypernet parameters incl. chunk and task embeddings; None: no hypernet
    compression: float | None  # hnet / target; < 1 is the compressive regime
    generated: int | None = None  # numbers the hypernet generates per task (its output [P])
    chunks: int | None = None  # chunked hypernet: chunks per generated vector


def _linear_params(widths: list[int]) -> int:
    """Weights and biases of the Linear stack widths[0] -> widths[1] -> ..."""
    return sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))


def n_tasks(cfg: RunConfig) -> int:
    """The number of tasks `cfg` trains (its benchmark's default when n_tasks is None)."""
    return benchmark(cfg.task.benchmark).n_tasks(cfg.task)


def target_widths(cfg: RunConfig) -> list[int]:
    """Layer widths of the target network [in_dim, *hidden, out_dim · heads]: one head of
    out_dim units per task when `train.multi_head`, else one (as `trainer.build_target`)."""
    b = benchmark(cfg.task.benchmark)
    heads = n_tasks(cfg) if cfg.train.multi_head else 1
    return [b.in_dim, *cfg.target.hidden, b.out_dim * heads]


def hnet_widths(cfg: RunConfig, generated: int) -> tuple[list[int], int]:
    """(layer widths of the hypernet body, number of chunks) for a generated vector of
    `generated` numbers: chunked [emb + chunk_emb, *hidden, chunk_size] × ⌈P / chunk_size⌉
    chunks, or the full MLP [emb, *hidden, P] (1 "chunk")."""
    h = cfg.hnet
    if h.kind == "chunked":
        return [h.emb_dim + h.chunk_emb_dim, *h.hidden, h.chunk_size], math.ceil(
            generated / h.chunk_size)
    return [h.emb_dim, *h.hidden, generated], 1


def param_counts(cfg: RunConfig) -> ParamCounts:
    """Parameter counts of the run `cfg` describes, by arithmetic on its config and the benchmark
    registry's in_dim / out_dim:

        target     P = Σ_layers (a·b + b) over target_widths(cfg)
        generated  the hypernet's output per task = P (it generates every target weight)
        hnet       θ_h (body, + ⌈P/chunk_size⌉ · chunk_emb_dim chunk embeddings) + T · emb_dim
        compression = hnet / target

    Equal to `targets.num_params(build_target(...))` and `hnets.count_params(method.hnet)` of the
    built run (tests/test_limits.py)."""
    p = _linear_params(target_widths(cfg))
    if not method_spec(cfg.train.method).has_embeddings:
        return ParamCounts(p, None, None)
    generated = p
    widths, chunks = hnet_widths(cfg, generated)
    h = _linear_params(widths) + n_tasks(cfg) * cfg.hnet.emb_dim
    if cfg.hnet.kind == "chunked":
        h += chunks * cfg.hnet.chunk_emb_dim
    return ParamCounts(p, h, h / p, generated, chunks)


@dataclass(frozen=True)
class MemoryEstimate:
    parts: tuple[tuple[str, int], ...]  # (what, bytes), largest first

    @property
    def total(self) -> int:
        return sum(b for _, b in self.parts)

    @property
    def mb(self) -> float:
        return self.total / 2**20

    def largest(self) -> tuple[str, int]:
        return self.parts[0]


def format_bytes(n: float) -> str:
    """1536 -> '1.5 KB', 3.3e9 -> '3.1 GB' (binary units)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover


def memory_estimate(cfg: RunConfig) -> MemoryEstimate:
    """What one run of `cfg` allocates at most, by part (bytes):

    - task data: the benchmark's examples as float32 (twice: the base tensors and the per-task
      subsets made from them), the uint8 copy of a torchvision data set, T permutations;
      generated data (regression): T · (n_train + n_test) rows
    - weights and Adam state: 4 copies (value, gradient, two moments) of what is trained, and the
      target module itself
    - HNET: the snapshot [T, P] of the output regularizer, one step's generated weights and
      hypernet activations for 1 + k tasks (k regularized per step) with gradients, the
      snapshot's own forward at the start of a task; EWC: anchors and Fishers [T, P] (online:
      [1, P]) and the per-sample gradients [500, P] of the Fisher; SI: 5 vectors [P]
    - activations of a training step (all seen tasks for joint training) and of evaluating one
      task's test set
    - history: loss rows, evaluation records, R, embedding trajectory (Python lists), twice (the
      JSON text written when the run is saved)
    """
    b = benchmark(cfg.task.benchmark)
    spec = method_spec(cfg.train.method)
    T = n_tasks(cfg)
    tr = cfg.train
    counts = param_counts(cfg)
    P = counts.target
    widths = target_widths(cfg)
    widest_pair = max(a + c for a, c in zip(widths[:-1], widths[1:]))
    parts: dict[str, int] = {}

    n_train, n_test = b.examples
    if n_train == 0:  # generated per task
        rows_train, rows_test = cfg.task.n_train, cfg.task.n_test
        parts["task data"] = T * (rows_train + rows_test) * (b.in_dim + 1) * FLOAT
    else:
        rows_train, rows_test = n_train, n_test
        n = n_train + n_test
        parts["task data"] = (2 * n * (b.in_dim * FLOAT + 8) + T * b.in_dim * 8
                              + (n * b.in_dim if b.dataset is not None else 0))

    if spec.has_embeddings:
        G, C = counts.generated, counts.chunks
        body, _ = hnet_widths(cfg, G)
        hidden_per_net = C * sum(body[1:-1]) + G  # activations of one generated vector
        parts["weights and Adam state"] = (4 * counts.hnet + P) * FLOAT
        parts[f"HNET snapshot [{T}, {G}]"] = T * G * FLOAT
        k = T - 1 if tr.reg_tasks <= 0 or tr.lookahead else min(tr.reg_tasks, T - 1)
        step = 3 * (1 + k) * hidden_per_net * FLOAT
        if tr.lookahead:
            step += 3 * (T - 1) * hidden_per_net * FLOAT
        parts["HNET step (generated weights, activations, gradients)"] = step
        parts["HNET snapshot forward"] = (T - 1) * (C * max(body[1:]) + G) * FLOAT
    else:
        parts["weights and Adam state"] = 5 * P * FLOAT
    if spec.needs_fisher:
        rows = 1 if tr.method == "online-ewc" else T
        parts[f"EWC anchors and Fishers [{rows}, {P}]"] = 2 * rows * P * FLOAT
        parts["Fisher per-sample gradients"] = 2 * min(FISHER_SAMPLES, rows_train) * P * FLOAT
    if tr.method == "si":
        parts["SI buffers"] = 5 * P * FLOAT
    per_batch = min(tr.batch_size, rows_train) * sum(widths) * 3 * FLOAT
    parts["training activations"] = per_batch * (T if spec.joint else 1)
    parts["evaluation activations"] = rows_test * widest_pair * FLOAT

    evals_per_task = math.ceil(tr.iters_per_task / tr.eval_every)
    n_evals = T * evals_per_task
    history = (T * tr.iters_per_task // LOG_EVERY + T) * LOSS_ROW
    history += n_evals * EVAL_REC + evals_per_task * (T * (T + 1) // 2) * PY_FLOAT
    history += (T * T + T) * PY_FLOAT  # R and R0
    if spec.has_embeddings:
        history += n_evals * (EVAL_REC + cfg.hnet.emb_dim * PY_FLOAT)
    parts["history (lists and saved JSON)"] = 2 * history
    return MemoryEstimate(tuple(sorted(parts.items(), key=lambda kv: -kv[1])))
