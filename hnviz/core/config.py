"""Frozen dataclass configs for a run: what tasks, which target net, which hypernet, how to train.

Every config round-trips through plain JSON (`to_dict` / `from_dict`), which is how runs are saved,
shared in URLs and compared. `from_dict` rejects unknown keys and wrong types with a `ConfigError`
that names the field, so a foreign or hand-edited file fails with a clear message.

The bottom of the engine: this module imports only `errors` and `limits` (two leaves), never a
registry, model, data or trainer module. Each dataclass checks what it can know alone: its
fields' types and ranges, the kinds and activations it names, and every size against the
absolute caps (`limits.HARD`). Whether a benchmark or a method of that name exists, whether the
scenario fits the benchmark, the task count its maximum, a conv target its inputs, and the
tighter limits of the library, the CLI and the app are checked where the registries are read:
`admission.admit(cfg, limits)`, which every entry point calls before anything is built (the
registries sit above the configs their entries hold).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields
from typing import Any

from .errors import ConfigError
from .limits import HARD, check_sizes

HNET_KINDS = ("mlp", "chunked")
# The continual-learning scenarios (van de Ven & Tolias 2019; the paper's CL1-CL3); what each
# means is its entry in `scenarios.py` (which asserts that it has exactly these names). Checked
# here so that a config never names an unknown one.
SCENARIO_NAMES = ("cl1", "cl2", "cl3")
# HNET with train.reg_tasks = k > 0: which part of the previous tasks a step regularizes, at
# the cost of k whole tasks. "cycle": k tasks in a deterministic cycle over the step number
# (each once every ⌈t/k⌉ steps); "random": k tasks drawn without replacement from the step's
# own random stream (hypnettorch's cl_reg_batch_size); "chunks" (chunked hypernets): every
# previous task, on k·C (task, chunk) pairs drawn from all of them (`methods.HNET._chunk_step`).
REG_CHOICES = ("cycle", "random", "chunks")
# CL2/CL3: every seen task's network runs on every test input (`admission` bounds n_tasks)
MAX_INFERRED_TASKS = 50
# The target network's architecture: an MLP, or a conv net on image inputs (`conv_shapes`).
TARGET_KINDS = ("mlp", "zenke", "resnet32")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "elu", "leaky_relu")


def registry_entry(registry: dict[str, Any], name: str, field: str) -> Any:
    """registry[name]; ConfigError "`field` must be one of (...)" naming the choices otherwise
    (the lookup of every registry: benchmarks, methods, scenarios, experiments)."""
    try:
        return registry[name]
    except KeyError:
        raise ConfigError(f"{field} must be one of {tuple(registry)}") from None


@dataclass(frozen=True)
class TaskConfig:
    """Which task sequence. `n_tasks=None` means the benchmark's default (3, 5 or 10); more than
    the benchmark's maximum is refused when the run is admitted (`admission.admit`), before any
    data or network is built."""

    benchmark: str = "regression1d"
    n_tasks: int | None = None
    seed: int = 0
    data_root: str | None = None  # benchmarks on files; falls back to $HNVIZ_DATA
    download: bool = False  # benchmarks on files: fetch into data_root when missing
    # Benchmarks that offer it (`Benchmark.subset`): keep at most this many training and test
    # images per class (a reduced version); None = all of them.
    subset: int | None = None
    # regression1d only
    noise_std: float = 0.05
    n_train: int = 100
    n_test: int = 50
    test_fraction: float = 0.2  # digits only
    # cl1: the task is given at test time; cl2: one shared head, task not given; cl3: the task
    # (which task's classes) must be inferred too. Old configs without it mean cl1.
    scenario: str = "cl1"

    def __post_init__(self) -> None:
        _check(self.scenario in SCENARIO_NAMES, "task.scenario", f"one of {SCENARIO_NAMES}")
        _check(self.n_tasks is None or self.n_tasks >= 1, "task.n_tasks", ">= 1")
        _check(self.n_tasks is None or self.n_tasks <= HARD.max_tasks, "task.n_tasks",
               f"<= {HARD.max_tasks} (the most tasks any benchmark offers)")
        _check(self.noise_std >= 0, "task.noise_std", ">= 0")
        _check(self.n_train >= 1 and self.n_test >= 1, "task.n_train/n_test", ">= 1")
        _check(0 < self.test_fraction < 1, "task.test_fraction", "in (0, 1)")
        _check(_is_seed(self.seed), "task.seed", _SEED_RANGE)
        _check(self.subset is None or self.subset >= 1, "task.subset",
               ">= 1 images per class (or null: all)")
        _hard_caps(self.limited())

    def limited(self, n_tasks: int | None = None) -> list[tuple[str, int, str]]:
        """The sizes a limit bounds: (field, value, `limits.Limits` field). The task count
        only when given resolved (`admission` passes it: the benchmark's default when
        `self.n_tasks` is None, bounded first by the benchmark's maximum)."""
        return [*([("task.n_tasks", n_tasks, "max_tasks")] if n_tasks is not None else []),
                ("task.n_train", self.n_train, "max_samples"),
                ("task.n_test", self.n_test, "max_samples"),
                *([("task.subset", self.subset, "max_samples")] if self.subset else [])]


@dataclass(frozen=True)
class TargetConfig:
    """The target (main) network whose weights the hypernet generates (or a baseline trains).

    kind "mlp": in_dim -> hidden... -> heads, with `activation` (`targets.MLPTarget`).
    kind "zenke" / "resnet32": the conv nets of `conv_targets` (fixed architectures, ReLU;
    `hidden` and `activation` do not apply), on benchmarks with image inputs. A config without
    `kind` (written before conv targets existed) is an MLP."""

    hidden: tuple[int, ...] = (10, 10)
    activation: str = "relu"
    kind: str = "mlp"

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        _check(all(h >= 1 for h in self.hidden), "target.hidden", "positive widths")
        _check(self.activation in ACTIVATIONS, "target.activation", f"one of {ACTIVATIONS}")
        _check(self.kind in TARGET_KINDS, "target.kind", f"one of {TARGET_KINDS}")
        _hard_caps(self.limited())

    def limited(self) -> list[tuple[str, int, str]]:
        """The sizes a limit bounds: (field, value, `limits.Limits` field)."""
        return _hidden_sizes("target", self.hidden)


@dataclass(frozen=True)
class HnetConfig:
    """The hypernetwork f_h(e, θ_h). `kind="chunked"` generates the target in chunks of
    `chunk_size`, each conditioned on a learned chunk embedding of size `chunk_emb_dim`."""

    kind: str = "mlp"
    emb_dim: int = 2
    hidden: tuple[int, ...] = (10, 10)
    activation: str = "relu"
    chunk_size: int = 1000
    chunk_emb_dim: int = 8
    emb_init_std: float = 1.0
    # std of the chunk embeddings' initial N(0, σ²) draw (hypnettorch's std_normal_emb; the
    # authors' Permuted MNIST-100 re-run used 0.1): small chunk embeddings make the task
    # embedding, not the chunk, what the hypernet's body first tells apart
    chunk_emb_init_std: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        _check(self.kind in HNET_KINDS, "hnet.kind", f"one of {HNET_KINDS}")
        _check(self.emb_dim >= 1, "hnet.emb_dim", ">= 1")
        _check(all(h >= 1 for h in self.hidden), "hnet.hidden", "positive widths")
        _check(self.activation in ACTIVATIONS, "hnet.activation", f"one of {ACTIVATIONS}")
        _check(self.chunk_size >= 1 and self.chunk_emb_dim >= 1, "hnet.chunk_*", ">= 1")
        for name in ("emb_init_std", "chunk_emb_init_std"):
            v = getattr(self, name)
            _check(isinstance(v, (int, float)) and math.isfinite(v) and v > 0, f"hnet.{name}",
                   "a finite number > 0")
        _hard_caps(self.limited())

    def limited(self) -> list[tuple[str, int, str]]:
        """The sizes a limit bounds: (field, value, `limits.Limits` field)."""
        return [*_hidden_sizes("hnet", self.hidden),
                ("hnet.emb_dim", self.emb_dim, "max_emb_dim"),
                ("hnet.chunk_emb_dim", self.chunk_emb_dim, "max_chunk_emb_dim"),
                ("hnet.chunk_size", self.chunk_size, "max_chunk_size")]


@dataclass(frozen=True)
class TrainConfig:
    """How to train. `beta` is the HNET output-regularizer strength; `ewc_lambda`, `si_c` and
    `online_gamma` belong to the baselines (each method's entry in `method_specs` names its
    strength field). `eval_every` sets the resolution of the curves."""

    method: str = "hnet"
    beta: float = 0.005
    lr: float = 1e-3
    iters_per_task: int = 2000
    batch_size: int = 32
    eval_every: int = 100
    seed: int = 0
    lookahead: bool = False
    reg_tasks: int = 0  # HNET: previous tasks regularized per step (0 = all; >0 a subset)
    reg_choice: str = "cycle"  # HNET with reg_tasks > 0: which subset (REG_CHOICES)
    ewc_lambda: float = 100.0
    online_gamma: float = 1.0
    si_c: float = 0.1
    si_xi: float = 0.1
    multi_head: bool = True

    def __post_init__(self) -> None:
        for f in fields(self):  # every float knob (strengths, lr, ...): finite and >= 0
            if f.type == "float":
                v = getattr(self, f.name)
                _check(isinstance(v, (int, float)) and math.isfinite(v) and v >= 0,
                       f"train.{f.name}", "a finite number >= 0")
        _check(self.lr > 0, "train.lr", "> 0")
        _check(self.iters_per_task >= 1, "train.iters_per_task", ">= 1")
        _check(self.batch_size >= 1, "train.batch_size", ">= 1")
        _check(self.eval_every >= 1, "train.eval_every", ">= 1")
        _check(self.reg_tasks >= 0, "train.reg_tasks", ">= 0")
        _check(self.reg_choice in REG_CHOICES, "train.reg_choice", f"one of {REG_CHOICES}")
        _check(_is_seed(self.seed), "train.seed", _SEED_RANGE)
        _hard_caps(self.limited())

    def limited(self) -> list[tuple[str, int, str]]:
        """The sizes a limit bounds: (field, value, `limits.Limits` field)."""
        return [("train.iters_per_task", self.iters_per_task, "max_iters"),
                ("train.batch_size", self.batch_size, "max_batch_size"),
                ("train.eval_every", self.eval_every, "max_eval_every"),
                ("train.reg_tasks", self.reg_tasks, "max_tasks")]


@dataclass(frozen=True)
class ReplayConfig:
    """HNET+R's own models (method `hnet-replay`; ignored by every other method): a VAE whose
    decoder weights a second, task-conditioned hypernetwork generates (protected by the output
    regularizer with its own `beta`), and a task-inference classifier trained on the current
    task's data plus `batch` replayed samples of the old tasks per step.

    Decoder: latent_dim -> hidden... -> input (sigmoid); the encoder mirrors it (input ->
    reversed hidden -> 2·latent_dim); its hypernet is `hnet_kind` "chunked" (emb_dim,
    hnet_hidden, chunk_size, chunk_emb_dim) or "mlp" (emb_dim, hnet_hidden; one output unit per
    decoder weight). Classifier: input -> classifier_hidden... -> one output per task; it sees
    its training inputs through dropout with rate `classifier_dropout` (`replay.py`)."""

    latent_dim: int = 8
    hidden: tuple[int, ...] = (100, 100)
    emb_dim: int = 8
    hnet_hidden: tuple[int, ...] = (32, 32)
    chunk_size: int = 2000
    chunk_emb_dim: int = 8
    classifier_hidden: tuple[int, ...] = (100, 100)
    batch: int = 32
    beta: float = 0.01
    classifier_dropout: float = 0.3
    hnet_kind: str = "chunked"

    def __post_init__(self) -> None:
        for name in ("hidden", "hnet_hidden", "classifier_hidden"):
            object.__setattr__(self, name, tuple(int(h) for h in getattr(self, name)))
            _check(all(h >= 1 for h in getattr(self, name)), f"replay.{name}", "positive widths")
        for name in ("latent_dim", "emb_dim", "chunk_size", "chunk_emb_dim", "batch"):
            _check(getattr(self, name) >= 1, f"replay.{name}", ">= 1")
        _check(isinstance(self.beta, (int, float)) and math.isfinite(self.beta)
               and self.beta >= 0, "replay.beta", "a finite number >= 0")
        p = self.classifier_dropout
        _check(isinstance(p, (int, float)) and not isinstance(p, bool) and 0 <= p < 1,
               "replay.classifier_dropout", "a number in [0, 1)")
        _check(self.hnet_kind in HNET_KINDS, "replay.hnet_kind", f"one of {HNET_KINDS}")
        _hard_caps(self.limited())

    def limited(self) -> list[tuple[str, int, str]]:
        """The sizes a limit bounds: (field, value, `limits.Limits` field)."""
        return [*_hidden_sizes("replay", self.hidden),
                *_hidden_sizes("replay.hnet", self.hnet_hidden),
                *_hidden_sizes("replay.classifier", self.classifier_hidden),
                ("replay.latent_dim", self.latent_dim, "max_emb_dim"),
                ("replay.emb_dim", self.emb_dim, "max_emb_dim"),
                ("replay.chunk_emb_dim", self.chunk_emb_dim, "max_chunk_emb_dim"),
                ("replay.chunk_size", self.chunk_size, "max_chunk_size"),
                ("replay.batch", self.batch, "max_batch_size")]


@dataclass(frozen=True)
class RunConfig:
    task: TaskConfig = field(default_factory=TaskConfig)
    target: TargetConfig = field(default_factory=TargetConfig)
    hnet: HnetConfig = field(default_factory=HnetConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    name: str = ""
    replay: ReplayConfig = field(default_factory=ReplayConfig)

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunConfig:
        """The config `d` describes (see `to_dict`): types, ranges and absolute caps checked
        (ConfigError); the registries' names and the limits are `admission.admit`'s."""
        return from_dict(cls, d)

    def replace(self, **sections: Any) -> RunConfig:
        """`cfg.replace(train={"beta": 0.1})` returns a copy with those fields changed."""
        out = {}
        for key, value in sections.items():
            if key == "name":
                out[key] = value
            else:
                out[key] = dataclasses.replace(getattr(self, key), **value)
        return dataclasses.replace(self, **out)


def _check(ok: bool, name: str, expected: str) -> None:
    if not ok:
        raise ConfigError(f"{name} must be {expected}")


_SEED_RANGE = "an integer with |seed| < 2**63"


def _is_seed(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and -(2**63) < v < 2**63


def _hidden_sizes(section: str, hidden: tuple[int, ...]) -> list[tuple[str, int, str]]:
    name = f"{section}_hidden" if "." in section else f"{section}.hidden"  # replay.hnet_hidden
    return [(f"len({name})", len(hidden), "max_layers"),
            *((f"{name}[{i}]", h, "max_width") for i, h in enumerate(hidden))]


def _hard_caps(sizes: list[tuple[str, int, str]]) -> None:
    """Refuse (field, value, Limits field) sizes above the absolute caps `limits.HARD`."""
    check_sizes(sizes, HARD)


def to_dict(cfg: Any) -> dict[str, Any]:
    """Nested plain-JSON dict (tuples become lists)."""
    out: dict[str, Any] = {}
    for f in fields(cfg):
        v = getattr(cfg, f.name)
        if dataclasses.is_dataclass(v):
            v = to_dict(v)
        elif isinstance(v, tuple):
            v = list(v)
        out[f.name] = v
    return out


_SECTIONS = {"task": TaskConfig, "target": TargetConfig, "hnet": HnetConfig, "train": TrainConfig,
             "replay": ReplayConfig}


def from_dict(cls: type, d: Any, prefix: str = "") -> Any:
    """Inverse of `to_dict`; missing keys take defaults, unknown keys raise ConfigError."""
    if not isinstance(d, dict):
        raise ConfigError(f"{prefix or 'config'} must be a JSON object")
    known = {f.name: f for f in fields(cls)}
    unknown = set(d) - set(known)
    if unknown:
        raise ConfigError(f"unknown config key(s) {sorted(prefix + k for k in unknown)}")
    kwargs: dict[str, Any] = {}
    for name, value in d.items():
        if cls is RunConfig and name in _SECTIONS:
            kwargs[name] = from_dict(_SECTIONS[name], value, prefix=f"{name}.")
            continue
        kwargs[name] = _coerce(known[name].type, value, prefix + name)
    try:
        return cls(**kwargs)
    except TypeError as e:  # pragma: no cover - defensive
        raise ConfigError(str(e)) from e


def _coerce(type_str: Any, value: Any, name: str) -> Any:
    t = str(type_str)
    if value is None:
        if "None" in t:
            return None
        raise ConfigError(f"{name} must not be null")
    if t.startswith("tuple"):
        if not isinstance(value, (list, tuple)) or not all(_is_int(v) for v in value):
            raise ConfigError(f"{name} must be a list of integers")
        return tuple(int(v) for v in value)
    if t.startswith("bool"):
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false")
        return value
    if t.startswith("int"):
        if not _is_int(value):
            raise ConfigError(f"{name} must be an integer")
        return int(value)
    if t.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{name} must be a number")
        return float(value)
    if t.startswith("str"):
        if not isinstance(value, str):
            raise ConfigError(f"{name} must be a string")
        return value
    return value  # pragma: no cover


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)
