"""Benchmark: HNET+ENT task inference over K embeddings, one batched pass vs a loop.

A Permuted Digits HNET run in CL3 (K = 10 tasks, ~360 test digits per task). For test inputs,
the network generated for each of the K embeddings is run and the least uncertain one chosen.
Batched (what the trainer and the app do, `inference.predict`): the K networks in one pass per
chunk of rows (`candidate_logits`: one baddbmm per layer), chunks sized so one activation
[K, rows, width] stays within `inference.MAX_FLOATS`. The loop runs `targets.forward(target,
W[k], x)` for k = 0..K-1. Both give the same entropies (checked).

Three sizes: 1 input (the Task inference page's one test input), 64 inputs (a batch), every test
input (the end-of-task evaluation and the page's confusion matrix). Timed in the same process,
alternating batched / loop, best of REPEATS each. Prints figures, asserts nothing about time.
Run: `PYTHONPATH=. .venv/bin/python benchmarks/bench_task_inference.py`.
"""

from __future__ import annotations

import os
import time

import torch

from hnviz.core import inference
from hnviz.core.inference import candidate_logits, predictive_entropy
from hnviz.core.presets import default_config
from hnviz.core.targets import forward
from hnviz.core.trainer import Trainer

ITERS_PER_TASK = 30  # a short run: the timing does not depend on how well it is trained
REPEATS = 7


def batched(tr: Trainer, W: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """[K, B] entropies, the K networks in one pass per chunk of rows (as `predict`)."""
    rows = inference._rows_per_chunk(tr, W.shape[0])
    return torch.cat([predictive_entropy(candidate_logits(tr.target, W, x[i:i + rows]))
                      for i in range(0, x.shape[0], rows)], dim=1)


def loop(tr: Trainer, W: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """[K, B] entropies, one network at a time."""
    return torch.stack([predictive_entropy(tr.target.head(forward(tr.target, W[k], x), k))
                        for k in range(W.shape[0])])


def main() -> None:
    cfg = default_config("permuted-digits", "hnet").replace(
        task={"scenario": "cl3"}, train={"iters_per_task": ITERS_PER_TASK, "eval_every": 1000})
    tr = Trainer(cfg)
    tr.run(1000)
    x_all = torch.cat([tk.x_test for tk in tr.seq.tasks])  # [K·B, 64]
    with torch.no_grad():
        W = torch.stack([tr.weights_for(t) for t in range(tr.n_tasks)])  # [K, P]
        print(f"permuted-digits HNET, K = {W.shape[0]} embeddings, P = {W.shape[1]:,}; torch "
              f"threads = {torch.get_num_threads()}; load average = {os.getloadavg()[0]:.1f}; "
              f"chunks of {inference._rows_per_chunk(tr, W.shape[0])} rows")
        print(f"{'inputs':>8s} {'batched ms':>11s} {'loop ms':>9s} {'loop / batched':>15s}")
        for n in (1, 64, x_all.shape[0]):
            x = x_all[:n]
            torch.testing.assert_close(batched(tr, W, x), loop(tr, W, x), rtol=1e-4, atol=1e-5)
            times = {"batched": [], "loop": []}
            for _ in range(REPEATS):
                for name, fn in (("batched", batched), ("loop", loop)):
                    t0 = time.perf_counter()
                    fn(tr, W, x)
                    times[name].append(time.perf_counter() - t0)
            b, lo = min(times["batched"]), min(times["loop"])
            print(f"{n:8d} {1000 * b:11.3f} {1000 * lo:9.3f} {lo / b:14.2f}x")


if __name__ == "__main__":
    main()
