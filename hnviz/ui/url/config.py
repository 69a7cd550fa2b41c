"""A run configuration <-> URL query parameters (pure functions, no Streamlit).

    encode(cfg) -> {"benchmark": "regression1d", "method": "hnet", "iters": "200", ...}
    decode(params) -> (cfg | None, [problems])

Only fields that differ from the preset `default_config(benchmark, method)` are written, so a
shared link stays short and readable; `benchmark` and `method` are always written. Decoding starts
from that preset, applies every field it understands, and reports (instead of raising) the ones
it cannot use, so a hand-edited link still opens. The preset is the one of the link's number of
tasks (`tasks`): a long sequence has its own (`Benchmark.long`), so
`?benchmark=permuted-digits&method=hnet&tasks=100` opens the long-sequence preset.

A value outside its range is NEVER clamped or mapped to another value: the link's value is not
used, the preset's stays, and the problem says so ("iters=200000 is above the most allowed,
20000; kept 4000"). The same bounds (`FIELDS[key].lo/hi`) are the Train form's widget bounds, so
a widget can never silently change a value the URL put there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hnviz.core.admission import admit, check_names
from hnviz.core.benchmarks import BENCHMARKS, DEFAULT_BENCHMARK, benchmark
from hnviz.core.config import ConfigError, RunConfig
from hnviz.core.limits import app_limits
from hnviz.core.method_specs import DEFAULT_METHOD, METHODS, strength_fields
from hnviz.core.presets import default_config
from hnviz.ui.text import VALUE_CHARS, cut
from hnviz.ui.text import value as value_text


def _ints(s: str) -> tuple[int, ...]:
    return tuple(int(v) for v in s.split(",") if v.strip())


def _fmt_float(v: float) -> str:
    return f"{v:g}"


def _fmt_ints(v: tuple[int, ...]) -> str:
    return ",".join(str(i) for i in v)


def _app(field: str) -> Callable[[], float]:
    """The app's limit `field` (read when used: HNVIZ_LIMIT_* can change between runs)."""
    return lambda: getattr(app_limits(), field)


@dataclass(frozen=True)
class Field:
    """One query key: where it goes in the config, how to read/write it, its allowed range
    (for tuples: of every element). `hi=None` reads the bound from the app limits."""

    section: str
    name: str
    parse: Callable[[str], Any]
    fmt: Callable[[Any], str]
    lo: float
    hi: float | Callable[[], float]

    def upper(self) -> float:
        return self.hi() if callable(self.hi) else self.hi


STRENGTH_MAX = 1e12  # β, λ, c: any finite non-negative value up to this is taken as written

FIELDS: dict[str, Field] = {
    "lr": Field("train", "lr", float, _fmt_float, 1e-7, 100.0),
    "iters": Field("train", "iters_per_task", int, str, 1, _app("max_iters")),
    "seed": Field("train", "seed", int, str, 0, 2**31 - 1),
    "tasks": Field("task", "n_tasks", int, str, 1, _app("max_tasks")),
    "emb_dim": Field("hnet", "emb_dim", int, str, 1, _app("max_emb_dim")),
    "hnet": Field("hnet", "kind", str, str, 0, 0),
    "hnet_hidden": Field("hnet", "hidden", _ints, _fmt_ints, 1, _app("max_width")),
    "chunk_size": Field("hnet", "chunk_size", int, str, 1, _app("max_chunk_size")),
    "target_hidden": Field("target", "hidden", _ints, _fmt_ints, 1, _app("max_width")),
    "target": Field("target", "kind", str, str, 0, 0),
    "subset": Field("task", "subset", int, str, 1, _app("max_samples")),
    "scenario": Field("task", "scenario", str, str, 0, 0),
    **{f: Field("train", f, float, _fmt_float, 0.0, STRENGTH_MAX) for f in strength_fields()},
}
KEYS = ("benchmark", "method", *FIELDS)


def encode(cfg: RunConfig) -> dict[str, str]:
    """Query parameters describing `cfg` (relative to its benchmark/method/target preset)."""
    bench = benchmark(cfg.task.benchmark)
    # the target's own preset (its lr: `Benchmark.hnet_lr`), the kind written when not preset
    # (the preset of its number of tasks; the number itself is written whenever it is set)
    base = default_config(bench.name, cfg.train.method, cfg.target.kind,
                          cfg.task.n_tasks).replace(target={"kind": bench.target.kind},
                                                    task={"n_tasks": None})
    out = {"benchmark": cfg.task.benchmark, "method": cfg.train.method}
    for key, f in FIELDS.items():
        value = getattr(getattr(cfg, f.section), f.name)
        if value is not None and value != getattr(getattr(base, f.section), f.name):
            out[key] = f.fmt(value)
    return out


def out_of_range(key: str, value: Any) -> str | None:
    """Why `value` cannot be used for `key` (one line), or None when it is in range."""
    f = FIELDS[key]
    if f.parse is str:
        return None
    hi = f.upper()
    for v in value if isinstance(value, tuple) else (value,):
        if isinstance(v, float) and not math.isfinite(v):
            return "is not a finite number"
        if v < f.lo:
            return f"is below the least allowed, {f.lo:g}"
        if v > hi:
            return f"is above the most allowed, {hi:g}"
    if isinstance(value, tuple) and not value:
        return "is empty"
    if isinstance(value, tuple) and len(value) > app_limits().max_layers:
        return f"has more than {app_limits().max_layers} layers"
    return None


def decode(params: Mapping[str, str]) -> tuple[RunConfig | None, list[str]]:
    """The config the parameters describe (None if they hold none) and a list of problems."""
    if not any(k in params for k in KEYS):
        return None, []
    problems: list[str] = []
    bench = params.get("benchmark", DEFAULT_BENCHMARK)
    method = params.get("method", DEFAULT_METHOD)
    if bench not in BENCHMARKS:
        problems.append(f"benchmark={value_text(bench)} is unknown; showing {DEFAULT_BENCHMARK}")
        bench = DEFAULT_BENCHMARK
    if method not in METHODS:
        problems.append(f"method={value_text(method)} is unknown; showing {DEFAULT_METHOD}")
        method = DEFAULT_METHOD
    target = params.get("target")  # its preset learning rate (`Benchmark.hnet_lr`)
    target = target if target in benchmark(bench).target_kinds() else None
    n_tasks = _link_tasks(params, bench)  # a long sequence's own preset (`Benchmark.long`)
    cfg = default_config(bench, method, target, n_tasks)
    for key, f in FIELDS.items():
        if key not in params:
            continue
        raw = str(params[key])[:200]
        kept = getattr(getattr(cfg, f.section), f.name)
        kept_text = f.fmt(kept) if kept is not None else "the preset"
        try:
            value = f.parse(raw)
        except ValueError:
            problems.append(f"{key}={value_text(raw)} is not a valid value; kept {kept_text}")
            continue
        why = out_of_range(key, value)
        if why is None and key == "tasks":
            top = benchmark(bench).max_n_tasks
            why = f"is above the {top} tasks {bench} offers" if value > top else None
        if why is not None:
            problems.append(f"{key}={cut(raw, VALUE_CHARS)} {why}; kept {kept_text}")
            continue
        try:
            changed = cfg.replace(**{f.section: {f.name: value}})
            if key == "seed":  # one seed for data and training, like the CLI
                changed = changed.replace(task={"seed": value})
            check_names(changed)  # e.g. a subset or a scenario the benchmark does not take
            cfg = changed
        except (ValueError, ConfigError) as e:
            problems.append(f"{key}={value_text(raw)} not used ({e}); kept {kept_text}")
    try:  # sizes together (parameters, memory) within the app's budget
        admit(cfg, app_limits())
    except ConfigError as e:
        problems.append(f"the linked setup is too large for this server ({e}); showing the "
                        f"{bench} preset")
        cfg = default_config(bench, method)
    return cfg, problems


def _link_tasks(params: Mapping[str, str], bench: str) -> int | None:
    """The link's number of tasks when it is usable (in range, at most the benchmark's), else
    None (the loop in `decode` reports why): which preset the link starts from."""
    try:
        n = FIELDS["tasks"].parse(str(params.get("tasks", ""))[:200])
    except ValueError:
        return None
    if out_of_range("tasks", n) is not None or n > benchmark(bench).max_n_tasks:
        return None
    return n
