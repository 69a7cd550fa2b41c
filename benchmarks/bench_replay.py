"""HNET+R's training step against HNET's on the same preset (prints figures; not a test).

Both methods train the benchmark's preset (`default_config`: the same target and hypernetwork;
HNET+R adds the replay VAE, its hypernetwork with the output regularizer, and the task
classifier) in CL3 for `--iters` steps per task. The time of each task's steps is taken after a
warm-up of 10 steps inside the task, evaluation excluded; runs alternate HNET, HNET+R, HNET,
HNET+R in one process (`--repeats` pairs), so the drift of a shared machine hits both. Printed:
ms/step per task for each method (median over the repeats) and the ratio HNET+R / HNET over the
tasks where the replay runs (task 2 on: the classifier and the replay start with the second
task). Issue 19's target: ≤ 2×.

Usage: PYTHONPATH=. python benchmarks/bench_replay.py [--benchmark split-mnist]
           [--data-root ../shared/data] [--iters 60] [--repeats 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hnviz.core.presets import default_config  # noqa: E402
from hnviz.core.trainer import Trainer  # noqa: E402

WARMUP = 10


def ms_per_step(benchmark: str, method: str, iters: int, data_root: str | None) -> list[float]:
    """Training ms/step of each task (after a warm-up inside the task, evaluation excluded)."""
    cfg = default_config(benchmark, method).replace(
        task={"scenario": "cl3", "data_root": data_root},
        train={"iters_per_task": iters, "eval_every": 10**6})
    tr = Trainer(cfg)
    out = []
    for _ in range(tr.n_tasks):
        tr.advance(WARMUP)
        t0 = time.perf_counter()
        tr.advance(iters - WARMUP - 1)  # the task's last step evaluates: left out
        out.append(1000 * (time.perf_counter() - t0) / (iters - WARMUP - 1))
        tr.advance(1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--benchmark", default="split-mnist")
    ap.add_argument("--data-root", default=None, help="MNIST family: the data root")
    ap.add_argument("--iters", type=int, default=60, help="steps per task (default 60)")
    ap.add_argument("--repeats", type=int, default=2, help="HNET / HNET+R pairs (default 2)")
    a = ap.parse_args()
    runs: dict[str, list[list[float]]] = {"hnet": [], "hnet-replay": []}
    for _ in range(a.repeats):
        for method in runs:
            runs[method].append(ms_per_step(a.benchmark, method, a.iters, a.data_root))
    med = {m: [statistics.median(v) for v in zip(*r, strict=True)] for m, r in runs.items()}
    print(f"{a.benchmark}, CL3, {a.iters} steps per task, median of {a.repeats} runs each "
          "(alternating), ms/step per task:")
    for m, v in med.items():
        print(f"  {m:12s} " + "  ".join(f"{x:7.2f}" for x in v))
    later = range(1, len(med["hnet"]))
    ratio = (sum(med["hnet-replay"][t] for t in later)
             / sum(med["hnet"][t] for t in later))
    print(f"HNET+R / HNET, tasks 2-{len(med['hnet'])}: {ratio:.2f}× (target ≤ 2×)")


if __name__ == "__main__":
    main()
