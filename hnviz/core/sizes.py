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
    conv_macs,
    conv_num_params,
    image_shape,
)
from .evaluation import LOG_EVERY
from .hnets import CALIBRATION_PROBES as PROBES
from .inference import MAX_FLOATS
from .method_specs import method_spec
from .methods import FISHER_SAMPLES, fisher_chunk
from .scenarios import n_heads as scenario_heads
from .scenarios import scenario
from .target_kinds import EVAL_FLOATS

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
    return scenario_heads(cfg, method_spec(cfg.train.method).has_embeddings, n_tasks(cfg))


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


def _peak_pair(widths: list[int]) -> int:
    """The most floats per row a Linear/activation stack over `widths` holds at once besides
    its input: a layer's input and output (a + b), an activation's (2 · h)."""
    hidden = widths[1:-1]
    pairs = [a + b for a, b in zip(widths[1:-1], widths[2:])] + [2 * h for h in hidden]
    return max(pairs + [widths[1]])


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

    Equal to `targets.num_params(build_target(...))` and `hnets.count_params` of the method's
    hypernet in the built run (tests/test_limits.py)."""
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


# What the allocator holds beyond the parts: freed blocks it keeps, page granularity, small
# objects (measured peaks: benchmarks/bench_estimates.py)
SLACK = 1.05
SLACK_BYTES = 16 * 2**20


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes by part: `kept` parts live for the whole run; `transient` ones exist one at a time
    while it trains (a training step, a snapshot forward, a Fisher, an evaluation, ...), so its
    peak is all kept parts plus the largest transient one. `building` parts exist one at a time
    while the run is built, beside only the task data and the weights (`building_base`):
    the peak is the larger of the two, plus SLACK for the allocator."""

    kept: tuple[tuple[str, int], ...]  # (what, bytes), largest first
    transient: tuple[tuple[str, int], ...]
    saved: int = 0  # bytes of the kept tensors a run file holds (all but task data, history)
    building: tuple[tuple[str, int], ...] = ()
    building_base: int = 0  # what exists while the run is built: task data, weights

    @property
    def total(self) -> int:
        training = sum(b for _, b in self.kept) + max((b for _, b in self.transient), default=0)
        build = self.building_base + max((b for _, b in self.building), default=0)
        return int(max(training, build) * SLACK) + SLACK_BYTES

    @property
    def mb(self) -> float:
        return self.total / 2**20

    @property
    def parts(self) -> tuple[tuple[str, int], ...]:
        """Every part, largest first."""
        return tuple(sorted(self.kept + self.transient + self.building, key=lambda kv: -kv[1]))

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
    `benchmarks/bench_estimates.py` compares it with measured runs."""
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
    building: dict[str, int] = {}

    n_train, n_test, raw = b.sizes(cfg.task)
    if n_train == 0:  # generated per task
        rows_train, rows_test = cfg.task.n_train, cfg.task.n_test
        kept["task data"] = T * (rows_train + rows_test) * (b.in_dim + 1) * FLOAT
    else:
        rows_train, rows_test = n_train, n_test
        n = n_train + n_test
        copy = n * (b.in_dim * FLOAT + 8)
        kept["task data"] = copy + T * b.in_dim * 8 + raw
        # the files' bytes while they are parsed (raw), and the tasks' own copies unless
        # they share the data (permuted benchmarks)
        building["building the data (a second copy)"] = raw + (0 if b.shares_data else copy)

    if spec.has_embeddings:
        G, C = counts.generated, counts.chunks
        body, _ = hnet_widths(cfg, G)
        # what autograd keeps per generated vector: the body's input, each hidden layer's linear
        # and activation outputs, the output [G]
        hidden_per_net = C * (body[0] + 2 * sum(body[1:-1])) + G
        kept["weights and Adam state"] = (4 * counts.hnet + P) * FLOAT
        kept[f"HNET snapshot [{T}, {G}]"] = T * G * FLOAT
        if tr.reg_choice == "chunks" and cfg.hnet.kind == "chunked":  # its chunk rows, padded
            kept["HNET snapshot in chunk rows"] = T * C * cfg.hnet.chunk_size * FLOAT
        k = T - 1 if tr.reg_tasks <= 0 or tr.lookahead else min(tr.reg_tasks, T - 1)
        step = 3 * (1 + k) * hidden_per_net * FLOAT
        if tr.lookahead:
            step += 3 * (T - 1) * hidden_per_net * FLOAT
        transient["HNET step (generated weights, activations, gradients)"] = step
        # no autograd, but every layer's input and output exist together, the body's input
        # throughout; the previous snapshot [T-2, G] lives until the new one replaces it
        scale = G if conv is not None else 0  # w * out_scale: one more [T-1, G]
        # building: the output scale is calibrated on PROBES random embeddings in one forward
        # (hnets.calibrate_output_scale; conv targets: one [PROBES, G] division more)
        building["hypernet output-scale calibration"] = (
            PROBES * (C * (body[0] + _peak_pair(body)) + scale)) * FLOAT
        transient["HNET snapshot forward"] = (
            (T - 1) * (C * (body[0] + _peak_pair(body)) + scale) + max(0, T - 2) * G) * FLOAT
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
        rows = 1 if spec.online else T
        kept[f"EWC anchors and Fishers [{rows}, {P}]"] = 2 * rows * P * FLOAT
        if rows > 1:  # torch.cat adds a task's row: the old buffer and the new one at once
            transient[f"adding a row to [{T}, {P}]"] = T * P * FLOAT
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
    if spec.path_integral:
        kept["SI buffers"] = 5 * P * FLOAT
    if spec.task_networks:
        kept[f"from-scratch networks [{T}, {P}]"] = T * P * FLOAT
        transient[f"adding a row to [{T}, {P}]"] = T * P * FLOAT
    batch = min(tr.batch_size, rows_train)
    if conv is None:
        # kept for backward per batch: the input and ~1.6 copies of each hidden layer (its
        # activation, and part of its pre-activation: measured 1.25-1.7); the logits, the
        # backward's own temporaries (3 × the widest pair) once per step
        per_batch = int(batch * (widths[0] + 1.6 * sum(widths[1:-1]))) * FLOAT
        backward = batch * (3 * widest_pair + widths[-1]) * FLOAT
        if spec.joint:  # one batch of every seen task at once: the backward's gradient buffers
            # grow with them (measured: about half an [T·batch, widest] beside the activations)
            backward = max(backward, T * batch * max(widths[1:]) * FLOAT // 2)
        transient["evaluation activations"] = rows_test * widest_pair * FLOAT
    else:  # every feature map kept for backward: conv and batch-norm outputs, masks
        per_batch = batch * conv_activation_sum(cfg.target.kind, conv) * CONV_KEEP * FLOAT
        backward = 0
        largest = conv_activation_floats(cfg.target.kind, conv)
        rows = min(rows_test, max(1, EVAL_FLOATS // largest))  # evaluated in chunks of rows
        transient["evaluation activations"] = rows * largest * CONV_KEEP * FLOAT
    # + the flat weight vector's gradient: one part per layer, then their concatenation
    transient["training activations"] = (per_batch * (T if spec.joint else 1) + backward
                                         + 3 * P * FLOAT)
    if spec.path_integral:  # the task loss's own gradient and the penalty's temporaries [P]
        transient["training activations"] += 3 * P * FLOAT
    if spec.needs_fisher:  # EWC's penalty over [T', P] rows (the last task: T - 1; online: 1):
        # w − anchors, its square, F · (…)² forward and [T', P] gradients in backward (measured
        # 4.1-4.4 × [T', P] at 50 tasks, counted as 5; it used to hide under the MLP Fisher of
        # all samples at once)
        pen_rows = 1 if spec.online else max(1, T - 1)
        transient["training activations"] += 5 * pen_rows * P * FLOAT
    given = scenario(cfg.task.scenario).task_given
    if not given and spec.has_embeddings:  # every seen task's network at once
        transient["evaluation activations"] = max(
            transient["evaluation activations"],
            2 * MAX_FLOATS * FLOAT + T * counts.generated * FLOAT)

    evals_per_task = math.ceil(tr.iters_per_task / tr.eval_every)
    n_evals = T * evals_per_task
    history = (T * tr.iters_per_task // LOG_EVERY + T) * LOSS_ROW
    history += n_evals * EVAL_REC + evals_per_task * (T * (T + 1) // 2) * PY_FLOAT
    history += (T * T + T) * PY_FLOAT  # R and R0
    if not given:
        history += 2 * T * T * PY_FLOAT  # R_given and R_task
    if spec.has_embeddings:
        history += n_evals * (EVAL_REC + cfg.hnet.emb_dim * PY_FLOAT)
    kept["history"] = history
    transient["saving the run (history as JSON)"] = history

    def ordered(d: dict[str, int]) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(d.items(), key=lambda kv: -kv[1]))

    saved = sum(v for k, v in kept.items() if k not in ("task data", "history"))
    weights = (counts.hnet or 0) + P + (counts.replay or 0)  # built, not yet trained
    return MemoryEstimate(ordered(kept), ordered(transient), saved, ordered(building),
                          kept["task data"] + weights * FLOAT)


SAVED_SLACK = 2**20  # scalars, embeddings, batch-norm statistics: below a megabyte


def file_tensor_bytes(cfg: RunConfig) -> int:
    """The most bytes of tensors a run file of `cfg` holds (weights, optimizer moments, the
    snapshots and Fishers that grow with tasks), from `memory_estimate`'s kept parts: what a
    file's declared storages are checked against before they are read (`run_checks`)."""
    return memory_estimate(cfg).saved + SAVED_SLACK


def history_bytes(cfg: RunConfig) -> int:
    """The most bytes the history of a run of `cfg` takes as Python lists (`memory_estimate`'s
    "history" part); its JSON in a run file is shorter (≤ 24 characters per number against
    ≥ 32 bytes), so this bounds the JSON's length too."""
    return dict(memory_estimate(cfg).kept)["history"]


# One CPU core (torch with one intra-op thread, as every hnviz process trains), calibrated by
# benchmarks/bench_estimates.py against each configuration's median step measured as CPU time on
# one thread (wall time on the shared 2-core development machine swung 0.3-4x with its load), so
# that the estimate is at or above every measured step: seconds per multiply-add of a matrix
# product (MLP layers, hypernets, replay models), per multiply-add of a convolution (oneDNN's
# convolutions reach under half the matrix product's rate on these small images), per float that
# elementwise work or a weight read moves, and per tensor operation.
MAC_S = 1 / 35e9
CONV_MAC_S = 1 / 15e9
FLOAT_S = 1.5e-9
OP_S = 3e-6
SLOW_STEP_S = 1.0  # a step this slow is worth a warning before training starts (the app's)


@dataclass(frozen=True)
class StepEstimate:
    """The cost of one training step of a run: multiply-adds, floats moved by elementwise work
    and weight reads, tensor operations, and what they take on one CPU core (`seconds`)."""

    macs: int
    floats: int
    ops: int
    parts: tuple[tuple[str, float], ...]  # (what, seconds), largest first

    @property
    def seconds(self) -> float:
        return sum(secs for _, secs in self.parts)

    def largest(self) -> tuple[str, float]:
        return self.parts[0]


def _stack_macs(widths: list[int]) -> int:
    return sum(a * b for a, b in zip(widths[:-1], widths[1:]))


def step_estimate(cfg: RunConfig) -> StepEstimate:
    """One optimizer step of the last task (where it is dearest: the most tasks regularized),
    by arithmetic on the config: forward and backward ≈ 3 × the forward's multiply-adds

    - the target on the batch (joint training: one batch per seen task), conv nets from their
      layers (`conv_shapes`);
    - HNET: the hypernet body on 1 + k task embeddings (k regularized per step; lookahead: a
      second forward over all previous tasks) × its chunks, the output regularizer over the
      k generated vectors; HNET+R adds the replay hypernet, the VAE and the task classifier;
    - elementwise work: activations, Adam over every trained parameter (read and write of
      value, gradient and two moments), EWC's penalty over its [T, P] anchors and Fishers,
      SI's buffers;
    - a fixed cost per tensor operation.

    Costed with MAC_S (CONV_MAC_S for a conv target's own multiply-adds) / FLOAT_S / OP_S (one
    core); `benchmarks/bench_estimates.py` compares it with measured steps. Evaluations and the
    start of a task are not part of a step."""
    b = benchmark(cfg.task.benchmark)
    spec = method_spec(cfg.train.method)
    T = n_tasks(cfg)
    tr = cfg.train
    counts = param_counts(cfg)
    P = counts.target
    n_train, _, _ = b.sizes(cfg.task)
    batch = min(tr.batch_size, n_train or cfg.task.n_train)
    batches = T if spec.joint else 1
    parts: dict[str, tuple[int, int, int]] = {}  # what -> (macs, floats, ops)
    conv_part = None  # the part whose multiply-adds are convolutions (CONV_MAC_S)
    passes = 5 if spec.path_integral else 3  # SI takes the task loss's gradient on its own
    if cfg.target.kind == "mlp":
        widths = target_widths(cfg)
        layers = len(widths) - 1
        acts = batch * sum(widths[1:])
        parts["target forward and backward"] = (
            passes * batch * _stack_macs(widths) * batches,
            (6 * acts + 3 * P) * batches, 8 * layers * batches)
    else:
        conv = image_shape(b.input_shape)
        macs = conv_macs(cfg.target.kind, conv, b.out_dim, n_heads(cfg))
        depth = conv_depth(cfg.target.kind)
        acts = batch * conv_activation_sum(cfg.target.kind, conv)
        parts["target forward and backward"] = (
            passes * batch * macs * batches, (3 * CONV_KEEP * acts + 3 * P) * batches,
            30 * depth * batches)
        conv_part = "target forward and backward"
    trained = P
    if spec.has_embeddings:
        G, C = counts.generated, counts.chunks
        body, _ = hnet_widths(cfg, G)
        k = T - 1 if tr.reg_tasks <= 0 or tr.lookahead else min(tr.reg_tasks, T - 1)
        nets = 1 + k + (T - 1 if tr.lookahead else 0)
        hidden = C * sum(body[1:-1]) + G
        parts["hypernet forward and backward"] = (
            3 * nets * C * _stack_macs(body), 6 * nets * hidden + 3 * _linear_params(body),
            10 * len(body) * (1 + bool(k)))
        parts["output regularizer"] = (0, 4 * k * G, 8)
        trained = counts.hnet
    if spec.replay:
        r = cfg.replay
        rp, p_dec, r_chunks = replay_counts(cfg)
        r_body = [r.emb_dim + r.chunk_emb_dim, *r.hnet_hidden, r.chunk_size]
        k = T - 1 if tr.reg_tasks <= 0 else min(tr.reg_tasks, T - 1)
        rows = batch + r.batch + T
        vae = (_stack_macs(replay_model.decoder_widths(r, b.in_dim))
               + _stack_macs(replay_model.encoder_widths(r, b.in_dim))
               + 2 * _stack_macs(replay_model.classifier_widths(r, b.in_dim, T)))
        parts["replay models"] = (
            3 * ((1 + k) * r_chunks * _stack_macs(r_body) + rows * vae),
            6 * (1 + k) * (r_chunks * sum(r_body[1:-1]) + p_dec) + 3 * rp, 120)
        trained += rp
    if spec.needs_fisher:
        rows = 1 if spec.online else T - 1
        parts["EWC penalty"] = (0, 15 * rows * P, 10)  # its [rows, P] temporaries, both ways
    if spec.path_integral:
        parts["SI buffers"] = (0, 12 * P, 12)
    parts["Adam"] = (0, 8 * trained, 20)
    parts["step overhead"] = (0, 0, 40)
    macs = sum(m for m, _, _ in parts.values())
    floats = sum(f for _, f, _ in parts.values())
    ops = sum(o for _, _, o in parts.values())
    seconds = {k: m * (CONV_MAC_S if k == conv_part else MAC_S) + f * FLOAT_S + o * OP_S
               for k, (m, f, o) in parts.items()}
    return StepEstimate(macs, floats, ops,
                        tuple(sorted(seconds.items(), key=lambda kv: -kv[1])))
