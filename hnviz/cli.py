"""Command line: `python -m hnviz train|info ...` (see `python -m hnviz --help`)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from .core.config import BENCHMARKS, HNET_KINDS, METHODS, ConfigError, RunConfig
from .core.presets import default_config

Command = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, tuple[Callable[[argparse._SubParsersAction], None], Command]] = {}


def command(name: str, add_args: Callable[[argparse.ArgumentParser], None], help: str):
    """Register a subcommand (other modules add theirs, e.g. `sweep`)."""
    def deco(fn: Command) -> Command:
        def add(sub: argparse._SubParsersAction) -> None:
            p = sub.add_parser(name, help=help, description=help)
            add_args(p)
        _COMMANDS[name] = (add, fn)
        return fn
    return deco


def _floats(s: str) -> tuple[float, ...]:
    return tuple(float(v) for v in s.split(",") if v.strip())


def _ints(s: str) -> tuple[int, ...]:
    return tuple(int(v) for v in s.split(",") if v.strip())


def add_run_args(p: argparse.ArgumentParser) -> None:
    """The options that describe one run (shared by `train` and `sweep`)."""
    p.add_argument("--benchmark", default="regression1d", choices=BENCHMARKS)
    p.add_argument("--method", default="hnet", choices=METHODS)
    p.add_argument("--beta", type=float, help="HNET output-regularizer strength β")
    p.add_argument("--lr", type=float, help="learning rate (Adam)")
    p.add_argument("--iters", type=int, help="training iterations per task")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-tasks", type=int, help="number of tasks (benchmark default if omitted)")
    p.add_argument("--hnet", choices=HNET_KINDS, help="hypernetwork kind")
    p.add_argument("--emb-dim", type=int, help="task-embedding dimension")
    p.add_argument("--hnet-hidden", type=_ints, help="hypernet hidden widths, e.g. 50,50")
    p.add_argument("--chunk-size", type=int, help="chunked hypernet: weights per chunk")
    p.add_argument("--target-hidden", type=_ints, help="target hidden widths, e.g. 100,100")
    p.add_argument("--ewc-lambda", type=float)
    p.add_argument("--si-c", type=float)
    p.add_argument("--lookahead", action=argparse.BooleanOptionalAction, default=None,
                   help="HNET: the paper's lookahead Δθ (preset: on for regression1d)")
    p.add_argument("--reg-tasks", type=int,
                   help="HNET: previous tasks regularized per step (0 = all; k = random subset)")
    p.add_argument("--eval-every", type=int)
    p.add_argument("--data-root", help="MNIST family: folder with the datasets (env HNVIZ_DATA)")
    p.add_argument("--download", action="store_true", help="MNIST family: download if missing")


def config_from_args(a: argparse.Namespace) -> RunConfig:
    cfg = default_config(a.benchmark, a.method)
    train = {k: v for k, v in {
        "beta": a.beta, "lr": a.lr, "iters_per_task": a.iters, "batch_size": a.batch_size,
        "seed": a.seed, "ewc_lambda": a.ewc_lambda, "si_c": a.si_c, "eval_every": a.eval_every,
        "reg_tasks": a.reg_tasks,
    }.items() if v is not None}
    if a.lookahead is not None:
        train["lookahead"] = a.lookahead
    hnet = {k: v for k, v in {"kind": a.hnet, "emb_dim": a.emb_dim, "hidden": a.hnet_hidden,
                              "chunk_size": a.chunk_size}.items() if v is not None}
    task = {"seed": a.seed, "n_tasks": a.n_tasks, "download": a.download}
    if a.data_root:
        task["data_root"] = a.data_root
    target = {"hidden": a.target_hidden} if a.target_hidden else {}
    return cfg.replace(train=train, hnet=hnet, task=task, target=target)


def run_summary(trainer, wall_s: float) -> dict[str, Any]:
    """The JSON object `train --json` prints (also used by sweeps)."""
    from .core.hnets import compression_ratio, count_params

    out: dict[str, Any] = {
        "benchmark": trainer.cfg.task.benchmark,
        "method": trainer.cfg.train.method,
        "beta": trainer.cfg.train.beta,
        "seed": trainer.cfg.train.seed,
        "metric": trainer.metric_name,
        "acc_matrix": trainer.history["R"],
        **trainer.summary(),
        "target_params": trainer.target_params,
        "hnet_params": None,
        "compression": None,
        "wall_s": round(wall_s, 3),
        "sec_per_iter": round(wall_s / max(1, trainer.global_step), 6),
        "error": trainer.error,
    }
    if trainer.cfg.train.method == "hnet":
        hnet = trainer.method.hnet
        out["hnet_params"] = count_params(hnet)
        out["compression"] = round(compression_ratio(hnet, trainer.target_params), 4)
        if not trainer.seq.is_regression and trainer.finished:
            from .core.inference import entropy_task_inference

            ent = entropy_task_inference(trainer)
            out["ent_acc"], out["ent_task_acc"] = ent["acc"], ent["task_acc"]
    return out


def _train_args(p: argparse.ArgumentParser) -> None:
    add_run_args(p)
    p.add_argument("--out", help="save the run to this file (.pt)")
    p.add_argument("--json", action="store_true", help="last stdout line: one JSON summary")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


@command("train", _train_args, "train one run and print its accuracy matrix")
def cmd_train(a: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .core.io import save_run
    from .core.tasks import DataUnavailableError
    from .core.trainer import Trainer

    cfg = config_from_args(a)
    try:
        trainer = Trainer(cfg)
    except DataUnavailableError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    bar = tqdm(total=trainer.total_steps, disable=a.quiet, file=sys.stderr, unit="it",
               desc=f"{cfg.train.method} on {cfg.task.benchmark}")
    while not trainer.done:
        evs = trainer.advance(100)
        bar.update(sum(e.kind == "step" for e in evs))
        bar.set_postfix(task=f"{min(trainer.task + 1, trainer.n_tasks)}/{trainer.n_tasks}")
    bar.close()
    wall = time.perf_counter() - t0
    summary = run_summary(trainer, wall)
    if a.out:
        save_run(trainer, a.out, meta={"summary": summary})
    if trainer.error:
        print(f"error: {trainer.error}", file=sys.stderr)
    if a.json:
        print(json.dumps(summary))
    else:
        _print_summary(summary, a.out)
    return 1 if trainer.error else 0


def _print_summary(s: dict[str, Any], out: str | None) -> None:
    name = s["metric"]
    print(f"{s['method']} on {s['benchmark']} (seed {s['seed']}): {name} matrix R[after i, on j]")
    for i, row in enumerate(s["acc_matrix"]):
        print(f"  after {i + 1}: " + " ".join(f"{v:8.4f}" for v in row))
    print(f"mean final {name}: {s['mean_final']:.4f}   BWT: {s['bwt']:+.4f}   "
          f"forgetting: {s['forgetting']:.4f}")
    if s.get("hnet_params"):
        print(f"hnet params: {s['hnet_params']}  target params: {s['target_params']}  "
              f"compression: {s['compression']:.3f}")
    if "ent_acc" in s:
        print(f"without task identity (HNET+ENT): acc {s['ent_acc']:.4f}, "
              f"task inferred right {s['ent_task_acc']:.4f}")
    print(f"{s['wall_s']:.1f} s, {1000 * s['sec_per_iter']:.2f} ms/iter"
          + (f", saved to {out}" if out else ""))


def _info_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("path")
    p.add_argument("--json", action="store_true")


@command("info", _info_args, "summarise a saved run file")
def cmd_info(a: argparse.Namespace) -> int:
    from .core.io import RunFileError, read_run_dict
    from .core.metrics import summarize

    try:
        raw = read_run_dict(a.path)
        cfg = RunConfig.from_dict(raw["config"])
    except (RunFileError, ConfigError) as e:
        print(f"error: {a.path}: {e}", file=sys.stderr)
        return 2
    h = raw["history"]
    hib = cfg.task.benchmark != "regression1d"
    info = {
        "path": a.path, "version": raw["version"], "name": cfg.name,
        "benchmark": cfg.task.benchmark, "method": cfg.train.method, "beta": cfg.train.beta,
        "tasks_done": len(h.get("R", [])), "error": raw["state"].get("error"),
        "config": cfg.to_dict(), **summarize(h.get("R", []), h.get("R0"), hib),
    }
    if a.json:
        print(json.dumps(info))
        return 0
    print(f"{a.path}: hnviz run v{info['version']} {cfg.name!r}")
    print(f"  {cfg.train.method} on {cfg.task.benchmark}, β={cfg.train.beta:g}, "
          f"lr={cfg.train.lr:g}, {cfg.train.iters_per_task} iters/task, seed {cfg.train.seed}")
    print(f"  hnet: {cfg.hnet.kind}, emb_dim {cfg.hnet.emb_dim}, hidden {list(cfg.hnet.hidden)}; "
          f"target hidden {list(cfg.target.hidden)}")
    print(f"  tasks done: {info['tasks_done']}" + (f"  error: {info['error']}" if info["error"]
                                                    else ""))
    if info["tasks_done"]:
        print(f"  mean final: {info['mean_final']:.4f}  BWT: {info['bwt']:+.4f}  "
              f"forgetting: {info['forgetting']:.4f}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import sweep  # noqa: F401  (registers the `sweep` subcommand)

    p = argparse.ArgumentParser(prog="python -m hnviz",
                                description="Continual learning with hypernetworks.")
    sub = p.add_subparsers(dest="cmd", required=True)
    for add, _ in _COMMANDS.values():
        add(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    p = build_parser()
    a = p.parse_args(argv)
    try:
        return _COMMANDS[a.cmd][1](a)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
