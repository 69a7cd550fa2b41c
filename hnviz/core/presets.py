"""The RunConfig a (benchmark, method) pair starts from (what the CLI and the app start from).

The benchmark's entry holds its HNET preset; the method registry holds the baselines' strengths
per benchmark kind. Nothing here is specific to one benchmark or method.
"""

from __future__ import annotations

import dataclasses

from . import benchmarks
from .benchmarks import DEFAULT_BENCHMARK
from .config import RunConfig
from .method_specs import DEFAULT_METHOD, method_spec, preset_strengths


def default_config(benchmark: str = DEFAULT_BENCHMARK, method: str = DEFAULT_METHOD) -> RunConfig:
    """The benchmark's preset, trained with `method` (ConfigError for unknown names)."""
    b = benchmarks.benchmark(benchmark)
    method_spec(method)  # a clear error for an unknown method
    base = b.preset()
    return dataclasses.replace(base, train=dataclasses.replace(
        base.train, method=method, **preset_strengths(b.kind)))
