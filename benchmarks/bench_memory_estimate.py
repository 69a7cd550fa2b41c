"""How close is the memory estimate (`core/sizes.memory_estimate`, what the limits' budget is
checked against) to what a run really takes? Each config runs in a fresh process: the process
first trains two tiny runs (HNET and EWC on 2 Split Digits tasks: imports and torch's one-off
initialisation, ~0.3 GB, are not the run's), then builds and trains the config; the figure is the
peak RSS above that baseline.

The split-cifar cases read synthetic files in CIFAR's format (written to a temp folder): they
are smaller than CIFAR's (16,000 images instead of 120,000), so their estimate, which counts the
real files' 370 MB of uint8 images, is high by about that much.

Prints figures; not a test. Usage: python benchmarks/bench_memory_estimate.py [NAME-PART]
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

# Split CIFAR on synthetic files in CIFAR's format (scripts/make_synthetic_cifar.py; the real
# files need a download): the data root is filled in by main()
CIFAR_CASES = {
    "split-cifar HNET preset (ResNet-32), 2 tasks × 20 iters": (
        "split-cifar", "hnet", {"n_tasks": 2}, {"iters_per_task": 20}),
    "split-cifar fine-tuning, ZenkeNet, 2 tasks × 20 iters": (
        "split-cifar", "finetune", {"n_tasks": 2, "target": "zenke"}, {"iters_per_task": 20}),
    "split-cifar EWC (ResNet-32, chunked Fisher), 2 tasks × 5 iters": (
        "split-cifar", "ewc", {"n_tasks": 2}, {"iters_per_task": 5}),
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
target = {{"kind": task.pop("target")}} if "target" in task else {{}}
cfg = default_config(b, m).replace(task=task, train=train, target=target)
tr = Trainer(cfg, limits=HARD)
tr.run(chunk=1000)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"estimate": memory_estimate(cfg).mb, "measured": max(0.0, peak - base)}}))
"""


def main() -> None:
    import tempfile

    sys.path.insert(0, str(ROOT / "scripts"))
    from make_synthetic_cifar import write

    root = tempfile.mkdtemp(prefix="hnviz-bench-cifar-")
    write(root)  # ~60 MB of synthetic images in CIFAR's format
    cases = {**CASES, **{k: (b, m, {**task, "data_root": root}, train)
                         for k, (b, m, task, train) in CIFAR_CASES.items()}}
    only = sys.argv[1] if len(sys.argv) > 1 else ""  # run the cases whose name contains it
    print(f"{'case':62s} {'estimate':>9s} {'measured':>9s}  est/meas")
    for name, case in cases.items():
        if only not in name:
            continue
        r = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), json.dumps(case)],
                           capture_output=True, text=True, timeout=1200)
        if r.returncode != 0:
            print(f"{name:62s} failed: {r.stderr.strip().splitlines()[-1]}")
            continue
        d = json.loads(r.stdout.strip().splitlines()[-1])
        ratio = d["estimate"] / d["measured"] if d["measured"] > 0 else float("inf")
        print(f"{name:62s} {d['estimate']:7.1f} MB {d['measured']:7.1f} MB  {ratio:5.2f}")
    import shutil

    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
