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


def default_config(benchmark: str = DEFAULT_BENCHMARK, method: str = DEFAULT_METHOD,
                   target: str | None = None, n_tasks: int | None = None) -> RunConfig:
    """The benchmark's preset, trained with `method` (ConfigError for unknown names); `target`:
    another target kind than the preset's, with the learning rate the benchmark gives a
    hypernetwork generating it (`Benchmark.hnet_lr`); `n_tasks`: a run of that many tasks (its
    `task.n_tasks`), from the benchmark's long-sequence preset when it has one for that many
    (`Benchmark.long`); None: the default count."""
    b = benchmarks.benchmark(benchmark)
    spec = method_spec(method)  # a clear error for an unknown method
    base = b.preset(n_tasks)
    train = dataclasses.replace(base.train, method=method, multi_head=spec.multi_head,
                                **preset_strengths(b.kind))
    if target is None:
        return dataclasses.replace(base, train=train)
    if spec.has_embeddings:
        train = dataclasses.replace(train, lr=b.hnet_lr(target))
    return dataclasses.replace(base, train=train,
                               target=dataclasses.replace(base.target, kind=target))
