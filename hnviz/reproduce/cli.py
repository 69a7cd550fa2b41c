"""`python -m hnviz reproduce [--list] [--experiment NAME] [--full] [--seeds 0,1,2] [--json]
[--methods A,B] [--scenarios cl1,cl3] [--iters N]`:
run the paper's experiments that exist here and write one table (table.json in --out, printed as
Markdown; --bundle DIR also writes it with each experiment's manifest for the app's Paper page).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from hnviz.core.benchmarks import benchmark
from hnviz.core.config import ConfigError
from hnviz.run_args import check_out_arg, parse_ints

from .experiments import EXPERIMENTS, experiment, narrow
from .run import markdown, not_run_rows, run_experiment, write_bundle, write_table

HELP = "run the paper's experiments (lite by default) and write the reproduction table"
DEFAULT_OUT = "runs/reproduce"


def add_reproduce_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--list", action="store_true", help="list the experiments and exit")
    p.add_argument("--experiment", action="append", choices=tuple(EXPERIMENTS),
                   help="run this experiment (repeatable; default: all)")
    p.add_argument("--full", action="store_true",
                   help="the paper's configuration (iterations, network sizes) instead of lite")
    p.add_argument("--seeds", type=parse_ints, default=None, help="e.g. 0,1,2 (default: 0,1,2)")
    p.add_argument("--methods", type=_names, help="only these of its methods, e.g. hnet,finetune")
    p.add_argument("--scenarios", type=_names, help="only these of its scenarios, e.g. cl1,cl3")
    p.add_argument("--iters", type=int,
                   help="steps per task instead of the configuration's (a quick check; the "
                        "rows show what ran)")
    p.add_argument("--out", default=DEFAULT_OUT,
                   help=f"folder for the sweeps and table.json (default {DEFAULT_OUT}/lite|full)")
    p.add_argument("--bundle", help="also write table.json and the manifests into this folder "
                                    "(the app's assets/paper); the rows of experiments (and, "
                                    "with --methods/--scenarios, of the cells) not run this "
                                    "time stay as the folder had them")
    p.add_argument("--not-run", metavar="REASON",
                   help="run nothing: record the experiments' rows as 'not run here' with this "
                        "reason and the command that runs them (e.g. too long for this machine)")
    p.add_argument("--jobs", type=int, help="worker processes (default: all cores)")
    p.add_argument("--data-root", help="MNIST family: folder with the datasets (env HNVIZ_DATA)")
    p.add_argument("--allow-large", action="store_true",
                   help="check runs against the absolute caps only (--full on Permuted MNIST)")
    p.add_argument("--json", action="store_true", help="last stdout line: the table as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _names(s: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in s.split(",") if v.strip())


def _list() -> int:
    for e in EXPERIMENTS.values():
        reason = benchmark(e.benchmark).unavailable_reason()
        print(f"{e.name:16s} {e.label}")
        print(f"{'':16s} scenarios {', '.join(e.scenarios)}; methods {', '.join(e.methods)}; "
              f"paper numbers: {len(e.paper)}"
              + (f"; not runnable here: {reason}" if reason else ""))
    return 0


def cmd_reproduce(a: argparse.Namespace) -> int:
    if a.list:
        return _list()
    names = a.experiment or list(EXPERIMENTS)
    exps = [narrow(experiment(n), a.methods, a.scenarios, a.iters) for n in names]
    seeds = a.seeds if a.seeds else (0, 1, 2)
    if not seeds:
        raise ConfigError("--seeds: give at least one seed")
    out = Path(a.out) / ("full" if a.full else "lite") if a.out == DEFAULT_OUT else Path(a.out)
    check_out_arg(str(out), option="--out", folder=True)
    if a.bundle:
        check_out_arg(a.bundle, option="--bundle", folder=True)
    t0 = time.perf_counter()
    rows = []
    for e in exps:
        if a.not_run:
            rows += not_run_rows(e, a.full, seeds, a.not_run)
            continue
        if not a.quiet:
            print(f"== {e.name}: {e.label}", file=sys.stderr)
        rows += run_experiment(e, out, a.full, seeds, a.jobs, a.data_root, not a.quiet,
                               a.allow_large)
    write_table(rows, out / "table.json", a.full)
    if a.bundle:
        write_bundle(rows, Path(a.bundle), a.full)
    print(markdown(rows))
    print(f"{time.perf_counter() - t0:.0f} s; table: {out / 'table.json'}")
    if a.json:
        print(json.dumps({"configuration": "full" if a.full else "lite", "rows": rows}))
    return 0 if all(r["status"] != "failed" for r in rows) else 1

