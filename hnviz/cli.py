"""Command line: `hnviz train|info|sweep|reproduce|app ...` (the console script of an installed
hnviz; `python -m hnviz` is the same), see `hnviz --help`.

The subcommands are a plain table (`subcommands()`: name -> help, add_args, run); `sweep` and
`reproduce` live in their own packages (`hnviz/sweeps/cli.py`, `hnviz/reproduce/cli.py`) and share
the run options with `train` through `run_args`; `app` is `hnviz/app_cli.py`. Importing this
module loads nothing heavy: the table (registries, torch) is read when a command needs it, and
`hnviz app` never reads it, so the launcher starts Streamlit without importing torch first."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from . import __version__, app_cli

# the training progress bar (stderr): steps done, elapsed, ETA, rate, "task t/T, phase"
BAR_FORMAT = ("{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed} elapsed, ETA {remaining}, "
              "{rate_fmt}{postfix}]")


class Subcommand(NamedTuple):
    help: str
    add_args: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]  # -> exit status


def _train_args(p: argparse.ArgumentParser) -> None:
    from .run_args import add_limit_args, add_run_args

    add_run_args(p)
    add_limit_args(p)
    p.add_argument("--out", help="save the run to this file (.pt)")
    p.add_argument("--json", action="store_true", help="last stdout line: one JSON summary")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--amp", action="store_true",
                   help="mixed precision (CUDA only, with --device cuda|auto): the target's "
                        "forward in bfloat16 (float16 + loss scaling on GPUs without it); not "
                        "tested on a GPU yet")


def cmd_train(a: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .analysis.summary import run_summary
    from .core.admission import admit
    from .core.benchmarks import data_note
    from .core.datasets_torchvision import DataUnavailableError
    from .core.devices import amp_dtype, resolve_device
    from .core.io import save_run
    from .core.trainer import Trainer
    from .run_args import check_out_arg, config_from_args, limits_from_args

    cfg = config_from_args(a)
    limits = limits_from_args(a)
    admit(cfg, limits)  # names, sizes and memory budget, before anything is built
    check_out_arg(a.out)  # and the output file, before any training
    device = resolve_device(a.device)  # one-line error when e.g. no CUDA GPU is there
    if a.amp:
        amp_dtype(device)  # one-line error off CUDA, before anything is built
    try:
        trainer = Trainer(cfg, limits=None, device=device, amp=a.amp)  # admitted above
    except DataUnavailableError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    note = data_note(cfg.task)
    if note and not a.json:
        print(f"{cfg.task.benchmark}: {note}", file=sys.stderr)
    t0 = time.perf_counter()
    n = trainer.n_tasks
    # ETA from the mean rate since the start (smoothing 0: evaluation pauses included, steady
    # over a 100-task run whose step cost is flat in the number of tasks)
    bar = tqdm(total=trainer.total_steps, disable=a.quiet, file=sys.stderr, unit="it",
               desc=f"{cfg.train.method} on {cfg.task.benchmark}", smoothing=0,
               bar_format=BAR_FORMAT)

    shown = [0.0]  # when the bar was last redrawn

    def on_phase(phase: str) -> None:  # "evaluating" at the end of a task
        bar.set_postfix_str(f"task {trainer.task + 1}/{n}, {phase}", refresh=False)
        if time.monotonic() - shown[0] > 0.5:  # redraw at most twice a second
            bar.refresh()
            shown[0] = time.monotonic()

    trainer.on_phase = on_phase
    while not trainer.done:
        evs = trainer.advance(100)
        bar.update(sum(e.kind == "step" for e in evs))
        bar.set_postfix_str(f"task {min(trainer.task + 1, n)}/{n}, training", refresh=False)
    bar.close()
    trainer.on_phase = None
    wall = time.perf_counter() - t0
    summary = run_summary(trainer, wall)
    status = 1 if trainer.error else 0
    if a.out:
        try:
            save_run(trainer, a.out, meta={"summary": summary})
        except OSError as e:
            print(f"error: could not save the run to {a.out}: {e.strerror or e}", file=sys.stderr)
            a.out, status = None, 1
    if trainer.error:
        print(f"error: {trainer.error}", file=sys.stderr)
    if a.json:
        print(json.dumps(summary))
    else:
        _print_summary(summary, a.out)
    return status


def _cell(v: float | None) -> str:
    return f"{v:8.4f}" if v is not None else f"{'-':>8}"


def _print_summary(s: dict[str, Any], out: str | None) -> None:
    from .core.scenarios import DEFAULT_SCENARIO, scenario

    name = s["metric"]
    scn = s.get("scenario", DEFAULT_SCENARIO)
    task_given = scenario(scn).task_given
    given = "task given" if task_given else "task inferred"
    target = f", {s['target']} target" if s.get("target", "mlp") != "mlp" else ""
    print(f"{s['method']} on {s['benchmark']}{target} in {scn.upper()} (seed {s['seed']}): "
          f"{name} matrix R[after i, on j] ({given})")
    if s.get("data"):
        print(f"  DATA: {s['data']}")
    rows = s["acc_matrix"]
    if len(rows) > 20:  # long sequences: the first and last rows, the first 20 columns
        print(f"  ({len(rows)} rows of {len(rows[0])}; showing 5 + 5 rows, 20 columns; "
              "'-' = not evaluated)")
        rows = [*enumerate(rows)][:5] + [*enumerate(rows)][-5:]
    else:
        rows = list(enumerate(rows))
    for i, row in rows:
        print(f"  after {i + 1}: " + " ".join(_cell(v) for v in row[:20]))
    print(f"mean final {name}: {s['mean_final']:.4f}   BWT: {s['bwt']:+.4f}   "
          f"forgetting: {s['forgetting']:.4f}")
    if s.get("hnet_params"):
        print(f"hnet params: {s['hnet_params']}  target params: {s['target_params']}  "
              f"compression: {s['compression']:.3f}")
    if not task_given:
        tia = s.get("task_inference_acc")
        print(f"with the task given: {s['mean_final_given']:.4f}   task inferred right: "
              + (f"{tia:.4f}" if tia is not None else "- (this method infers no task)"))
    if "ent_acc" in s:
        print(f"without task identity (HNET+ENT): acc {s['ent_acc']:.4f}, "
              f"task inferred right {s['ent_task_acc']:.4f}")
    ms = f"{s['ms_per_step']:.2f} ms/step" if s.get("ms_per_step") is not None else "-"
    print(f"{s['wall_s']:.1f} s: training {s['train_s']:.1f} s ({ms}), evaluation "
          f"{s['eval_s']:.1f} s" + (f"; saved to {out}" if out else ""))


def _info_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("path")
    p.add_argument("--json", action="store_true")


def cmd_info(a: argparse.Namespace) -> int:
    from .core.benchmarks import benchmark, data_note
    from .core.io import RunFileError, read_run
    from .core.metrics import summarize

    try:  # the whole file is checked (config, state, history); nothing is built
        raw, cfg = read_run(a.path)
    except RunFileError as e:
        print(f"error: {a.path}: {e}", file=sys.stderr)
        return 2
    h = raw["history"]
    hib = benchmark(cfg.task.benchmark).higher_is_better
    info = {
        "path": a.path, "version": raw["version"], "name": cfg.name,
        "benchmark": cfg.task.benchmark, "scenario": cfg.task.scenario,
        "data": data_note(cfg.task),
        "target": cfg.target.kind, "method": cfg.train.method, "beta": cfg.train.beta,
        "tasks_done": len(h.get("R", [])), "error": raw["state"].get("error"),
        "config": cfg.to_dict(), **summarize(h.get("R", []), h.get("R0"), hib),
    }
    if a.json:
        print(json.dumps(info))
        return 0
    print(f"{a.path}: hnviz run v{info['version']} {cfg.name!r}")
    print(f"  {cfg.train.method} on {cfg.task.benchmark} in {cfg.task.scenario.upper()}, "
          f"β={cfg.train.beta:g}, "
          f"lr={cfg.train.lr:g}, {cfg.train.iters_per_task} iters/task, seed {cfg.train.seed}")
    target = (f"target hidden {list(cfg.target.hidden)}" if cfg.target.kind == "mlp"
              else f"target {cfg.target.kind}")
    print(f"  hnet: {cfg.hnet.kind}, emb_dim {cfg.hnet.emb_dim}, hidden {list(cfg.hnet.hidden)}; "
          f"{target}")
    if data_note(cfg.task):
        print(f"  data: {data_note(cfg.task)}")
    print(f"  tasks done: {info['tasks_done']}" + (f"  error: {info['error']}" if info["error"]
                                                    else ""))
    if info["tasks_done"]:
        print(f"  mean final: {info['mean_final']:.4f}  BWT: {info['bwt']:+.4f}  "
              f"forgetting: {info['forgetting']:.4f}")
    return 0


def subcommands() -> dict[str, Subcommand]:
    """Every subcommand: name -> (help, add_args, run). Reading it imports the registries."""
    from .reproduce import cli as reproduce
    from .sweeps import cli as sweep

    return {
        "train": Subcommand("train one run and print its accuracy matrix", _train_args,
                            cmd_train),
        "info": Subcommand("summarise a saved run file", _info_args, cmd_info),
        "sweep": Subcommand(sweep.HELP, sweep.add_sweep_args, sweep.cmd_sweep),
        "reproduce": Subcommand(reproduce.HELP, reproduce.add_reproduce_args,
                                reproduce.cmd_reproduce),
        "app": Subcommand(app_cli.HELP, app_cli.add_app_args, app_cli.cmd_app),
    }


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2): 'error: <what> (see hnviz train --help)'."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"error: {' '.join(message.split())} (see {self.prog} --help)\n")


def prog() -> str:
    """How the user called us: `hnviz` (the console script) or `python -m hnviz`."""
    return "hnviz" if Path(sys.argv[0]).stem == "hnviz" else "python -m hnviz"


def build_parser(table: dict[str, Subcommand] | None = None) -> argparse.ArgumentParser:
    p = _Parser(prog=prog(), description="Continual learning with hypernetworks.")
    p.add_argument("--version", action="version", version=f"hnviz {__version__}")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, cmd in (table or subcommands()).items():
        cmd.add_args(sub.add_parser(name, help=cmd.help, description=cmd.help))
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["app"]:  # the launcher: Streamlit imports torch itself, this process never
        p = _Parser(prog=f"{prog()} app", description=app_cli.HELP)
        app_cli.add_app_args(p)
        return app_cli.cmd_app(p.parse_args(argv[1:]))
    from .core.config import ConfigError

    table = subcommands()
    a = build_parser(table).parse_args(argv)
    try:
        return table[a.cmd].run(a)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
