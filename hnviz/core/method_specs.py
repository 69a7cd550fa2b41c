"""The method registry: one `MethodSpec` entry per continual-learning method; the trainer, CLI,
sweeps and app ask the entry (or `method.spec` of a built method) instead of comparing names.

    METHODS["ewc"]                                the entry (registry order is the order shown)
    method_spec(name)                             the same, with a ConfigError naming the choices
    method_spec(name).build(cfg, target, n, gen)  the Method (see methods.py for the protocol)
    strength_fields()                             TrainConfig fields that are some method's strength
    param_symbol(field)                           how a TrainConfig knob is written (β, λ, c, lr)

Adding a method = one class in `methods.py` (or its own module) + one entry here; see
docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import torch
from torch import nn

from . import methods, replay
from .config import RunConfig, registry_entry
from .scenarios import SCENARIOS


@dataclass(frozen=True)
class Strength:
    """A method's regularizer strength: the TrainConfig field that holds it and how to show it."""

    field: str  # TrainConfig field, e.g. "beta"
    symbol: str  # β, λ, c
    sweep_values: tuple[float, ...]  # a default sweep grid: 0 (off) then a sensible log range

    @property
    def range(self) -> tuple[float, float]:
        """The sensible positive range (smallest and largest non-zero default sweep value)."""
        positive = [v for v in self.sweep_values if v > 0]
        return min(positive), max(positive)


BETA = Strength("beta", "β", (0, 1e-4, 1e-3, 0.005, 0.01, 0.1, 1))
EWC_LAMBDA = Strength("ewc_lambda", "λ", (0, 1, 100, 1e4, 1e6))
SI_C = Strength("si_c", "c", (0, 0.01, 0.1, 1, 10, 100))


@dataclass(frozen=True, eq=False)
class MethodSpec:
    name: str  # the id in configs, URLs, run files and sweep manifests
    label: str  # for people: "HNET (hypernetwork)"
    short: str  # in run names and compact labels: "HNET"
    color: str  # the method's colour on every chart
    cls: type[methods.Method]
    strength: Strength | None = None  # None: nothing to tune (fine-tuning, joint)
    # Preset value of `strength.field` per benchmark kind ("regression" | "classification");
    # empty: the benchmark's own preset sets it (HNET's β differs per benchmark).
    preset_strength: Mapping[str, float] = field(default_factory=dict)
    has_embeddings: bool = False  # task embeddings and a hypernetwork (Method.embeddings())
    needs_fisher: bool = False  # end_task gets the diagonal Fisher of the task just trained
    joint: bool = False  # each step trains on every task seen so far
    replay: bool = False  # trains the replay models of the config's `replay` section (HNET+R)
    # Preset head layout (`train.multi_head`): the shared-weight baselines keep one output head
    # per task in their one target; HNET generates each task's own network, its head included
    # (the paper's layout: a generated network holds one head, not T).
    multi_head: bool = True
    control: bool = False  # the from-scratch control that FWT vs scratch is measured against
    # What it keeps and computes beyond its weights (the memory and step estimates of `sizes`
    # read these instead of the method's name):
    online: bool = False  # needs_fisher: one running Fisher and anchor [1, P], not one per task
    path_integral: bool = False  # SI: 5 vectors [P] kept; the task loss's gradient on its own
    task_networks: bool = False  # each task's own network kept [T, P] (from scratch)
    # What the method is called where the task is not given (CL2/CL3), when it then works
    # differently: HNET infers the task from its networks' predictive entropy (the paper's
    # "HNET+ENT"). None: the same name in every scenario.
    short_inferred: str | None = None

    def short_in(self, task_given: bool) -> str:
        """'HNET' where the task is given, 'HNET+ENT' where it is inferred."""
        return self.short if task_given or self.short_inferred is None else self.short_inferred

    def build(self, cfg: RunConfig, target: nn.Module, n_tasks: int,
              gen: torch.Generator) -> methods.Method:
        """The method for a run on `target` (weights drawn from `gen`)."""
        return self.cls(self, cfg, target, n_tasks, gen)


# Baseline strengths that work on the small benchmarks. λ for EWC is large because the empirical
# Fisher of a well-fitted classifier is tiny (split digits, 1000 iters: forgetting 5.6 points for
# fine-tuning, 2.4 with λ=1e6, 0.35 for SI with c=10).
# On the 1-D toy (MSE gradients are larger) λ=1e4 and c=10 keep task 1 (fine-tuning: MSE 1.19).
_EWC_PRESET = {"regression": 1e4, "classification": 1e6}
_SI_PRESET = {"regression": 10.0, "classification": 10.0}

_ENTRIES = (
    MethodSpec("hnet", "HNET (hypernetwork)", "HNET", "#1f77b4", methods.HNET, BETA,
               has_embeddings=True, multi_head=False, short_inferred="HNET+ENT"),
    # HNET's classifier + a hypernetwork-protected replay VAE and a replay-trained task
    # classifier that picks the embedding when the task is not given (CL2/CL3; replay.py).
    MethodSpec("hnet-replay", "HNET+R (hypernetwork + replay task inference)", "HNET+R",
               "#17becf", replay.HNETReplay, BETA, has_embeddings=True, replay=True,
               multi_head=False),
    MethodSpec("finetune", "fine-tuning", "fine-tuning", "#d62728", methods.Finetune),
    MethodSpec("ewc", "EWC", "EWC", "#ff7f0e", methods.EWC, EWC_LAMBDA, _EWC_PRESET,
               needs_fisher=True),
    MethodSpec("online-ewc", "online EWC", "online EWC", "#bcbd22", methods.OnlineEWC,
               EWC_LAMBDA, _EWC_PRESET, needs_fisher=True, online=True),
    MethodSpec("si", "SI", "SI", "#2ca02c", methods.SI, SI_C, _SI_PRESET, path_integral=True),
    MethodSpec("joint", "joint training", "joint", "#7f7f7f", methods.Joint, joint=True),
    # The control for forward transfer: each task alone from a fresh network, same budget.
    MethodSpec("scratch", "from scratch (each task alone)", "scratch", "#8c564b",
               methods.Scratch, control=True, task_networks=True),
)

METHODS: dict[str, MethodSpec] = {m.name: m for m in _ENTRIES}
DEFAULT_METHOD = "hnet"
# Float TrainConfig knobs that are no method's strength, with their symbols (labels of sweeps).
OTHER_KNOBS = {"lr": "lr", "si_xi": "ξ", "online_gamma": "γ"}


def method_spec(name: str) -> MethodSpec:
    """The registry entry called `name`; ConfigError naming the choices otherwise."""
    return registry_entry(METHODS, name, "train.method")


def with_strength() -> tuple[str, ...]:
    """Names of the methods that have a strength to tune (and so to sweep), registry order."""
    return tuple(m.name for m in METHODS.values() if m.strength is not None)


def strength_fields() -> tuple[str, ...]:
    """TrainConfig fields that are some method's strength, each once: beta, ewc_lambda, si_c."""
    return tuple(dict.fromkeys(m.strength.field for m in METHODS.values() if m.strength))


def param_symbol(param: str) -> str:
    """How a TrainConfig knob is written: β, λ, c, lr, ξ, γ (the field name if unknown)."""
    for m in METHODS.values():
        if m.strength is not None and m.strength.field == param:
            return m.strength.symbol
    return OTHER_KNOBS.get(param, param)


def preset_strengths(kind: str) -> dict[str, float]:
    """{strength field: preset value} of every method that presets its strength per benchmark
    kind (`presets.default_config` applies them whatever the method, so switching method in a
    config keeps sensible values)."""
    return {m.strength.field: m.preset_strength[kind]
            for m in METHODS.values() if m.strength is not None and m.preset_strength}


def short_name(method: str, scenario_name: str) -> str:
    """A method's short name in a scenario, as the paper names it: 'hnet' in CL2/CL3 ->
    'HNET+ENT' (the task inferred from the predictive entropy), in CL1 -> 'HNET'; the raw name
    where the registries do not know it."""
    spec, sc = METHODS.get(method), SCENARIOS.get(scenario_name)
    if spec is None:
        return str(method)
    return spec.short_in(True if sc is None else sc.task_given)
