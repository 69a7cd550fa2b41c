"""hnviz: a browser lab for continual learning with task-conditioned hypernetworks.

The library a notebook uses (docs/LIBRARY.md has a worked example):

    from hnviz import Trainer, default_config, compute_landscape

    trainer = Trainer(default_config("split-digits", "hnet"))   # the benchmark's preset
    trainer.run()                                                 # every task, one after another
    trainer.history["R"]                                          # R[after task i][on task j]
    compute_landscape(trainer, resolution=48)                     # the embedding plane

Each public name below is imported on first use (PEP 562 `__getattr__`), so `import hnviz`
loads neither torch nor streamlit, and `hnviz.live` stays torch-free on the server side.
"""

from __future__ import annotations

__version__ = "0.1.0"

# public name -> the module that defines it (one concept, one place: these are re-exports)
_API: dict[str, str] = {
    # a run's configuration: frozen dataclasses, to_dict / from_dict, cfg.replace(train={...})
    "RunConfig": "hnviz.core.config",
    "TaskConfig": "hnviz.core.config",
    "TargetConfig": "hnviz.core.config",
    "HnetConfig": "hnviz.core.config",
    "TrainConfig": "hnviz.core.config",
    "ReplayConfig": "hnviz.core.config",
    "ConfigError": "hnviz.core.config",
    "default_config": "hnviz.core.presets",  # a benchmark's preset with a method
    "admit": "hnviz.core.admission",  # a config checked against the registries and limits
    # the registries: what can be trained, and how
    "BENCHMARKS": "hnviz.core.benchmarks",
    "METHODS": "hnviz.core.method_specs",
    "SCENARIOS": "hnviz.core.scenarios",
    # training, run files, metrics
    "Trainer": "hnviz.core.trainer",
    "save_run": "hnviz.core.io",
    "load_run": "hnviz.core.io",
    "RunFileError": "hnviz.core.io",
    "summarize": "hnviz.core.metrics",  # ACC, BWT, FWT, forgetting of an accuracy matrix
    # what the app's pages draw, as arrays
    "compute_landscape": "hnviz.analysis.landscape",  # performance over the embedding plane
    "task_embeddings": "hnviz.analysis.generated",
    "evaluate_embeddings": "hnviz.analysis.generated",  # networks at any embeddings, batched
    # grids of runs, locally or on a cluster
    "make_grid": "hnviz.sweeps.grid",
    "run_sweep": "hnviz.sweeps.engine",
    "load_sweep": "hnviz.analysis.sweeps",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> object:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'hnviz' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
