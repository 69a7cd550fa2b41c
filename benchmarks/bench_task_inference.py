"""Benchmark: HNET+ENT task inference over K embeddings, one batched pass vs a loop.

A Permuted Digits HNET run in CL3 (K = 10 tasks, ~360 test digits per task). For every test
input of every task, the network generated for each of the K embeddings is run and the least
uncertain one chosen (`inference.predict`). Batched (what the trainer and the app do):

    hnet(E [K, D]) -> W [K, P] -> candidate_logits(target, W, x) -> [K, B, O] (one baddbmm/layer)

The loop runs `targets.forward(target, W[k], x)` for k = 0..K-1 and stacks the heads. Both give
the same entropies (checked). Timed in the same process, alternating batched / loop, best of
REPEATS each. Prints figures, asserts nothing about time. Run:
`PYTHONPATH=. .venv/bin/python benchmarks/bench_task_inference.py`.
"""

from __future__ import annotations

import os
import time

import torch

from hnviz.core.inference import candidate_logits, predictive_entropy
from hnviz.core.presets import default_config
from hnviz.core.targets import forward
from hnviz.core.trainer import Trainer

ITERS_PER_TASK = 30  # a short run: the timing does not depend on how well it is trained
REPEATS = 5


def batched(tr: Trainer, W: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """[K, B] entropies from one batched pass."""
    return predictive_entropy(candidate_logits(tr.target, W, x))


def loop(tr: Trainer, W: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """[K, B] entropies, one network at a time."""
    return torch.stack([predictive_entropy(tr.target.head(forward(tr.target, W[k], x), k))
                        for k in range(W.shape[0])])


def main() -> None:
    cfg = default_config("permuted-digits", "hnet").replace(
        task={"scenario": "cl3"}, train={"iters_per_task": ITERS_PER_TASK, "eval_every": 1000})
    tr = Trainer(cfg)
    tr.run(1000)
    x = torch.cat([tk.x_test for tk in tr.seq.tasks])  # [K·B, 64]
    with torch.no_grad():
        W = torch.stack([tr.weights_for(t) for t in range(tr.n_tasks)])  # [K, P]
        torch.testing.assert_close(batched(tr, W, x), loop(tr, W, x), rtol=1e-4, atol=1e-5)
        times = {"batched": [], "loop": []}
        for _ in range(REPEATS):
            for name, fn in (("batched", batched), ("loop", loop)):
                t0 = time.perf_counter()
                fn(tr, W, x)
                times[name].append(time.perf_counter() - t0)
    b, lo = min(times["batched"]), min(times["loop"])
    print(f"permuted-digits HNET, K = {W.shape[0]} embeddings, {x.shape[0]} test inputs, "
          f"P = {W.shape[1]:,}; torch threads = {torch.get_num_threads()}; "
          f"load average = {os.getloadavg()[0]:.1f}")
    print(f"batched (one pass over K):   {1000 * b:8.2f} ms")
    print(f"loop over K embeddings:      {1000 * lo:8.2f} ms")
    print(f"loop / batched:              {lo / b:8.2f}x")


if __name__ == "__main__":
    main()
