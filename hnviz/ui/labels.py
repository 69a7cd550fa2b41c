"""How the app writes benchmarks, methods, strengths, a run's tasks and metric values.

Every name comes from the registries (`hnviz.core.benchmarks`, `hnviz.core.method_specs`), so a
new benchmark or method is labelled everywhere by its entry. Unknown names (a foreign file) are
shown as they are. Pure functions, no Streamlit.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from hnviz.core.benchmarks import BENCHMARKS, benchmark
from hnviz.core.config import RunConfig
from hnviz.core.method_specs import METHODS, param_symbol, short_name
from hnviz.core.metrics import METRICS
from hnviz.core.scenarios import SCENARIOS

if TYPE_CHECKING:
    from hnviz.core.trainer import Trainer

UNKNOWN_COLOR = "#444"


def benchmark_label(name: str) -> str:
    """'split-digits' -> 'Split Digits'."""
    b = BENCHMARKS.get(name)
    return b.label if b else name


TARGET_LABELS = {"mlp": "MLP", "zenke": "ZenkeNet (conv)", "resnet32": "ResNet-32 (conv)"}


def target_label(kind: str) -> str:
    """'resnet32' -> 'ResNet-32 (conv)'."""
    return TARGET_LABELS.get(kind, kind)


def data_text(cfg: RunConfig) -> str:
    """The benchmark as run: 'Split Digits', or 'Split CIFAR-10/100 (reduced: 100/class)' for a
    subset (never mistaken for the full benchmark in run names)."""
    label = benchmark_label(cfg.task.benchmark)
    return label if cfg.task.subset is None else f"{label} (reduced: {cfg.task.subset}/class)"


def method_label(name: str) -> str:
    """'hnet' -> 'HNET (hypernetwork)'."""
    m = METHODS.get(name)
    return m.label if m else name


def method_short(name: str) -> str:
    """'hnet' -> 'HNET' (run names, compact places)."""
    m = METHODS.get(name)
    return m.short if m else name


def method_short_in(name: str, scenario_name: str) -> str:
    """'hnet' in CL3 -> 'HNET+ENT', in CL1 -> 'HNET' (`method_specs.short_name`)."""
    return short_name(name, scenario_name)


def method_color(name: str | None, default: str = UNKNOWN_COLOR) -> str:
    """The method's colour on every chart (`default` for unknown names)."""
    m = METHODS.get(name or "")
    return m.color if m else default


def method_with_strength(name: str) -> str:
    """'hnet' -> 'HNET (β)': a method named by the knob its sweeps vary."""
    m = METHODS.get(name)
    if m is None:
        return name
    return f"{m.short} ({m.strength.symbol})" if m.strength else m.short


def param_label(param: str) -> str:
    """'ewc_lambda' -> 'λ'."""
    return param_symbol(param)


def strength_text(cfg: RunConfig) -> str:
    """'β=0.005' for a config whose method has a strength, '' otherwise."""
    m = METHODS.get(cfg.train.method)
    if m is None or m.strength is None:
        return ""
    return f"{m.strength.symbol}={getattr(cfg.train, m.strength.field):g}"


def scenario_text(cfg: RunConfig) -> str:
    """'CL3' when the task is not given at test time (CL2/CL3), '' for CL1 (the default)."""
    scn = SCENARIOS.get(cfg.task.scenario)
    return "" if scn is None or scn.task_given else scn.short


def metric_label(metric: str) -> str:
    """'mse' -> 'test MSE', 'accuracy' -> 'test accuracy'."""
    m = METRICS.get(metric)
    return f"test {m.label}" if m else metric


def metric_name_label(metric: str) -> str:
    """'mse' -> 'MSE', 'accuracy' -> 'accuracy'."""
    m = METRICS.get(metric)
    return m.label if m else metric


def format_metric(value: float | None, metric: str, signed: bool = False,
                  compact: bool = False) -> str:
    """One metric value for people: accuracy as a percentage ('91.3%'; compact '91%'), MSE with
    4 significant digits ('0.01234'; compact 3); `signed` adds '+' (differences); '—' if missing.
    """
    if value is None or not math.isfinite(value):
        return "—"
    sign = "+" if signed else ""
    if metric == "accuracy":
        return f"{value:{sign}.{0 if compact else 1}%}"
    return f"{value:{sign}.{3 if compact else 4}g}"


def task_names(trainer: Trainer) -> list[str]:
    """Short labels of the run's tasks (from its benchmark's entry): 'task 1: y = x + 3'."""
    return benchmark(trainer.cfg.task.benchmark).task_names(trainer.n_tasks)
