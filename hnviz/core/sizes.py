"""Sizes of a run from its config alone: parameter counts and a memory estimate, computed by
arithmetic (no network, no data is built), so limits can be checked before anything is allocated
and pages can show counts without building a model.

    target_widths(cfg) -> [in, *hidden, out·heads]   an MLP target's layer widths (its layout)
    target_params(cfg) -> P                           any target kind (conv: `conv_shapes`)
    param_counts(cfg)  -> ParamCounts                 target, generated, hypernet, compression
    memory_estimate(cfg) -> MemoryEstimate            bytes per part of a run, and the total

`param_counts` follows the layout of `target_kinds.build_target` (`targets.MLPTarget`, the conv
nets of `conv_targets` via `conv_shapes`) and `hnets.HyperNetwork`; `tests/test_limits.py` compares it with built models for every preset and
random configs, so a layout change that forgets this file fails there. The memory estimate is an
upper estimate of what one run allocates (see `memory_estimate`), not including the Python
interpreter and torch themselves (~300 MB per process).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import replay as replay_model
from .benchmarks import benchmark
from .config import RunConfig
from .conv_shapes import (
    conv_activation_floats,
    conv_activation_sum,
    conv_depth,
    conv_num_params,
    image_shape,
)
from .method_specs import method_spec
from .target_kinds import EVAL_FLOATS
from .target_kinds import n_heads as target_heads
from .trainer import FISHER_SAMPLES, LOG_EVERY, fisher_chunk

FLOAT = 4  # bytes of a float32
PY_FLOAT = 32  # bytes of one number in a history list (float object + list slot)
LOSS_ROW = 200  # bytes of one [step, loss, reg] row of history["loss"]
EVAL_REC = 250  # bytes of one evaluation record without its values
CONV_KEEP = 4  # copies of each feature map a conv net's training step keeps (conv, BN, ReLU, …)


@dataclass(frozen=True)
class ParamCounts:
    target: int  # parameters of the target network (all heads)
    hnet: int | None  # hypernet parameters incl. chunk and task embeddings; None: no hypernet
    compression: float | None  # hnet / target; < 1 is the compressive regime
    generated: int | None = None  # numbers the hypernet generates per task (its output [P])
    chunks: int | None = None  # chunked hypernet: chunks per generated vector
    # HNET+R's replay models: replay hypernet (incl. embeddings) + encoder + task classifier
    replay: int | None = None
    replay_generated: int | None = None  # the decoder's weights, generated per task


def _linear_params(widths: list[int]) -> int:
    """Weights and biases of the Linear stack widths[0] -> widths[1] -> ..."""
    return sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))


def n_tasks(cfg: RunConfig) -> int:
    """The number of tasks `cfg` trains (its benchmark's default when n_tasks is None)."""
    return benchmark(cfg.task.benchmark).n_tasks(cfg.task)


def n_heads(cfg: RunConfig) -> int:
    """Output heads of the target, as the scenario and the method have them
    (`scenarios.n_heads`, as the trainer builds it)."""
    return target_heads(cfg, n_tasks(cfg))


def target_widths(cfg: RunConfig) -> list[int]:
    """Layer widths of an MLP target [in_dim, *hidden, out_dim · heads]: one head of
    out_dim units each (`n_heads`, as `target_kinds.build_target`).
    Conv targets: [in_dim, out_dim · heads] (their layers are `conv_shapes`')."""
    b = benchmark(cfg.task.benchmark)
    if cfg.target.kind != "mlp":
        return [b.in_dim, b.out_dim * n_heads(cfg)]
    return [b.in_dim, *cfg.target.hidden, b.out_dim * n_heads(cfg)]


def target_params(cfg: RunConfig) -> int:
    """P, the target's parameter count: Σ (a·b + b) over `target_widths` (MLP), or the conv
    net's (`conv_shapes.conv_num_params`, batch-norm gains and shifts included)."""
    if cfg.target.kind == "mlp":
        return _linear_params(target_widths(cfg))
    b = benchmark(cfg.task.benchmark)
    return conv_num_params(cfg.target.kind, image_shape(b.input_shape), b.out_dim, n_heads(cfg))


def replay_counts(cfg: RunConfig) -> tuple[int, int, int]:
    """HNET+R's replay models: (trained parameters: replay hypernet incl. its embeddings, encoder
    and task classifier; decoder weights generated per task; replay hypernet chunks)."""
    r, b, T = cfg.replay, benchmark(cfg.task.benchmark), n_tasks(cfg)
    p_dec = _linear_params(replay_model.decoder_widths(r, b.in_dim))
    body, chunks = replay_hnet_widths(r, p_dec)
    hnet = (_linear_params(body) + (chunks * r.chunk_emb_dim if r.hnet_kind == "chunked" else 0)
            + T * r.emb_dim)
    own = (_linear_params(replay_model.encoder_widths(r, b.in_dim))
           + _linear_params(replay_model.classifier_widths(r, b.in_dim, T)))
    return hnet + own, p_dec, chunks


def replay_hnet_widths(r, p_dec: int) -> tuple[list[int], int]:
    """(layer widths of the replay hypernet's body, its chunks) for a decoder of p_dec weights:
    chunked [emb + chunk_emb, *hidden, chunk_size] × ⌈p_dec / chunk_size⌉, or the full MLP
    [emb, *hidden, p_dec] (1 chunk)."""
    if r.hnet_kind == "chunked":
        return ([r.emb_dim + r.chunk_emb_dim, *r.hnet_hidden, r.chunk_size],
                math.ceil(p_dec / r.chunk_size))
    return [r.emb_dim, *r.hnet_hidden, p_dec], 1


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

        target     P = Σ_layers (a·b + b) over target_widths(cfg) (conv: `target_params`)
        generated  the hypernet's output per task = P (it generates every target weight)
        hnet       θ_h (body, + ⌈P/chunk_size⌉ · chunk_emb_dim chunk embeddings) + T · emb_dim
        compression = hnet / target

    Equal to `targets.num_params(build_target(...))` and `hnets.count_params(method.hnet)` of the
    built run (tests/test_limits.py)."""
    p = target_params(cfg)
    if not method_spec(cfg.train.method).has_embeddings:
        return ParamCounts(p, None, None)
    generated = p
    widths, chunks = hnet_widths(cfg, generated)
    h = _linear_params(widths) + n_tasks(cfg) * cfg.hnet.emb_dim
    if cfg.hnet.kind == "chunked":
        h += chunks * cfg.hnet.chunk_emb_dim
    if method_spec(cfg.train.method).replay:
        rp, p_dec, _ = replay_counts(cfg)
        return ParamCounts(p, h, h / p, generated, chunks, rp, p_dec)
    return ParamCounts(p, h, h / p, generated, chunks)


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes by part: `kept` parts live for the whole run; `transient` ones exist one at a time
    (building the data, a training step, a Fisher, an evaluation, ...), so the peak is all kept
    parts plus the largest transient one."""

    kept: tuple[tuple[str, int], ...]  # (what, bytes), largest first
    transient: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        return sum(b for _, b in self.kept) + max((b for _, b in self.transient), default=0)

    @property
    def mb(self) -> float:
        return self.total / 2**20

    @property
    def parts(self) -> tuple[tuple[str, int], ...]:
        """Every part, largest first."""
        return tuple(sorted(self.kept + self.transient, key=lambda kv: -kv[1]))

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
    """What one run of `cfg` allocates at most (bytes), kept for the whole run:

    - task data: the benchmark's examples as float32 (`Benchmark.sizes`: a subset's rows), the
      uint8 copy of the data set's files, T permutations (permuted tasks share the data);
      generated data (regression): T · (n_train + n_test) rows
    - weights and Adam state: 4 copies (value, gradient, two moments) of what is trained, and the
      target module itself
    - HNET: the snapshot [T, P] of the output regularizer; EWC: anchors and Fishers [T, P]
      (online: [1, P]); SI: 5 vectors [P]; from scratch: each task's network [T, P]
    - history: loss rows, evaluation records, R, embedding trajectory (Python lists)

    and, one at a time (`MemoryEstimate.transient`): building the data (another copy of it); a
    training step (HNET: generated weights and hypernet activations for 1 + k tasks, k
    regularized per step, with gradients; else the target's activations, all seen tasks for
    joint training; conv nets: CONV_KEEP copies of every feature map per example); HNET's snapshot forward at the start of a task; EWC's per-sample gradients
    of the Fisher (~(layers + 1) × [500, P]); evaluating one task's test set; the JSON of the
    history when the run is saved. Not included: the Python process with torch (~0.6-0.8 GB).
    `benchmarks/bench_memory_estimate.py` compares it with measured runs."""
    b = benchmark(cfg.task.benchmark)
    spec = method_spec(cfg.train.method)
    T = n_tasks(cfg)
    tr = cfg.train
    counts = param_counts(cfg)
    P = counts.target
    widths = target_widths(cfg)
    conv = None if cfg.target.kind == "mlp" else image_shape(b.input_shape)
    widest_pair = max(a + c for a, c in zip(widths[:-1], widths[1:]))
    kept: dict[str, int] = {}
    transient: dict[str, int] = {}

    n_train, n_test, raw = b.sizes(cfg.task)
    if n_train == 0:  # generated per task
        rows_train, rows_test = cfg.task.n_train, cfg.task.n_test
        kept["task data"] = T * (rows_train + rows_test) * (b.in_dim + 1) * FLOAT
    else:
        rows_train, rows_test = n_train, n_test
        n = n_train + n_test
        copy = n * (b.in_dim * FLOAT + 8)
        kept["task data"] = copy + T * b.in_dim * 8 + raw
        transient["building the data (a second copy)"] = copy

    if spec.has_embeddings:
        G, C = counts.generated, counts.chunks
        body, _ = hnet_widths(cfg, G)
        # what autograd keeps per generated vector: the body's input, each hidden layer's linear
        # and activation outputs, the output [G]
        hidden_per_net = C * (body[0] + 2 * sum(body[1:-1])) + G
        kept["weights and Adam state"] = (4 * counts.hnet + P) * FLOAT
        kept[f"HNET snapshot [{T}, {G}]"] = T * G * FLOAT
        k = T - 1 if tr.reg_tasks <= 0 or tr.lookahead else min(tr.reg_tasks, T - 1)
        step = 3 * (1 + k) * hidden_per_net * FLOAT
        if tr.lookahead:
            step += 3 * (T - 1) * hidden_per_net * FLOAT
        transient["HNET step (generated weights, activations, gradients)"] = step
        transient["HNET snapshot forward"] = (T - 1) * (C * max(body[1:]) + G) * FLOAT
    else:
        kept["weights and Adam state"] = 5 * P * FLOAT
    if spec.replay:  # HNET+R: replay hypernet, encoder, classifier, old decoders, replay step
        r = cfg.replay
        rp, p_dec, r_chunks = replay_counts(cfg)
        kept["replay models and Adam state"] = 4 * rp * FLOAT
        kept[f"replay snapshot [{T}, {p_dec}] and classifier snapshot"] = (
            (T * p_dec + rp) * FLOAT)
        k = T - 1 if tr.reg_tasks <= 0 else min(tr.reg_tasks, T - 1)
        r_body, _ = replay_hnet_widths(r, p_dec)
        r_net = r_chunks * (r_body[0] + 2 * sum(r_body[1:-1])) + p_dec
        rows = min(tr.batch_size, rows_train) + r.batch + T
        nets = (sum(replay_model.decoder_widths(r, b.in_dim))
                + sum(replay_model.encoder_widths(r, b.in_dim))
                + 2 * sum(replay_model.classifier_widths(r, b.in_dim, T)))
        transient["HNET step (generated weights, activations, gradients)"] = (
            transient["HNET step (generated weights, activations, gradients)"]
            + 3 * (1 + k) * r_net * FLOAT + 3 * rows * nets * FLOAT)
        transient["replay snapshot forward"] = T * (r_chunks * max(r_body[1:]) + p_dec) * FLOAT
    if spec.needs_fisher:
        rows = 1 if tr.method == "online-ewc" else T
        kept[f"EWC anchors and Fishers [{rows}, {P}]"] = 2 * rows * P * FLOAT
        # vmap(grad) of the flat [P] vector: each layer's per-sample gradient is scattered into
        # an [N, P] of its own before they are summed (measured: ~(layers + 1) × [N, P])
        samples = min(FISHER_SAMPLES, rows_train)
        if conv is None:  # all at once, or in chunks of samples where that does not fit
            layers = len(widths)
            samples = min(samples, fisher_chunk(P, layers - 1))
        else:  # in chunks of samples (trainer.fisher_chunk)
            layers = conv_depth(cfg.target.kind) + 1
            samples = min(samples, fisher_chunk(P, conv_depth(cfg.target.kind)))
        transient["Fisher per-sample gradients"] = layers * samples * P * FLOAT
    if tr.method == "si":
        kept["SI buffers"] = 5 * P * FLOAT
    if tr.method == "scratch":
        kept[f"from-scratch networks [{T}, {P}]"] = T * P * FLOAT
    batch = min(tr.batch_size, rows_train)
    if conv is None:
        per_batch = batch * sum(widths) * 3 * FLOAT
        transient["evaluation activations"] = rows_test * widest_pair * FLOAT
    else:  # every feature map kept for backward: conv and batch-norm outputs, masks
        per_batch = batch * conv_activation_sum(cfg.target.kind, conv) * CONV_KEEP * FLOAT
        largest = conv_activation_floats(cfg.target.kind, conv)
        rows = min(rows_test, max(1, EVAL_FLOATS // largest))  # evaluated in chunks of rows
        transient["evaluation activations"] = rows * largest * CONV_KEEP * FLOAT
    transient["training activations"] = per_batch * (T if spec.joint else 1)
    if cfg.task.scenario != "cl1" and spec.has_embeddings:  # every seen task's network at once
        from .inference import MAX_FLOATS

        transient["evaluation activations"] = max(
            transient["evaluation activations"],
            2 * MAX_FLOATS * FLOAT + T * counts.generated * FLOAT)

    evals_per_task = math.ceil(tr.iters_per_task / tr.eval_every)
    n_evals = T * evals_per_task
    history = (T * tr.iters_per_task // LOG_EVERY + T) * LOSS_ROW
    history += n_evals * EVAL_REC + evals_per_task * (T * (T + 1) // 2) * PY_FLOAT
    history += (T * T + T) * PY_FLOAT  # R and R0
    if cfg.task.scenario != "cl1":
        history += 2 * T * T * PY_FLOAT  # R_given and R_task
    if spec.has_embeddings:
        history += n_evals * (EVAL_REC + cfg.hnet.emb_dim * PY_FLOAT)
    kept["history"] = history
    transient["saving the run (history as JSON)"] = history

    def ordered(d: dict[str, int]) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(d.items(), key=lambda kv: -kv[1]))

    return MemoryEstimate(ordered(kept), ordered(transient))
