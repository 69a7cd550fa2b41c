"""torch.compile on the CPU against eager, on the Split Digits HNET preset (prints figures; not a
test). Issue 11 asked whether compiling pays "where it pays on CPU".

Three variants train the same full run (the preset: 5 tasks, chunked hypernet; `--iters` steps
per task, evaluation only at task ends), one after the other, alternating A B C A B C:
  A eager         the trainer as it is
  B hnet          the hypernetwork's forward compiled (`torch.compile(hnet.forward)`): the
                  batched f_h([e_t; e_t'...]) of every step and the evaluation's f_h(e_t)
  C hnet+target   also the target's functional forward (`target_kinds.forward`, what the
                  trainer calls per step): with B, the whole differentiable path of the loss
Every run is its own process (as a CLI run, a sweep run or a live worker is), so a compiled run
pays torch.compile's one-off imports and its compilation: the first shapes, and recompiles when
the regularized rows change shape at tasks 2 and 3 (reg_tasks = 2) and for the evaluation's
shapes. Inductor keeps compiled kernels in an on-disk cache (TORCHINDUCTOR_CACHE_DIR, by default
/tmp/torchinductor_$USER) that later processes reuse, so each compiled variant runs twice per
round: "cold" with a fresh, empty cache folder (a machine's first run), then "warm" reusing it
(every later run of the same shapes).

Per run it prints the steady ms/step (chunks of `--chunk` steps that are only steps, the first
chunk of every task left out: optimizer state, recompiles), the wall time, and the rest
(wall − steps × steady: evaluation, warm-up, compilation). Compile time = a compiled run's rest
minus the eager run's rest in the same round. The summary projects a 1000-steps-per-task run
(5000 steps): eager steady × 5000 + its rest against compiled steady × 5000 + its rest.

Usage: nice -n 5 python benchmarks/bench_compile.py [--iters 200] [--rounds 2] [--threads 1]
(about 3 minutes at the defaults on a shared 2-core machine)
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

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hnviz.core import trainer  # noqa: E402
from hnviz.core.presets import default_config  # noqa: E402
from hnviz.core.trainer import Trainer  # noqa: E402

VARIANTS = ("eager", "hnet", "hnet+target")
COMPILED = VARIANTS[1:]
PROJECT_STEPS = 5 * 1000  # a typical run: 5 tasks × 1000 steps


def one_run(variant: str, iters: int, chunk: int) -> dict:
    cfg = default_config("split-digits", "hnet").replace(
        train={"iters_per_task": iters, "eval_every": 10**6})
    torch._dynamo.reset()
    tr = Trainer(cfg)
    if variant != "eager":
        hnet = tr.method.hnet
        hnet.forward = torch.compile(hnet.forward)  # instance attribute: nn.Module calls it
    eager_forward = trainer.forward  # target_kinds.forward, as the trainer imported it
    if variant == "hnet+target":
        trainer.forward = torch.compile(eager_forward)
    steady_s, steady_n, first_chunk_of_task = 0.0, 0, True
    t_all = time.perf_counter()
    try:
        while not tr.done:
            task = tr.task
            n = min(chunk, tr.iters - tr.step_in_task - 1) or 1  # the task's last step alone
            t0 = time.perf_counter()
            evs = tr.advance(n)
            dt = time.perf_counter() - t0
            only_steps = all(e.kind == "step" for e in evs)
            if only_steps and not first_chunk_of_task:
                steady_s, steady_n = steady_s + dt, steady_n + len(evs)
            first_chunk_of_task = tr.task != task
    finally:
        trainer.forward = eager_forward
    wall = time.perf_counter() - t_all
    steady = steady_s / max(steady_n, 1)
    return {"variant": variant, "wall": wall, "ms": 1000 * steady,
            "rest": wall - steady * tr.total_steps, "steps": tr.total_steps,
            "mean_final": tr.summary()["mean_final"], "error": tr.error}


def in_process(variant: str, a: argparse.Namespace, cache: str | None) -> dict:
    """`one_run` in a fresh Python process (inductor's cache in folder `cache`)."""
    env = dict(os.environ, **({"TORCHINDUCTOR_CACHE_DIR": cache} if cache else {}))
    cmd = [sys.executable, __file__, "--one", variant, "--iters", str(a.iters), "--chunk",
           str(a.chunk), "--threads", str(a.threads)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def show(r: int, name: str, res: dict) -> None:
    print(f"  round {r + 1} {name:17s}: steady {res['ms']:6.3f} ms/step, wall "
          f"{res['wall']:6.2f} s, rest {res['rest']:6.2f} s, mean final acc "
          f"{100 * res['mean_final']:.2f}%" + (f", ERROR {res['error']}" if res["error"] else ""),
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iters", type=int, default=200, help="steps per task (preset: 1000)")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of every variant")
    ap.add_argument("--chunk", type=int, default=50, help="steps per timed chunk")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch intra-op threads (hnviz's default policy: 1)")
    ap.add_argument("--one", choices=VARIANTS, help=argparse.SUPPRESS)  # a child process
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.one:
        print(json.dumps(one_run(a.one, a.iters, a.chunk)))
        return
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); split-digits HNET "
          f"preset, {a.iters} steps/task, {a.rounds} rounds of eager / "
          + " / ".join(f"{v} cold / {v} warm" for v in COMPILED) + ", one process each")
    runs: dict[str, list[dict]] = {}
    for r in range(a.rounds):
        res = in_process("eager", a, None)
        runs.setdefault("eager", []).append(res)
        show(r, "eager", res)
        for v in COMPILED:
            with tempfile.TemporaryDirectory(prefix="hnviz-inductor-") as cache:
                for temp in ("cold", "warm"):
                    res = in_process(v, a, cache)
                    runs.setdefault(f"{v} {temp}", []).append(res)
                    show(r, f"{v} {temp}", res)
    eager = runs["eager"]
    e_ms = statistics.median(x["ms"] for x in eager)
    e_rest = statistics.median(x["rest"] for x in eager)
    n = PROJECT_STEPS
    print("summary (medians over rounds; ratio = compiled / eager steady ms per step in the same "
          "round; compile = compiled rest - eager rest):")
    print(f"  eager            : {e_ms:.3f} ms/step; a {n}-step run {e_ms * n / 1000 + e_rest:.1f} s")
    for name, rs in runs.items():
        if name == "eager":
            continue
        ratios = [c["ms"] / e["ms"] for c, e in zip(rs, eager, strict=True)]
        comps = [c["rest"] - e["rest"] for c, e in zip(rs, eager, strict=True)]
        c_ms, ratio, comp = (statistics.median(x["ms"] for x in rs), statistics.median(ratios),
                             statistics.median(comps))
        saved = (e_ms - c_ms) / 1000  # s per step
        even = f"{comp / saved:,.0f} steps" if saved > 0 else "never"
        print(f"  {name:17s}: {c_ms:.3f} ms/step, ratio {ratio:.2f} ("
              f"{', '.join(f'{x:.2f}' for x in ratios)}), compile {comp:.1f} s ("
              f"{', '.join(f'{x:.1f}' for x in comps)}); pays after {even}; a {n}-step run "
              f"{c_ms * n / 1000 + e_rest + comp:.1f} s")


if __name__ == "__main__":
    main()
