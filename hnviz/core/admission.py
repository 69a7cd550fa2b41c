"""Admission of a run: the one place where a config meets the registries and the limits, before
anything is built.

    admit(cfg, limits) -> cfg    ConfigError (one line) for the first problem, else cfg
    check_names(cfg)             the registry checks alone (part of `admit`)
    field_sizes(cfg)             (field, value, Limits field) of every bounded size, the task
                                 count resolved (the benchmark's default when unset)

The configs (`config.py`) check what each field can know alone; whatever needs a registry is
checked here, in this order:

  1. names and combinations: the benchmark (`benchmarks.benchmark`) and the method
     (`method_specs.method_spec`) exist; a scenario where the task is not given
     (`scenarios.scenario(name).task_given`) needs a classification benchmark and at most
     `config.MAX_INFERRED_TASKS` tasks; the task count is within the benchmark's maximum; a
     subset only where the benchmark takes one; a conv target only on images it can convolve;
  2. every size against `limits` (`limits.check_sizes`), the training steps (tasks ×
     iterations per task) against the time budget `max_steps`, then the parameter counts, the memory
     estimate against the budget and the estimated time of one training step (`sizes.py`, all
     arithmetic on the config: a request for 10⁶ tasks or a 2·10⁶-wide layer costs
     microseconds and allocates nothing).

Every entry point admits what users give it before building: `Trainer(cfg, limits=...)`, run
files (`run_checks.check_declared` / `check_run_dict`, hence `io.read_run_dict`, `load_run`),
the CLI's `train` (`run_args.admitted_config`), sweeps' `make_grid`, the app's URL state, the
Train page's form and `Workspace.new_run` (the server admits a live run; its worker builds the
only Trainer of it without checking again).
"""

from __future__ import annotations

from .benchmarks import BENCHMARKS, benchmark
from .config import MAX_INFERRED_TASKS, ConfigError, RunConfig
from .conv_shapes import check_target
from .limits import LIBRARY, Limits, check_sizes, num_text, too_big
from .method_specs import method_spec
from .scenarios import scenario
from .sizes import format_bytes, memory_estimate, n_tasks, param_counts, step_estimate


def _check(ok: bool, name: str, expected: str) -> None:
    if not ok:
        raise ConfigError(f"{name} must be {expected}")


def check_names(cfg: RunConfig) -> None:
    """The checks that need a registry: ConfigError naming the field (see the module
    docstring, step 1)."""
    task = cfg.task
    b = benchmark(task.benchmark)  # "task.benchmark must be one of (...)"
    n = b.n_tasks(task)
    if not scenario(task.scenario).task_given:
        _check(b.kind == "classification", "task.scenario",
               f"cl1 for {task.benchmark} (cl2/cl3 need a classification benchmark)")
        _check(n <= MAX_INFERRED_TASKS, "task.n_tasks",
               f"<= {MAX_INFERRED_TASKS} in {task.scenario} (inferring the task runs every "
               f"seen task's network on every test input; got {n})")
    b.check_n_tasks(task)
    _check(task.subset is None or b.subset, "task.subset",
           f"null for {task.benchmark} (a subset applies to: {', '.join(_subset_benchmarks())})")
    method_spec(cfg.train.method)  # "train.method must be one of (...)"
    if cfg.target.kind != "mlp":  # a conv net needs images it can convolve
        try:
            check_target(cfg.target.kind, b.input_shape, b.out_dim)
        except ValueError as e:
            raise ConfigError(f"target.kind={cfg.target.kind} does not fit "
                              f"{task.benchmark}: {e}") from None


def _subset_benchmarks() -> list[str]:
    return [name for name, b in BENCHMARKS.items() if b.subset]


def field_sizes(cfg: RunConfig) -> list[tuple[str, int, str]]:
    """(config field, value, Limits field) of every size in `cfg` that a limit bounds (each
    config section lists its own: `TaskConfig.limited()`, ...), the task count resolved."""
    return [*cfg.task.limited(n_tasks(cfg)), *cfg.target.limited(), *cfg.hnet.limited(),
            *cfg.train.limited(), *cfg.replay.limited()]


def run_steps(cfg: RunConfig) -> int:
    """Training steps of the whole run: tasks (the benchmark's default when unset) × iterations
    per task (the time budget `max_steps` bounds it)."""
    return n_tasks(cfg) * cfg.train.iters_per_task


def admit(cfg: RunConfig, limits: Limits = LIBRARY) -> RunConfig:
    """`cfg` if a run of it may be built under `limits`, else a one-line ConfigError: the first
    name or combination the registries refuse, the first size over its limit, the training
    steps over the time budget, then the parameter counts, the memory estimate against the budget, the estimated time of one
    training step. Pure arithmetic on the config; builds nothing."""
    check_names(cfg)
    check_sizes(field_sizes(cfg), limits)
    steps = run_steps(cfg)
    if steps > limits.max_steps:
        raise too_big("training steps (tasks × iterations per task)", steps, limits,
                      "max_steps")
    counts = param_counts(cfg)
    if counts.target > limits.max_target_params:
        raise too_big("target parameters", counts.target, limits, "max_target_params")
    if counts.hnet is not None and counts.hnet > limits.max_hnet_params:
        raise too_big("hypernet parameters", counts.hnet, limits, "max_hnet_params")
    if counts.replay is not None and counts.replay > limits.max_hnet_params:
        raise too_big("replay model parameters", counts.replay, limits, "max_hnet_params")
    est = memory_estimate(cfg)
    if est.mb > limits.max_memory_mb:
        what, size = est.largest()
        raise ConfigError(
            f"this run needs ~{format_bytes(est.total)}, more than the "
            f"{num_text(limits.max_memory_mb)} MB budget ({limits.hint('max_memory_mb')}); "
            f"the largest part: {what} {format_bytes(size)}")
    step = step_estimate(cfg)
    if step.seconds > limits.max_step_s:
        what, secs = step.largest()
        raise ConfigError(
            f"one training step of this run takes ~{step.seconds:.1f} s on a CPU core, more "
            f"than the {num_text(limits.max_step_s)} s limit ({limits.hint('max_step_s')}); the "
            f"largest part: {what} ~{secs:.1f} s")
    return cfg
