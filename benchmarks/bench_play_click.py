"""The Play click of a new run, on the server (prints figures; not a test).

What a page's ▶ costs the web process: `Workspace.new_run(cfg, play=True)` with a process pool
(one worker, started and warmed up first), from the call until it returns (the page redraws
after it), and until the run's first step shows in its mirror. Also counted: Trainers the web
process built for it (the live run's own Trainer is its worker's). Cases: the toy preset, Split
Digits (HNET) and Permuted Digits (EWC).

`--compare PATH` runs the same measurement against another checkout of hnviz (e.g. a worktree
of main) in alternating subprocesses (this checkout, the other, this, ...), so a noisy machine
affects both alike; read the ratios.

Usage: python benchmarks/bench_play_click.py [--rounds 5] [--compare /path/to/other/checkout]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
CASES = (("regression1d", "hnet"), ("split-digits", "hnet"), ("permuted-digits", "ewc"))


def measure(rounds: int) -> dict:
    """In this process (sys.path set to the checkout to measure): per case, the seconds of each
    new_run(play=True) call, to the first step, and the Trainers this process built."""
    from hnviz.core import trainer as trainer_mod
    from hnviz.core.limits import app_limits
    from hnviz.core.presets import default_config
    from hnviz.live import Limits, TrainPool
    from hnviz.serve.workspace import Workspaces

    built = [0]
    init = trainer_mod.Trainer.__init__

    def counting(self, *a, **k):
        built[0] += 1
        init(self, *a, **k)

    trainer_mod.Trainer.__init__ = counting
    pool = TrainPool(1, Limits(workers=1, max_hosted_per_user=100, max_playing_per_user=100))
    assert pool.ready(300)
    out: dict = {}
    with tempfile.TemporaryDirectory() as root:
        spaces = Workspaces(root, lambda: pool)
        ws = spaces.get("b" * 24)
        for bench, method in (CASES[0], *CASES):  # the first: warm-up, not kept
            cfg = default_config(bench, method).replace(train={"iters_per_task": 20_000})
            click, first, trainers = [], [], []
            for _ in range(rounds):
                built[0] = 0
                t0 = time.perf_counter()
                h = ws.new_run(cfg, "bench", play=True, limits=app_limits())
                t1 = time.perf_counter()
                while h.view().global_step == 0:
                    time.sleep(0.002)
                t2 = time.perf_counter()
                click.append(t1 - t0)
                first.append(t2 - t0)
                trainers.append(built[0])
                ws.pause(h, wait_s=0)
                ws.remove(h)
            out[f"{bench}/{method}"] = {"click": click, "first_step": first,
                                        "web_trainers": trainers}
    pool.close()
    return out


def child(repo: str, rounds: int) -> dict:
    env = dict(os.environ, PYTHONPATH=repo, HNVIZ_BENCH_CHILD="1")
    r = subprocess.run([sys.executable, __file__, "--child", repo, "--rounds", str(rounds)],
                       cwd=repo, env=env, capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        raise SystemExit(f"{repo}: {r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5, help="clicks per case and checkout run")
    p.add_argument("--repeats", type=int, default=2, help="alternations per checkout")
    p.add_argument("--compare", help="another checkout of hnviz to measure against")
    p.add_argument("--child", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        sys.path.insert(0, a.child)
        print(json.dumps(measure(a.rounds)))
        return
    repos = {"this": str(HERE)}
    if a.compare:
        repos["other"] = str(Path(a.compare).resolve())
    got: dict[str, dict[str, dict[str, list]]] = {k: {} for k in repos}
    for _ in range(a.repeats):
        for name, repo in repos.items():
            for case, vals in child(repo, a.rounds).items():
                for k, v in vals.items():
                    got[name].setdefault(case, {}).setdefault(k, []).extend(v)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)")
    for case in got["this"]:
        line = [f"{case:24s}"]
        for name in repos:
            v = got[name][case]
            line.append(f"{name}: click {statistics.median(v['click']) * 1e3:7.1f} ms, first "
                        f"step {statistics.median(v['first_step']) * 1e3:7.1f} ms, web "
                        f"Trainers {max(v['web_trainers'])}")
        if "other" in repos:
            r = (statistics.median(got["this"][case]["click"])
                 / statistics.median(got["other"][case]["click"]))
            f = (statistics.median(got["this"][case]["first_step"])
                 / statistics.median(got["other"][case]["first_step"]))
            line.append(f"this/other: click {r:.2f}×, first step {f:.2f}×")
        print("  ".join(line))


if __name__ == "__main__":
    main()
