"""Live training through the pool against the command line (prints figures; not a test).

Measures, for the toy preset (regression1d, 1-D, HNET) and optionally Split Digits:
  1. steps/s of a bare `Trainer.advance` loop in this process (the CLI's speed),
  2. steps/s of one run played through TrainPool (worker process) and InlinePool (thread), read
     from the mirror as a page would (global_step over wall time, after a warm-up),
  3. aggregate steps/s of N runs of N users playing at once on the process pool,
  4. Pause latency (pause() until the mirror says "paused") and Step(100) round trip.
A and B alternate (CLI, pool, CLI, pool) so a noisy machine affects both alike; ratios are what
to read.

Usage: python benchmarks/bench_live_pool.py [--seconds 3] [--workers 2] [--concurrent 4]
                                            [--digits]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hnviz.core.io import run_to_bytes  # noqa: E402
from hnviz.core.presets import default_config  # noqa: E402
from hnviz.core.trainer import Trainer  # noqa: E402
from hnviz.live import InlinePool, Limits, TrainPool  # noqa: E402

BIG = 1_000_000  # iterations per task: never finishes during a measurement


def cfg_of(benchmark: str):
    return default_config(benchmark).replace(train={"iters_per_task": BIG})


def cli_rate(cfg, seconds: float) -> float:
    t = Trainer(cfg)
    t.advance(50)  # warm-up (first optimizer, first evals)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        n += sum(e.kind == "step" for e in t.advance(100))
    return n / (time.perf_counter() - t0)


def pool_rate(pool, data: bytes, seconds: float) -> float:
    rid = uuid.uuid4().hex[:8]
    m = pool.add(rid, "bench", data, play=True)
    m.wait(lambda s: s.progress.global_step >= 50, 60)
    s0, t0 = m.snapshot().progress.global_step, time.perf_counter()
    time.sleep(seconds)
    s1, t1 = m.snapshot().progress.global_step, time.perf_counter()
    pool.remove(rid)
    return (s1 - s0) / (t1 - t0)


def concurrent_rate(pool, data: bytes, n: int, seconds: float) -> float:
    ids = [uuid.uuid4().hex[:8] for _ in range(n)]
    ms = [pool.add(rid, f"user{i}", data, play=True) for i, rid in enumerate(ids)]
    for m in ms:
        m.wait(lambda s: s.progress.global_step >= 50, 60)
    s0, t0 = sum(m.snapshot().progress.global_step for m in ms), time.perf_counter()
    time.sleep(seconds)
    s1, t1 = sum(m.snapshot().progress.global_step for m in ms), time.perf_counter()
    for rid in ids:
        pool.remove(rid)
    return (s1 - s0) / (t1 - t0)


def latencies(pool, data: bytes, repeats: int = 5) -> tuple[list[float], list[float]]:
    rid = uuid.uuid4().hex[:8]
    m = pool.add(rid, "bench", data)
    pause, step = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        pool.step(rid, 100)
        step.append(time.perf_counter() - t0)
        pool.play(rid)
        m.wait(lambda s: s.state == "playing", 10)
        time.sleep(0.3)
        t0 = time.perf_counter()
        pool.pause(rid)
        m.wait(lambda s: s.state == "paused", 10)
        pause.append(time.perf_counter() - t0)
    pool.remove(rid)
    return pause, step


def ms(xs: list[float]) -> str:
    return f"median {1000 * statistics.median(xs):.0f} ms, max {1000 * max(xs):.0f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--concurrent", type=int, default=4, help="runs playing at once in part 3")
    ap.add_argument("--digits", action="store_true", help="also Split Digits")
    a = ap.parse_args()
    limits = Limits(workers=a.workers, max_playing_per_user=a.concurrent,
                    max_hosted_per_user=a.concurrent + 1)
    procs, inline = TrainPool(a.workers, limits), InlinePool(limits)
    t0 = time.perf_counter()
    procs.start(), inline.start()
    assert procs.ready(120) and inline.ready(120), "pool did not start"
    print(f"pools ready in {time.perf_counter() - t0:.1f} s "
          f"(workers: {[w['info'] for w in procs.stats()['workers']]})")
    try:
        for bench in ["regression1d"] + (["split-digits"] if a.digits else []):
            cfg = cfg_of(bench)
            data = run_to_bytes(Trainer(cfg))
            cli, proc, thr = [], [], []
            for _ in range(2):  # A B A B
                cli.append(cli_rate(cfg, a.seconds))
                proc.append(pool_rate(procs, data, a.seconds))
                thr.append(pool_rate(inline, data, a.seconds))
            c, p, t = statistics.mean(cli), statistics.mean(proc), statistics.mean(thr)
            print(f"\n{bench}: CLI {c:.0f} steps/s | TrainPool (process) {p:.0f} steps/s = "
                  f"{p / c:.2f}x CLI | InlinePool (thread) {t:.0f} steps/s = {t / c:.2f}x CLI")
            agg = concurrent_rate(procs, data, a.concurrent, a.seconds)
            print(f"{bench}: {a.concurrent} runs at once on {a.workers} workers: {agg:.0f} "
                  f"steps/s in total = {agg / c:.2f}x one CLI run "
                  f"({agg / a.concurrent:.0f} steps/s each)")
            pause, step = latencies(procs, data)
            print(f"{bench}: pause latency {ms(pause)}; step(100) {ms(step)}")
    finally:
        procs.close()
        inline.close()


if __name__ == "__main__":
    main()
