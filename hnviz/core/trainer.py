"""Trainer(cfg).advance(n_steps) -> events: the one training loop behind the CLI, tests and app.

Resumable and deterministic: the mini-batch of step s of task t is drawn from a generator seeded
by (seed, t, s), so `advance(30)` equals three `advance(10)` and a run restored from a checkpoint
continues exactly. The Trainer knows nothing about Streamlit; the app calls `advance(k)` from a
fragment and redraws from `history`.

history (plain JSON, grows as it trains):
  loss        [[global_step, task_loss, reg_loss], ...]     every `log_every` steps
  evals       [{"step", "task", "values": [metric per seen task]}, ...]   every eval_every steps
  R0          [metric per task] before any training (for FWT)
  R           [[metric per task] after task i]              the accuracy (or MSE) matrix; in
              CL2/CL3 (task.scenario) the accuracy with the task inferred (`inference.py`)
  R_given     CL2/CL3 only: [[accuracy with the task given] after task i]
  R_task      CL2/CL3 only: [[fraction of task j's inputs whose task was inferred right, or
              None when the method infers no task (CL2 baselines)] after task i]
  emb_traj    [{"step", "task", "emb": [D]}, ...]            HNET: current task's embedding
  task_end_steps
  wall_s      seconds inside `advance` (training and evaluation)
  timing      {"train_s", "eval_s", "task_train_s": [seconds per task, None = not measured]}:
              `wall_s` split into training (steps and the method's end-of-task work) and
              evaluation (periodic and end-of-task rows of R); the run summary turns it into
              ms per training step, overall and per task
metric: accuracy in [0, 1] for classification, MSE for regression (`seq.metric`, `metric_name`).
Which cells are evaluated is `evaluation.py`'s schedule: all of them for up to 50 tasks; longer
sequences leave some None (null).

Where it computes is a runtime choice (`device`, see `devices.py`): the models are built on the
CPU (the same initial weights everywhere) and moved; the data lives on that device; the loss is
read on the host only every LOG_EVERY steps, at evaluations and at the end of `advance`.
Mixed precision (`amp=True`, CUDA only, `devices.amp_dtype`) runs the target network's forward
of each training step under autocast (bfloat16, or float16 with a GradScaler) and keeps the
rest in float32: the task loss, the hypernetwork (the generated weights the output regularizer
compares with its snapshot) and the regularizers. Not run on a GPU yet.

The config is admitted before anything is built (`admission.admit`: the registries' names, the
size limits, the memory budget; the library's `LIBRARY` unless the caller passes others, or None
when the caller admitted it already). A run stops with an error, keeping its last state, when its
loss is not finite or explodes (`exploded`).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from .adam import Adam, fused_capable
from .admission import admit
from .benchmarks import build_tasks
from .config import RunConfig
from .conv_shapes import conv_depth
from .devices import amp_dtype, resolve_device
from .evaluation import LOG_EVERY, cells, is_long, periodic_tasks, row_tasks
from .inference import evaluate_inferred
from .limits import LIBRARY, Limits
from .method_specs import method_spec
from .methods import FISHER_SAMPLES, Method, diag_fisher, fisher_chunk, no_extra
from .metrics import summarize
from .scenarios import heads_for, n_heads, scenario
from .target_kinds import build_target, evaluate_head, forward, is_conv, target_buffers
from .targets import num_params
from .tasks import TaskSequence

# An exploding loss stops the run like a non-finite one: loss > EXPLODE_FACTOR × the run's first
# logged loss (task + regularizer) and > EXPLODE_MIN. No preset comes near (the golden and
# acceptance runs check it); Split Digits at lr=10 reaches 1e24 and used to "finish".
EXPLODE_FACTOR = 1e4
EXPLODE_MIN = 1e6


@dataclass(frozen=True)
class Event:
    kind: str  # "step" | "eval" | "task_end" | "done" | "diverged"
    step: int  # global step after which it happened
    task: int
    # step: {"loss", "reg"} on the steps logged to history["loss"] (every LOG_EVERY), else {}
    data: dict[str, Any] = field(default_factory=dict)


class TrainingDiverged(RuntimeError):
    pass


def exploded(loss: float, first_loss: float | None) -> bool:
    """The exploding-loss rule: loss > EXPLODE_FACTOR · first_loss and loss > EXPLODE_MIN."""
    return (first_loss is not None and loss > EXPLODE_MIN
            and loss > EXPLODE_FACTOR * abs(first_loss))


# history entries measured, not computed: they differ between two identical runs (and between a
# run and its resumption); everything else in history is bit-identical
MEASURED_HISTORY = ("wall_s", "timing")


def make_optimizer(params: list[torch.Tensor], lr: float) -> Adam | torch.optim.Optimizer:
    """Adam for one task's trainable tensors (one parameter group): torch's fused kernel (one
    pass over all tensors; on the CPU 3.2× faster than `foreach` on the Permuted Digits preset's
    137k trainable weights, benchmarks/bench_train.py part 4) through `adam.Adam` where torch has
    it for the device (no torch._dynamo import), else `torch.optim.Adam` with `foreach`."""
    if fused_capable(params):
        return Adam(params, lr)
    return torch.optim.Adam(params, lr=lr, foreach=True)


class Trainer:
    def __init__(self, cfg: RunConfig, seq: TaskSequence | None = None,
                 limits: Limits | None = LIBRARY, device: str | torch.device | None = None,
                 amp: bool = False, *, evaluate: bool = True):
        """A run of `cfg`, built on the CPU and moved to `device`.

        limits: what `cfg` is admitted against before any data or network is built
            (`admission.admit`); None when the caller admitted it already (`io.load_run`
            reading a run file; a live run's worker, whose server admitted it).
        evaluate: evaluate every task before training (history["R0"], FWT's baseline);
            False when a recorded history follows (`io.load_run`): building then evaluates
            nothing."""
        if limits is not None:
            admit(cfg, limits)  # before any data or network is built
        self.device = resolve_device(device)
        # mixed precision: the autocast dtype (ConfigError off CUDA), and loss scaling for fp16
        self.amp_dtype = amp_dtype(self.device) if amp else None
        self.scaler = (torch.amp.GradScaler("cuda") if self.amp_dtype == torch.float16
                       else None)
        self.cfg = cfg
        gen = torch.Generator().manual_seed(cfg.train.seed)
        torch.manual_seed(cfg.train.seed)  # nn.Linear inits inside the hypernet
        with torch.device("cpu"):  # the same data and initial weights on every device
            if seq is None:
                seq = build_tasks(cfg.task)
            spec = method_spec(cfg.train.method)
            self.target = build_target(cfg, seq, n_heads(cfg, spec.has_embeddings, seq.n_tasks))
            self.method: Method = spec.build(cfg, self.target, seq.n_tasks, gen)
        self.scenario = scenario(cfg.task.scenario)
        # which outputs each task's loss reads (the scenario's layout of the target's heads)
        self.heads = heads_for(cfg, self.method.spec.has_embeddings,
                               seq.n_tasks, seq.out_dim)
        self.conv = is_conv(self.target)  # batch norm / dropout: task, train, generator
        self.seq = seq.to(self.device)
        self.target.to(self.device)
        self.method.to(self.device)
        self.n_tasks = self.seq.n_tasks
        self.iters = cfg.train.iters_per_task
        self.task = 0  # task being trained (== n_tasks when done)
        self.step_in_task = 0
        self.error: str | None = None
        self.opt: Adam | torch.optim.Optimizer | None = None
        # Told what a long call is doing ("evaluating" at a task's end), e.g. a progress bar.
        self.on_phase: Callable[[str], None] | None = None
        self.history: dict[str, Any] = {
            "loss": [], "evals": [], "R0": [], "R": [], "emb_traj": [], "task_end_steps": [],
            "wall_s": 0.0, "timing": {"train_s": 0.0, "eval_s": 0.0, "task_train_s": []},
        }
        self._clock = 0.0  # perf_counter when the time not yet booked by `_book` began
        if not self.scenario.task_given:
            self.history["R_given"], self.history["R_task"] = [], []
        if evaluate:
            self.history["R0"] = self._evaluate_cells(list(range(self.n_tasks)), self.n_tasks)

    # ------------------------------------------------------------------ properties
    @property
    def global_step(self) -> int:
        return self.task * self.iters + self.step_in_task

    @property
    def total_steps(self) -> int:
        return self.n_tasks * self.iters

    @property
    def done(self) -> bool:
        return self.task >= self.n_tasks or self.error is not None

    @property
    def finished(self) -> bool:
        return self.task >= self.n_tasks

    @property
    def progress(self) -> float:
        return min(1.0, self.global_step / self.total_steps)

    @property
    def metric_name(self) -> str:
        return self.seq.metric.name

    @property
    def higher_is_better(self) -> bool:
        return self.seq.metric.higher_is_better

    @property
    def target_params(self) -> int:
        return num_params(self.target)

    # ------------------------------------------------------------------ evaluation
    def loss_of(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.seq.is_regression:
            return F.mse_loss(out, y)
        return F.cross_entropy(out, y)

    @torch.no_grad()
    def weights_for(self, t: int) -> torch.Tensor:
        """The target weights [P] the method uses for task t now."""
        return self.method.weights(t).detach()

    @torch.no_grad()
    def metric(self, out: torch.Tensor, y: torch.Tensor) -> float:
        """out [B, O] (one head), y -> accuracy or MSE."""
        if self.seq.is_regression:
            return F.mse_loss(out, y).item()
        return (out.argmax(dim=-1) == y).float().mean().item()

    @property
    def seen(self) -> int:
        """Tasks the learner knows of now (the one in training included; at least 1): the
        candidates when the task is inferred."""
        return max(1, min(self.task + 1, self.n_tasks))

    @torch.no_grad()
    def evaluate(self, tasks, split: str = "test") -> list[float]:
        """The metric of each task in `tasks` on its `split` ("test" | "train"), in order, with
        the task given (task j's weights and head). Long sequences (`evaluation.is_long`) run
        only each task's own head."""
        head_only = is_long(self.n_tasks)
        out = []
        for j in tasks:
            tk = self.seq.tasks[j]
            x, y = tk.inputs(split), (tk.y_test if split == "test" else tk.y_train)
            o = evaluate_head(self.target, self.weights_for(j), x, j, head_only)
            out.append(self.metric(o, y))
        return out

    def _evaluate_cells(self, tasks: list[int], n: int) -> list[float | None]:
        """Evaluate `tasks` as R holds them (task given in CL1, inferred in CL2/CL3); a list of n
        cells with None where a task was not evaluated."""
        if self.scenario.task_given:
            return cells(dict(zip(tasks, self.evaluate(tasks), strict=True)), n)
        accs, _ = evaluate_inferred(self, tasks, self.seen)
        return cells(dict(zip(tasks, accs, strict=True)), n)

    # ------------------------------------------------------------------ training
    def _gen(self, t: int, step: int, salt: int = 0) -> torch.Generator:
        """The random stream of step `step` of task t (resumable: depends on nothing else)."""
        seed = self.cfg.train.seed * 1_000_003 + t * 10_007 + step + salt * 7_919_591
        return torch.Generator().manual_seed(seed % (2**63 - 1))

    def _batch(self, t: int, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        tk = self.seq.tasks[t]
        g = self._gen(t, step)
        n = tk.y_train.shape[0]
        idx = torch.randint(n, (min(self.cfg.train.batch_size, n),), generator=g, device="cpu")
        idx = idx.to(self.device)  # drawn on the CPU: the same batches on every device
        return tk.inputs("train", idx), tk.y_train[idx]

    def _begin_task(self) -> None:
        t = self.task
        self.method.begin_task(t)
        self.opt = make_optimizer(self.method.trainable(t), self.cfg.train.lr)

    def _step(self) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimizer step of the current task: (task loss, regularizer), detached tensors
        (read on the host only where a number is needed: the logged steps)."""
        t, s = self.task, self.step_in_task
        step = self.method.step(t, self._gen(t, s, salt=1), s)
        seen = range(t + 1) if self.method.spec.joint else (t,)
        losses = []
        for j in seen:
            x, y = self._batch(j, s)
            w = step.weights if j == t else self.method.weights(j)
            with self._autocast():
                out = self.heads.logits(self._train_forward(w, x, j, s), j, active=t)
            # float32 (a no-op without amp)
            losses.append(self.loss_of(out.float(), self.heads.labels(y, j)))
            if j == t and step.extra is not no_extra:  # HNET+R: its replay models' losses
                losses[-1] = losses[-1] + step.extra(x, y)
        task_loss = losses[0] if len(losses) == 1 else torch.stack(losses).mean()
        reg = step.regularize(task_loss)
        loss = task_loss + reg
        self._check_loss(loss.item(), t, s)  # on the CPU a memory read, not a synchronisation
        self.opt.zero_grad(set_to_none=True)
        if self.scaler is None:
            loss.backward()
            self.opt.step()
        else:  # float16: gradients of the scaled loss, unscaled (skipped if inf) by the scaler
            self.scaler.scale(loss).backward()
            self.scaler.step(self.opt)
            self.scaler.update()
        step.after()
        return task_loss.detach(), reg.detach()

    def _autocast(self) -> contextlib.AbstractContextManager:
        """Mixed precision for the target's forward when `amp` (CUDA), else nothing."""
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def _check_loss(self, value: float, t: int, s: int) -> None:
        """TrainingDiverged if the loss `value` of step s of task t is not finite or explodes
        (`exploded`); the optimizer step has not been taken yet."""
        if not math.isfinite(value):
            raise TrainingDiverged(
                f"loss became {value} at step {s} of task {t + 1} ({self._settings()}); "
                "the run is kept at its last finite state. Lower the learning rate or the "
                "regularizer strength.")
        first = self.first_loss
        if exploded(value, first):
            raise TrainingDiverged(
                f"loss exploded to {value:.3g} at step {s} of task {t + 1}, more than "
                f"{EXPLODE_FACTOR:g} × the first loss {first:.3g} ({self._settings()}); the run "
                "is kept at its last state before that step. Lower the learning rate or the "
                "regularizer strength.")

    def _train_forward(self, w: torch.Tensor, x: torch.Tensor, j: int, s: int) -> torch.Tensor:
        """The target on w [P] in training mode for task j's batch at step s: [B, out·heads].
        Conv nets: dropout masks from the step's own stream, batch norm with the batch's
        statistics, updating task j's running statistics."""
        if not self.conv:
            return forward(self.target, w, x)
        return forward(self.target, w, x, task=j, train=True,
                       generator=self._gen(self.task, s, salt=2 + j))

    @property
    def first_loss(self) -> float | None:
        """The run's first logged loss (task + regularizer), the exploding-loss reference."""
        rows = self.history["loss"]
        return rows[0][1] + rows[0][2] if rows else None

    def _settings(self) -> str:
        """'lr=0.001, beta=0.005': the learning rate and the method's strength, if it has one."""
        train, strength = self.cfg.train, self.method.spec.strength
        text = f"lr={train.lr:g}"
        if strength is not None:
            text += f", {strength.field}={getattr(train, strength.field):g}"
        return text

    def _fisher(self) -> torch.Tensor:
        tk = self.seq.tasks[self.task]
        t = self.task
        n = min(tk.y_train.shape[0], FISHER_SAMPLES)

        def loss_of(out, y):
            return self.loss_of(self.heads.logits(out, t), self.heads.labels(y, t))

        def run(w, x):  # conv nets: evaluation mode, task t's batch-norm statistics
            return forward(self.target, w, x, task=t)

        w = self.method.weights(t)
        if not self.conv:
            chunk = fisher_chunk(w.numel(), len(self.target.linear_shapes))
            return diag_fisher(self.target, w, tk.inputs("train", slice(0, n)), tk.y_train[:n],
                               loss_of, chunk=chunk if chunk < n else None)
        return diag_fisher(self.target, w, tk.inputs("train", slice(0, n)), tk.y_train[:n],
                           loss_of, run, chunk=fisher_chunk(w.numel(), conv_depth(self.target.kind)))

    def _eval_event(self) -> Event:
        values = self._evaluate_cells(periodic_tasks(self.task, self.n_tasks), self.task + 1)
        rec = {"step": self.global_step, "task": self.task, "values": values}
        self.history["evals"].append(rec)
        if self.method.spec.has_embeddings:
            emb = self.method.embeddings()[self.task].detach().tolist()
            self.history["emb_traj"].append(
                {"step": self.global_step, "task": self.task, "emb": emb})
        return Event("eval", self.global_step, self.task, {"values": values})

    def _book(self, kind: str) -> None:
        """Add the time since the last booking to history["timing"]: "train" (also to the
        current task's entry) or "eval"."""
        now = time.perf_counter()
        dt, self._clock = now - self._clock, now
        timing = self.history.setdefault("timing", {})
        timing[kind + "_s"] = timing.get(kind + "_s", 0.0) + dt
        if kind == "train" and self.task < self.n_tasks:
            per_task = timing.setdefault("task_train_s", [])
            per_task.extend([None] * (self.task - len(per_task)))  # earlier: not measured
            if len(per_task) == self.task:
                per_task.append(0.0)
            if per_task[self.task] is not None:  # None: partly trained before it was measured
                per_task[self.task] += dt

    def advance(self, n_steps: int) -> list[Event]:
        """Train up to n_steps more steps (fewer at the very end). Returns what happened."""
        events: list[Event] = []
        t0 = self._clock = time.perf_counter()
        try:
            for _ in range(n_steps):
                if self.done:
                    break
                if self.step_in_task == 0 and self.opt is None:
                    self._begin_task()
                try:
                    task_loss, reg = self._step()
                except TrainingDiverged as e:
                    self.error = str(e)
                    events.append(Event("diverged", self.global_step, self.task,
                                        {"message": self.error}))
                    break
                self.step_in_task += 1
                data = {}
                if self.step_in_task % LOG_EVERY == 0 or self.step_in_task == 1:
                    data = {"loss": task_loss.item(), "reg": reg.item()}
                    self.history["loss"].append([self.global_step, data["loss"], data["reg"]])
                events.append(Event("step", self.global_step, self.task, data))
                if (self.step_in_task % self.cfg.train.eval_every == 0
                        or self.step_in_task == self.iters):
                    self._book("train")
                    events.append(self._eval_event())
                    self._book("eval")
                if self.step_in_task == self.iters:
                    events.append(self._end_task())
        finally:
            self._book("train")
            self.history["wall_s"] += time.perf_counter() - t0
        if self.finished and not any(e.kind == "done" for e in events) and events:
            events.append(Event("done", self.global_step, self.task - 1, self.summary()))
        return events

    def _end_task(self) -> Event:
        t = self.task
        self.method.end_task(t, self._fisher() if self.method.spec.needs_fisher else None)
        self._book("train")
        if self.on_phase is not None:
            self.on_phase("evaluating")
        tasks = row_tasks(t, self.n_tasks)
        if self.scenario.task_given:
            row = self._evaluate_cells(tasks, self.n_tasks)
        else:  # R: the task inferred; beside it the task given, and how often it was inferred
            accs, task_accs = evaluate_inferred(self, tasks, self.seen)
            row = cells(dict(zip(tasks, accs, strict=True)), self.n_tasks)
            self.history["R_given"].append(
                cells(dict(zip(tasks, self.evaluate(tasks), strict=True)), self.n_tasks))
            self.history["R_task"].append(cells(dict(zip(tasks, task_accs, strict=True)),
                                                self.n_tasks))
        if not all(math.isfinite(v) for v in row[:t + 1] if v is not None):
            self.error = f"evaluation gave non-finite values after task {t + 1}"
        self.history["R"].append(row)
        self.history["task_end_steps"].append(self.global_step)
        ev = Event("task_end", self.global_step, t, {"row": row})
        self.task += 1
        self.step_in_task = 0
        self.opt = None
        self._book("eval")
        return ev

    def run(self, chunk: int = 100, callback=None) -> list[Event]:
        """Train to the end (CLI/tests): `while not done: advance(chunk)`."""
        events = []
        while not self.done:
            evs = self.advance(chunk)
            events += evs
            if callback is not None:
                callback(self, evs)
        return events

    # ------------------------------------------------------------------ summaries
    def summary(self) -> dict[str, Any]:
        return summarize(self.history["R"], self.history["R0"], self.higher_is_better)

    # ------------------------------------------------------------------ (de)serialisation
    def state_dict(self) -> dict[str, Any]:
        """Tensors and plain values only (safe for torch.load(weights_only=True))."""
        return {
            "method": self.method.state_dict(),
            "target": {k: v.clone() for k, v in target_buffers(self.target).items()},
            "opt": self.opt.state_dict() if self.opt is not None else None,
            "task": self.task,
            "step_in_task": self.step_in_task,
            "error": self.error,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a state (`run_checks.check_tensors` has checked its tensors). "target":
        the target's per-task batch-norm statistics (absent in files of MLP runs)."""
        self.method.load_state_dict(state["method"])
        with torch.no_grad():
            for name, buf in target_buffers(self.target).items():
                buf.copy_(state["target"][name])
        self.task = int(state["task"])
        self.step_in_task = int(state["step_in_task"])
        self.error = state.get("error")
        self.opt = None
        if state.get("opt") is not None and not self.finished:
            self.opt = make_optimizer(self.method.trainable(self.task), self.cfg.train.lr)
            self.opt.load_state_dict(state["opt"])
