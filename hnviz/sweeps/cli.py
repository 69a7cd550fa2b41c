"""`python -m hnviz sweep`: a grid of runs (benchmarks × methods × config values × seeds).

    python -m hnviz sweep --benchmark regression1d --method hnet \\
        --betas 0,1e-4,1e-3,1e-2,1e-1,1 --seeds 0,1,2 --iters 1000 --out runs/sweeps/toy
    python -m hnviz sweep --param train.beta --values 0,0.01 \\
        --param hnet.hidden --values "50,50;100,100" --out runs/sweeps/beta-x-size
    python -m hnviz sweep --methods hnet,ewc,si --benchmarks regression1d,split-digits \\
        --backend dask --address tcp://scheduler:8786 --out runs/sweeps/all

Without `--param`, each method sweeps its own regularizer strength (β for hnet, λ for ewc, c for
si: the registry's `strength`) over `--values` (aliases `--betas/--lambdas/--cs`) or, without
them, the registry's default grid. Every other `train` option applies to every run.
"""

from __future__ import annotations

import argparse
import json
import sys

from hnviz.core.benchmarks import benchmark
from hnviz.core.config import ConfigError
from hnviz.core.devices import resolve_device
from hnviz.core.method_specs import METHODS, method_spec
from hnviz.run_args import (
    add_limit_args,
    add_run_args,
    check_out_arg,
    config_for,
    limits_from_args,
    parse_ints,
)

from .backends import ALIASES, BACKENDS, BackendError, parse_resources
from .engine import run_sweep
from .grid import Grid, make_grid, parse_values, resolve_field

HELP = "train a grid of runs: benchmarks × methods × config values × seeds"


def _own_params() -> str:
    """'hnet→beta, ewc→ewc_lambda, …' for the help text."""
    return ", ".join(f"{m.name}→{m.strength.field}" for m in METHODS.values() if m.strength)


def _names(s: str) -> list[str]:
    return [v.strip() for v in s.split(",") if v.strip()]


def add_sweep_args(p: argparse.ArgumentParser) -> None:
    add_run_args(p)
    add_limit_args(p)
    g = p.add_argument_group("grid")
    g.add_argument("--benchmarks", type=_names,
                   help="comma-separated benchmarks in one sweep (default: --benchmark)")
    g.add_argument("--methods", type=_names,
                   help="comma-separated methods in one sweep (default: --method)")
    g.add_argument("--param", action="append", metavar="FIELD",
                   help="a config field to vary, e.g. train.beta, hnet.hidden, hnet.chunk_size, "
                        "task.n_tasks (bare names such as beta or lr mean train.*); repeat "
                        "--param/--values for a product of several fields (default: each "
                        f"method's own strength: {_own_params()})")
    g.add_argument("--values", "--betas", "--lambdas", "--cs", dest="values", action="append",
                   metavar="VALUES",
                   help="the values of the --param before it, comma-separated (0,1e-4,1e-3); "
                        "a tuple field's values separated by ';' (\"50,50;100,100\"); without "
                        "--param: the methods' own strengths (default: the registry's grid)")
    g.add_argument("--seeds", type=parse_ints, default=(0,),
                   help="comma-separated seeds (default 0)")
    r = p.add_argument_group("where and how")
    r.add_argument("--backend", choices=BACKENDS + tuple(ALIASES), default="local",
                   help="local worker processes (default), a dask / ray cluster, or inline "
                        "(this process, one run after another: debugging)")
    r.add_argument("--address",
                   help="dask: tcp://scheduler:8786; ray: host:6379, ray://host:10001 or auto "
                        "(default: start a local cluster)")
    r.add_argument("--jobs", type=int,
                   help="local workers (default: all cores; dask/ray without --address too)")
    r.add_argument("--resources", action="append", metavar="NAME=AMOUNT",
                   help="what one run needs from a dask/ray worker, e.g. GPU=1 (one run per "
                        "GPU; start the workers with the same resources)")
    r.add_argument("--retries", type=int, default=1,
                   help="how often a run whose worker died is run again before it is recorded "
                        "failed (default 1)")
    o = p.add_argument_group("output")
    o.add_argument("--grid-points", type=int, default=200,
                   help="regression: samples of each task's generated function")
    o.add_argument("--name", help="display name (default: the folder name)")
    o.add_argument("--out", required=True, help="sweep folder (resumes if it exists)")
    o.add_argument("--quiet", action="store_true", help="no progress bars")
    o.add_argument("--json", action="store_true", help="last stdout line: one JSON summary")


def grid_from_args(a: argparse.Namespace) -> Grid:
    """The grid the options describe (every point validated). ConfigError names the problem."""
    benchmarks = a.benchmarks or [a.benchmark]
    methods = a.methods or [a.method]
    for b in benchmarks:
        benchmark(b)  # ConfigError naming the choices
    for m in methods:
        method_spec(m)
    bases = [config_for(a, b, m) for b in benchmarks for m in methods]
    values = a.values or []
    if not a.param:
        if len(values) > 1:
            raise ConfigError("--values given several times: pair each with a --param FIELD")
        own = parse_values("train.beta", values[0]) if values else None  # strengths: floats
        return make_grid(bases, None, a.seeds, own, limits=limits_from_args(a))
    if len(values) != len(a.param):
        raise ConfigError("give one --values after each --param")
    fields = [resolve_field(f) for f in a.param]
    params = {f: parse_values(f, v) for f, v in zip(fields, values)}
    return make_grid(bases, params, a.seeds, limits=limits_from_args(a))


def check_data(grid: Grid) -> None:
    """Runs on this machine need the benchmarks' data here: say so now, in one line
    (DataUnavailableError), not once per run; with --download fetch it once, before the
    workers start. (On a cluster the data is the workers' business.)"""
    from hnviz.core.benchmarks import benchmark
    from hnviz.core.datasets_torchvision import DataUnavailableError

    for base in grid.bases:
        b, task = benchmark(base.task.benchmark), base.task
        if task.download:
            b.download(task.data_root)
        reason = b.unavailable_reason(task.data_root)
        if reason is not None:
            raise DataUnavailableError(f"{b.name}: {reason}")


def cmd_sweep(a: argparse.Namespace) -> int:
    from hnviz.core.datasets_torchvision import DataUnavailableError

    if not 1 <= a.grid_points <= 10_000:
        raise ConfigError("--grid-points must be in 1..10000")
    if a.jobs is not None and a.jobs < 1:
        raise ConfigError("--jobs must be >= 1")
    if not 0 <= a.retries <= 100:
        raise ConfigError("--retries must be in 0..100")
    grid = grid_from_args(a)  # every point validated and within the limits
    check_out_arg(a.out, folder=True)  # the sweep folder can be written: before any work
    try:
        if ALIASES.get(a.backend, a.backend) in ("local", "inline"):
            resolve_device(a.device)  # a one-line error here, not one failed record per run
            check_data(grid)
        m = run_sweep(grid, a.out, backend=a.backend, jobs=a.jobs, address=a.address,
                      resources=parse_resources(a.resources), retries=a.retries,
                      grid_points=a.grid_points, progress=not a.quiet, name=a.name,
                      device=a.device)
    except DataUnavailableError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # a second Ctrl-C: stopped at once, the manifest is saved
        print("sweep cancelled; run the same command again to resume", file=sys.stderr)
        return 130
    except BackendError as e:
        print(f"error: {e} (the manifest in {a.out} is resumable)", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"error: cannot write the sweep into {a.out}: {e.strerror or e}", file=sys.stderr)
        return 2
    counts = m["counts"]
    info = {"out": str(a.out), "runs": len(m["runs"]), "ok": counts["ok"],
            "failed": counts["failed"], "skipped": m["n_skipped"], "wall_s": m["wall_s"],
            "status": m["status"], "backend": m["backend"], "address": m["address"]}
    if m["status"] == "cancelled":
        print(f"sweep cancelled after {counts['ok'] + counts['failed']} of {len(m['runs'])} "
              "runs; run the same command again to resume", file=sys.stderr)
        if a.json:
            print(json.dumps(info))
        return 130
    if a.json:
        print(json.dumps(info))
    else:
        axes = ", ".join(dict.fromkeys(x["field"] for ax in m["axes"].values() for x in ax))
        print(f"sweep {axes}: {len(m['runs'])} runs → {a.out}: {counts['ok']} ok, "
              f"{counts['failed']} failed, {m['n_skipped']} already done, "
              f"{m['wall_s']:.1f} s" + (f" on {m['address']}" if m["address"] else ""))
    return 0

