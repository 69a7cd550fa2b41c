"""`python -m hnviz sweep`: one regularizer strength × seeds, as a grid of runs in parallel.

    python -m hnviz sweep --benchmark regression1d --method hnet \\
        --betas 0,1e-4,1e-3,1e-2,1e-1,1 --seeds 0,1,2 --iters 1000 --out runs/sweeps/toy

The swept parameter follows the method's registry entry (its `strength`): β for hnet
(`--betas`), λ for ewc / online-ewc (`--lambdas`), c for si (`--cs`); or say it generically with
`--param beta|ewc_lambda|si_c --values ...` (any float TrainConfig knob: also lr, si_xi,
online_gamma). Every grid point is a normal run file (`beta=0.001_seed=1.pt`, written atomically
by `save_run`); `sweep.json` (see `hnviz.analysis.sweeps`) is rewritten after every finished run,
so the app can show progress. Runs whose checkpoint exists, matches the config and is complete
(or failed deterministically) are skipped: a second invocation resumes. A run that raises or
diverges to NaN is recorded as failed and the sweep goes on.

Parallelism is joblib: `--backend loky` (default, local worker processes, `--jobs` defaults to all
cores) or `ray` / `dask` for a cluster (`--address`), each only if installed. Workers use one torch
thread each (the models are tiny; more threads would only contend).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .analysis.summary import run_summary
from .analysis.sweeps import (
    FORMAT,
    MANIFEST,
    VERSION,
    regression_functions,
    run_file_name,
    task_grids,
    task_info,
)
from .core.config import ConfigError, RunConfig
from .core.io import write_atomic
from .core.method_specs import METHODS, method_spec, sweepable_params
from .run_args import add_run_args, config_from_args, parse_floats, parse_ints

BACKENDS = ("loky", "ray", "dask")
# The regularizer strengths, plus the other float knobs (e.g. a learning-rate sweep).
PARAMS = sweepable_params()
HELP = "train a grid of runs over a regularizer strength × seeds"


# ------------------------------------------------------------------------------ grid
def sweep_param(method: str, param: str | None = None) -> str:
    """The TrainConfig field a sweep varies: given, or the method's own strength."""
    if param is None:
        strength = method_spec(method).strength
        if strength is None:
            raise ConfigError(f"method {method!r} has no regularizer strength to sweep; "
                              f"give --param one of {PARAMS}")
        return strength.field
    if param not in PARAMS:
        raise ConfigError(f"--param must be one of {PARAMS}")
    return param


def run_config(base: RunConfig, param: str, value: float, seed: int) -> RunConfig:
    """The config of one grid point: base with the strength and the seed (data and init) set."""
    return base.replace(train={param: float(value), "seed": seed}, task={"seed": seed})


def grid(values, seeds) -> list[tuple[float, int]]:
    return [(float(v), int(s)) for v in values for s in seeds]


# ------------------------------------------------------------------------------ one run
def run_one(cfg_dict: dict[str, Any], path: str, grid_points: int,
            device: str = "cpu") -> dict[str, Any]:
    """Train one grid point in a worker process (on `device`) and save it. Never raises: an
    exception becomes a failed record. Returns {"status", "error", "summary", "functions"?}."""
    from .core.io import save_run
    from .core.threads import threads
    from .core.trainer import Trainer

    try:
        with threads(1):  # one thread per worker; also when n_jobs=1 runs in the caller
            cfg = RunConfig.from_dict(cfg_dict)
            trainer = Trainer(cfg, device=device)
            t0 = time.perf_counter()
            while not trainer.done:
                trainer.advance(500)
            summary = run_summary(trainer, time.perf_counter() - t0)
            rec = _record(trainer, summary, grid_points)
        save_run(trainer, path, meta={"summary": summary, "sweep_record": rec})
        return rec
    except Exception as e:  # noqa: BLE001 - a crashed run must not stop the sweep
        last = traceback.format_exception_only(type(e), e)[-1].strip()
        return {"status": "failed", "error": last[:500], "summary": None}


def _record(trainer, summary: dict[str, Any], grid_points: int) -> dict[str, Any]:
    rec: dict[str, Any] = {"status": "failed" if trainer.error else "ok",
                           "error": trainer.error, "summary": _jsonable(summary)}
    if trainer.seq.is_regression:
        rec["functions"] = regression_functions(trainer, task_grids(trainer.seq, grid_points))
    return rec


def _jsonable(x: Any) -> Any:
    """NaN/inf -> None so the manifest stays strict JSON."""
    if isinstance(x, float):
        return x if x == x and abs(x) != float("inf") else None
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


def finished_record(path: Path, cfg_dict: dict[str, Any]) -> dict[str, Any] | None:
    """The record of an existing checkpoint that already holds this run to its end (finished or
    failed), else None (missing, unreadable, another config, or interrupted)."""
    from .core.io import RunFileError, read_run_dict

    if not path.is_file():
        return None
    try:
        raw = read_run_dict(path)
    except RunFileError:
        return None
    state, meta = raw["state"], raw["meta"]
    if raw["config"] != cfg_dict or "sweep_record" not in meta:
        return None
    n_tasks = len(raw["history"].get("R0") or [])
    done = state.get("error") is not None or (n_tasks > 0 and state.get("task") == n_tasks)
    return meta["sweep_record"] if done else None


# ------------------------------------------------------------------------------ manifest
def write_json_atomic(path: Path, obj: Any) -> None:
    data = json.dumps(obj, separators=(",", ":")).encode()
    write_atomic(path, lambda f: f.write(data))


def new_manifest(name: str, base: RunConfig, param: str, values, seeds,
                 paper_value: float | None, grid_points: int) -> dict[str, Any]:
    """The manifest before any run: config, grid, tasks (regression: data and x-grids)."""
    from .core.benchmarks import build_tasks

    seq = build_tasks(base.task)
    grids = task_grids(seq, grid_points) if seq.is_regression else None
    return {
        "format": FORMAT, "version": VERSION, "name": name,
        "benchmark": base.task.benchmark, "method": base.train.method, "param": param,
        "values": [float(v) for v in values], "seeds": [int(s) for s in seeds],
        "paper_value": paper_value, "metric": seq.metric.name,
        "iters_per_task": base.train.iters_per_task, "base_config": base.to_dict(),
        "tasks": task_info(seq, grids), "status": "running", "wall_s": 0.0,
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "runs": [{"file": run_file_name(param, v, s), "value": v, "seed": s,
                  "status": "pending", "error": None, "summary": None}
                 for v, s in grid(values, seeds)],
    }


# ------------------------------------------------------------------------------ backends
@contextmanager
def backend_context(backend: str, n_jobs: int, address: str | None = None):
    """joblib's parallel_config for the backend; ray / dask only when installed."""
    import joblib

    if backend not in BACKENDS:
        raise ConfigError(f"--backend must be one of {BACKENDS}")
    if backend == "loky":
        with joblib.parallel_config(backend="loky", n_jobs=n_jobs):
            yield
        return
    if backend == "ray":
        try:
            import ray
            from ray.util.joblib import register_ray
        except ImportError:
            raise ConfigError("--backend ray needs the `ray` package: pip install 'ray[default]'"
                              ) from None
        register_ray()
        ray.init(address=address, ignore_reinit_error=True)
        with joblib.parallel_config(backend="ray", n_jobs=n_jobs):
            yield
        return
    try:
        from dask.distributed import Client
    except ImportError:
        raise ConfigError("--backend dask needs `dask[distributed]`: "
                          "pip install 'dask[distributed]'") from None
    with Client(address) if address else Client(processes=True) as _client:
        with joblib.parallel_config(backend="dask", n_jobs=n_jobs):
            yield


# ------------------------------------------------------------------------------ the sweep
def run_sweep(base: RunConfig, param: str, values, seeds, out: str | os.PathLike, *,
              n_jobs: int | None = None, backend: str = "loky", address: str | None = None,
              paper_value: float | None = None, grid_points: int = 200, progress: bool = True,
              name: str | None = None, device: str = "cpu") -> dict[str, Any]:
    """Run (or resume) the sweep into folder `out`, every run on `device`; returns the final
    manifest."""
    from joblib import Parallel, delayed
    from tqdm import tqdm

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = new_manifest(name or out.name, base, param, values, seeds, paper_value,
                            grid_points)
    mpath = out / MANIFEST
    todo = []
    for rec in manifest["runs"]:
        cfg_dict = run_config(base, param, rec["value"], rec["seed"]).to_dict()
        done = finished_record(out / rec["file"], cfg_dict)
        if done is not None:
            rec.update(done, skipped=True)
        else:
            todo.append((rec, cfg_dict))
    manifest["n_skipped"] = len(manifest["runs"]) - len(todo)
    write_json_atomic(mpath, manifest)
    n_jobs = max(1, min(n_jobs or os.cpu_count() or 1, len(todo) or 1))
    t0 = time.perf_counter()
    bar = tqdm(total=len(todo), disable=not progress, file=sys.stderr, unit="run",
               desc=f"sweep {param} ({manifest['method']} on {manifest['benchmark']})")
    status = "cancelled"
    try:
        if todo:
            with backend_context(backend, n_jobs, address):
                results = Parallel(return_as="generator_unordered")(
                    delayed(_indexed)(i, cfg, str(out / rec["file"]), grid_points, device)
                    for i, (rec, cfg) in enumerate(todo))
                for i, result in results:
                    todo[i][0].update(result)
                    manifest["wall_s"] = round(time.perf_counter() - t0, 2)
                    write_json_atomic(mpath, manifest)
                    bar.update(1)
                    if result["status"] == "failed":
                        bar.write(f"run {todo[i][0]['file']} failed: {result['error']}")
        status = "done"
    finally:
        bar.close()
        manifest["status"] = status
        manifest["wall_s"] = round(time.perf_counter() - t0, 2)
        write_json_atomic(mpath, manifest)
    return manifest


def _indexed(i: int, cfg_dict, path, grid_points, device) -> tuple[int, dict[str, Any]]:
    return i, run_one(cfg_dict, path, grid_points, device)


# ------------------------------------------------------------------------------ CLI
def _own_params() -> str:
    """'hnet→beta, ewc→ewc_lambda, …' for the help text."""
    return ", ".join(f"{m.name}→{m.strength.field}" for m in METHODS.values() if m.strength)


def add_sweep_args(p: argparse.ArgumentParser) -> None:
    add_run_args(p)
    g = p.add_argument_group("sweep")
    g.add_argument("--param", choices=PARAMS,
                   help=f"the swept TrainConfig field (default: the method's own: "
                        f"{_own_params()})")
    g.add_argument("--values", "--betas", "--lambdas", "--cs", dest="values", type=parse_floats,
                   required=True, help="comma-separated strengths, e.g. 0,1e-4,1e-3,1e-2")
    g.add_argument("--seeds", type=parse_ints, default=(0,),
                   help="comma-separated seeds (default 0)")
    g.add_argument("--jobs", type=int, help="parallel workers (default: all cores)")
    g.add_argument("--backend", choices=BACKENDS, default="loky",
                   help="joblib backend: loky (local, default), ray or dask (if installed)")
    g.add_argument("--address", help="ray / dask scheduler address (default: start a local one)")
    g.add_argument("--grid-points", type=int, default=200,
                   help="regression: samples of each task's generated function")
    g.add_argument("--name", help="display name (default: the folder name)")
    g.add_argument("--out", required=True, help="sweep folder (resumes if it exists)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.add_argument("--json", action="store_true", help="last stdout line: one JSON summary")


def paper_value_of(cfg: RunConfig, param: str) -> float:
    """The preset's strength for `param` (β = 0.005 on the toy, 0.01 on split digits)."""
    from .core.presets import default_config

    return float(getattr(default_config(cfg.task.benchmark, cfg.train.method).train, param))


def cmd_sweep(a: argparse.Namespace) -> int:
    from .core.benchmarks import build_tasks
    from .core.datasets_torchvision import DataUnavailableError
    from .core.devices import resolve_device

    base = config_from_args(a)
    device = str(resolve_device(a.device))  # one-line error before any worker starts
    param = sweep_param(base.train.method, a.param)
    try:
        build_tasks(base.task)  # fail fast (data missing) before starting workers
    except DataUnavailableError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for v in a.values:
        run_config(base, param, v, 0)  # validates every value (e.g. negative)
    previous = _terminate_as_interrupt()
    try:
        m = run_sweep(base, param, a.values, a.seeds, a.out, n_jobs=a.jobs, backend=a.backend,
                      address=a.address, paper_value=paper_value_of(base, param),
                      grid_points=a.grid_points, progress=not a.quiet, name=a.name,
                      device=device)
    except KeyboardInterrupt:
        print("sweep cancelled; run the same command again to resume", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    n_ok = sum(r["status"] == "ok" for r in m["runs"])
    n_failed = sum(r["status"] == "failed" for r in m["runs"])
    info = {"out": str(a.out), "runs": len(m["runs"]), "ok": n_ok, "failed": n_failed,
            "skipped": m["n_skipped"], "wall_s": m["wall_s"]}
    if a.json:
        print(json.dumps(info))
    else:
        print(f"sweep {param} over {len(a.values)} values × {len(a.seeds)} seeds → {a.out}: "
              f"{n_ok} ok, {n_failed} failed, {m['n_skipped']} already done, "
              f"{m['wall_s']:.1f} s")
    return 0


def _terminate_as_interrupt():
    """SIGTERM (the app's Cancel) ends the sweep like Ctrl-C: the manifest says 'cancelled'.
    Returns the previous handler (None when not on the main thread)."""
    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (tests calling main() from a thread)
        return None
