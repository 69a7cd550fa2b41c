"""The RunConfig a (benchmark, method) pair starts from (what the CLI and the app start from).

The benchmark's entry holds its HNET preset; the method registry holds the baselines' strengths
per benchmark kind and each method's head layout (`MethodSpec.multi_head`: one head per task for
the shared-weight baselines, one head per generated network for HNET). Nothing here is specific
to one benchmark or method.
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
    spec = method_spec(method)  # a clear error for an unknown method
    base = b.preset()
    return dataclasses.replace(base, train=dataclasses.replace(
        base.train, method=method, multi_head=spec.multi_head, **preset_strengths(b.kind)))
