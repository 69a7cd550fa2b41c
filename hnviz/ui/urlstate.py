"""A run configuration <-> URL query parameters (pure functions, no Streamlit).

    encode(cfg) -> {"benchmark": "regression1d", "method": "hnet", "iters": "200", ...}
    decode(params) -> (cfg | None, [problems])

Only fields that differ from the preset `default_config(benchmark, method)` are written, so a
shared link stays short and readable; `benchmark` and `method` are always written. Decoding starts
from that preset, applies every field it understands, and reports (instead of raising) the ones
it cannot use, so a hand-edited link still opens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hnviz.core.benchmarks import BENCHMARKS, DEFAULT_BENCHMARK
from hnviz.core.config import ConfigError, RunConfig
from hnviz.core.method_specs import DEFAULT_METHOD, METHODS
from hnviz.core.presets import default_config


def _ints(s: str) -> tuple[int, ...]:
    return tuple(int(v) for v in s.split(",") if v.strip())


def _fmt_float(v: float) -> str:
    return f"{v:g}"


def _fmt_ints(v: tuple[int, ...]) -> str:
    return ",".join(str(i) for i in v)


# query key -> (config section, field, parse, format)
FIELDS: dict[str, tuple[str, str, Callable[[str], Any], Callable[[Any], str]]] = {
    "beta": ("train", "beta", float, _fmt_float),
    "lr": ("train", "lr", float, _fmt_float),
    "iters": ("train", "iters_per_task", int, str),
    "seed": ("train", "seed", int, str),
    "tasks": ("task", "n_tasks", int, str),
    "emb_dim": ("hnet", "emb_dim", int, str),
    "hnet": ("hnet", "kind", str, str),
    "hnet_hidden": ("hnet", "hidden", _ints, _fmt_ints),
    "chunk_size": ("hnet", "chunk_size", int, str),
    "target_hidden": ("target", "hidden", _ints, _fmt_ints),
}
KEYS = ("benchmark", "method", *FIELDS)


def encode(cfg: RunConfig) -> dict[str, str]:
    """Query parameters describing `cfg` (relative to its benchmark/method preset)."""
    base = default_config(cfg.task.benchmark, cfg.train.method)
    out = {"benchmark": cfg.task.benchmark, "method": cfg.train.method}
    for key, (section, name, _parse, fmt) in FIELDS.items():
        value = getattr(getattr(cfg, section), name)
        if value is not None and value != getattr(getattr(base, section), name):
            out[key] = fmt(value)
    return out


def decode(params: Mapping[str, str]) -> tuple[RunConfig | None, list[str]]:
    """The config the parameters describe (None if they hold none) and a list of problems."""
    if not any(k in params for k in KEYS):
        return None, []
    problems: list[str] = []
    bench = params.get("benchmark", DEFAULT_BENCHMARK)
    method = params.get("method", DEFAULT_METHOD)
    if bench not in BENCHMARKS:
        problems.append(f"unknown benchmark {bench!r}")
        bench = DEFAULT_BENCHMARK
    if method not in METHODS:
        problems.append(f"unknown method {method!r}")
        method = DEFAULT_METHOD
    cfg = default_config(bench, method)
    for key, (section, name, parse, _fmt) in FIELDS.items():
        if key not in params:
            continue
        try:
            value = parse(str(params[key]))
            cfg = cfg.replace(**{section: {name: value}})
            if key == "seed":  # one seed for data and training, like the CLI
                cfg = cfg.replace(task={"seed": value})
        except (ValueError, ConfigError) as e:
            problems.append(f"{key}={params[key]!r} ignored ({e})")
    return cfg, problems
