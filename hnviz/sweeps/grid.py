"""The grid of a sweep: benchmarks × methods × values of one or more config fields × seeds.

    grid = make_grid([default_config("regression1d", "hnet")],
                     {"train.beta": [0, 1e-3, 0.01], "hnet.hidden": [(50, 50), (100, 100)]},
                     seeds=(0, 1, 2))
    for point in grid.points(): point.config, point.file, point.params

Any scalar or tuple field of the RunConfig sections can be an axis (`train.beta`, `hnet.hidden`,
`hnet.chunk_size`, `task.n_tasks`, ...); the benchmark, the method and the seeds have their own
options (`--benchmarks`, `--methods`, `--seeds`). Without an axis each method sweeps its own
regularizer strength (its registry entry's `strength`), over the values given or the entry's
default grid. Every point's config is built, validated and checked against the size limits
(`core.limits`: LIBRARY, or HARD with `--allow-large`; `ConfigError` naming the point, the field
and the limit) before anything runs, and the number of runs is bounded (`MAX_RUNS`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from hnviz.core.admission import admit, check_names
from hnviz.core.config import ConfigError, RunConfig
from hnviz.core.io import slugify
from hnviz.core.limits import LIBRARY, Limits
from hnviz.core.method_specs import method_spec

MAX_RUNS = 20_000  # grid points × seeds of one sweep (the manifest holds every run)
MAX_VALUES = 1_000  # values of one axis
SECTIONS = ("task", "target", "hnet", "train")
# Fields with their own options (benchmark, method, seeds) or that are not a property of a run.
NOT_AXES = {"task.benchmark", "train.method", "task.seed", "train.seed", "task.data_root",
            "task.download"}
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


# ------------------------------------------------------------------------------ fields
def field_types() -> dict[str, str]:
    """{'train.beta': 'float', 'hnet.hidden': 'tuple', 'task.n_tasks': 'int', ...}: every field
    a sweep may vary, with its kind (float, int, bool, str, tuple)."""
    out = {}
    for section in SECTIONS:
        cls = type(getattr(RunConfig(), section))
        for f in fields(cls):
            name = f"{section}.{f.name}"
            if name in NOT_AXES:
                continue
            t = str(f.type)
            kind = next((k for k in ("tuple", "bool", "float", "int", "str") if t.startswith(k)),
                        None)
            if kind is not None:
                out[name] = kind
    return out


def resolve_field(name: str) -> str:
    """'beta' -> 'train.beta'; 'hnet.hidden' stays. A bare name must be unique across sections
    (TrainConfig first: the v1 spelling `--param beta`). ConfigError names the choices."""
    types = field_types()
    if name in types:
        return name
    if "." not in name:
        if f"train.{name}" in types:
            return f"train.{name}"
        owners = [f for f in types if f.split(".", 1)[1] == name]
        if len(owners) == 1:
            return owners[0]
        if owners:
            raise ConfigError(f"--param {name} is ambiguous: say {' or '.join(owners)}")
    if name in NOT_AXES:
        raise ConfigError(f"--param {name}: use --benchmarks / --methods / --seeds instead")
    raise ConfigError(f"--param {name!r} is not a config field a sweep can vary; one of "
                      f"{', '.join(types)}")


def parse_values(field: str, text: str) -> tuple[Any, ...]:
    """The values of `field` from the command line: '0,1e-3,0.01' (numbers, names, true/false),
    '50,50;100,100' for a tuple field (each value a comma-separated list, values split by ';').
    ValueError/ConfigError naming the bad entry."""
    kind = field_types()[field]
    if kind == "tuple":
        parts = [p.strip() for p in text.split(";") if p.strip()]
    else:
        parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if not parts:
        raise ConfigError(f"--values for {field}: give at least one value")
    return tuple(_parse_one(field, kind, p) for p in parts)


def _parse_one(field: str, kind: str, s: str) -> Any:
    try:
        if kind == "float":
            return float(s)
        if kind == "int":
            return int(s)
        if kind == "tuple":
            return tuple(int(v) for v in s.replace("x", ",").split(",") if v.strip())
        if kind == "bool":
            if s.lower() in _TRUE + _FALSE:
                return s.lower() in _TRUE
            raise ValueError
        return s
    except ValueError:
        raise ConfigError(f"--values for {field}: {s!r} is not a valid {kind}") from None


def coerce_value(field: str, value: Any) -> Any:
    """A value given in Python or read from JSON, as the field's type (lists become tuples)."""
    kind = field_types()[field]
    if kind == "tuple":
        return tuple(int(v) for v in value)
    if kind == "float":
        return float(value)
    if kind == "int" and not isinstance(value, bool) and float(value) == int(value):
        return int(value)
    return value


def format_value(value: Any) -> str:
    """How a value appears in file names and labels: 0.001, 1e+06, 50x50, true, relu."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        short = f"{value:g}"
        return short if math.isfinite(value) and float(short) == value else repr(value)
    if isinstance(value, (tuple, list)):
        return "x".join(str(v) for v in value) or "none"
    if isinstance(value, int):
        return str(value)
    return slugify(str(value), 40, "empty")


def to_json(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


# ------------------------------------------------------------------------------ the grid
@dataclass(frozen=True)
class Axis:
    field: str  # 'train.beta'
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Point:
    """One run of the grid."""

    index: int
    base: int  # index into Grid.bases
    params: tuple[tuple[str, Any], ...]  # ((field, value), ...) in axis order
    seed: int
    config: RunConfig
    file: str  # checkpoint name in the sweep folder

    @property
    def benchmark(self) -> str:
        return self.config.task.benchmark

    @property
    def method(self) -> str:
        return self.config.train.method

    @property
    def task_set(self) -> str:
        """Which task sequence it trains on: the benchmark plus any swept task.* field."""
        extra = [f"{f}={format_value(v)}" for f, v in self.params if f.startswith("task.")]
        return "|".join([self.benchmark, *extra])


@dataclass(frozen=True)
class Grid:
    """bases: one RunConfig per (benchmark, method), in order; axes[i]: the axes of bases[i];
    limits: what every run is checked against (here, and again by the Trainer on the worker)."""

    bases: tuple[RunConfig, ...]
    axes: tuple[tuple[Axis, ...], ...]
    seeds: tuple[int, ...]
    limits: Limits = LIBRARY

    @property
    def benchmarks(self) -> list[str]:
        return list(dict.fromkeys(b.task.benchmark for b in self.bases))

    @property
    def methods(self) -> list[str]:
        return list(dict.fromkeys(b.train.method for b in self.bases))

    @property
    def n_runs(self) -> int:
        return sum(math.prod(len(a.values) for a in axes) for axes in self.axes) * len(self.seeds)

    def points(self) -> Iterator[Point]:
        several_b, several_m = len(self.benchmarks) > 1, len(self.methods) > 1
        index = 0
        for bi, (base, axes) in enumerate(zip(self.bases, self.axes)):
            short = _short_names([a.field for a in axes])
            for combo in itertools.product(*(a.values for a in axes)):
                params = tuple((a.field, v) for a, v in zip(axes, combo))
                for seed in self.seeds:
                    prefix = ([base.task.benchmark] if several_b else []) + (
                        [base.train.method] if several_m else [])
                    stem = "_".join([*prefix, *(f"{short[f]}={format_value(v)}"
                                                for f, v in params), f"seed={seed}"])
                    yield Point(index, bi, params, seed, point_config(base, params, seed),
                                stem + ".pt")
                    index += 1


def _short_names(field_names: Sequence[str]) -> dict[str, str]:
    """'train.beta' -> 'beta' (the v1 file names) unless two axes share the last part."""
    last = [f.split(".", 1)[1] for f in field_names]
    return {f: (s if last.count(s) == 1 else f) for f, s in zip(field_names, last)}


def point_config(base: RunConfig, params: Sequence[tuple[str, Any]], seed: int) -> RunConfig:
    """base with every swept field set, and the seed (data and init, as `train --seed`)."""
    sections: dict[str, dict[str, Any]] = {"train": {"seed": seed}, "task": {"seed": seed}}
    for name, value in params:
        section, attr = name.split(".", 1)
        sections.setdefault(section, {})[attr] = value
    return base.replace(**sections)


def make_grid(bases: Sequence[RunConfig], params: Mapping[str, Sequence[Any]] | None = None,
              seeds: Sequence[int] = (0,), values: Sequence[Any] | None = None,
              limits: Limits = LIBRARY) -> Grid:
    """The grid over `bases` (one per benchmark × method). `params`: {field: values} (several:
    their product); none: each method sweeps its own strength over `values`, or its registry
    entry's default grid. Validates every point and checks it against `limits`. ConfigError
    names what is wrong."""
    if not bases:
        raise ConfigError("a sweep needs at least one benchmark and method")
    for b in bases:  # what the bases name, once (each point is admitted below)
        check_names(b)
    seeds = tuple(dict.fromkeys(int(s) for s in seeds))
    if not seeds:
        raise ConfigError("--seeds: give at least one seed")
    if params:
        shared = tuple(_axis(resolve_field(f), vs) for f, vs in params.items())
        if len({a.field for a in shared}) < len(shared):
            raise ConfigError("--param: the same field twice")
        axes = tuple(shared for _ in bases)
    else:
        axes = tuple((_own_axis(b.train.method, values),) for b in bases)
    grid = Grid(tuple(bases), axes, seeds, limits)
    if grid.n_runs > MAX_RUNS:
        raise ConfigError(f"the grid has {grid.n_runs} runs; at most {MAX_RUNS} per sweep "
                          "(split it into several sweeps)")
    names = set()
    for p in grid.points():  # builds (and so validates) every config
        if p.file in names:
            raise ConfigError(f"two grid points share the file name {p.file}")
        names.add(p.file)
        try:
            admit(p.config, limits)  # arithmetic on the config: nothing is built
        except ConfigError as e:
            raise ConfigError(f"grid point {p.file.removesuffix('.pt')}: {e}") from None
    return grid


def _axis(field: str, values: Sequence[Any]) -> Axis:
    vals = tuple(dict.fromkeys(coerce_value(field, v) for v in values))
    if not vals:
        raise ConfigError(f"--values for {field}: give at least one value")
    if len(vals) > MAX_VALUES:
        raise ConfigError(f"--values for {field}: at most {MAX_VALUES} values")
    return Axis(field, vals)


def _own_axis(method: str, values: Sequence[Any] | None) -> Axis:
    strength = method_spec(method).strength
    if strength is None:
        raise ConfigError(f"method {method!r} has no regularizer strength to sweep; give "
                          "--param FIELD --values ...")
    return _axis(f"train.{strength.field}", values if values else strength.sweep_values)


def preset_value(base: RunConfig, field: str) -> Any:
    """The preset's value of `field` for the base's benchmark and method (β = 0.005 on the toy):
    what the explorer stars as the preset's value."""
    from hnviz.core.presets import default_config

    section, attr = field.split(".", 1)
    cfg = default_config(base.task.benchmark, base.train.method, n_tasks=base.task.n_tasks)
    return to_json(getattr(getattr(cfg, section), attr))
