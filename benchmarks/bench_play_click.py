"""The Play click of a new run, on the server (prints figures; not a test).

What a page's ▶ costs the web process: `Workspace.new_run(cfg, play=True)` with a process pool
(one worker, started and warmed up first), from the call until it returns (the page redraws
after it), and until the run's first step shows in its mirror; the CPU time the web process
spent meanwhile (every thread of it: what the other users' pages wait for) and how much its
resident memory grew over a case's clicks. Also counted: Trainers the web process built for it
(the live run's own Trainer is its worker's). Cases: the toy preset, Split Digits (HNET),
Permuted Digits (EWC) and, with `--data-root` holding MNIST, Split MNIST (HNET).

`--compare PATH` runs the same measurement against another checkout of hnviz (e.g. a worktree
of main) in alternating subprocesses (this checkout, the other, this, ...), so a noisy machine
affects both alike; read the ratios.

Usage: python benchmarks/bench_play_click.py [--rounds 5] [--compare /path/to/other/checkout]
                                             [--data-root ../shared/data]
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


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(rounds: int, data_root: str | None) -> dict:
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
        cases = (CASES[0], *CASES, *((("split-mnist", "hnet"),) if data_root else ()))
        for bench, method in cases:  # the first: warm-up, not kept
            cfg = default_config(bench, method).replace(train={"iters_per_task": 20_000})
            if data_root:
                cfg = cfg.replace(task={"data_root": data_root})
            click, first, trainers, cpu = [], [], [], []
            rss0 = rss_mb()
            for _ in range(rounds):
                built[0] = 0
                c0, t0 = time.process_time(), time.perf_counter()
                h = ws.new_run(cfg, "bench", play=True, limits=app_limits())
                c1, t1 = time.process_time(), time.perf_counter()
                while h.view().global_step == 0:
                    time.sleep(0.002)
                t2 = time.perf_counter()
                click.append(t1 - t0)
                first.append(t2 - t0)
                cpu.append(c1 - c0)
                trainers.append(built[0])
                ws.pause(h, wait_s=0)
                ws.remove(h)
            out[f"{bench}/{method}"] = {"click": click, "first_step": first,
                                        "web_trainers": trainers, "web_cpu": cpu,
                                        "web_rss_mb": [rss_mb() - rss0]}
    pool.close()
    return out


def child(repo: str, rounds: int, data_root: str | None) -> dict:
    env = dict(os.environ, PYTHONPATH=repo, HNVIZ_BENCH_CHILD="1")
    extra = ["--data-root", data_root] if data_root else []
    r = subprocess.run([sys.executable, __file__, "--child", repo, "--rounds", str(rounds),
                        *extra], cwd=repo, env=env, capture_output=True, text=True,
                       timeout=1800)
    if r.returncode != 0:
        raise SystemExit(f"{repo}: {r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5, help="clicks per case and checkout run")
    p.add_argument("--repeats", type=int, default=2, help="alternations per checkout")
    p.add_argument("--compare", help="another checkout of hnviz to measure against")
    p.add_argument("--data-root", help="a data root holding MNIST: adds Split MNIST")
    p.add_argument("--child", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        sys.path.insert(0, a.child)
        print(json.dumps(measure(a.rounds, a.data_root)))
        return
    data_root = str(Path(a.data_root).resolve()) if a.data_root else None
    repos = {"this": str(HERE)}
    if a.compare:
        repos["other"] = str(Path(a.compare).resolve())
    got: dict[str, dict[str, dict[str, list]]] = {k: {} for k in repos}
    for _ in range(a.repeats):
        for name, repo in repos.items():
            for case, vals in child(repo, a.rounds, data_root).items():
                for k, v in vals.items():
                    got[name].setdefault(case, {}).setdefault(k, []).extend(v)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)")
    med = statistics.median
    for case in got["this"]:
        print(case)
        for name in repos:
            v = got[name][case]
            print(f"  {name:5s}: click {med(v['click']) * 1e3:7.1f} ms, first step "
                  f"{med(v['first_step']) * 1e3:7.1f} ms, web CPU {med(v['web_cpu']) * 1e3:6.1f} "
                  f"ms per click, web RSS +{max(v['web_rss_mb']):6.1f} MB, web Trainers "
                  f"{max(v['web_trainers'])}")
        if "other" in repos:
            t, o = got["this"][case], got["other"][case]
            print(f"  this/other: click {med(t['click']) / med(o['click']):.2f}×, first step "
                  f"{med(t['first_step']) / med(o['first_step']):.2f}×, web CPU "
                  f"{med(t['web_cpu']) / max(1e-9, med(o['web_cpu'])):.2f}×")


if __name__ == "__main__":
    main()
