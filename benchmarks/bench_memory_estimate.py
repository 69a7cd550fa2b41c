"""How close is the memory estimate (`core/sizes.memory_estimate`, what the limits' budget is
checked against) to what a run really takes? Each config runs in a fresh process: the process
first trains two tiny runs (HNET and EWC on 2 Split Digits tasks: imports and torch's one-off
initialisation, ~0.3 GB, are not the run's), then builds and trains the config; the figure is the
peak RSS above that baseline.

Prints figures; not a test. Usage: python benchmarks/bench_memory_estimate.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = {  # name -> (benchmark, method, task overrides, train overrides)
    "split-digits HNET preset, 100 iters": ("split-digits", "hnet", {}, {"iters_per_task": 100}),
    "split-digits EWC preset, 100 iters": ("split-digits", "ewc", {}, {"iters_per_task": 100}),
    "permuted-digits HNET, 100 tasks × 20 iters, all previous": (
        "permuted-digits", "hnet", {"n_tasks": 100}, {"iters_per_task": 20, "reg_tasks": 0}),
    "permuted-digits fine-tuning, 1000 tasks × 1 iter": (
        "permuted-digits", "finetune", {"n_tasks": 1000}, {"iters_per_task": 1}),
    "permuted-digits EWC, 60 tasks × 20 iters": (
        "permuted-digits", "ewc", {"n_tasks": 60}, {"iters_per_task": 20}),
}

CHILD = """
import json, resource, sys
sys.path.insert(0, {root!r})
from hnviz.core.limits import HARD
from hnviz.core.presets import default_config
from hnviz.core.sizes import memory_estimate
from hnviz.core.trainer import Trainer
def rss_mb():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
for m in ("hnet", "ewc"):
    warm = Trainer(default_config("split-digits", m).replace(
        task={{"n_tasks": 2}}, train={{"iters_per_task": 2}}))
    warm.run()
    del warm
base = rss_mb()
b, m, task, train = json.loads(sys.argv[1])
cfg = default_config(b, m).replace(task=task, train=train)
tr = Trainer(cfg, limits=HARD)
tr.run(chunk=1000)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"estimate": memory_estimate(cfg).mb, "measured": max(0.0, peak - base)}}))
"""


def main() -> None:
    print(f"{'case':62s} {'estimate':>9s} {'measured':>9s}  est/meas")
    for name, case in CASES.items():
        r = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), json.dumps(case)],
                           capture_output=True, text=True, timeout=1200)
        if r.returncode != 0:
            print(f"{name:62s} failed: {r.stderr.strip().splitlines()[-1]}")
            continue
        d = json.loads(r.stdout.strip().splitlines()[-1])
        ratio = d["estimate"] / d["measured"] if d["measured"] > 0 else float("inf")
        print(f"{name:62s} {d['estimate']:7.1f} MB {d['measured']:7.1f} MB  {ratio:5.2f}")


if __name__ == "__main__":
    main()
